// The cases of tests/data/scoring_cases.yaml run against quizlib-core.js, in Chromium and under Node alike
// (tests/test_scoring_parity.py loads this file after quizlib-core.js in both). Defines runScoringCases.
"use strict";

// What QuizLibCore `C` makes of each case of one section (`kind`) of the table: `quizzes[i]` is the quiz
// of case i (the fixture quiz with the case's settings), `banks` the fixture course's quizzes by id.
// A case whose input the scorer refuses (ResponseError) gives {error: true}.
/* exported runScoringCases */
function runScoringCases(C, kind, cases, quizzes, banks) {
  return cases.map(function (c, i) {
    var quiz = quizzes[i];
    var question = function () { return quiz.questions.filter(function (x) { return x.id === c.question; })[0]; };
    try {
      if (kind === "responses") {
        var r = C.scoreResponse(question(), c.response, quiz.settings);
        return { credit: r.credit, complete: r.complete, feedback: r.feedback.map(function (f) { return [f.ref, f.correct]; }) };
      }
      if (kind === "outcomes") {
        var o = C.outcome(question(), c.tries, quiz.settings, !!c.revealed);
        return { final: o.final, credit: o.credit, tries: o.tries };
      }
      if (kind === "quizzes") {
        var s = C.scoreQuiz(quiz, c.answers);
        return { points: s.points, max_points: s.max_points, percentage: s.percentage, passed: s.passed, complete: s.complete };
      }
      if (kind === "numbers") return { value: c.length > 2 ? C.parseNumber(c[0], c[2]) : C.parseNumber(c[0]) };
      if (kind === "draws") return { questions: C.drawQuestions(banks.exam, banks, c.seed).map(function (q) { return q.id; }) };
      if (kind === "arrangements") return { order: C.arrangement(question(), c.seed) };
      if (kind === "hashes") return { value: C.fnv1a(c[0]) };
      if (kind === "generator") {
        var rand = C.mulberry32(c.seed);
        return { values: c.values.map(function () { return rand(); }) };
      }
      throw new Error("no section " + kind + " in the table");
    } catch (e) {
      if (!(e instanceof C.ResponseError)) throw e;
      return { error: true };
    }
  });
}
