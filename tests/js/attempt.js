// One attempt at a quiz as quizlib-ui.js records it, and the xAPI statements quizlib-sync.js makes of it
// (tests/test_javascript.py compares them with those quizlib/results/xapi.py makes of the same facts).
// Loaded after quizlib-dom.js, quizlib-core.js, quizlib-ui.js and quizlib-sync.js. Defines attemptStatements.
"use strict";

// input: {quiz, banks, seed, attempt_id, registration, timestamp, learner, ids: [one per statement],
//         steps: [{question, response, duration}], duration}: each step a try, in order, with the seconds spent
//         on its question so far; for a case, each step one more decision (the response is the path so far,
//         recorded as the case's one try, as quizlib-ui.js does); `duration` the seconds on the whole attempt.
// Returns every "answered" statement, then the "completed" one, each with the actor it is sent with.
/* exported attemptStatements */
function attemptStatements(Core, Sync, input) {
  var quiz = input.quiz;
  var shown = quiz.draw && quiz.draw.length ? Core.drawQuestions(quiz, input.banks, input.seed) : quiz.questions;
  var answers = {};
  var base = { quiz: quiz, quiz_id: quiz.id, chapter: quiz.chapter, attempt: 1, attempt_id: input.attempt_id, seed: input.seed };
  var ids = input.ids.slice();
  function facts(extra) {
    return Object.assign({ id: ids.shift(), timestamp: input.timestamp, registration: input.registration }, extra);
  }
  function sent(statement) {
    statement.actor = Sync.actorFor(input.learner);
    return statement;
  }
  var out = input.steps.map(function (step) {
    var q = shown.filter(function (x) { return x.id === step.question; })[0];
    var result = Core.scoreResponse(q, step.response, quiz.settings);
    var a = answers[q.id] || (answers[q.id] = { tries: [], revealed: false });
    if (Core.KINDS[q.kind].singleTry) a.tries = [];
    a.tries.push(step.response);
    var o = Core.scoreQuiz(quiz, answers, shown).questions.filter(function (x) { return x.question_id === q.id; })[0];
    var event = Object.assign({ type: "answered", question: q, response: step.response, result: result, outcome: o, try_number: a.tries.length, duration: step.duration }, base);
    return sent(Sync.statementFor(event, facts({})));
  });
  var finished = Object.assign({ type: "completed", result: Core.scoreQuiz(quiz, answers, shown), duration: input.duration }, base);
  out.push(sent(Sync.statementFor(finished, facts({ answers: answers }))));
  return out;
}
