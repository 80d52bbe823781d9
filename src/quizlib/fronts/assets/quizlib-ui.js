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
  function storage() {
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
    this.views = {};
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
    rules += shown.some(function (q) { return q.kind === "vignette"; }) ? "; each decision in a case is final." : ".";
    section.appendChild(el("p", { className: "ql-intro", text: intro + rules }));
    if (!storage()) section.appendChild(el("p", { className: "ql-warning", text: "Your browser is not keeping data for this site, so your answers will be lost when you leave the page." }));
    this.views = {};
    shown.forEach(function (q, i) {
      var view = new QuestionView(self, q, i + 1, shown.length);
      self.views[q.id] = view;
      section.appendChild(view.node);
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
  function QuestionView(quiz, q, number, total) {
    this.quiz = quiz;
    this.q = q;
    this.settings = quiz.quiz.settings;
    var headingId = nextId("q");
    this.node = el("section", { className: "ql-question ql-" + q.kind, "aria-labelledby": headingId, "data-question": q.id });
    var label = q.kind === "vignette" ? "Case " + number + " of " + total + ": " + q.title : "Question " + number + " of " + total;
    this.node.appendChild(el("h3", { id: headingId, className: "ql-qtitle", text: label }));
    this.body = el("div", { className: "ql-body" });
    this.node.appendChild(this.body);
    this.live = el("div", { className: "ql-feedback", role: "status", "aria-live": "polite", tabindex: "-1" });
    var builder = BUILDERS[q.kind];
    builder.call(this);
    this.node.appendChild(this.live);
    this.restore();
  }

  QuestionView.prototype.answer = function () { return this.quiz.state.answers[this.q.id] || { tries: [], revealed: false }; };

  QuestionView.prototype.prompt = function (text) {
    return paragraphs(text, "ql-prompt");
  };

  QuestionView.prototype.controls = function (onCheck) {
    var self = this;
    var row = el("div", { className: "ql-controls" });
    this.checkButton = el("button", { type: "button", className: "ql-button", text: "Check answer" });
    this.checkButton.addEventListener("click", function () { onCheck.call(self); });
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
      (this.feedbackFilter ? this.feedbackFilter(result, o) : result.feedback).forEach(function (f) {
        self.live.appendChild(self.feedbackItem(f, self.labelFor ? self.labelFor(f) : ""));
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
      this.live.appendChild(el("p", { className: "ql-verdict ql-problem", text: this.hint || "Please give an answer first." }));
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
    if (!a.tries.length && !a.revealed) return;
    var last = a.tries[a.tries.length - 1];
    if (a.tries.length && this.setResponse) this.setResponse(last);
    var result = a.tries.length ? Core.scoreResponse(this.q, last, this.settings) : null;
    this.showResult(result, false);
  };

  QuestionView.prototype.answerKey = function () {
    var box = el("div", { className: "ql-answer" });
    box.appendChild(el("p", {}, [el("strong", { text: "The answer: " }), this.answerText()]));
    return box;
  };

  function optionText(q, id) {
    var o = q.options.filter(function (x) { return x.id === id; })[0];
    return o ? o.text : id;
  }

  // -- builders by kind -----------------------------------------------------------------------------------
  function choiceBuilder(multiple) {
    return function () {
      var self = this, q = this.q;
      var fs = el("fieldset", { className: "ql-options" });
      var legend = el("legend");
      legend.appendChild(this.prompt(q.prompt));
      if (multiple) legend.appendChild(el("p", { className: "ql-help", text: "Select all that apply." }));
      fs.appendChild(legend);
      var name = nextId("opt");
      this.inputs = q.options.map(function (o) {
        var id = nextId("o");
        var input = el("input", { type: multiple ? "checkbox" : "radio", name: name, id: id, value: o.id });
        fs.appendChild(el("div", { className: "ql-option" }, [input, el("label", { "for": id, text: o.text })]));
        return input;
      });
      this.body.appendChild(fs);
      this.hint = multiple ? "Please select at least one option first." : "Please choose an option first.";
      this.controls(function () {
        var chosen = self.inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
        if (multiple) self.check(chosen.length ? chosen : null);
        else self.check(chosen.length ? chosen[0] : null);
      });
      this.setResponse = function (r) {
        var set = multiple ? r : [r];
        self.inputs.forEach(function (i) { i.checked = set.indexOf(i.value) >= 0; });
      };
      this.labelFor = function (f) { return optionText(q, f.ref); };
      this.answerText = function () {
        return q.options.filter(function (o) { return o.correct; }).map(function (o) { return o.text; }).join("; ");
      };
    };
  }

  function trueFalse() {
    var self = this, q = this.q;
    var fs = el("fieldset", { className: "ql-options" });
    var legend = el("legend");
    legend.appendChild(this.prompt(q.prompt));
    legend.appendChild(el("p", { className: "ql-help", text: "Is this true or false?" }));
    fs.appendChild(legend);
    var name = nextId("tf");
    this.inputs = [["true", "True"], ["false", "False"]].map(function (pair) {
      var id = nextId("o");
      var input = el("input", { type: "radio", name: name, id: id, value: pair[0] });
      fs.appendChild(el("div", { className: "ql-option" }, [input, el("label", { "for": id, text: pair[1] })]));
      return input;
    });
    this.body.appendChild(fs);
    this.hint = "Please choose true or false first.";
    this.controls(function () {
      var chosen = self.inputs.filter(function (i) { return i.checked; })[0];
      self.check(chosen ? chosen.value === "true" : null);
    });
    this.setResponse = function (r) { self.inputs[0].checked = r === true; self.inputs[1].checked = r === false; };
    this.labelFor = function (f) { return f.ref === "true" ? "True" : "False"; };
    this.answerText = function () { return q.answer ? "True" : "False"; };
  }

  function numeric() {
    var self = this, q = this.q;
    var id = nextId("num");
    var hintId = nextId("hint");
    var label = el("label", { "for": id, className: "ql-label" });
    label.appendChild(this.prompt(q.prompt));
    this.body.appendChild(label);
    this.input = el("input", { type: "text", id: id, inputmode: "decimal", autocomplete: "off", className: "ql-number", "aria-describedby": hintId });
    var row = el("div", { className: "ql-numrow" }, [this.input]);
    if (q.unit) row.appendChild(el("span", { className: "ql-unit", text: q.unit }));
    this.body.appendChild(row);
    this.body.appendChild(el("p", { id: hintId, className: "ql-help", text: "Type a number, for example 12 or 0.5." }));
    this.hint = "Please type a number, using digits (for example 12 or 0.5).";
    this.input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); self.checkButton.click(); } });
    this.controls(function () {
      var v = self.input.value.trim();
      self.check(v === "" ? null : v);
    });
    this.setResponse = function (r) { self.input.value = String(r); };
    this.answerText = function () {
      var t = q.tolerance !== null && q.tolerance !== undefined ? q.tolerance : self.settings.numeric_tolerance;
      return String(q.answer) + (q.unit ? " " + q.unit : "") + (t ? " (answers within " + t + " count)" : "");
    };
  }

  function ordering() {
    var self = this, q = this.q;
    var instrId = nextId("instr");
    this.body.appendChild(this.prompt(q.prompt));
    this.body.appendChild(el("p", { id: instrId, className: "ql-help", text: "Use the Move up and Move down buttons to put the steps in order, first step at the top." }));
    var items = {};
    q.items.forEach(function (it) { items[it.id] = it; });
    this.order = q.items.map(function (it) { return it.id; });
    this.list = el("ol", { className: "ql-order", "aria-describedby": instrId });
    this.body.appendChild(this.list);
    this.moveNote = el("p", { className: "ql-visually-hidden", role: "status", "aria-live": "polite" });
    this.body.appendChild(this.moveNote);
    var draw = function (focusId, focusDir) {
      self.list.textContent = "";
      self.order.forEach(function (sid, i) {
        var up = el("button", { type: "button", className: "ql-move", "aria-label": "Move up: " + items[sid].text, text: "\u2191 Move up" });
        var down = el("button", { type: "button", className: "ql-move", "aria-label": "Move down: " + items[sid].text, text: "\u2193 Move down" });
        up.disabled = i === 0;
        down.disabled = i === self.order.length - 1;
        up.addEventListener("click", function () { move(i, -1); });
        down.addEventListener("click", function () { move(i, +1); });
        var li = el("li", { className: "ql-step", "data-step": sid }, [el("span", { className: "ql-steptext", text: items[sid].text }), el("span", { className: "ql-movers" }, [up, down])]);
        self.list.appendChild(li);
        if (sid === focusId) {
          var target = focusDir < 0 ? (up.disabled ? down : up) : (down.disabled ? up : down);
          target.focus();
        }
      });
    };
    var move = function (i, dir) {
      var j = i + dir;
      if (j < 0 || j >= self.order.length) return;
      var sid = self.order[i];
      self.order[i] = self.order[j];
      self.order[j] = sid;
      draw(sid, dir);
      self.moveNote.textContent = "\u201c" + items[sid].text + "\u201d is now step " + (j + 1) + " of " + self.order.length + ".";
    };
    draw();
    this.controls(function () { self.check(self.order.slice()); });
    this.setResponse = function (r) { self.order = r.slice(); draw(); };
    this.labelFor = function (f) { return items[f.ref].text; };
    this.feedbackFilter = function (result, o) {
      // While tries remain, say which steps are in place without explaining where the others go.
      if (o.final) return result.feedback;
      return result.feedback.filter(function (f) { return f.correct; });
    };
    this.answerText = function () {
      return q.order.map(function (sid, i) { return (i + 1) + ". " + items[sid].text; }).join("  ");
    };
  }

  function matching() {
    var self = this, q = this.q;
    this.body.appendChild(this.prompt(q.prompt));
    var choices = q.pairs.map(function (p) { return { id: p.id, text: p.right }; })
      .concat((q.distractors || []).map(function (d) { return { id: d.id, text: d.text }; }))
      .sort(function (a, b) { return a.text < b.text ? -1 : a.text > b.text ? 1 : 0; });
    var table = el("div", { className: "ql-match" });
    this.selects = {};
    q.pairs.forEach(function (p) {
      var id = nextId("m");
      var select = el("select", { id: id, className: "ql-select" }, [el("option", { value: "", text: "Choose\u2026" })]);
      choices.forEach(function (c) { select.appendChild(el("option", { value: c.id, text: c.text })); });
      self.selects[p.id] = select;
      table.appendChild(el("div", { className: "ql-matchrow" }, [el("label", { "for": id, className: "ql-left", text: p.left }), select]));
    });
    this.body.appendChild(table);
    this.hint = "Please choose a match for every item first.";
    this.controls(function () {
      var r = {}, missing = false;
      q.pairs.forEach(function (p) { var v = self.selects[p.id].value; if (v) r[p.id] = v; else missing = true; });
      self.check(missing ? null : r);
    });
    this.setResponse = function (r) { q.pairs.forEach(function (p) { self.selects[p.id].value = r[p.id] || ""; }); };
    var lefts = {}, names = {};
    q.pairs.forEach(function (p) { lefts[p.id] = p.left; names[p.id] = p.right; });
    (q.distractors || []).forEach(function (d) { names[d.id] = d.text; });
    this.labelFor = function (f) { return lefts[f.ref] || names[f.ref]; };
    this.feedbackFilter = function (result, o) {
      if (o.final) return result.feedback;
      return result.feedback.filter(function (f) { return f.correct; });
    };
    this.answerText = function () { return q.pairs.map(function (p) { return p.left + " \u2192 " + p.right; }).join("; "); };
  }

  function vignette() {
    var self = this, q = this.q;
    var stages = {};
    q.stages.forEach(function (s) { stages[s.id] = s; });
    this.body.appendChild(this.prompt(q.prompt));
    this.path = [];
    this.stagesBox = el("div", { className: "ql-stages" });
    this.body.appendChild(this.stagesBox);
    this.hint = "Please choose what you would do first.";

    var showStage = function (stage, chosenId, focus) {
      var box = el("div", { className: "ql-stage", "data-stage": stage.id });
      box.appendChild(paragraphs(stage.text, "ql-stagetext"));
      var fs = el("fieldset", { className: "ql-options" });
      var legend = el("legend", { className: "ql-stageprompt", text: stage.prompt });
      fs.appendChild(legend);
      var name = nextId("st");
      var inputs = stage.options.map(function (o) {
        var id = nextId("o");
        var input = el("input", { type: "radio", name: name, id: id, value: o.id });
        if (chosenId === o.id) input.checked = true;
        fs.appendChild(el("div", { className: "ql-option" }, [input, el("label", { "for": id, text: o.text })]));
        return input;
      });
      box.appendChild(fs);
      var decide = el("button", { type: "button", className: "ql-button", text: "Decide" });
      var out = el("div", { className: "ql-stagefb", role: "status", "aria-live": "polite" });
      box.appendChild(el("div", { className: "ql-controls" }, [decide]));
      box.appendChild(out);
      self.stagesBox.appendChild(box);
      decide.addEventListener("click", function () {
        var c = inputs.filter(function (i) { return i.checked; })[0];
        if (!c) {
          out.textContent = "";
          out.appendChild(el("p", { className: "ql-verdict ql-problem", text: self.hint }));
          return;
        }
        var response = self.path.concat([c.value]);
        var result = Core.scoreResponse(q, response, self.settings);
        self.path = response;
        var a = self.quiz.answer(q.id);
        a.tries = [];
        self.quiz.recordTry(q, response, result, false);
        settle(box, stage, c.value, out, true);
      });
      if (focus) { var first = inputs[0]; if (first) first.focus(); }
      return { box: box, out: out, inputs: inputs, decide: decide };
    };

    var settle = function (box, stage, optionId, out, announce) {
      Array.prototype.forEach.call(box.querySelectorAll("input, button"), function (x) { x.disabled = true; });
      var option = stage.options.filter(function (o) { return o.id === optionId; })[0];
      out.setAttribute("aria-live", announce ? "polite" : "off");
      out.textContent = "";
      var best = option.credit === 1;
      var verdict = best ? "A strong choice." : option.credit > 0 ? "A reasonable choice, but not the strongest." : "Not the best choice.";
      out.appendChild(el("p", { className: "ql-verdict", text: verdict }));
      out.appendChild(self.feedbackItem({ correct: best, text: option.feedback, cite: option.cite }, ""));
      if (option.next) {
        var next = showStage(stages[option.next], null, announce);
        return next;
      }
      var result = Core.scoreResponse(q, self.path, self.settings);
      if (stage.ending) out.appendChild(paragraphs(stage.ending, "ql-ending"));
      out.appendChild(el("p", { className: "ql-casescore", text: "End of the case. Your decisions earned " + Math.round(result.credit * 100) + "% of the credit." }));
      return null;
    };

    this.setResponse = function (r) {
      self.stagesBox.textContent = "";
      self.path = [];
      var stage = stages[q.start];
      var view = showStage(stage, null, false);
      for (var i = 0; i < r.length && view; i++) {
        view.inputs.forEach(function (input) { input.checked = input.value === r[i]; });
        self.path.push(r[i]);
        var option = stage.options.filter(function (o) { return o.id === r[i]; })[0];
        view = settle(view.box, stage, r[i], view.out, false);  // draws the next stage, if any
        stage = option && option.next ? stages[option.next] : null;
      }
    };
    this.showResult = function () {};
    this.restore = function () {
      var a = self.answer();
      if (a.tries.length) self.setResponse(a.tries[a.tries.length - 1]);
      else showStage(stages[q.start], null, false);
    };
  }

  var BUILDERS = {
    single_choice: choiceBuilder(false),
    multiple_response: choiceBuilder(true),
    true_false: trueFalse,
    numeric: numeric,
    ordering: ordering,
    matching: matching,
    vignette: vignette
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
    mountAll: mountAll,
    on: function (fn) { listeners.push(fn); },
    loadState: loadState,
    storagePrefix: STORE_PREFIX,
    uuid4: uuid4
  };
})(typeof window !== "undefined" ? window : globalThis);
