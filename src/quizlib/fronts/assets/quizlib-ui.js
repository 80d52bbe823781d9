/* quizlib in the published pages: draws a quiz from its JSON, scores it with QuizLibCore, keeps the
 * learner's answers in localStorage, and tells listeners (QuizLibUI.on) what happened, so results can be sent
 * on. It makes no network request and needs only the quiz runtime's other files (quizlib-dom.js and
 * quizlib-core.js, loaded before it).
 */
(function (root) {
  "use strict";
  if (root.QuizLibUI) return;
  var Core = root.QuizLibCore;
  var el = root.QuizLibDOM.el;
  var STORE_PREFIX = "quizlib:v1:";
  var listeners = [];
  var uid = 0;

  // -- storage ------------------------------------------------------------------------------------------
  // An object with localStorage's getItem, setItem and removeItem that replaces it (QuizLibUI.useStorage),
  // for example the launcher of an LMS package, which keeps answers for the LMS.
  var storageOverride = null;

  function storage() {
    if (storageOverride) return storageOverride;
    try {
      var s = root.localStorage;
      var probe = STORE_PREFIX + "probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (e) {
      return null; // private mode or storage blocked: the quiz still works, progress is not kept
    }
  }

  function loadState(quizId) {
    var s = storage();
    if (!s) return null;
    try {
      var v = JSON.parse(s.getItem(STORE_PREFIX + "quiz:" + quizId) || "null");
      return v && v.version === 1 ? v : null;
    } catch (e) {
      return null;
    }
  }

  function saveState(quizId, state) {
    var s = storage();
    if (!s) return false;
    try {
      s.setItem(STORE_PREFIX + "quiz:" + quizId, JSON.stringify(state));
      return true;
    } catch (e) {
      return false;
    }
  }

  function randomSeed() {
    if (root.crypto && root.crypto.getRandomValues) {
      var a = new Uint32Array(1);
      root.crypto.getRandomValues(a);
      return a[0];
    }
    return Math.floor(Math.random() * 4294967296);
  }

  function uuid4() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var b = new Uint8Array(16);
    (root.crypto || { getRandomValues: function (x) { for (var i = 0; i < x.length; i++) x[i] = Math.floor(Math.random() * 256); return x; } }).getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function newState(attempt) {
    return { version: 1, attempt: attempt, attempt_id: uuid4(), seed: randomSeed(), started: new Date().toISOString(), answers: {} };
  }

  // -- small helpers ------------------------------------------------------------------------------------
  function paragraphs(text, className) {
    var box = el("div", { className: className });
    String(text || "").split(/\n\s*\n/).forEach(function (para) {
      if (para.trim()) box.appendChild(el("p", { text: para.trim() }));
    });
    return box;
  }

  function nextId(prefix) {
    uid += 1;
    return "ql-" + prefix + "-" + uid;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function formatNumber(x) {
    return (Math.round(x * 100) / 100).toString();
  }

  function emit(event) {
    listeners.forEach(function (fn) {
      try { fn(event); } catch (e) { if (root.console) root.console.error("quizlib listener failed", e); }
    });
  }

  // -- the quiz -------------------------------------------------------------------------------------------
  function Quiz(container, data) {
    this.container = container;
    this.data = data;
    this.quiz = data.quiz;
    this.refs = data.references || {};
    this.state = loadState(this.quiz.id);
    if (!this.state) {
      // Saved at once, so an assessment's seed (which questions were drawn) survives a reload.
      this.state = newState(1);
      this.save();
    }
    this.render();
  }

  Quiz.prototype.questions = function () {
    if (this.quiz.draw && this.quiz.draw.length) return Core.drawQuestions(this.quiz, this.data.banks || {}, this.state.seed);
    return this.quiz.questions;
  };

  Quiz.prototype.answer = function (qid) {
    if (!this.state.answers[qid]) this.state.answers[qid] = { tries: [], revealed: false };
    return this.state.answers[qid];
  };

  Quiz.prototype.save = function () {
    this.state.updated = new Date().toISOString();
    saveState(this.quiz.id, this.state);
  };

  Quiz.prototype.render = function () {
    var self = this;
    var c = this.container;
    c.textContent = "";
    c.classList.add("ql-quiz");
    var titleId = nextId("title");
    var section = el("section", { className: "ql-card", "aria-labelledby": titleId });
    section.appendChild(el("h2", { id: titleId, className: "ql-title", text: this.quiz.title }));
    var shown = this.shown = this.questions();
    var intro = this.quiz.intro ? this.quiz.intro + " " : "";
    var rules = "Pass mark: " + this.quiz.settings.pass_mark + "%. ";
    rules += "You have " + plural(this.quiz.settings.tries, "try", "tries") + " at each question";
    rules += shown.some(function (q) { return Core.KINDS[q.kind].singleTry; }) ? "; each decision in a case is final." : ".";
    section.appendChild(el("p", { className: "ql-intro", text: intro + rules }));
    if (!storage()) section.appendChild(el("p", { className: "ql-warning", text: "Your browser is not keeping data for this site, so your answers will be lost when you leave the page." }));
    shown.forEach(function (q, i) {
      section.appendChild(new QuestionView(self, q, i + 1, shown.length).node);
    });
    this.summary = el("div", { className: "ql-summary", role: "status", "aria-live": "polite" });
    section.appendChild(this.summary);
    var restart = el("button", { type: "button", className: "ql-button ql-secondary", text: "Start this quiz again" });
    restart.addEventListener("click", function () { self.restart(); });
    section.appendChild(el("p", {}, [restart]));
    c.appendChild(section);
    this.updateSummary(false);
  };

  Quiz.prototype.restart = function () {
    var ok = !root.confirm || root.confirm("Start again? Your answers to this quiz will be cleared. Your earlier result stays in your progress.");
    if (!ok) return;
    var previous = this.state;
    this.state = newState(previous.attempt + 1);
    if (previous.best !== undefined) this.state.best = previous.best;
    this.save();
    this.render();
    var first = this.container.querySelector("input, select, button");
    if (first) first.focus();
  };

  Quiz.prototype.result = function () {
    var answers = {};
    var self = this;
    this.shown.forEach(function (q) { if (self.state.answers[q.id]) answers[q.id] = self.state.answers[q.id]; });
    return Core.scoreQuiz(this.quiz, answers, this.shown);
  };

  Quiz.prototype.updateSummary = function (announce) {
    var r = this.result();
    var answered = r.questions.filter(function (o) { return o.final; }).length;
    var text;
    if (r.complete) {
      text = "Quiz complete. Your score: " + formatNumber(r.points) + " out of " + formatNumber(r.max_points) +
        " (" + formatNumber(r.percentage) + "%). The pass mark is " + this.quiz.settings.pass_mark + "%: " +
        (r.passed ? "you passed." : "not passed yet. You can read the chapter again and start the quiz again.");
    } else {
      text = "Answered " + answered + " of " + r.questions.length + " questions.";
    }
    this.summary.textContent = "";
    this.summary.appendChild(el("p", { text: text }));
    this.summary.classList.toggle("ql-passed", r.complete && r.passed);
    if (!announce) this.summary.setAttribute("aria-live", "off");
    else this.summary.setAttribute("aria-live", "polite");
    return r;
  };

  Quiz.prototype.recordTry = function (q, response, result, revealed) {
    var a = this.answer(q.id);
    if (response !== undefined) a.tries.push(response);
    if (revealed) a.revealed = true;
    var wasComplete = !!this.state.completed;
    var r = this.result();
    if (r.complete && !wasComplete) {
      this.state.completed = new Date().toISOString();
      this.state.result = { points: r.points, max_points: r.max_points, percentage: r.percentage, passed: r.passed };
      if (this.state.best === undefined || r.percentage > this.state.best.percentage)
        this.state.best = { percentage: r.percentage, passed: r.passed, attempt: this.state.attempt };
    }
    this.save();
    var base = { quiz: this.quiz, quiz_id: this.quiz.id, chapter: this.quiz.chapter, attempt: this.state.attempt, attempt_id: this.state.attempt_id, seed: this.state.seed };
    if (response !== undefined) {
      var o = r.questions.filter(function (x) { return x.question_id === q.id; })[0];
      emit(Object.assign({ type: "answered", question: q, response: response, result: result, outcome: o, try_number: a.tries.length }, base));
    }
    if (r.complete && !wasComplete) emit(Object.assign({ type: "completed", result: r }, base));
    this.updateSummary(true);
    return r;
  };

  // -- one question ---------------------------------------------------------------------------------------
  // A question's section: its heading, the controls its kind's view draws (VIEWS, below), the Check answer
  // and Show the answer buttons, the tries left, and the feedback region.
  function QuestionView(quiz, q, number, total) {
    this.quiz = quiz;
    this.q = q;
    this.settings = quiz.quiz.settings;
    var headingId = nextId("q");
    this.node = el("section", { className: "ql-question ql-" + q.kind, "aria-labelledby": headingId, "data-question": q.id });
    var heading = el("h3", { id: headingId, className: "ql-qtitle" });
    this.node.appendChild(heading);
    this.body = el("div", { className: "ql-body" });
    this.node.appendChild(this.body);
    this.live = el("div", { className: "ql-feedback", role: "status", "aria-live": "polite", tabindex: "-1" });
    this.view = makeView(this);
    heading.textContent = this.view.heading(number, total);
    if (!this.view.stepwise) this.controls();
    this.node.appendChild(this.live);
    this.restore();
  }

  QuestionView.prototype.answer = function () { return this.quiz.state.answers[this.q.id] || { tries: [], revealed: false }; };

  QuestionView.prototype.prompt = function (text) {
    return paragraphs(text, "ql-prompt");
  };

  QuestionView.prototype.submit = function () {
    this.checkButton.click();
  };

  QuestionView.prototype.controls = function () {
    var self = this;
    var row = el("div", { className: "ql-controls" });
    this.checkButton = el("button", { type: "button", className: "ql-button", text: "Check answer" });
    this.checkButton.addEventListener("click", function () { self.check(self.view.response()); });
    row.appendChild(this.checkButton);
    this.revealButton = el("button", { type: "button", className: "ql-button ql-secondary", text: "Show the answer", hidden: true });
    this.revealButton.addEventListener("click", function () { self.reveal(); });
    row.appendChild(this.revealButton);
    this.triesNote = el("span", { className: "ql-tries" });
    row.appendChild(this.triesNote);
    this.body.appendChild(row);
  };

  QuestionView.prototype.outcome = function () {
    var a = this.answer();
    return Core.outcome(this.q, a.tries, this.settings, a.revealed);
  };

  QuestionView.prototype.citeText = function (keys) {
    var refs = this.quiz.refs;
    var names = (keys || []).map(function (k) { return refs[k] ? refs[k].short : k; });
    return names.length ? "Source: " + names.join("; ") + "." : "";
  };

  QuestionView.prototype.feedbackItem = function (f, label) {
    var box = el("div", { className: "ql-fb " + (f.correct ? "ql-right" : "ql-wrong") });
    var head = el("p", { className: "ql-fbhead" }, [el("strong", { text: f.correct ? "Right." : "Not quite." })]);
    if (label) head.appendChild(document.createTextNode(" About \u201c" + label + "\u201d:"));
    box.appendChild(head);
    box.appendChild(paragraphs(f.text, "ql-fbtext"));
    var cite = this.citeText(f.cite && f.cite.length ? f.cite : this.q.cite);
    if (cite) box.appendChild(el("p", { className: "ql-cite", text: cite }));
    return box;
  };

  QuestionView.prototype.showResult = function (result, announce) {
    var o = this.outcome();
    var self = this;
    this.live.setAttribute("aria-live", announce ? "polite" : "off");
    this.live.textContent = "";
    if (result) {
      var head;
      if (result.credit === 1) head = "Correct.";
      else if (result.credit > 0) head = "Partly correct: " + Math.round(result.credit * 100) + "% of the credit.";
      else head = "Not correct.";
      this.live.appendChild(el("p", { className: "ql-verdict", text: head }));
      this.view.feedbackFilter(result, o).forEach(function (f) {
        self.live.appendChild(self.feedbackItem(f, self.view.labelFor(f)));
      });
    }
    var left = this.settings.tries - o.tries;
    var canReveal = this.settings.reveal_after > 0 && o.tries >= this.settings.reveal_after;
    if (o.final) {
      this.lock();
      this.triesNote.textContent = result && result.credit === 1 ? "" : (o.tries ? "No more tries for this question." : "");
      if ((canReveal || this.answer().revealed) && !(result && result.credit === 1)) this.live.appendChild(this.answerKey());
      this.revealButton.hidden = true;
    } else if (o.tries) {
      this.triesNote.textContent = "You can try again (" + plural(left, "try", "tries") + " left).";
      this.revealButton.hidden = !canReveal;
    }
  };

  QuestionView.prototype.lock = function () {
    Array.prototype.forEach.call(this.body.querySelectorAll("input, select, button"), function (x) {
      x.disabled = true;
    });
  };

  QuestionView.prototype.check = function (response) {
    var result;
    try {
      result = Core.scoreResponse(this.q, response, this.settings);
    } catch (e) {
      if (!(e instanceof Core.ResponseError)) throw e;
      this.live.setAttribute("aria-live", "assertive");
      this.live.textContent = "";
      this.live.appendChild(el("p", { className: "ql-verdict ql-problem", text: this.view.hint }));
      return;
    }
    this.quiz.recordTry(this.q, response, result, false);
    var final = this.outcome().final;
    // A final check disables the button that has focus; move focus to the feedback so a keyboard user
    // goes on from there (it is read on focus, so it is not announced a second time).
    this.showResult(result, !final);
    if (final) this.live.focus();
  };

  QuestionView.prototype.reveal = function () {
    this.quiz.recordTry(this.q, undefined, null, true);
    var a = this.answer();
    var last = a.tries.length ? Core.scoreResponse(this.q, a.tries[a.tries.length - 1], this.settings) : null;
    this.showResult(last, true);
  };

  QuestionView.prototype.restore = function () {
    var a = this.answer();
    var last = a.tries[a.tries.length - 1];
    if (this.view.stepwise) {
      this.view.setResponse(a.tries.length ? last : []);
      return;
    }
    if (!a.tries.length && !a.revealed) return;
    if (a.tries.length) this.view.setResponse(last);
    var result = a.tries.length ? Core.scoreResponse(this.q, last, this.settings) : null;
    this.showResult(result, false);
  };

  QuestionView.prototype.answerKey = function () {
    var box = el("div", { className: "ql-answer" });
    box.appendChild(el("p", {}, [el("strong", { text: "The answer: " }), this.view.answerText()]));
    return box;
  };

  // -- the kinds of question: one view each ---------------------------------------------------------------
  // VIEWS[kind](question) draws the controls of a question of that kind into `question.body` and returns
  // the kind's view. From `question` (a QuestionView) a view uses only:
  //   q, settings          the question's data and the quiz's settings
  //   body                 the element to draw into (Check answer and Show the answer come after it)
  //   prompt(text)         the prompt as paragraphs
  //   submit()             press Check answer (Enter in a text box)
  //   feedbackItem(f, label), quiz.answer(id), quiz.recordTry(...)   for a stepwise view's own feedback and tries
  //
  // Every view has these members:
  //   heading(number, total)   the question's heading, e.g. "Question 2 of 8"
  //   hint                     what to say when the learner checks without an answer
  //   setResponse(r)           show response r, a try saved earlier (on reload); a stepwise view also shows
  //                            its feedback, and draws its first step when r is []
  //   stepwise                 true when the view records its own tries, one final decision at a time, with its
  //                            own buttons and feedback (a case); false when the question adds Check answer,
  //                            Show the answer and the feedback
  // and a view that is not stepwise also:
  //   response()               the response the controls show now, or null when there is none yet
  //   labelFor(f)              what feedback item f is about (an option's text, a step), or "" for nothing
  //   feedbackFilter(result, outcome)   the feedback items to show after a try
  //   answerText()             the right answer in words, shown as "The answer: ..." when a question is over
  var MEMBERS = ["heading", "hint", "setResponse", "stepwise"];
  var CHECKED_MEMBERS = ["response", "labelFor", "feedbackFilter", "answerText"];

  function makeView(question) {
    var kind = question.q.kind;
    var view = VIEWS[kind](question);
    MEMBERS.concat(view.stepwise ? [] : CHECKED_MEMBERS).forEach(function (m) {
      if (view[m] === undefined) throw new Error("quizlib: the view of " + kind + " questions has no " + m);
    });
    return view;
  }

  function questionHeading(number, total) { return "Question " + number + " of " + total; }

  function allFeedback(result) { return result.feedback; }

  // While tries remain, say which parts are right without explaining where the others go.
  function rightFeedbackUntilFinal(result, o) {
    if (o.final) return result.feedback;
    return result.feedback.filter(function (f) { return f.correct; });
  }

  function optionText(q, id) {
    var o = q.options.filter(function (x) { return x.id === id; })[0];
    return o ? o.text : id;
  }

  function checkedInputs(inputs) {
    return inputs.filter(function (i) { return i.checked; });
  }

  function choiceView(multiple) {
    return function (question) {
      var q = question.q;
      var fs = el("fieldset", { className: "ql-options" });
      var legend = el("legend");
      legend.appendChild(question.prompt(q.prompt));
      if (multiple) legend.appendChild(el("p", { className: "ql-help", text: "Select all that apply." }));
      fs.appendChild(legend);
      var name = nextId("opt");
      var inputs = q.options.map(function (o) {
        var id = nextId("o");
        var input = el("input", { type: multiple ? "checkbox" : "radio", name: name, id: id, value: o.id });
        fs.appendChild(el("div", { className: "ql-option" }, [input, el("label", { "for": id, text: o.text })]));
        return input;
      });
      question.body.appendChild(fs);
      return {
        heading: questionHeading,
        hint: multiple ? "Please select at least one option first." : "Please choose an option first.",
        stepwise: false,
        response: function () {
          var chosen = checkedInputs(inputs).map(function (i) { return i.value; });
          if (!chosen.length) return null;
          return multiple ? chosen : chosen[0];
        },
        setResponse: function (r) {
          var set = multiple ? r : [r];
          inputs.forEach(function (i) { i.checked = set.indexOf(i.value) >= 0; });
        },
        labelFor: function (f) { return optionText(q, f.ref); },
        feedbackFilter: allFeedback,
        answerText: function () {
          return q.options.filter(function (o) { return o.correct; }).map(function (o) { return o.text; }).join("; ");
        }
      };
    };
  }

  function trueFalseView(question) {
    var q = question.q;
    var fs = el("fieldset", { className: "ql-options" });
    var legend = el("legend");
    legend.appendChild(question.prompt(q.prompt));
    legend.appendChild(el("p", { className: "ql-help", text: "Is this true or false?" }));
    fs.appendChild(legend);
    var name = nextId("tf");
    var inputs = [["true", "True"], ["false", "False"]].map(function (pair) {
      var id = nextId("o");
      var input = el("input", { type: "radio", name: name, id: id, value: pair[0] });
      fs.appendChild(el("div", { className: "ql-option" }, [input, el("label", { "for": id, text: pair[1] })]));
      return input;
    });
    question.body.appendChild(fs);
    return {
      heading: questionHeading,
      hint: "Please choose true or false first.",
      stepwise: false,
      response: function () {
        var chosen = checkedInputs(inputs)[0];
        return chosen ? chosen.value === "true" : null;
      },
      setResponse: function (r) { inputs[0].checked = r === true; inputs[1].checked = r === false; },
      labelFor: function (f) { return f.ref === "true" ? "True" : "False"; },
      feedbackFilter: allFeedback,
      answerText: function () { return q.answer ? "True" : "False"; }
    };
  }

  function numericView(question) {
    var q = question.q;
    var id = nextId("num");
    var hintId = nextId("hint");
    var label = el("label", { "for": id, className: "ql-label" });
    label.appendChild(question.prompt(q.prompt));
    question.body.appendChild(label);
    var input = el("input", { type: "text", id: id, inputmode: "decimal", autocomplete: "off", className: "ql-number", "aria-describedby": hintId });
    var row = el("div", { className: "ql-numrow" }, [input]);
    if (q.unit) row.appendChild(el("span", { className: "ql-unit", text: q.unit }));
    question.body.appendChild(row);
    question.body.appendChild(el("p", { id: hintId, className: "ql-help", text: "Type a number, for example 12 or 0.5." }));
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); question.submit(); } });
    return {
      heading: questionHeading,
      hint: "Please type a number, using digits (for example 12 or 0.5).",
      stepwise: false,
      response: function () {
        var v = input.value.trim();
        return v === "" ? null : v;
      },
      setResponse: function (r) { input.value = String(r); },
      labelFor: function () { return ""; },
      feedbackFilter: allFeedback,
      answerText: function () {
        var t = q.tolerance !== null && q.tolerance !== undefined ? q.tolerance : question.settings.numeric_tolerance;
        return String(q.answer) + (q.unit ? " " + q.unit : "") + (t ? " (answers within " + t + " count)" : "");
      }
    };
  }

  function orderingView(question) {
    var q = question.q;
    var instrId = nextId("instr");
    question.body.appendChild(question.prompt(q.prompt));
    question.body.appendChild(el("p", { id: instrId, className: "ql-help", text: "Use the Move up and Move down buttons to put the steps in order, first step at the top." }));
    var items = {};
    q.items.forEach(function (it) { items[it.id] = it; });
    var order = q.items.map(function (it) { return it.id; });
    var list = el("ol", { className: "ql-order", "aria-describedby": instrId });
    question.body.appendChild(list);
    var moveNote = el("p", { className: "ql-visually-hidden", role: "status", "aria-live": "polite" });
    question.body.appendChild(moveNote);

    function draw(focusId, focusDir) {
      list.textContent = "";
      order.forEach(function (sid, i) {
        var up = el("button", { type: "button", className: "ql-move", "aria-label": "Move up: " + items[sid].text, text: "\u2191 Move up" });
        var down = el("button", { type: "button", className: "ql-move", "aria-label": "Move down: " + items[sid].text, text: "\u2193 Move down" });
        up.disabled = i === 0;
        down.disabled = i === order.length - 1;
        up.addEventListener("click", function () { move(i, -1); });
        down.addEventListener("click", function () { move(i, +1); });
        var li = el("li", { className: "ql-step", "data-step": sid }, [el("span", { className: "ql-steptext", text: items[sid].text }), el("span", { className: "ql-movers" }, [up, down])]);
        list.appendChild(li);
        if (sid === focusId) {
          var target = focusDir < 0 ? (up.disabled ? down : up) : (down.disabled ? up : down);
          target.focus();
        }
      });
    }

    function move(i, dir) {
      var j = i + dir;
      if (j < 0 || j >= order.length) return;
      var sid = order[i];
      order[i] = order[j];
      order[j] = sid;
      draw(sid, dir);
      moveNote.textContent = "\u201c" + items[sid].text + "\u201d is now step " + (j + 1) + " of " + order.length + ".";
    }

    draw();
    return {
      heading: questionHeading,
      hint: "Please give an answer first.",
      stepwise: false,
      response: function () { return order.slice(); },
      setResponse: function (r) { order = r.slice(); draw(); },
      labelFor: function (f) { return items[f.ref].text; },
      feedbackFilter: rightFeedbackUntilFinal,
      answerText: function () {
        return q.order.map(function (sid, i) { return (i + 1) + ". " + items[sid].text; }).join("  ");
      }
    };
  }

  function matchingView(question) {
    var q = question.q;
    question.body.appendChild(question.prompt(q.prompt));
    var choices = q.pairs.map(function (p) { return { id: p.id, text: p.right }; })
      .concat((q.distractors || []).map(function (d) { return { id: d.id, text: d.text }; }))
      .sort(function (a, b) { return a.text < b.text ? -1 : a.text > b.text ? 1 : 0; });
    var table = el("div", { className: "ql-match" });
    var selects = {};
    q.pairs.forEach(function (p) {
      var id = nextId("m");
      var select = el("select", { id: id, className: "ql-select" }, [el("option", { value: "", text: "Choose\u2026" })]);
      choices.forEach(function (c) { select.appendChild(el("option", { value: c.id, text: c.text })); });
      selects[p.id] = select;
      table.appendChild(el("div", { className: "ql-matchrow" }, [el("label", { "for": id, className: "ql-left", text: p.left }), select]));
    });
    question.body.appendChild(table);
    var lefts = {}, names = {};
    q.pairs.forEach(function (p) { lefts[p.id] = p.left; names[p.id] = p.right; });
    (q.distractors || []).forEach(function (d) { names[d.id] = d.text; });
    return {
      heading: questionHeading,
      hint: "Please choose a match for every item first.",
      stepwise: false,
      response: function () {
        var r = {}, missing = false;
        q.pairs.forEach(function (p) { var v = selects[p.id].value; if (v) r[p.id] = v; else missing = true; });
        return missing ? null : r;
      },
      setResponse: function (r) { q.pairs.forEach(function (p) { selects[p.id].value = r[p.id] || ""; }); },
      labelFor: function (f) { return lefts[f.ref] || names[f.ref]; },
      feedbackFilter: rightFeedbackUntilFinal,
      answerText: function () { return q.pairs.map(function (p) { return p.left + " \u2192 " + p.right; }).join("; "); }
    };
  }

  // A case told in stages: each stage has its own Decide button and feedback, and each decision is final
  // and recorded as a try whose response is the path so far.
  function vignetteView(question) {
    var q = question.q;
    var hint = "Please choose what you would do first.";
    var stages = {};
    q.stages.forEach(function (s) { stages[s.id] = s; });
    question.body.appendChild(question.prompt(q.prompt));
    var path = [];
    var stagesBox = el("div", { className: "ql-stages" });
    question.body.appendChild(stagesBox);

    function showStage(stage, focus) {
      var box = el("div", { className: "ql-stage", "data-stage": stage.id });
      box.appendChild(paragraphs(stage.text, "ql-stagetext"));
      var fs = el("fieldset", { className: "ql-options" });
      var legend = el("legend", { className: "ql-stageprompt", text: stage.prompt });
      fs.appendChild(legend);
      var name = nextId("st");
      var inputs = stage.options.map(function (o) {
        var id = nextId("o");
        var input = el("input", { type: "radio", name: name, id: id, value: o.id });
        fs.appendChild(el("div", { className: "ql-option" }, [input, el("label", { "for": id, text: o.text })]));
        return input;
      });
      box.appendChild(fs);
      var decide = el("button", { type: "button", className: "ql-button", text: "Decide" });
      var out = el("div", { className: "ql-stagefb", role: "status", "aria-live": "polite" });
      box.appendChild(el("div", { className: "ql-controls" }, [decide]));
      box.appendChild(out);
      stagesBox.appendChild(box);
      decide.addEventListener("click", function () {
        var c = checkedInputs(inputs)[0];
        if (!c) {
          out.textContent = "";
          out.appendChild(el("p", { className: "ql-verdict ql-problem", text: hint }));
          return;
        }
        var response = path.concat([c.value]);
        var result = Core.scoreResponse(q, response, question.settings);
        path = response;
        var a = question.quiz.answer(q.id);
        a.tries = [];
        question.quiz.recordTry(q, response, result, false);
        settle(box, stage, c.value, out, true);
      });
      if (focus) { var first = inputs[0]; if (first) first.focus(); }
      return { box: box, out: out, inputs: inputs };
    }

    // Shows the feedback on a decision and draws the next stage, if any (returned).
    function settle(box, stage, optionId, out, announce) {
      Array.prototype.forEach.call(box.querySelectorAll("input, button"), function (x) { x.disabled = true; });
      var option = optionOf(stage, optionId);
      out.setAttribute("aria-live", announce ? "polite" : "off");
      out.textContent = "";
      var best = option.credit === 1;
      var verdict = best ? "A strong choice." : option.credit > 0 ? "A reasonable choice, but not the strongest." : "Not the best choice.";
      out.appendChild(el("p", { className: "ql-verdict", text: verdict }));
      out.appendChild(question.feedbackItem({ correct: best, text: option.feedback, cite: option.cite }, ""));
      if (option.next) return showStage(stages[option.next], announce);
      var result = Core.scoreResponse(q, path, question.settings);
      if (stage.ending) out.appendChild(paragraphs(stage.ending, "ql-ending"));
      out.appendChild(el("p", { className: "ql-casescore", text: "End of the case. Your decisions earned " + Math.round(result.credit * 100) + "% of the credit." }));
      return null;
    }

    function optionOf(stage, optionId) {
      return stage.options.filter(function (o) { return o.id === optionId; })[0];
    }

    function choose(inputs, optionId) {
      inputs.forEach(function (input) { input.checked = input.value === optionId; });
    }

    return {
      heading: function (number, total) { return "Case " + number + " of " + total + ": " + q.title; },
      hint: hint,
      stepwise: true,
      setResponse: function (r) {
        stagesBox.textContent = "";
        path = [];
        var stage = stages[q.start];
        var view = showStage(stage, false);
        for (var i = 0; i < r.length && view; i++) {
          choose(view.inputs, r[i]);
          path.push(r[i]);
          var option = optionOf(stage, r[i]);
          view = settle(view.box, stage, r[i], view.out, false);  // draws the next stage, if any
          stage = option && option.next ? stages[option.next] : null;
        }
      }
    };
  }

  var VIEWS = {
    single_choice: choiceView(false),
    multiple_response: choiceView(true),
    true_false: trueFalseView,
    numeric: numericView,
    ordering: orderingView,
    matching: matchingView,
    vignette: vignetteView
  };

  // -- progress page --------------------------------------------------------------------------------------
  function siteRoot() {
    var r = document.documentElement.getAttribute("data-content_root");
    return r === null ? "" : r;
  }

  function renderProgress(container, data) {
    container.textContent = "";
    var table = el("table", { className: "ql-progress" });
    table.appendChild(el("caption", { text: "Your progress in this browser" }));
    var head = el("tr", {}, ["Chapter", "Quiz", "Status", "Best score"].map(function (h) { return el("th", { scope: "col", text: h }); }));
    table.appendChild(el("thead", {}, [head]));
    var body = el("tbody");
    var done = 0;
    data.quizzes.forEach(function (item) {
      var st = loadState(item.id);
      var status = "Not started";
      if (st) {
        var n = Object.keys(st.answers || {}).length;
        if (st.completed) status = st.result && st.result.passed ? "Passed" : "Finished, not passed yet";
        else if (n) status = "In progress (" + plural(n, "question", "questions") + " answered)";
        if (st.best && st.best.passed) status = "Passed";
      }
      if (status === "Passed") done += 1;
      var best = st && st.best ? formatNumber(st.best.percentage) + "% (pass mark " + item.pass_mark + "%)" : "\u2014";
      var link = el("a", { href: siteRoot() + item.chapter + ".html", text: item.chapter_title });
      body.appendChild(el("tr", { "data-quiz": item.id }, [el("td", {}, [link]), el("td", { text: item.title }), el("td", { text: status }), el("td", { text: best })]));
    });
    table.appendChild(body);
    container.appendChild(el("p", { className: "ql-progress-summary", text: "You have passed " + done + " of " + data.quizzes.length + " quizzes." }));
    container.appendChild(table);
    var note = "Your answers are kept in this browser on this device. If you clear your browsing data, they are removed.";
    container.appendChild(el("p", { className: "ql-help", text: note }));
    emit({ type: "progress-shown", container: container, data: data });
  }

  // -- mounting -------------------------------------------------------------------------------------------
  function readData(node) {
    var script = node.querySelector("script.quizlib-data");
    return script ? JSON.parse(script.textContent) : null;
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".quizlib[data-quizlib]:not([data-mounted])"), function (node) {
      var data = readData(node);
      if (!data) return;
      node.setAttribute("data-mounted", "");
      var target = el("div");
      node.appendChild(target);
      if (data.type === "quiz") node.quizlib = new Quiz(target, data);
      else if (data.type === "progress") renderProgress(target, data);
    });
  }

  root.QuizLibUI = {
    VIEWS: VIEWS,
    mountAll: mountAll,
    on: function (fn) { listeners.push(fn); },
    loadState: loadState,
    useStorage: function (s) { storageOverride = s; },
    storagePrefix: STORE_PREFIX,
    uuid4: uuid4
  };
})(typeof window !== "undefined" ? window : globalThis);
