/* quizlib in the published pages: draws a quiz from its JSON, scores it with QuizLibCore, keeps the
 * learner's answers in localStorage, and tells listeners (QuizLibUI.on) what happened, so results can be sent
 * on. Choices are shown in an order drawn for the attempt (QuizLibCore.arrangement), and the time spent on
 * each question is measured (see Clock). A practice quiz makes no network request and needs only the quiz
 * runtime's other files (quizlib-dom.js and quizlib-core.js, loaded before it). A summative quiz (see
 * Assessment) holds its answers until they are submitted: to the course server through quizlib-sync.js when
 * there is one, else scored here as practice from the quiz's encoded practice copy.
 */
(function (root) {
  "use strict";
  if (root.QuizLibUI) return;
  var Core = root.QuizLibCore;
  var el = root.QuizLibDOM.el;
  var STORE_PREFIX = "quizlib:v1:";
  var listeners = [];
  var quizzes = [];  // every quiz and assessment mounted on the page (QuizLibUI.refresh)
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
    return { version: 1, attempt: attempt, attempt_id: uuid4(), seed: randomSeed(), started: new Date().toISOString(), answers: {}, spent: {} };
  }

  // The learner's assignment that includes a quiz, if their trainer assigned it: the first of the list
  // quizlib-sync.js keeps from /api/v1/me (the server's order, oldest first), as the server itself chooses.
  function assignmentFor(quizId) {
    var s = storage();
    if (!s) return null;
    try {
      var list = JSON.parse(s.getItem(STORE_PREFIX + "assignments") || "[]");
      for (var i = 0; i < list.length; i++) {
        if (list[i].quizzes.indexOf(quizId) >= 0) return typeof list[i].pass_mark === "number" ? list[i] : null;
      }
    } catch (e) {
      return null;
    }
    return null;
  }

  // The pass mark a quiz shows and applies: the assignment's for a learner it is assigned to, else its own.
  function passMarkFor(quizId, own) {
    var a = assignmentFor(quizId);
    return a ? a.pass_mark : own;
  }

  function withPassMark(quiz, passMark) {
    var copy = Object.assign({}, quiz);
    copy.settings = Object.assign({}, quiz.settings, { pass_mark: passMark });
    return copy;
  }

  // -- time spent ---------------------------------------------------------------------------------------
  // The time a learner spends on each question, in seconds: the time since their previous action in the quiz
  // goes to the question they act on next (choose, type, move, check), so a quiz answered from top to bottom
  // gives each question the time it took. Time while the page is hidden does not count, nor any gap beyond
  // IDLE (the learner was away). `spent` (question id -> seconds) is kept with the attempt across reloads.
  var IDLE = 10 * 60 * 1000;

  function Clock(spent) {
    this.spent = spent;
    this.last = Date.now();
    this.hiddenAt = null;
  }

  Clock.prototype.hidden = function (isHidden) {
    var now = Date.now();
    if (isHidden) this.hiddenAt = now;
    else if (this.hiddenAt !== null) { this.last += now - this.hiddenAt; this.hiddenAt = null; }
  };

  Clock.prototype.mark = function (qid) {
    var now = Date.now();
    if (this.hiddenAt !== null) return;
    var gap = Math.min(Math.max(0, now - this.last), IDLE);
    this.last = now;
    this.spent[qid] = Math.round(((this.spent[qid] || 0) + gap / 1000) * 100) / 100;
  };

  Clock.prototype.total = function () {
    var spent = this.spent;
    return Math.round(Object.keys(spent).reduce(function (t, k) { return t + spent[k]; }, 0) * 100) / 100;
  };

  // Marks the question of every action inside `container` (a quiz) on its owner's clock (owner.clock, which
  // a new attempt replaces), and follows the page's visibility. Actions are seen before the controls act.
  function watch(container, owner) {
    ["click", "input", "change", "keydown"].forEach(function (type) {
      container.addEventListener(type, function (e) {
        var section = e.target && e.target.closest ? e.target.closest("[data-question]") : null;
        if (section && owner.clock) owner.clock.mark(section.getAttribute("data-question"));
      }, true);
    });
    document.addEventListener("visibilitychange", function () {
      if (owner.clock) owner.clock.hidden(document.visibilityState === "hidden");
    });
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
      // Saved at once, so the seed (which questions were drawn, in which order) survives a reload.
      this.state = newState(1);
      this.save();
    }
    if (!this.state.spent) this.state.spent = {};
    this.clock = new Clock(this.state.spent);
    watch(container, this);
    quizzes.push(this);
    this.render();
  }

  Quiz.prototype.seed = function () { return this.state.seed; };

  Quiz.prototype.passMark = function () { return passMarkFor(this.quiz.id, this.quiz.settings.pass_mark); };

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
    this.state.spent = this.clock ? this.clock.spent : this.state.spent;
    // What any page needs to tick this quiz's chapter as finished (the menu, the home page), without the quiz.
    this.state.chapter = this.quiz.chapter;
    this.state.pass_mark = this.quiz.settings.pass_mark;
    saveState(this.quiz.id, this.state);
  };

  Quiz.prototype.rulesText = function () {
    var shown = this.shown;
    var intro = this.quiz.intro ? this.quiz.intro + " " : "";
    var own = this.passMark() === this.quiz.settings.pass_mark;
    var rules = "Pass mark: " + this.passMark() + "%" + (own ? ". " : " (set by your trainer). ");
    rules += "You have " + plural(this.quiz.settings.tries, "try", "tries") + " at each question";
    rules += shown.some(function (q) { return Core.KINDS[q.kind].singleTry; }) ? "; each decision in a case is final." : ".";
    return intro + rules;
  };

  // Show the pass mark that applies now (quizlib-sync.js calls this through QuizLibUI.refresh when the
  // learner's assignments arrive from the server).
  Quiz.prototype.refresh = function () {
    if (this.rulesNode) this.rulesNode.textContent = this.rulesText();
    this.updateSummary(false);
    this.showSending();
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
    this.rulesNode = el("p", { className: "ql-intro", text: this.rulesText() });
    section.appendChild(this.rulesNode);
    if (!storage()) section.appendChild(el("p", { className: "ql-warning", text: "Your browser is not keeping data for this site, so your answers will be lost when you leave the page." }));
    shown.forEach(function (q, i) {
      section.appendChild(new QuestionView(self, q, i + 1, shown.length, alike(shown, q)).node);
    });
    this.summary = el("div", { className: "ql-summary", role: "status", "aria-live": "polite" });
    section.appendChild(this.summary);
    var restart = el("button", { type: "button", className: "ql-button ql-secondary", text: "Start this quiz again" });
    restart.addEventListener("click", function () { self.restart(); });
    section.appendChild(el("p", {}, [restart]));
    c.appendChild(section);
    // After the card, in the page's own colours: what became of the answers, and where to go next.
    this.sendingBox = el("div", { className: "ql-after-sending" });
    c.appendChild(this.sendingBox);
    var links = this.data.links || {};
    var nav = [];
    if (links.next) nav.push(el("li", {}, [el("a", { href: pageHref(links.next.doc), className: "ql-next-link", text: "Next: " + links.next.title })]));
    if (links.progress) nav.push(el("li", {}, [el("a", { href: pageHref(links.progress.doc), text: links.progress.title })]));
    if (nav.length) c.appendChild(el("nav", { className: "ql-after", "aria-label": "After this quiz" }, [el("ul", {}, nav)]));
    this.updateSummary(false);
    this.showSending();
  };

  // The quiz's answers: kept on this device, or sent to the trainer (quizlib-sync.js says which).
  Quiz.prototype.showSending = function () {
    if (!this.sendingBox) return;
    var s = sendingFor(this.quiz.id);
    this.sendingBox.textContent = "";
    if (s) this.sendingBox.appendChild(sendingLine(s));
  };

  Quiz.prototype.restart = function () {
    var ok = !root.confirm || root.confirm("Start again? Your answers to this quiz will be cleared. Your earlier result stays in your progress.");
    if (!ok) return;
    var previous = this.state;
    this.state = newState(previous.attempt + 1);
    if (previous.best !== undefined) this.state.best = previous.best;
    this.clock = new Clock(this.state.spent);
    this.save();
    this.render();
    var first = this.container.querySelector("input, select, button");
    if (first) first.focus();
  };

  Quiz.prototype.clearAnswer = function (qid) {
    delete this.state.answers[qid];
    delete this.state.completed;  // finished again when the question is answered again
    delete this.state.result;
    this.save();
    this.updateSummary(true);
  };

  Quiz.prototype.result = function () {
    var answers = {};
    var self = this;
    this.shown.forEach(function (q) { if (self.state.answers[q.id]) answers[q.id] = self.state.answers[q.id]; });
    return Core.scoreQuiz(withPassMark(this.quiz, this.passMark()), answers, this.shown);
  };

  Quiz.prototype.updateSummary = function (announce) {
    var r = this.result();
    var answered = r.questions.filter(function (o) { return o.final; }).length;
    var text;
    if (r.complete) {
      text = "Quiz complete. Your score: " + formatNumber(r.points) + " out of " + formatNumber(r.max_points) +
        " (" + formatNumber(r.percentage) + "%). The pass mark is " + this.passMark() + "%: " +
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
        this.state.best = { percentage: r.percentage, passed: r.passed, attempt: this.state.attempt, at: this.state.completed };
    }
    this.save();
    var base = { quiz: this.quiz, quiz_id: this.quiz.id, chapter: this.quiz.chapter, attempt: this.state.attempt, attempt_id: this.state.attempt_id, seed: this.state.seed };
    if (response !== undefined) {
      var o = r.questions.filter(function (x) { return x.question_id === q.id; })[0];
      emit(Object.assign({ type: "answered", question: q, response: response, result: result, outcome: o, try_number: a.tries.length, duration: this.clock.spent[q.id] || 0 }, base));
    }
    if (r.complete && !wasComplete) {
      emit(Object.assign({ type: "completed", result: r, duration: this.clock.total() }, base));
      finishedChanged();
    }
    this.updateSummary(true);
    return r;
  };

  // Whether every question shown is of q's kind (then a case is "Case 2 of 9", else "Question 5 of 7, a case").
  function alike(shown, q) {
    return shown.every(function (x) { return x.kind === q.kind; });
  }

  // -- one question ---------------------------------------------------------------------------------------
  // A question's section: its heading, the controls its kind's view draws (VIEWS, below), the Check answer
  // and Show the answer buttons, the tries left, and the feedback region.
  function QuestionView(quiz, q, number, total, allAlike) {
    this.quiz = quiz;
    this.q = q;
    this.settings = quiz.quiz.settings;
    this.order = Core.arrangement(q, quiz.seed());  // the order its choices are shown in
    this.reviewing = false;
    var headingId = nextId("q");
    this.node = el("section", { className: "ql-question ql-" + q.kind, "aria-labelledby": headingId, "data-question": q.id });
    var heading = el("h3", { id: headingId, className: "ql-qtitle" });
    this.node.appendChild(heading);
    this.body = el("div", { className: "ql-body" });
    this.node.appendChild(this.body);
    this.live = el("div", { className: "ql-feedback", role: "status", "aria-live": "polite", tabindex: "-1" });
    this.view = makeView(this);
    heading.textContent = this.view.heading(number, total, !!allAlike);
    if (!this.view.stepwise) this.controls();
    this.node.appendChild(this.live);
    if (this.summative()) this.restoreDraft();
    else this.restore();
  }

  // In a summative quiz, before the attempt is submitted: answers are kept, not checked, and nothing is said
  // about them (QuestionView.review shows them afterwards).
  QuestionView.prototype.summative = function () { return !!this.quiz.assessing && !this.reviewing; };

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
    if (!this.quiz.assessing) this.body.appendChild(row);  // an assessment is answered whole, then submitted
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

  // One piece of feedback: "Right." or "Not quite." above it, or `verdict` (a case's decision says how good it
  // was: f.credit between 0 and 1 is neither right nor wrong, and is shown as such).
  QuestionView.prototype.feedbackItem = function (f, label, verdict) {
    var partial = typeof f.credit === "number" && f.credit > 0 && f.credit < 1;
    var box = el("div", { className: "ql-fb " + (f.correct ? "ql-right" : partial ? "ql-partial" : "ql-wrong") });
    var head = el("p", { className: "ql-fbhead" }, [el("strong", { text: verdict || (f.correct ? "Right." : "Not quite.") })]);
    if (label) head.appendChild(document.createTextNode(" About \u201c" + label + "\u201d:"));
    box.appendChild(head);
    box.appendChild(paragraphs(f.text, "ql-fbtext"));
    // The server's review gives the sources as text; the page's own data gives their keys.
    var cite = typeof f.cite === "string" ? (f.cite ? "Source: " + f.cite + "." : "") : this.citeText(f.cite && f.cite.length ? f.cite : this.q.cite);
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
      if ((canReveal || this.answer().revealed || this.reviewing) && !(result && result.credit === 1)) this.live.appendChild(this.answerKey());
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

  // A summative attempt's question: what the learner gave so far (a draft), shown again after a reload.
  QuestionView.prototype.restoreDraft = function () {
    var r = this.quiz.draft(this.q.id);
    if (this.view.stepwise) this.view.setResponse(r || []);
    else if (r !== null && r !== undefined) this.view.setResponse(r);
  };

  // The response the controls hold now (a case: the decisions taken), or null.
  QuestionView.prototype.current = function () {
    if (this.view.stepwise) { var d = this.quiz.draft(this.q.id); return d && d.length ? d : null; }
    return this.view.response();
  };

  // After a practice attempt at a summative quiz is submitted: the response scored, with its feedback and
  // the answer, as a practice quiz shows them when a question is over.
  QuestionView.prototype.review = function (response) {
    this.reviewing = true;
    if (this.view.stepwise) {
      this.view.setResponse(response || []);
      this.lock();
      return;
    }
    this.lock();
    if (response === null || response === undefined) {
      this.live.textContent = "";
      this.live.appendChild(el("p", { className: "ql-verdict", text: "Not answered." }));
      this.live.appendChild(this.answerKey());
      return;
    }
    this.showResult(Core.scoreResponse(this.q, response, this.settings), false);
  };

  // After an attempt the server scored is submitted: its review of this question (quizlib/server/attempts.py),
  // or, when the review is not open, nothing but the lock.
  QuestionView.prototype.serverReview = function (item) {
    var self = this;
    this.reviewing = true;
    this.lock();
    if (!item) return;
    this.live.setAttribute("aria-live", "off");
    this.live.textContent = "";
    reviewInto(this.live, item, function (f, about) { return self.feedbackItem(f, about); });
  };

  function reviewInto(box, item, feedbackItem) {
    var head = !item.answered ? "Not answered." : item.credit === 1 ? "Correct." :
      item.credit > 0 ? "Partly correct: " + Math.round(item.credit * 100) + "% of the credit." : "Not correct.";
    box.appendChild(el("p", { className: "ql-verdict", text: head }));
    item.feedback.forEach(function (f) { box.appendChild(feedbackItem(f, f.about)); });
    // A case's ending, as the path the learner took gives it (the server's Kind.closing).
    if (item.ending) box.appendChild(paragraphs(item.ending, "ql-ending"));
    if (item.answer && item.credit !== 1)
      box.appendChild(el("div", { className: "ql-answer" }, [el("p", {}, [el("strong", { text: "The answer: " }), item.answer])]));
  }

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
    // The button that had focus is hidden now: focus goes to the feedback, which is read on focus (so it is not
    // also announced as a live region), and the learner goes on from there.
    this.showResult(last, false);
    this.live.focus();
  };

  // A case played again from its start (Try this case again): its decisions are cleared, the other questions'
  // answers stay, and the quiz is finished again when the case ends (its best result is kept).
  QuestionView.prototype.replay = function () {
    this.quiz.clearAnswer(this.q.id);
    this.view.setResponse([]);
    var first = this.node.querySelector(".ql-stage input");
    if (first) first.focus();
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
  //   feedbackItem(f, label, verdict), quiz.answer(id), quiz.recordTry(...), replay()   for a stepwise view's own
  //                        feedback, tries and Try this case again
  //
  // Every view has these members:
  //   heading(number, total, alike)   the question's heading, e.g. "Question 2 of 8" (alike: every question of
  //                            the quiz is of this kind)
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
      var options = {};
      q.options.forEach(function (o) { options[o.id] = o; });
      var inputs = question.order.options.map(function (oid) {
        var o = options[oid];
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
    var typed = el("span", { className: "ql-print-only ql-typed" });
    input.addEventListener("input", function () { typed.textContent = input.value; });
    var row = el("div", { className: "ql-numrow" }, [input, typed]);
    if (q.unit) row.appendChild(el("span", { className: "ql-unit", text: q.unit }));
    question.body.appendChild(row);
    question.body.appendChild(el("p", { id: hintId, className: "ql-help", text: "Type a number, for example 12 or 0.5" + (q.unit ? " (you may add \u201c" + q.unit + "\u201d)." : ".") }));
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); question.submit(); } });
    return {
      heading: questionHeading,
      hint: "Please type a number, using digits (for example 12 or 0.5).",
      stepwise: false,
      response: function () {
        var v = input.value.trim();
        return v === "" ? null : v;
      },
      setResponse: function (r) { input.value = String(r); typed.textContent = input.value; },
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
    // The right-hand choices in the attempt's order (as the server names them, in an assessment it scores).
    var texts = {};
    (q.choices || q.pairs.map(function (p) { return { id: p.id, text: p.right }; })
      .concat((q.distractors || []).map(function (d) { return { id: d.id, text: d.text }; })))
      .forEach(function (c) { texts[c.id] = c.text; });
    var choices = question.order.choices.map(function (id) { return { id: id, text: texts[id] }; });
    // On paper a select shows only its value: the choices are listed once, for print only.
    question.body.appendChild(el("div", { className: "ql-print-only ql-choicelist" }, [
      el("p", { text: "The choices:" }),
      el("ul", {}, choices.map(function (c) { return el("li", { text: c.text }); }))
    ]));
    var table = el("div", { className: "ql-match" });
    var selects = {};
    var chosen = {};
    q.pairs.forEach(function (p) {
      var id = nextId("m");
      var select = el("select", { id: id, className: "ql-select" }, [el("option", { value: "", text: "Choose\u2026" })]);
      choices.forEach(function (c) { select.appendChild(el("option", { value: c.id, text: c.text })); });
      selects[p.id] = select;
      // The choice made, whole: a select on a narrow screen cuts long text short (shown there and in print;
      // screen readers read the select's own value).
      chosen[p.id] = el("p", { className: "ql-chosen", "aria-hidden": "true" });
      select.addEventListener("change", function () { showChosen(p.id); });
      table.appendChild(el("div", { className: "ql-matchrow" }, [el("label", { "for": id, className: "ql-left", text: p.left }),
        el("div", { className: "ql-matchpick" }, [select, chosen[p.id]])]));
    });
    question.body.appendChild(table);

    function showChosen(pid) {
      var v = selects[pid].value;
      chosen[pid].textContent = v ? "\u2192 " + texts[v] : "\u2192 (no match chosen)";
      chosen[pid].classList.toggle("ql-none", !v);
    }
    q.pairs.forEach(function (p) { showChosen(p.id); });
    var lefts = {};
    q.pairs.forEach(function (p) { lefts[p.id] = p.left; });
    return {
      heading: questionHeading,
      hint: "Please choose a match for every item first.",
      stepwise: false,
      response: function () {
        var r = {}, missing = false;
        q.pairs.forEach(function (p) { var v = selects[p.id].value; if (v) r[p.id] = v; else missing = true; });
        return missing ? null : r;
      },
      setResponse: function (r) { q.pairs.forEach(function (p) { selects[p.id].value = r[p.id] || ""; showChosen(p.id); }); },
      labelFor: function (f) { return lefts[f.ref] || texts[f.ref]; },
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
      var inputs = question.order[stage.id].map(function (oid) {
        var o = optionOf(stage, oid);
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
        if (question.summative()) {
          // An assessment: the decision is kept, and the case goes on, with nothing said about it yet.
          path = response;
          question.quiz.keep(q.id, path);
          settle(box, stage, c.value, out, true);
          return;
        }
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
      if (question.summative()) {
        out.appendChild(el("p", { className: "ql-verdict", text: option.next ? "Your decision is kept. The case goes on." : "Your decision is kept. This is the end of the case." }));
        return option.next ? showStage(stages[option.next], announce) : null;
      }
      var best = option.credit === 1;
      var verdict = best ? "A strong choice." : option.credit > 0 ? "A reasonable choice, but not the strongest." : "Not the best choice.";
      // One verdict, above the feedback, that matches the credit; said once even where the feedback opens with it.
      out.appendChild(question.feedbackItem({ correct: best, credit: option.credit, text: withoutOpening(option.feedback, verdict), cite: option.cite }, "", verdict));
      if (option.next) return showStage(stages[option.next], announce);
      var result = Core.scoreResponse(q, path, question.settings);
      // The decision's own ending, if it has one, replaces the stage's (Stage.ending_after in Python).
      var ending = option.ending || stage.ending;
      if (ending) out.appendChild(paragraphs(ending, "ql-ending"));
      out.appendChild(el("p", { className: "ql-casescore", text: "End of the case. Your decisions earned " + Math.round(result.credit * 100) + "% of the credit." }));
      if (!question.quiz.assessing) {
        var again = el("button", { type: "button", className: "ql-button ql-secondary", text: "Try this case again" });
        again.addEventListener("click", function () { question.replay(); });
        out.appendChild(el("div", { className: "ql-controls" }, [again]));
      }
      return null;
    }

    function withoutOpening(text, verdict) {
      var t = String(text || "");
      return t.indexOf(verdict) === 0 && t.length > verdict.length ? t.slice(verdict.length).replace(/^\s+/, "") : t;
    }

    function optionOf(stage, optionId) {
      return stage.options.filter(function (o) { return o.id === optionId; })[0];
    }

    function choose(inputs, optionId) {
      inputs.forEach(function (input) { input.checked = input.value === optionId; });
    }

    return {
      heading: function (number, total, allCases) {
        return allCases ? "Case " + number + " of " + total + ": " + q.title : "Question " + number + " of " + total + ", a case: " + q.title;
      },
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

  // -- summative quizzes: assessments --------------------------------------------------------------------
  // A summative quiz's block carries its title and rules, never its questions. Served by the course server
  // (quizlib serve), a joined learner's attempt is started and scored there (QuizLibSync.api, /api/v1/attempts):
  // the questions come without keys or feedback, the answers go back when submitted, and the result and the
  // review the quiz allows come back. With no server (a static host, a file, an LMS package) the assessment
  // runs here as practice, from its practice copy: the keys travel with the page then, and the quiz says so.
  // Either way answers are kept (drafts, in localStorage) until they are submitted, and nothing is said about
  // them before.
  var ASSESS_PREFIX = STORE_PREFIX + "assess:";

  function readJSON(key) {
    var s = storage();
    if (!s) return null;
    try { return JSON.parse(s.getItem(key) || "null"); } catch (e) { return null; }
  }

  function writeJSON(key, value) {
    var s = storage();
    if (!s) return false;
    try { s.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }

  // The practice copy of a summative quiz, decoded: the quiz, its banks and sources (quizlib.fronts.html
  // encode_practice: UTF-8 JSON XORed with a stream drawn from the quiz id, in base64).
  function practiceData(quizId, text) {
    var bin = root.atob(text);
    var rand = Core.mulberry32(Core.fnv1a("quizlib-practice:" + quizId));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i) ^ Math.floor(rand() * 256);
    return JSON.parse(new root.TextDecoder("utf-8").decode(bytes));
  }

  function loadPractice(data) {
    var id = data.quiz.id;
    if (data.practice && data.practice.encoded) return Promise.resolve(practiceData(id, data.practice.encoded));
    var have = function () { return root.QuizLibPractice && root.QuizLibPractice[id]; };
    if (have()) return Promise.resolve(practiceData(id, have()));
    return new Promise(function (resolve, reject) {
      var script = el("script", { src: siteRoot() + "_static/quizlib-practice/" + id + ".js" });
      script.addEventListener("load", function () { if (have()) resolve(practiceData(id, have())); else reject(new Error("empty")); });
      script.addEventListener("error", function () { reject(new Error("not loaded")); });
      document.head.appendChild(script);
    });
  }

  function minutesText(n) { return plural(n, "minute", "minutes"); }

  function clockText(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function Assessment(container, data) {
    this.container = container;
    this.data = data;
    this.quiz = data.quiz;  // title, intro, settings, question_count: no question
    this.refs = {};
    this.assessing = true;
    this.state = { seed: 0, answers: {} };
    this.views = [];
    this.mode = null;  // "server" or "practice" once known
    quizzes.push(this);
    this.render();
    this.connect();
  }

  Assessment.prototype.seed = function () { return this.state.seed; };

  Assessment.prototype.refresh = function () {
    if (this.mode !== "server" || !this.status) this.showRules(this.status || null);
  };

  Assessment.prototype.passMark = function () {
    if (this.status && this.status.quiz) return this.status.quiz.pass_mark;
    return passMarkFor(this.quiz.id, this.quiz.settings.pass_mark);
  };

  Assessment.prototype.render = function () {
    var c = this.container;
    c.textContent = "";
    c.classList.add("ql-quiz", "ql-assessment");
    var titleId = nextId("title");
    var section = this.section = el("section", { className: "ql-card", "aria-labelledby": titleId });
    section.appendChild(el("h2", { id: titleId, className: "ql-title", text: this.quiz.title }));
    if (this.quiz.intro) section.appendChild(el("p", { className: "ql-intro", text: this.quiz.intro }));
    this.rules = el("ul", { className: "ql-rules" });
    section.appendChild(this.rules);
    this.note = el("div", { className: "ql-mode" });
    section.appendChild(this.note);
    this.status_ = el("div", { className: "ql-status", role: "status", "aria-live": "polite" });
    section.appendChild(this.status_);
    this.actions = el("div", { className: "ql-controls" });
    section.appendChild(this.actions);
    this.timerBox = el("p", { className: "ql-timer", hidden: true });
    section.appendChild(this.timerBox);
    this.timerNote = el("p", { className: "ql-visually-hidden", role: "status", "aria-live": "polite" });
    section.appendChild(this.timerNote);
    this.questionsBox = el("div", { className: "ql-questions" });
    section.appendChild(this.questionsBox);
    this.submitRow = el("div", { className: "ql-controls", hidden: true });
    section.appendChild(this.submitRow);
    this.summary = el("div", { className: "ql-summary", role: "status", "aria-live": "polite", tabindex: "-1", hidden: true });
    section.appendChild(this.summary);
    this.history = el("div", { className: "ql-history" });
    section.appendChild(this.history);
    c.appendChild(section);
    var self = this;
    watch(this.questionsBox, this);
    // Every change to an answer is kept at once (after the control has acted), so a reload loses nothing.
    ["change", "input", "click"].forEach(function (type) {
      self.questionsBox.addEventListener(type, function (e) {
        var found = e.target.closest ? e.target.closest("[data-question]") : null;
        if (!found) return;
        var view = self.views.filter(function (v) { return v.q.id === found.getAttribute("data-question"); })[0];
        if (view && !view.view.stepwise && view.summative()) self.keep(view.q.id, view.view.response());
      });
    });
    this.showRules(null);
    this.say("Getting the assessment ready\u2026");
  };

  Assessment.prototype.say = function (text, problem) {
    this.status_.textContent = "";
    if (text) this.status_.appendChild(el("p", { className: problem ? "ql-problem" : "", text: text }));
  };

  Assessment.prototype.showRules = function (status) {
    var s = this.quiz.settings;
    var items = [];
    items.push(plural(this.quiz.question_count, "question", "questions") + ", one answer each. Nothing is marked until you submit your answers.");
    var attempts = "You may make " + plural(s.attempts, "attempt", "attempts") + ".";
    if (status) attempts += " You have used " + status.attempts_used + ", so you have " + status.attempts_left + " left.";
    if (this.mode === "practice") attempts = "Practice: you may start again as often as you like.";
    items.push(attempts);
    items.push(s.time_limit ? "Time limit: " + minutesText(s.time_limit) + " for each attempt. When the time is up, your answers are submitted." : "There is no time limit.");
    var review = (status && status.quiz.review_rule) || {
      after_submit: "You see the answers and feedback as soon as you submit.",
      after_due: "You see the answers and feedback after the due date.",
      never: "The answers are not shown, so that the assessment stays fair for everyone."
    }[s.review];
    if (this.mode === "practice") review = s.review === "never" ? review : "You see the answers and feedback when you submit.";
    items.push(review);
    var own = this.passMark() === s.pass_mark;
    items.push("Pass mark: " + this.passMark() + "%" + (own ? "." : " (set by your trainer)."));
    this.rules.textContent = "";
    var rules = this.rules;
    items.forEach(function (t) { rules.appendChild(el("li", { text: t })); });
  };

  Assessment.prototype.button = function (text, onClick, secondary) {
    var b = el("button", { type: "button", className: "ql-button" + (secondary ? " ql-secondary" : ""), text: text });
    b.addEventListener("click", onClick);
    this.actions.appendChild(b);
    return b;
  };

  Assessment.prototype.connect = function () {
    var self = this;
    var sync = root.QuizLibSync;
    (sync && sync.where ? sync.where() : Promise.resolve("none")).then(function (where) {
      if (where === "joined") self.serverMode();
      else if (where === "server") self.notJoined();
      else self.practiceMode();
    });
  };

  // -- with the course server ------------------------------------------------------------------------------
  Assessment.prototype.api = function (method, path, body) {
    return root.QuizLibSync.api(method, path, body);
  };

  Assessment.prototype.notJoined = function () {
    this.mode = "none";
    this.say("");
    this.note.textContent = "";
    this.note.appendChild(el("p", { text: "This assessment is taken through your trainer's course server, which marks it and keeps your result. Open the join link your trainer gave you, then come back to this page." }));
  };

  Assessment.prototype.serverMode = function () {
    var self = this;
    this.mode = "server";
    this.actions.textContent = "";
    this.say("Asking the course server about your attempts\u2026");
    this.api("GET", "api/v1/attempts?quiz=" + encodeURIComponent(this.quiz.id)).then(function (res) {
      if (res.status !== 200) { self.say((res.body && res.body.error) || "The course server could not tell your attempts.", true); return; }
      self.showStatus(res.body);
    }, function () { self.unreachable(function () { self.serverMode(); }); });
  };

  Assessment.prototype.unreachable = function (retry) {
    this.say("The course server cannot be reached just now, and this assessment needs it. Your answers so far are kept in this browser. Check your connection, then try again.", true);
    this.actions.textContent = "";
    this.button("Try again", retry);
  };

  Assessment.prototype.showStatus = function (status) {
    var self = this;
    this.status = status;
    this.showRules(status);
    this.say("");
    this.actions.textContent = "";
    this.showHistory(status.attempts);
    if (status.open) {
      this.button("Go on with attempt " + status.open.number, function () { self.run(status.open); });
    } else if (status.attempts_left > 0) {
      var n = status.attempts_used + 1;
      this.button(n === 1 ? "Start the assessment" : "Start attempt " + n + " of " + status.quiz.attempts, function () { self.start(); });
    } else {
      this.say("You have used all your attempts at this assessment.");
    }
  };

  Assessment.prototype.showHistory = function (attempts) {
    var self = this;
    this.history.textContent = "";
    var done = (attempts || []).filter(function (a) { return a.result; });
    if (!done.length) return;
    this.history.appendChild(el("h3", { text: "Your attempts" }));
    var list = el("ul");
    done.forEach(function (a) {
      var r = a.result;
      var li = el("li", { "data-attempt": a.id, text: "Attempt " + a.number + ": " + formatNumber(r.percentage) + "%, " +
        (r.passed ? "passed" : "not passed") + " (pass mark " + r.pass_mark + "%). " + (a.review && !a.review.allowed ? a.review.note : "") });
      if (a.review && a.review.allowed) {
        var b = el("button", { type: "button", className: "ql-button ql-secondary", text: "See the answers of attempt " + a.number });
        b.addEventListener("click", function () { self.pastReview(a, li, b); });
        li.appendChild(el("div", {}, [b]));
      }
      list.appendChild(li);
    });
    this.history.appendChild(list);
  };

  Assessment.prototype.pastReview = function (attempt, li, button) {
    var self = this;
    button.remove();
    var box = el("div", { className: "ql-review" });
    attempt.review.questions.forEach(function (item) {
      var part = el("section", { className: "ql-question", "aria-label": "Question " + item.number });
      part.appendChild(el("h4", { text: "Question " + item.number }));
      part.appendChild(paragraphs(item.prompt, "ql-prompt"));
      reviewInto(part, item, function (f, about) { return self.reviewFeedback(f, about); });
      box.appendChild(part);
    });
    li.appendChild(box);
  };

  Assessment.prototype.reviewFeedback = function (f, label) {
    var box = el("div", { className: "ql-fb " + (f.correct ? "ql-right" : "ql-wrong") });
    var head = el("p", { className: "ql-fbhead" }, [el("strong", { text: f.correct ? "Right." : "Not quite." })]);
    if (label) head.appendChild(document.createTextNode(" About \u201c" + label + "\u201d:"));
    box.appendChild(head);
    box.appendChild(paragraphs(f.text, "ql-fbtext"));
    if (f.cite) box.appendChild(el("p", { className: "ql-cite", text: "Source: " + f.cite + "." }));
    return box;
  };

  Assessment.prototype.start = function () {
    var self = this;
    this.actions.textContent = "";
    this.questionsBox.textContent = "";  // the last attempt's questions go: the new one draws its own
    this.views = [];
    this.summary.hidden = true;
    this.summary.textContent = "";
    this.say("Starting your attempt\u2026");
    this.api("POST", "api/v1/attempts", { quiz_id: this.quiz.id }).then(function (res) {
      if (res.status === 200 || res.status === 201) self.run(res.body);
      else { self.say((res.body && res.body.error) || "The attempt could not be started.", true); self.serverMode(); }
    }, function () { self.unreachable(function () { self.start(); }); });
  };

  // -- answering (both modes) ----------------------------------------------------------------------------
  Assessment.prototype.draftKey = function () { return ASSESS_PREFIX + this.quiz.id; };

  Assessment.prototype.draft = function (qid) {
    return this.kept && Object.prototype.hasOwnProperty.call(this.kept.responses, qid) ? this.kept.responses[qid] : null;
  };

  Assessment.prototype.keep = function (qid, response) {
    this.kept.responses[qid] = response;
    this.kept.spent = this.clock.spent;
    writeJSON(this.draftKey(), this.kept);
  };

  // Show an attempt's questions, answerable: `attempt` is the server's (id, questions, seconds_left) or a
  // practice attempt made here (id, questions, seed, deadline).
  Assessment.prototype.run = function (attempt) {
    var self = this;
    this.attempt = attempt;
    var kept = readJSON(this.draftKey());
    this.kept = kept && kept.attempt_id === attempt.id ? kept : { attempt_id: attempt.id, responses: {}, spent: {} };
    if (attempt.seed !== undefined) {
      this.kept.seed = attempt.seed;
      this.kept.started = attempt.started;
      this.kept.practice = true;
    }
    writeJSON(this.draftKey(), this.kept);
    this.state = { seed: attempt.seed || 0, answers: {} };
    this.clock = new Clock(this.kept.spent);
    this.actions.textContent = "";
    this.say("");
    this.history.textContent = "";
    this.summary.hidden = true;
    this.summary.textContent = "";
    this.questionsBox.textContent = "";
    var shown = attempt.questions;
    this.views = shown.map(function (q, i) {
      var v = new QuestionView(self, q, i + 1, shown.length, alike(shown, q));
      self.questionsBox.appendChild(v.node);
      return v;
    });
    this.submitRow.textContent = "";
    this.submitRow.hidden = false;
    this.submitButton = el("button", { type: "button", className: "ql-button", text: "Submit your answers" });
    this.submitButton.addEventListener("click", function () { self.submit(false); });
    this.submitRow.appendChild(this.submitButton);
    this.startTimer(attempt);
    var first = this.questionsBox.querySelector("input, select, button");
    if (first) first.focus();
  };

  Assessment.prototype.startTimer = function (attempt) {
    var self = this;
    if (this.ticker) root.clearInterval(this.ticker);
    var deadline = attempt.seconds_left !== null && attempt.seconds_left !== undefined ? Date.now() + attempt.seconds_left * 1000 :
      attempt.deadline ? Date.parse(attempt.deadline) : null;
    if (deadline === null || isNaN(deadline)) { this.timerBox.hidden = true; return; }
    this.timerBox.hidden = false;
    var warned = {};
    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      self.timerBox.textContent = "Time left: " + clockText(left);
      [300, 60].forEach(function (mark) {
        if (left <= mark && !warned[mark] && left > 0) {
          warned[mark] = true;
          self.timerNote.textContent = minutesText(mark / 60) + " left.";
        }
      });
      if (left <= 0) {
        root.clearInterval(self.ticker);
        self.ticker = null;
        self.timerNote.textContent = "The time is up. Your answers are being submitted.";
        self.submit(true);
      }
    }
    tick();
    this.ticker = root.setInterval(tick, 1000);
  };

  Assessment.prototype.responses = function () {
    var out = {};
    this.views.forEach(function (v) { out[v.q.id] = v.current(); });
    return out;
  };

  Assessment.prototype.submit = function (timeUp) {
    var self = this;
    var responses = this.responses();
    var missing = Object.keys(responses).filter(function (k) { return responses[k] === null; }).length;
    if (!timeUp && missing && root.confirm &&
        !root.confirm("You have not answered " + plural(missing, "question", "questions") + ". Submit your answers anyway? Questions without an answer earn nothing.")) return;
    if (this.submitButton) this.submitButton.disabled = true;
    if (this.mode === "practice") { this.finishPractice(responses); return; }
    this.say("Sending your answers to the course server\u2026");
    var durations = {};
    Object.keys(this.clock.spent).forEach(function (k) { durations[k] = self.clock.spent[k]; });
    this.api("POST", "api/v1/attempts/" + encodeURIComponent(this.attempt.id) + "/submit", { responses: responses, durations: durations }).then(function (res) {
      if (res.status === 200) { self.finishServer(res.body); return; }
      self.submitButton.disabled = false;
      self.say((res.body && res.body.error) || "The course server did not take your answers.", true);
    }, function () {
      self.submitButton.disabled = false;
      self.say("Your answers could not be sent: the course server cannot be reached. They are kept in this browser. Check your connection, then press Submit your answers again.", true);
    });
  };

  Assessment.prototype.endAnswering = function () {
    if (this.ticker) { root.clearInterval(this.ticker); this.ticker = null; }
    this.timerBox.hidden = true;
    this.submitRow.hidden = true;
    this.say("");
  };

  Assessment.prototype.showResult = function (r, passMark, extra) {
    this.summary.hidden = false;
    this.summary.textContent = "";
    this.summary.appendChild(el("p", { text: "Your answers are submitted. Your score: " + formatNumber(r.points) + " out of " + formatNumber(r.max_points) +
      " (" + formatNumber(r.percentage) + "%). The pass mark is " + passMark + "%: " + (r.passed ? "you passed." : "not passed this time.") }));
    if (extra) this.summary.appendChild(el("p", { text: extra }));
    this.summary.classList.toggle("ql-passed", !!r.passed);
    this.summary.focus();
  };

  // Keep the result where My progress finds it, as a practice quiz's is kept.
  Assessment.prototype.remember = function (r, practice) {
    var st = loadState(this.quiz.id) || { version: 1, attempt: 0, answers: {} };
    st.attempt = (st.attempt || 0) + 1;
    st.completed = new Date().toISOString();
    st.result = { points: r.points, max_points: r.max_points, percentage: r.percentage, passed: r.passed, practice: practice };
    if (!st.best || r.percentage > st.best.percentage || (st.best.practice && !practice))
      st.best = { percentage: r.percentage, passed: r.passed, attempt: st.attempt, practice: practice, at: st.completed };
    st.chapter = this.quiz.chapter;
    st.pass_mark = this.quiz.settings.pass_mark;
    saveState(this.quiz.id, st);
    finishedChanged();
  };

  Assessment.prototype.finishServer = function (attempt) {
    var self = this;
    this.endAnswering();
    var r = attempt.result;
    var review = attempt.review || { allowed: false, note: "" };
    var items = {};
    (review.questions || []).forEach(function (item) { items[item.id] = item; });
    this.views.forEach(function (v) { v.serverReview(review.allowed ? items[v.q.id] : null); });
    this.remember(r, false);
    this.kept = null;
    writeJSON(this.draftKey(), null);
    this.showResult(r, r.pass_mark, review.allowed ? "The answers and feedback are shown under each question." : review.note);
    this.api("GET", "api/v1/attempts?quiz=" + encodeURIComponent(this.quiz.id)).then(function (res) {
      if (res.status !== 200) return;
      self.status = res.body;
      self.showRules(res.body);
      if (res.body.attempts_left > 0)
        self.button("Start attempt " + (res.body.attempts_used + 1) + " of " + res.body.quiz.attempts, function () { self.start(); });
    }, function () {});
  };

  // -- without a server: practice ---------------------------------------------------------------------------
  Assessment.prototype.practiceMode = function () {
    var self = this;
    this.mode = "practice";
    this.showRules(null);
    this.say("");
    this.note.textContent = "";
    this.note.appendChild(el("p", { className: "ql-warning", text: "Practice mode. This copy of the course has no course server, so this assessment runs in your browser as practice: your answers are marked here and sent to no one, and the answers travel with the page. To take the assessment for real, use the course server your trainer gives you." }));
    var kept = readJSON(this.draftKey());
    this.actions.textContent = "";
    if (kept && kept.practice && kept.seed !== undefined) this.button("Go on with your practice attempt", function () { self.startPractice(kept); });
    else this.button("Start a practice attempt", function () { self.startPractice(null); });
  };

  Assessment.prototype.startPractice = function (kept) {
    var self = this;
    this.actions.textContent = "";
    this.say("Loading the practice assessment\u2026");
    loadPractice(this.data).then(function (full) {
      self.full = full;
      self.refs = full.references || {};
      var seed = kept ? kept.seed : randomSeed();
      var quiz = full.quiz;
      var shown = quiz.draw && quiz.draw.length ? Core.drawQuestions(quiz, full.banks || {}, seed) : quiz.questions;
      var started = kept ? kept.started : new Date().toISOString();
      var limit = quiz.settings.time_limit;
      self.run({ id: kept ? kept.attempt_id : uuid4(), seed: seed, started: started, questions: shown,
                 deadline: limit ? new Date(Date.parse(started) + limit * 60000).toISOString() : null });
    }, function () {
      self.say("The practice copy of this assessment could not be loaded. Reload the page to try again.", true);
    });
  };

  Assessment.prototype.finishPractice = function (responses) {
    var self = this;
    this.endAnswering();
    var quiz = withPassMark(this.full.quiz, this.passMark());
    var answers = {};
    Object.keys(responses).forEach(function (k) { if (responses[k] !== null) answers[k] = { tries: [responses[k]], revealed: false }; });
    var shown = this.attempt.questions;
    var r = Core.scoreQuiz(quiz, answers, shown);
    this.state.answers = answers;
    var reviewed = quiz.settings.review !== "never";
    if (reviewed) this.views.forEach(function (v) { v.review(responses[v.q.id]); });
    else this.views.forEach(function (v) { v.lock(); });
    this.remember(r, true);
    this.announce(r, answers, shown);
    writeJSON(this.draftKey(), null);
    this.showResult(r, this.passMark(), (reviewed ? "The answers and feedback are shown under each question. " : "") + "This was practice: the result is kept only in this browser.");
    this.actions.textContent = "";
    this.button("Start another practice attempt", function () { self.questionsBox.textContent = ""; self.summary.hidden = true; self.startPractice(null); }, true);
  };

  // A practice attempt tells listeners what it told the learner, as a practice quiz does (QuizLibUI.on): each
  // answer, then the finished attempt. In an LMS package the launcher reports them to the LMS; with no server
  // and no LMS nobody listens.
  Assessment.prototype.announce = function (r, answers, shown) {
    var self = this;
    var base = { quiz: this.full.quiz, quiz_id: this.quiz.id, chapter: this.full.quiz.chapter, attempt: 1,
                 attempt_id: this.attempt.id, seed: this.attempt.seed };
    r.questions.forEach(function (o, i) {
      var answer = answers[o.question_id];
      if (!answer || !o.last) return;
      emit(Object.assign({ type: "answered", question: shown[i], response: answer.tries[0], result: o.last, outcome: o,
                           try_number: 1, duration: self.clock.spent[o.question_id] || 0 }, base));
    });
    emit(Object.assign({ type: "completed", result: r, duration: this.clock.total() }, base));
  };

  // -- where the learner stands: quizzes, chapters, the progress page, the home page, the menu ---------------
  function siteRoot() {
    var r = document.documentElement.getAttribute("data-content_root");
    return r === null ? "" : r;
  }

  function pageHref(doc) { return siteRoot() + doc + ".html"; }

  // A quiz as the learner stands with it in this browser, judged against the pass mark that applies now (an
  // assignment's, for a learner it is assigned to), so every page agrees with "Assigned to you".
  function standing(quizId, ownPassMark) {
    var st = loadState(quizId);
    var passMark = passMarkFor(quizId, st && typeof st.pass_mark === "number" ? st.pass_mark : ownPassMark);
    var out = { state: st, passMark: passMark, passed: false, practice: false, best: null, status: "Not started" };
    if (!st) return out;
    var n = Object.keys(st.answers || {}).length;
    var last = st.result;
    if (st.completed) out.status = last && last.percentage >= passMark ? "Passed" : "Finished, not passed yet";
    else if (n) out.status = "In progress (" + plural(n, "question", "questions") + " answered)";
    if (st.best) {
      out.best = st.best;
      out.passed = st.best.percentage >= passMark;
      out.practice = !!st.best.practice;
      if (out.passed) out.status = "Passed";
      if (out.practice) out.status = out.passed ? "Passed in practice (not recorded)" : "Practised (not recorded)";
    }
    return out;
  }

  // Every quiz state kept in this browser, by quiz id (the states name their chapter and pass mark).
  function allStates() {
    var s = storage();
    var out = {};
    if (!s || typeof s.key !== "function") return out;
    var prefix = STORE_PREFIX + "quiz:";
    for (var i = 0; i < s.length; i++) {
      var k = s.key(i);
      if (k && k.indexOf(prefix) === 0) {
        var st = loadState(k.slice(prefix.length));
        if (st) out[k.slice(prefix.length)] = st;
      }
    }
    return out;
  }

  // The chapters whose quizzes are all passed, by chapter path: from `quizzes` (a block's list: id, chapter,
  // pass_mark) where the page has one, else from what this browser keeps.
  function finishedChapters(list) {
    var byChapter = {};
    if (list) {
      list.forEach(function (q) { (byChapter[q.chapter] = byChapter[q.chapter] || []).push(standing(q.id, q.pass_mark).passed); });
    } else {
      var states = allStates();
      Object.keys(states).forEach(function (id) {
        var st = states[id];
        if (st.chapter) (byChapter[st.chapter] = byChapter[st.chapter] || []).push(standing(id, st.pass_mark).passed);
      });
    }
    var out = {};
    Object.keys(byChapter).forEach(function (c) { out[c] = byChapter[c].length > 0 && byChapter[c].every(Boolean); });
    return out;
  }

  function tickFor(finished) {
    return finished ? [el("span", { className: "ql-tick", "aria-hidden": "true", text: "\u2713" }),
      el("span", { className: "ql-visually-hidden", text: " (finished)" })] : [];
  }

  // A tick after each finished chapter in the book's menu (the theme's own links, left as they are otherwise).
  function markMenu(list) {
    var done = finishedChapters(list);
    var base = new URL(siteRoot() || "./", root.location.href);
    Array.prototype.forEach.call(document.querySelectorAll(".bd-sidenav a[href], nav.bd-links a[href]"), function (a) {
      Array.prototype.forEach.call(a.querySelectorAll(".ql-menu-tick"), function (t) { t.remove(); });
      var url = new URL(a.getAttribute("href"), root.location.href);
      if (url.origin !== base.origin || url.pathname.indexOf(base.pathname) !== 0) return;
      var doc = url.pathname.slice(base.pathname.length).replace(/\.html$/, "");
      if (done[doc]) a.appendChild(el("span", { className: "ql-menu-tick" }, tickFor(true)));
    });
  }

  // -- where the learner left off: the chapter and section last read, kept per page ------------------------
  var PLACES = STORE_PREFIX + "places";

  function currentDoc() {
    var base = new URL(siteRoot() || "./", root.location.href);
    var here = root.location.pathname;
    if (here.indexOf(base.pathname) !== 0) return null;
    var doc = here.slice(base.pathname.length).replace(/\.html$/, "");
    return doc || null;
  }

  function keepPlace() {
    var doc = currentDoc();
    var s = storage();
    if (!doc || !s) return;
    // The last section whose heading has scrolled up past the top of the window.
    var hash = "", heading = "";
    Array.prototype.forEach.call(document.querySelectorAll("main section[id], article section[id]"), function (sec) {
      if (sec.getBoundingClientRect().top <= 90) {
        hash = sec.id;
        var h = sec.querySelector("h1, h2, h3");
        heading = h ? h.textContent.replace(/[#\u00b6]\s*$/, "").trim() : "";
      }
    });
    var places = readJSON(PLACES) || {};
    places[doc] = { hash: hash, heading: heading, at: new Date().toISOString() };
    var docs = Object.keys(places).sort(function (a, b) { return places[b].at < places[a].at ? -1 : 1; });
    docs.slice(30).forEach(function (d) { delete places[d]; });
    writeJSON(PLACES, places);
  }

  var placeTimer = null;
  function followPlace() {
    if (!currentDoc()) return;
    var later = function () {
      if (placeTimer) return;
      placeTimer = root.setTimeout(function () { placeTimer = null; keepPlace(); }, 800);
    };
    root.addEventListener("scroll", later, { passive: true });
    root.addEventListener("pagehide", keepPlace);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") keepPlace(); });
    keepPlace();
  }

  // The most recent place among `chapters` (docs), or null.
  function lastPlace(chapters) {
    var places = readJSON(PLACES) || {};
    var best = null;
    chapters.forEach(function (doc) {
      var p = places[doc];
      if (p && (!best || p.at > best.at)) best = { doc: doc, hash: p.hash, heading: p.heading, at: p.at };
    });
    return best;
  }

  function longDate(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    return d.toLocaleDateString(document.documentElement.lang || "en", { year: "numeric", month: "long", day: "numeric" });
  }

  // -- the home page: continue where you left off, the course's progress -----------------------------------
  function renderCourse(container, data) {
    container.textContent = "";
    var box = el("section", { className: "ql-course", "aria-labelledby": nextId("course-h") });
    container.appendChild(box);
    fillCourse(box, data);
  }

  function fillCourse(box, data) {
    var headingId = box.getAttribute("aria-labelledby");
    box.textContent = "";
    box.appendChild(el("h2", { id: headingId, text: "Your course" }));
    var chapters = data.chapters;
    var done = finishedChapters(data.quizzes);
    var finished = chapters.filter(function (c) { return done[c.doc]; }).length;
    var place = lastPlace(chapters.map(function (c) { return c.doc; }));
    var titles = {};
    chapters.forEach(function (c) { titles[c.doc] = c.title; });
    var next = chapters.filter(function (c) { return !done[c.doc]; })[0];
    if (place && !(place.doc === currentDoc() && !place.hash)) {
      var where = titles[place.doc] + (place.heading && place.heading !== titles[place.doc] ? ": " + place.heading : "");
      var link = el("a", { className: "ql-continue-link", href: pageHref(place.doc) + (place.hash ? "#" + place.hash : ""), text: where });
      box.appendChild(el("p", { className: "ql-continue" }, [el("strong", { text: "Continue where you left off: " }), link]));
      if (done[place.doc] && next && next.doc !== place.doc)
        box.appendChild(el("p", {}, ["You have finished that chapter. Next: ", el("a", { href: pageHref(next.doc), text: next.title })]));
    } else if (!finished) {
      box.appendChild(el("p", { text: "Your progress is kept in this browser. When you come back, this page takes you to where you left off." }));
    }
    var text = finished === chapters.length ? "You have finished every chapter." :
      "You have finished " + finished + " of " + chapters.length + " chapters.";
    var barId = nextId("bar");
    box.appendChild(el("p", { id: barId, className: "ql-bar-label", text: text }));
    var bar = el("div", { className: "ql-bar", role: "progressbar", "aria-labelledby": barId, "aria-valuemin": "0",
      "aria-valuemax": String(chapters.length), "aria-valuenow": String(finished),
      "aria-valuetext": finished + " of " + chapters.length + " chapters finished" });
    bar.appendChild(el("div", { className: "ql-bar-fill", style: "width: " + Math.round(100 * finished / Math.max(1, chapters.length)) + "%" }));
    box.appendChild(bar);
    var list = el("ol", { className: "ql-chapters" });
    chapters.forEach(function (c) {
      list.appendChild(el("li", { "data-chapter": c.doc, className: done[c.doc] ? "ql-done" : "" }, [el("a", { href: pageHref(c.doc), text: c.title })].concat(tickFor(done[c.doc]))));
    });
    box.appendChild(el("details", { className: "ql-chapter-list" }, [el("summary", { text: "Chapters, with a tick for each one finished" }), list]));
    var more = [el("a", { href: pageHref(data.progress), text: "My progress" })];
    if (data.certificate) more.push(" \u00b7 ", el("a", { href: pageHref(data.certificate), text: "Your certificate" }));
    box.appendChild(el("p", {}, more));
  }

  // -- the progress page ------------------------------------------------------------------------------------
  function renderProgress(container, data) {
    container.textContent = "";
    var local = el("div", { className: "ql-progress-local" });
    fillProgress(local, data);
    container.appendChild(local);
    emit({ type: "progress-shown", container: container, data: data });
  }

  function fillProgress(container, data) {
    container.textContent = "";
    // Three columns, so that the table fits a phone: the chapter (its quiz is the chapter's own), the status
    // and the best score.
    var table = el("table", { className: "ql-progress" });
    table.appendChild(el("caption", { text: "Your progress in this browser" }));
    var head = el("tr", {}, ["Chapter", "Status", "Best score"].map(function (h) { return el("th", { scope: "col", text: h }); }));
    table.appendChild(el("thead", {}, [head]));
    var body = el("tbody");
    var done = 0;
    data.quizzes.forEach(function (item) {
      var s = standing(item.id, item.pass_mark);
      if (s.status === "Passed") done += 1;
      var best = s.best ? [el("span", { text: formatNumber(s.best.percentage) + "%" + (s.best.practice ? ", practice" : "") }), " ",
        el("span", { className: "ql-passmark", text: "(pass mark " + s.passMark + "%)" })] : ["\u2014"];
      var link = el("a", { href: pageHref(item.chapter), text: item.chapter_title });
      var status = [s.status].concat(s.passed ? [" ", el("span", { className: "ql-tick", "aria-hidden": "true", text: "\u2713" })] : []);
      var sending = sendingFor(item.id);
      if (sending) status.push(el("span", { className: "ql-sending-short ql-" + sending.tone, text: sending.short || "" }));
      body.appendChild(el("tr", { "data-quiz": item.id }, [el("th", { scope: "row" }, [link]), el("td", {}, status), el("td", {}, best)]));
    });
    table.appendChild(body);
    container.appendChild(el("p", { className: "ql-progress-summary", text: "You have passed " + done + " of " + data.quizzes.length + " quizzes." }));
    container.appendChild(el("div", { className: "ql-table-wrap" }, [table]));
    // What became of the answers, when there is more to say than the note below (a course server is in use).
    var overall = sendingFor(null);
    if (overall && (overall.tone !== "kept" || overall.short)) container.appendChild(sendingLine(overall));
    var note = "Your answers are kept in this browser on this device. If you clear your browsing data, they are removed.";
    container.appendChild(el("p", { className: "ql-help", text: note }));
    if (data.certificate) container.appendChild(el("p", {}, [el("a", { href: pageHref(data.certificate), text: "Your certificate of completion" }),
      " \u2014 once you have passed the quizzes it asks for."]));
  }

  // -- the certificate of completion ------------------------------------------------------------------------
  // For a learner who joined, the course server decides and keeps the certificate (with a code anyone can check
  // at /verify/CODE): this page asks it (api/v1/certificates). Otherwise the page makes one from what this
  // browser keeps, once every quiz the course asks for (data.quizzes with `required`) is passed here; it says
  // plainly that it has no code and cannot be checked.
  var CERT_NAME = STORE_PREFIX + "certificate-name";

  function renderCertificate(container, data) {
    container.textContent = "";
    var box = el("div", { className: "ql-certificate-page" });
    container.appendChild(box);
    document.documentElement.classList.add("ql-has-certificate");
    var sync = root.QuizLibSync;
    (sync && sync.where ? sync.where() : Promise.resolve("none")).then(function (where) {
      if (where === "joined") serverCertificates(box, data);
      else localCertificate(box, data, where === "server");
    });
  }

  function requiredOf(data) { return data.quizzes.filter(function (q) { return q.required !== false; }); }

  function printButton(cert) {
    var b = el("button", { type: "button", className: "ql-button", text: "Print the certificate" });
    b.addEventListener("click", function () {
      Array.prototype.forEach.call(document.querySelectorAll(".ql-cert"), function (c) { c.classList.toggle("ql-printing", c === cert); });
      root.print();
    });
    return b;
  }

  // The printable certificate. `c`: {name, title, course, date (ISO), percentage, quizzes: [{title, percentage,
  // pass_mark}], code, verify_url}; no code for one made in this browser.
  function certificateCard(c) {
    var card = el("article", { className: "ql-cert", "aria-label": "Certificate of completion" });
    card.appendChild(el("p", { className: "ql-cert-kind", text: "Certificate of completion" }));
    card.appendChild(el("p", { className: "ql-cert-line", text: "This is to certify that" }));
    var name = el("p", { className: "ql-cert-name", text: c.name || "\u2026" });
    card.appendChild(name);
    card.appendChild(el("p", { className: "ql-cert-line", text: "has completed" }));
    card.appendChild(el("p", { className: "ql-cert-title", text: c.title }));
    if (c.course && c.course !== c.title) card.appendChild(el("p", { className: "ql-cert-line", text: "in the course \u201c" + c.course + "\u201d" }));
    card.appendChild(el("p", { className: "ql-cert-line", text: "on " + longDate(c.date) + ", with an average score of " + formatNumber(c.percentage) +
      "% over " + plural(c.quizzes.length, "quiz", "quizzes") + "." }));
    var table = el("table", { className: "ql-cert-scores" });
    table.appendChild(el("caption", { text: "Best score in each quiz" }));
    table.appendChild(el("thead", {}, [el("tr", {}, ["Quiz", "Best score", "Pass mark"].map(function (h) { return el("th", { scope: "col", text: h }); }))]));
    table.appendChild(el("tbody", {}, c.quizzes.map(function (q) {
      return el("tr", {}, [el("td", { text: q.title }), el("td", { text: formatNumber(q.percentage) + "%" }), el("td", { text: q.pass_mark + "%" })]);
    })));
    card.appendChild(table);
    if (c.code) {
      card.appendChild(el("p", { className: "ql-cert-code" }, ["Verification code: ", el("strong", { text: c.code })]));
      card.appendChild(el("p", { className: "ql-cert-verify" }, ["Anyone can check this certificate at ", el("a", { href: c.verify_url, text: c.verify_url })]));
    } else {
      card.appendChild(el("p", { className: "ql-cert-verify", text: "Made in the learner\u2019s own browser from the results kept there: it has no verification code." }));
    }
    card.nameNode = name;
    return card;
  }

  function localCertificate(box, data, served) {
    box.textContent = "";
    var required = requiredOf(data);
    var standings = required.map(function (q) { return { q: q, s: standing(q.id, q.pass_mark) }; });
    var missing = standings.filter(function (x) { return !x.s.passed; });
    if (missing.length) {
      box.appendChild(el("p", { className: "ql-cert-status", text: "Your certificate is ready when you have passed every quiz it asks for. You have passed " +
        (required.length - missing.length) + " of " + required.length + ". Still to pass:" }));
      box.appendChild(el("ul", { className: "ql-cert-missing" }, missing.map(function (x) {
        return el("li", {}, [el("a", { href: pageHref(x.q.chapter), text: x.q.chapter_title }), " (pass mark " + x.s.passMark + "%)"]);
      })));
      if (served) box.appendChild(el("p", { text: "To get a certificate your employer can check, open the join link your trainer gave you, then pass the quizzes here." }));
      return;
    }
    var dates = standings.map(function (x) { return x.s.best.at || x.s.state.completed || ""; }).filter(Boolean).sort();
    var c = {
      name: readJSON(CERT_NAME) || learnerName() || "", title: data.course, date: dates.length ? dates[dates.length - 1] : new Date().toISOString(),
      percentage: Core.roundHalfUp(standings.reduce(function (t, x) { return t + x.s.best.percentage; }, 0) / standings.length, 2),
      quizzes: standings.map(function (x) { return { title: x.q.chapter_title, percentage: x.s.best.percentage, pass_mark: x.s.passMark }; })
    };
    box.appendChild(el("p", { className: "ql-cert-status", text: "Well done: you have passed every quiz the course asks for. Here is your certificate." }));
    var nameId = nextId("certname");
    var input = el("input", { type: "text", id: nameId, className: "ql-cert-input", maxlength: "100", autocomplete: "name", value: c.name });
    box.appendChild(el("p", { className: "ql-no-print" }, [el("label", { "for": nameId, text: "Your name, as it should read on the certificate" }), input]));
    var card = certificateCard(c);
    input.addEventListener("input", function () {
      card.nameNode.textContent = input.value.trim() || "\u2026";
      writeJSON(CERT_NAME, input.value.trim());
    });
    box.appendChild(card);
    box.appendChild(el("p", { className: "ql-no-print" }, [printButton(card)]));
    box.appendChild(el("p", { className: "ql-help ql-no-print", text: served ?
      "This certificate was made in this browser and cannot be checked by anyone. For one with a code your employer can check, open the join link your trainer gave you: your trainer\u2019s course server then issues it." :
      "This certificate was made in this browser from the results kept here, so nobody can check it. A trainer\u2019s course server issues certificates with a code that can be checked." }));
  }

  function learnerName() {
    var l = readJSON(STORE_PREFIX + "learner");
    return l && l.display_name ? l.display_name : "";
  }

  function serverCertificates(box, data) {
    box.textContent = "";
    var status = el("p", { className: "ql-cert-status", role: "status", text: "Asking your trainer\u2019s course server about your certificates\u2026" });
    box.appendChild(status);
    root.QuizLibSync.api("GET", "api/v1/certificates").then(function (res) {
      if (res.status !== 200) throw new Error(String(res.status));
      showServerScopes(box, data, res.body);
    }).catch(function () {
      status.textContent = "The course server cannot be reached just now, and it keeps your certificates. Check your connection, then reload this page.";
    });
  }

  function showServerScopes(box, data, overview) {
    box.textContent = "";
    var scopes = overview.scopes;
    var passed = scopes.filter(function (s) { return s.passed; });
    box.appendChild(el("p", { className: "ql-cert-status", text: passed.length ?
      "Your trainer\u2019s course server keeps your certificates: each has a code that anyone can check." :
      "Your trainer\u2019s course server issues a certificate once it has recorded that you passed an assignment, or every quiz the course asks for. Nothing is passed yet:" }));
    scopes.forEach(function (s) {
      var section = el("section", { className: "ql-cert-scope", "data-scope": s.scope, "aria-labelledby": nextId("scope") });
      section.appendChild(el("h2", { id: section.getAttribute("aria-labelledby"), text: s.title }));
      if (s.certificate) {
        var c = s.certificate;
        var card = certificateCard({ name: c.learner_name, title: c.title, course: c.course_title, date: c.issued_at, percentage: c.percentage,
          quizzes: c.quizzes, code: c.code, verify_url: c.verify_url });
        section.appendChild(card);
        section.appendChild(el("p", { className: "ql-no-print" }, [printButton(card)]));
      } else if (s.passed) {
        var nameId = nextId("certname");
        var input = el("input", { type: "text", id: nameId, className: "ql-cert-input", maxlength: "100", autocomplete: "name",
          value: readJSON(CERT_NAME) || overview.learner.display_name });
        var say = el("p", { role: "status" });
        var get = el("button", { type: "button", className: "ql-button", text: "Get the certificate" });
        get.addEventListener("click", function () {
          get.disabled = true;
          writeJSON(CERT_NAME, input.value.trim());
          root.QuizLibSync.api("POST", "api/v1/certificates", { scope: s.scope, name: input.value.trim() }).then(function (res) {
            if (res.status === 200 || res.status === 201) { s.certificate = res.body; showServerScopes(box, data, overview); return; }
            get.disabled = false;
            say.textContent = (res.body && res.body.error) || "The course server did not issue the certificate.";
          }, function () {
            get.disabled = false;
            say.textContent = "The course server cannot be reached just now. Check your connection, then try again.";
          });
        });
        section.appendChild(el("p", { text: "You passed, with an average of " + formatNumber(s.percentage) + "%. Your certificate shows your name as you type it here; it cannot be changed once issued." }));
        section.appendChild(el("p", {}, [el("label", { "for": nameId, text: "Your name, as it should read on the certificate" }), input]));
        section.appendChild(el("p", {}, [get]));
        section.appendChild(say);
      } else {
        section.appendChild(el("p", { text: "Still to pass, as the course server has it:" }));
        section.appendChild(el("ul", { className: "ql-cert-missing" }, s.to_pass.map(function (q) {
          var item = data.quizzes.filter(function (x) { return x.id === q.id; })[0];
          return el("li", {}, item ? [el("a", { href: pageHref(item.chapter), text: item.chapter_title }), " (pass mark " + q.pass_mark + "%)"] : [q.title]);
        })));
      }
      box.appendChild(section);
    });
  }

  // -- what was sent: the outbox's state, told per quiz (quizlib-sync.js gives it through sendingStatus) ----
  var sendingProvider = null;

  // {text, tone ("kept", "sent", "problem"), short, link: {href, text}} for a quiz (or, with null, the whole
  // outbox), or null when nothing is to be said (no outbox on this page: an LMS package, say).
  function sendingFor(quizId) {
    if (!sendingProvider) return null;
    try { return sendingProvider(quizId); } catch (e) { return null; }
  }

  function sendingLine(s) {
    var p = el("p", { className: "ql-sending ql-" + s.tone }, [s.text]);
    if (s.link) p.appendChild(el("span", {}, [" ", el("a", { href: s.link.href, text: s.link.text })]));
    return p;
  }

  function sendingChanged() {
    quizzes.forEach(function (q) { if (q.showSending) q.showSending(); });
    if (typeof document.querySelectorAll !== "function") return;  // no page (the scripts under Node)
    Array.prototype.forEach.call(document.querySelectorAll(".quizlib[data-quizlib=progress][data-mounted] .ql-progress-local"), function (local) {
      var data = readData(local.closest(".quizlib"));
      if (data) fillProgress(local, data);
    });
  }

  // -- mounting -------------------------------------------------------------------------------------------
  function readData(node) {
    var script = node.querySelector("script.quizlib-data");
    return script ? JSON.parse(script.textContent) : null;
  }

  var pageFollowed = false;

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".quizlib[data-quizlib]:not([data-mounted])"), function (node) {
      var data = readData(node);
      if (!data) return;
      node.setAttribute("data-mounted", "");
      var target = el("div");
      node.appendChild(target);
      if (data.type === "quiz") node.quizlib = data.summative ? new Assessment(target, data) : new Quiz(target, data);
      else if (data.type === "progress") renderProgress(target, data);
      else if (data.type === "course") renderCourse(target, data);
      else if (data.type === "certificate") renderCertificate(target, data);
    });
    markMenu(courseQuizzes());
    if (!pageFollowed && document.body) {
      pageFollowed = true;
      followPlace();
    }
  }

  // The course's quizzes (id, chapter, pass_mark), from a block on this page that lists them, or null.
  function courseQuizzes() {
    var found = null;
    Array.prototype.forEach.call(document.querySelectorAll(".quizlib[data-quizlib][data-mounted]"), function (node) {
      var data = readData(node);
      if (!found && data && data.quizzes && data.type !== "quiz") found = data.quizzes;
    });
    return found;
  }

  // The learner's assignments changed (quizlib-sync.js), or an answer was given: show and apply the pass marks
  // that apply now, and what is finished.
  function refresh() {
    quizzes.forEach(function (q) { q.refresh(); });
    Array.prototype.forEach.call(document.querySelectorAll(".quizlib[data-quizlib=progress][data-mounted] .ql-progress-local"), function (local) {
      var data = readData(local.closest(".quizlib"));
      if (data) fillProgress(local, data);
    });
    finishedChanged();
  }

  function finishedChanged() {
    Array.prototype.forEach.call(document.querySelectorAll(".quizlib[data-quizlib=course][data-mounted] .ql-course"), function (box) {
      var data = readData(box.closest(".quizlib"));
      if (data) fillCourse(box, data);
    });
    markMenu(courseQuizzes());
  }

  root.QuizLibUI = {
    VIEWS: VIEWS,
    mountAll: mountAll,
    refresh: refresh,
    passMarkFor: passMarkFor,
    practiceData: practiceData,
    on: function (fn) { listeners.push(fn); },
    loadState: loadState,
    useStorage: function (s) { storageOverride = s; },
    // quizlib-sync.js says what became of each quiz's answers: fn(quiz id, or null for all) -> {text, tone,
    // short, link} or null; sendingChanged() shows it again.
    sendingStatus: function (fn) { sendingProvider = fn; sendingChanged(); },
    sendingChanged: sendingChanged,
    storagePrefix: STORE_PREFIX,
    uuid4: uuid4
  };
})(typeof window !== "undefined" ? window : globalThis);
