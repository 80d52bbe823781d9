/* quizlib scoring for the published pages: the JavaScript twin of quizlib/quiz/score.py.
 * Same inputs, same results, same rounding; tests/data/scoring_cases.yaml proves it (in Node and in Chromium:
 * tests/test_scoring_parity.py). Change both, or neither. No DOM here: Node loads this file as it is.
 */
(function (root) {
  "use strict";
  if (root.QuizLibCore) return;

  function ResponseError(message) {
    this.name = "ResponseError";
    this.message = message;
  }
  ResponseError.prototype = Object.create(Error.prototype);

  function roundHalfUp(value, places) {
    var scale = Math.pow(10, places);
    return Math.floor(value * scale + 0.5) / scale;
  }

  // ASCII digits only, and an explicit list of spaces: Python's \d and \s differ from JavaScript's.
  var THOUSANDS = /^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$/;
  var DECIMAL_COMMA = /^[+-]?[0-9]+,[0-9]+$/;
  var PLAIN = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/;
  var SPACES = /[ \t\n\r\f\v\u00a0\u202f]+/g;

  var MAX_TYPED = 100; // characters: no number a quiz asks for is longer (numbers.py MAX_TYPED)
  // Other ways of writing a unit that learners type: "70 percent" where the question's unit is "%".
  var UNIT_WORDS = { "%": ["%", "percent", "per cent"] };

  function asciiLower(text) {
    return text.replace(/[A-Z]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) + 32); });
  }

  // s (spaces removed) without the unit at its end, compared case-insensitively (ASCII case only), if it ends
  // with it after a digit or a point (numbers.py _without_unit).
  function withoutUnit(s, unit) {
    var u = String(unit || "").trim();
    var words = Object.prototype.hasOwnProperty.call(UNIT_WORDS, u) ? UNIT_WORDS[u] : [String(unit || "")];
    for (var i = 0; i < words.length; i++) {
      var word = words[i].replace(SPACES, "");
      if (word && s.length > word.length && asciiLower(s.slice(-word.length)) === asciiLower(word)) {
        var rest = s.slice(0, -word.length);
        if ("0123456789.".indexOf(rest.charAt(rest.length - 1)) >= 0) return rest;
      }
    }
    return s;
  }

  // A number from what a learner typed, or null (numbers.py parse_number): with `unit`, a numeric question's
  // own, the number may be followed by it ("70%", "7,636 families").
  function parseNumber(text, unit) {
    if (text === null || text === undefined || typeof text === "boolean") return null;
    if (typeof text === "number") return isFinite(text) ? text : null;
    if (String(text).length > MAX_TYPED) return null;
    var s = withoutUnit(String(text).replace(SPACES, ""), unit);
    if (THOUSANDS.test(s)) s = s.replace(/,/g, "");
    else if (DECIMAL_COMMA.test(s)) s = s.replace(",", ".");
    if (!PLAIN.test(s)) return null;
    // 400 nines parse as Infinity, which scores nothing and is not JSON: not a number (as in numbers.py).
    var value = parseFloat(s);
    return isFinite(value) ? value : null;
  }

  function isStringList(v) {
    return Array.isArray(v) && v.every(function (x) { return typeof x === "string"; });
  }

  function ids(values, what) {
    if (!isStringList(values)) throw new ResponseError("expected a list of " + what + " ids");
    return values;
  }

  function byId(list) {
    var out = {};
    list.forEach(function (x) { out[x.id] = x; });
    return out;
  }

  function fb(ref, text, correct, cite) {
    return { ref: ref, text: text, correct: correct, cite: (cite || []).slice() };
  }

  function within(value, target, tolerance) {
    return Math.abs(value - target) <= tolerance + 1e-9 * Math.max(1, Math.abs(target));
  }

  function longestIncreasingRun(values) {
    var best = [], top = 0;
    for (var i = 0; i < values.length; i++) {
      var b = 1;
      for (var j = 0; j < i; j++) if (values[j] < values[i] && best[j] + 1 > b) b = best[j] + 1;
      best.push(b);
      if (b > top) top = b;
    }
    return top;
  }

  function vignettePath(q, response) {
    var chosen = ids(response, "option");
    var stages = byId(q.stages);
    var path = [];
    var stage = stages[q.start];
    for (var n = 1; n <= chosen.length; n++) {
      if (!stage) throw new ResponseError("the case ends after " + (n - 1) + " decisions; expected no more");
      var options = byId(stage.options);
      var option = options[chosen[n - 1]];
      if (!option) throw new ResponseError("decision " + n + " (stage " + stage.id + "): expected one of " + Object.keys(options).join(", "));
      path.push([stage, option]);
      stage = option.next ? stages[option.next] : null;
    }
    return path;
  }

  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }

  function optionChoices(q) {
    return { options: q.options.map(function (o) { return [o.id, !!o.fixed]; }) };
  }

  function noChoices() { return {}; }

  // -- the kinds of question ------------------------------------------------------------------------------
  // One entry per kind, and the only place a kind's scoring rule lives. Each entry has exactly:
  //   score(q, response, settings)  -> {credit: 0..1, feedback: [{ref, text, correct, cite}], complete}
  //                                    or throws ResponseError when the response does not fit the question
  //   singleTry                     true when each decision is final: one try, no retry penalty (a case)
  //   choices(q)                    the choices shown in an order drawn per attempt, by part, as written:
  //                                 {part: [[id, fixed], ...]} (quizlib/quiz/kinds.py, Kind.choices)
  // Adding a kind: an entry here, a view in quizlib-ui.js (VIEWS), an xAPI entry in quizlib-sync.js
  // (XAPI_KINDS), and the Python side (quizlib/quiz/score.py); tests/test_javascript.py checks the lists agree.
  var KINDS = {
    single_choice: {
      singleTry: false,
      choices: optionChoices,
      score: function (q, response) {
        var options = byId(q.options);
        if (typeof response !== "string" || !has(options, response))
          throw new ResponseError("expected one of the option ids " + Object.keys(options).join(", "));
        var chosen = options[response];
        return { credit: chosen.correct ? 1 : 0, feedback: [fb(chosen.id, chosen.feedback, chosen.correct, chosen.cite)], complete: true };
      }
    },

    multiple_response: {
      singleTry: false,
      choices: optionChoices,
      score: function (q, response) {
        var options = byId(q.options);
        var picked = ids(response, "option");
        var distinct = {};
        picked.forEach(function (c) { distinct[c] = true; });
        var unknown = picked.filter(function (c) { return !has(options, c); });
        if (unknown.length || Object.keys(distinct).length !== picked.length)
          throw new ResponseError("expected distinct option ids among " + Object.keys(options).join(", "));
        var nRight = q.options.filter(function (o) { return o.correct; }).length;
        var nWrong = q.options.length - nRight;
        var hits = picked.filter(function (c) { return options[c].correct; }).length;
        var misses = picked.length - hits;
        var credit = hits / nRight - (nWrong ? misses / nWrong : 0);
        var feedback = q.options.filter(function (o) { return distinct[o.id]; })
          .map(function (o) { return fb(o.id, o.feedback, o.correct, o.cite); });
        return { credit: roundHalfUp(Math.max(0, credit), 4), feedback: feedback, complete: true };
      }
    },

    true_false: {
      singleTry: false,
      choices: noChoices,
      score: function (q, response) {
        if (typeof response !== "boolean") throw new ResponseError("expected true or false");
        var right = response === q.answer;
        var text = response ? q.feedback.if_true : q.feedback.if_false;
        return { credit: right ? 1 : 0, feedback: [fb(response ? "true" : "false", text, right, q.cite)], complete: true };
      }
    },

    numeric: {
      singleTry: false,
      choices: noChoices,
      score: function (q, response, settings) {
        if (typeof response !== "string" && typeof response !== "number")
          throw new ResponseError("expected a number or the text typed");
        var value = parseNumber(response, q.unit);
        if (value === null) throw new ResponseError("expected a number, found " + JSON.stringify(response));
        var tolerance = q.tolerance !== null && q.tolerance !== undefined ? q.tolerance : settings.numeric_tolerance;
        if (within(value, q.answer, tolerance))
          return { credit: 1, feedback: [fb("correct", q.feedback.correct, true, q.cite)], complete: true };
        var wrong = q.wrong_answers || [];
        for (var w = 0; w < wrong.length; w++) {
          if (within(value, wrong[w].value, tolerance))
            return { credit: 0, feedback: [fb("wrong-" + (w + 1), wrong[w].feedback, false, q.cite)], complete: true };
        }
        return { credit: 0, feedback: [fb("incorrect", q.feedback.incorrect, false, q.cite)], complete: true };
      }
    },

    ordering: {
      singleTry: false,
      choices: noChoices,
      score: function (q, response) {
        var order = ids(response, "step");
        if (order.slice().sort().join("\u0000") !== q.order.slice().sort().join("\u0000"))
          throw new ResponseError("expected every step id once: " + q.order.join(", "));
        var position = {};
        q.order.forEach(function (s, i) { position[s] = i; });
        var run = longestIncreasingRun(order.map(function (s) { return position[s]; }));
        var items = byId(q.items);
        return {
          credit: run >= 2 ? roundHalfUp(run / order.length, 4) : 0,
          feedback: order.map(function (s, i) { return fb(s, items[s].feedback, position[s] === i, q.cite); }),
          complete: true
        };
      }
    },

    matching: {
      singleTry: false,
      choices: function (q) {
        if (q.choices) return { choices: q.choices.map(function (c) { return [c.id, false]; }) };  // as the server shows it
        return { choices: q.pairs.map(function (p) { return [p.id, false]; })
          .concat((q.distractors || []).map(function (d) { return [d.id, !!d.fixed]; })) };
      },
      score: function (q, response) {
        if (response === null || typeof response !== "object" || Array.isArray(response) ||
            !Object.keys(response).every(function (k) { return typeof response[k] === "string"; }))
          throw new ResponseError("expected a mapping of pair id to chosen id");
        var pairs = byId(q.pairs);
        var distractors = byId(q.distractors || []);
        var badKey = Object.keys(response).some(function (k) { return !has(pairs, k); });
        var badValue = Object.keys(response).some(function (k) { return !has(pairs, response[k]) && !has(distractors, response[k]); });
        if (badKey || badValue)
          throw new ResponseError("expected pair ids among " + Object.keys(pairs).join(", ") + " mapped to pair or distractor ids");
        var good = 0, out = [];
        q.pairs.forEach(function (p) {
          var c = has(response, p.id) ? response[p.id] : null;
          var ok = c === p.id;
          if (ok) good++;
          out.push(fb(p.id, p.feedback, ok, q.cite));
          if (c !== null && has(distractors, c)) out.push(fb(c, distractors[c].feedback, false, q.cite));
        });
        return { credit: roundHalfUp(good / q.pairs.length, 4), feedback: out, complete: true };
      }
    },

    vignette: {
      singleTry: true,
      choices: function (q) {
        var out = {};
        q.stages.forEach(function (s) { out[s.id] = s.options.map(function (o) { return [o.id, !!o.fixed]; }); });
        return out;
      },
      score: function (q, response) {
        var path = vignettePath(q, response);
        var sum = 0;
        path.forEach(function (p) { sum += p[1].credit; });
        return {
          credit: path.length ? roundHalfUp(sum / path.length, 4) : 0,
          feedback: path.map(function (p) { return fb(p[0].id + "/" + p[1].id, p[1].feedback, p[1].credit === 1, p[1].cite); }),
          complete: path.length > 0 && !path[path.length - 1][1].next
        };
      }
    }
  };

  function kindOf(q) {
    if (!q || typeof q.kind !== "string" || !has(KINDS, q.kind)) throw new Error("not a question: " + JSON.stringify(q && q.kind));
    return KINDS[q.kind];
  }

  function scoreResponse(q, response, settings) {
    return kindOf(q).score(q, response, settings);
  }

  function outcome(q, tries, settings, revealed) {
    var singleTry = kindOf(q).singleTry;
    var limit = singleTry ? 1 : settings.tries;
    if (tries.length > limit) throw new ResponseError("expected at most " + limit + " tries, found " + tries.length);
    if (revealed && (settings.reveal_after === 0 || tries.length < settings.reveal_after))
      throw new ResponseError("the answer can be shown only after " + (settings.reveal_after || "no") + " tries");
    var last = tries.length ? scoreResponse(q, tries[tries.length - 1], settings) : null;
    var final, credit;
    if (last === null || !last.complete) {
      final = !!revealed;
      credit = 0;
    } else {
      final = last.credit === 1 || tries.length >= limit || !!revealed;
      var penalty = singleTry ? 0 : settings.retry_penalty * (tries.length - 1);
      credit = roundHalfUp(Math.max(0, last.credit * (1 - penalty)), 4);
    }
    return {
      question_id: q.id, tries: tries.length, final: final, credit: credit,
      points: credit * q.points, max_points: q.points, last: last
    };
  }

  function scoreQuiz(quiz, answers, questions) {
    var shown = questions || quiz.questions;
    var known = {};
    shown.forEach(function (q) { known[q.id] = true; });
    Object.keys(answers).forEach(function (k) {
      if (!known[k]) throw new ResponseError("no question " + JSON.stringify(k) + " in quiz " + JSON.stringify(quiz.id));
    });
    var outcomes = shown.map(function (q) {
      var a = answers[q.id] || {};
      return outcome(q, a.tries || [], quiz.settings, !!a.revealed);
    });
    var points = 0, maxPoints = 0;
    outcomes.forEach(function (o) { points += o.points; });
    outcomes.forEach(function (o) { maxPoints += o.max_points; });
    var percentage = maxPoints ? roundHalfUp(100 * points / maxPoints, 2) : 0;
    return {
      quiz_id: quiz.id, points: roundHalfUp(points, 4), max_points: maxPoints, percentage: percentage,
      passed: percentage >= quiz.settings.pass_mark,
      complete: outcomes.every(function (o) { return o.final; }), questions: outcomes
    };
  }

  function mulberry32(seed) {
    var state = seed >>> 0;
    return function () {
      state = (state + 0x6D2B79F5) >>> 0;
      var t = Math.imul(state ^ (state >>> 15), 1 | state) >>> 0;
      t = (((t + Math.imul(t ^ (t >>> 7), 61 | t)) >>> 0) ^ t) >>> 0;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function drawQuestions(quiz, banks, seed) {
    var rand = mulberry32(seed);
    var chosen = quiz.questions.slice();
    (quiz.draw || []).forEach(function (d) {
      var bank = banks[d.quiz];
      var pool = bank.questions.filter(function (q) { return !d.kinds.length || d.kinds.indexOf(q.kind) >= 0; });
      for (var i = pool.length - 1; i > 0; i--) {
        var j = Math.floor(rand() * (i + 1));
        var tmp = pool[i]; pool[i] = pool[j]; pool[j] = tmp;
      }
      pool.slice(0, d.count).forEach(function (q) {
        var copy = JSON.parse(JSON.stringify(q));
        copy.id = bank.id + "/" + q.id;
        copy.objective = bank.id + "/" + q.objective;
        if (q.kind === "numeric" && (q.tolerance === null || q.tolerance === undefined))
          copy.tolerance = bank.settings.numeric_tolerance;
        chosen.push(copy);
      });
    });
    return chosen;
  }

  // -- shuffled choices: the twin of quizlib/quiz/shuffle.py ------------------------------------------------

  // The 32-bit FNV-1a hash of the text's UTF-8 bytes.
  function fnv1a(text) {
    var h = 0x811C9DC5;
    function mix(byte) { h = Math.imul(h ^ byte, 0x01000193) >>> 0; }
    for (var i = 0; i < text.length; i++) {
      var c = text.codePointAt(i);
      if (c > 0xFFFF) i++;
      if (c < 0x80) mix(c);
      else if (c < 0x800) { mix(0xC0 | (c >> 6)); mix(0x80 | (c & 63)); }
      else if (c < 0x10000) { mix(0xE0 | (c >> 12)); mix(0x80 | ((c >> 6) & 63)); mix(0x80 | (c & 63)); }
      else { mix(0xF0 | (c >> 18)); mix(0x80 | ((c >> 12) & 63)); mix(0x80 | ((c >> 6) & 63)); mix(0x80 | (c & 63)); }
    }
    return h >>> 0;
  }

  // The ids of items ([id, fixed] pairs, as written) in the order drawn for seed and key: the choices that are
  // not fixed shuffled (Fisher-Yates, mulberry32 seeded with seed XOR fnv1a(key)); a fixed one keeps its place.
  function shuffled(seed, key, items) {
    var rand = mulberry32(((seed ^ fnv1a(key)) >>> 0));
    var places = [], moving = [];
    items.forEach(function (item, i) { if (!item[1]) { places.push(i); moving.push(item[0]); } });
    for (var i = moving.length - 1; i > 0; i--) {
      var j = Math.floor(rand() * (i + 1));
      var tmp = moving[i]; moving[i] = moving[j]; moving[j] = tmp;
    }
    var out = items.map(function (item) { return item[0]; });
    places.forEach(function (place, n) { out[place] = moving[n]; });
    return out;
  }

  // The order shown for each part of question q at seed: {part: [id, ...]}. A question the server already
  // arranged for its attempt (q.arranged) is shown as it came.
  function arrangement(q, seed) {
    var parts = kindOf(q).choices(q);
    var out = {};
    Object.keys(parts).forEach(function (part) {
      out[part] = q.arranged ? parts[part].map(function (item) { return item[0]; }) : shuffled(seed, q.id + "#" + part, parts[part]);
    });
    return out;
  }

  root.QuizLibCore = {
    ResponseError: ResponseError, roundHalfUp: roundHalfUp, parseNumber: parseNumber,
    KINDS: KINDS, scoreResponse: scoreResponse, outcome: outcome, scoreQuiz: scoreQuiz,
    mulberry32: mulberry32, drawQuestions: drawQuestions, longestIncreasingRun: longestIncreasingRun,
    fnv1a: fnv1a, shuffled: shuffled, arrangement: arrangement
  };
})(typeof window !== "undefined" ? window : globalThis);
