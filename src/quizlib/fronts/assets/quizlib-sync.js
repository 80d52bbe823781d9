/* quizlib-sync: the browser's outbox of results for the quizlib course server.
 *
 * Each answered try and each finished quiz (QuizLibUI.on events) becomes an xAPI statement (the same as
 * quizlib/results/xapi.py builds from the same facts: tests/test_javascript.py) kept in localStorage BEFORE
 * anything is sent. Statements are sent, in batches,
 * to the server the learner joined, and only ever to this page's own origin; they are removed only when the
 * server acknowledges them (or refuses one for good, which moves it aside, where the learner sees it on the
 * progress page). Sending is tried on load, on `online`, and on an interval with backoff while the server is
 * unreachable. One statement never holds back the others: a refused one (4xx) is set aside at once; when a
 * batch fails with a server error, smaller batches find the one at fault, which goes to the back and, once
 * the server has stored others meanwhile and it has failed alone three times, is set aside too. A 429 is
 * waited out (Retry-After), unless the server says retrying cannot help (`retry: false`). A 413 (the batch is
 * too large for the server) halves the batch at once; a statement too large on its own is set aside. A 401
 * (or a 403 that names no statement) means the server no longer knows this device's learner (deleted, say):
 * sending stops, the answers stay in the outbox, and the learner is told, with the way to join again. The
 * outbox keeps at most MAX_OUTBOX statements (about 1 MB): beyond that the oldest go, and the learner is told.
 * Each quiz says what became of its answers: kept on this device, or sent to the trainer (sendingState).
 *
 * On a static host nothing is recorded: without a joined learner, the script asks the same origin for
 * {content_root}api/v1/config once per page; a static host answers 404 and the script stays idle.
 * On the progress page (event `progress-shown`) a joined learner sees "Assigned to you" from the server, and
 * every quiz shows and applies the pass mark of the learner's assignment (QuizLibUI.refresh).
 * An assessment (a summative quiz) asks where() it is and talks to /api/v1/attempts through api().
 */
(function (root) {
  "use strict";
  if (root.QuizLibSync || !root.QuizLibUI) return;
  var UI = root.QuizLibUI;
  var Core = root.QuizLibCore;
  var el = root.QuizLibDOM.el;
  var PREFIX = UI.storagePrefix;
  var KEY_LEARNER = PREFIX + "learner";
  var KEY_OUTBOX = PREFIX + "outbox";
  var KEY_REJECTED = PREFIX + "rejected";
  var KEY_ASSIGNMENTS = PREFIX + "assignments";
  var KEY_FAILURES = PREFIX + "failures"; // statement id -> server errors it met alone
  var KEY_LEFT = PREFIX + "left"; // the learner this device was joined as, until the server refused its token
  var KEY_DROPPED = PREFIX + "dropped"; // how many statements the full outbox let go, oldest first
  var NS = "urn:quizlib:";
  var EXT = { attempt: NS + "xapi:attempt-id", tryNumber: NS + "xapi:try", seed: NS + "xapi:seed",
              response: NS + "xapi:response", answers: NS + "xapi:answers" };
  var VERBS = { answered: "http://adlnet.gov/expapi/verbs/answered", completed: "http://adlnet.gov/expapi/verbs/completed" };
  var BATCH = 50;
  var MIN_DELAY = 2000, MAX_DELAY = 300000, INTERVAL = 15000;
  var ALONE_FAILURES = 3; // server errors a statement may meet alone, while others are stored, before it is set aside
  var MAX_OUTBOX = 1000; // statements kept waiting (about 1 KB each): several times the whole course answered
  var batchSize = BATCH; // halved after a server error, so the statement at fault is found
  var storedSince = 0; // statements stored since the page loaded: the server is working
  var serverSeen = false; // the same origin answered api/v1/config
  var sending = false;
  var delay = MIN_DELAY;
  var nextTry = 0;
  var problem = null; // why the last try to send failed: "offline", "server", "busy" (429), or null

  // -- storage ------------------------------------------------------------------------------------------
  function read(key, fallback) {
    try {
      var v = JSON.parse(root.localStorage.getItem(key) || "null");
      return v === null ? fallback : v;
    } catch (e) {
      return fallback;
    }
  }

  function write(key, value) {
    try {
      root.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  }

  function contentRoot() {
    var r = document.documentElement.getAttribute("data-content_root");
    return new URL(r === null ? "./" : r, root.location.href).href;
  }

  // The joined learner, if they joined on this origin (a token is never sent anywhere else).
  function learner() {
    var l = read(KEY_LEARNER, null);
    if (!l || !l.token || !l.server) return null;
    try {
      if (new URL(l.server).origin !== root.location.origin) return null;
    } catch (e) {
      return null;
    }
    return l;
  }

  function apiBase() {
    var l = learner();
    return (l ? l.server : contentRoot()) + "api/v1/";
  }

  // -- statements: the twin of quizlib/results/xapi.py, which is the reference ----------------------------
  function quizIri(quizId) { return NS + "quiz:" + quizId; }

  // A number as Python's repr writes it (xapi.number_text): whole numbers without a point, and an exponent of
  // at least two digits below 1e-4 (JavaScript's String keeps plain digits down to 1e-7).
  function numberText(v) {
    var a = Math.abs(v);
    if ((v === Math.floor(v) && a < 1e21) || (a >= 1e-4 && a < 1e16)) return String(v);
    var m = /^(-?[0-9.]+)e([+-])([0-9]+)$/.exec(v.toExponential());
    return m[1] + "e" + m[2] + (m[3].length < 2 ? "0" : "") + m[3];
  }

  function joined(r) { return r.map(String).join("[,]"); }

  // Seconds as the ISO 8601 duration of xAPI's result.duration, to the hundredth (xapi.duration_text).
  function durationText(seconds) {
    var centis = Math.floor(seconds * 100 + 0.5);
    var hours = Math.floor(centis / 360000), rest = centis % 360000;
    var minutes = Math.floor(rest / 6000);
    rest = rest % 6000;
    var whole = Math.floor(rest / 100), hundredths = rest % 100;
    var text = "PT" + (hours ? hours + "H" : "") + (minutes ? minutes + "M" : "");
    if (!hundredths) return text + whole + "S";
    return text + whole + "." + (hundredths < 10 ? "0" : "") + String(hundredths).replace(/0$/, "") + "S";
  }

  // One entry per kind: its xAPI interactionType, and response(r), the xAPI response string of a quizlib
  // response r: choice "a[,]c"; true-false "true"; numeric the number; sequencing "s1[,]s2"; matching
  // "p1[.]x[,]p2[.]y" by pair id; a case (other) its decisions "a[,]b". The JSON response goes in an extension.
  var XAPI_KINDS = {
    single_choice: { interactionType: "choice", response: function (r) { return String(r); } },
    multiple_response: { interactionType: "choice", response: joined },
    true_false: { interactionType: "true-false", response: function (r) { return r ? "true" : "false"; } },
    numeric: {
      interactionType: "numeric",
      response: function (r) {
        var n = Core.parseNumber(r);
        return n === null ? String(r) : numberText(n);
      }
    },
    ordering: { interactionType: "sequencing", response: joined },
    matching: {
      interactionType: "matching",
      response: function (r) { return Object.keys(r).sort().map(function (k) { return k + "[.]" + r[k]; }).join("[,]"); }
    },
    vignette: { interactionType: "other", response: joined }
  };

  function xapiKind(kind) {
    if (!Object.prototype.hasOwnProperty.call(XAPI_KINDS, kind)) throw new Error("unknown question kind " + JSON.stringify(kind));
    return XAPI_KINDS[kind];
  }

  // Python's whitespace for str.split(), which differs from JavaScript's \s in a few characters.
  // eslint-disable-next-line no-control-regex -- Python counts U+001C to U+001F as spaces, so must this
  var SPACES = /[\t\n\v\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

  // The text on one line, cut to `limit` characters (code points, as Python counts them).
  function firstLine(text, limit) {
    var line = String(text || "").split(SPACES).filter(Boolean).join(" ");
    var chars = Array.from(line);
    return chars.length <= limit ? line : chars.slice(0, limit - 1).join("") + "\u2026";
  }

  function registrationFor(quizId) {
    var list = read(KEY_ASSIGNMENTS, []);
    for (var i = 0; i < list.length; i++) if (list[i].quizzes.indexOf(quizId) >= 0) return list[i].registration;
    return null;
  }

  function context(e, registration, tryNumber, parent) {
    var ext = {};
    ext[EXT.attempt] = e.attempt_id;
    if (tryNumber !== null) ext[EXT.tryNumber] = tryNumber;
    if (e.quiz.draw && e.quiz.draw.length) ext[EXT.seed] = e.seed;
    var activities = { grouping: [{ objectType: "Activity", id: NS + "chapter:" + e.chapter }] };
    if (parent) activities.parent = [{ objectType: "Activity", id: quizIri(e.quiz_id) }];
    var c = { contextActivities: activities, extensions: ext };
    if (registration) c.registration = registration;
    return c;
  }

  function answeredStatement(e, facts) {
    var q = e.question;
    var kind = xapiKind(q.kind);
    var resultExt = {};
    resultExt[EXT.response] = e.response;
    return {
      id: facts.id,
      verb: { id: VERBS.answered, display: { en: "answered" } },
      object: { objectType: "Activity", id: quizIri(e.quiz_id) + ":question:" + q.id,
                definition: { type: "http://adlnet.gov/expapi/activities/cmi.interaction",
                              name: { en: firstLine(q.prompt, 200) || q.id }, interactionType: kind.interactionType } },
      result: withDuration({ score: { scaled: e.outcome.credit, raw: e.outcome.credit, min: 0, max: 1 },
                success: e.result.credit === 1, completion: e.outcome.final,
                response: kind.response(e.response), extensions: resultExt }, e.duration),
      context: context(e, facts.registration, e.try_number, true),
      timestamp: facts.timestamp,
      version: "1.0.3"
    };
  }

  function withDuration(result, seconds) {
    if (typeof seconds === "number" && isFinite(seconds) && seconds >= 0) result.duration = durationText(seconds);
    return result;
  }

  function completedStatement(e, facts) {
    var saved = facts.answers || {};
    var answers = {};
    e.result.questions.forEach(function (o) {
      var a = saved[o.question_id];
      if (a) answers[o.question_id] = { tries: a.tries, revealed: !!a.revealed };
    });
    var r = e.result;
    var resultExt = {};
    resultExt[EXT.answers] = answers;
    return {
      id: facts.id,
      verb: { id: VERBS.completed, display: { en: "completed" } },
      object: { objectType: "Activity", id: quizIri(e.quiz_id),
                definition: { type: "http://adlnet.gov/expapi/activities/assessment", name: { en: firstLine(e.quiz.title, 200) || e.quiz_id } } },
      result: withDuration({ score: { scaled: Math.round(r.percentage * 100) / 10000, raw: r.points, min: 0, max: r.max_points },
                success: r.passed, completion: true, extensions: resultExt }, e.duration),
      context: context(e, facts.registration, null, false),
      timestamp: facts.timestamp,
      version: "1.0.3"
    };
  }

  // The statement of an "answered" or "completed" event of QuizLibUI.on, without its actor (added when it is
  // first sent). `facts` gives what the event does not carry: the statement's id (a UUID), its timestamp
  // (ISO 8601), the assignment's registration (or null) and, for "completed", the attempt's saved answers
  // (question id -> {tries, revealed}). A pure function: no storage, no clock, no DOM.
  function statementFor(e, facts) {
    if (e.type === "answered") return answeredStatement(e, facts);
    if (e.type === "completed") return completedStatement(e, facts);
    throw new Error("no statement for a " + JSON.stringify(e.type) + " event");
  }

  // The pseudonymous actor: an account on the course server named by the learner's random id.
  function actorFor(l) {
    return { objectType: "Agent", account: { homePage: l.home_page || l.server, name: l.learner_id } };
  }

  function factsFor(e) {
    var state = e.type === "completed" ? UI.loadState(e.quiz_id) : null;
    return { id: UI.uuid4(), timestamp: new Date().toISOString(), registration: registrationFor(e.quiz_id),
             answers: (state && state.answers) || {} };
  }

  // -- the outbox -----------------------------------------------------------------------------------------
  function outbox() { return read(KEY_OUTBOX, []); }

  // A device that left its course (its token refused) keeps recording, to send once it joins again.
  function recording() { return !!learner() || serverSeen || !!read(KEY_LEFT, null); }

  function enqueue(statement) {
    var box = outbox();
    box.push(statement);
    var dropped = Math.max(0, box.length - MAX_OUTBOX);
    box = box.slice(dropped);
    // Storage full (other sites' data, a small quota): the oldest tenth makes room, once.
    if (!write(KEY_OUTBOX, box)) {
      var tenth = Math.max(1, Math.ceil(box.length / 10));
      dropped += tenth;
      box = box.slice(tenth);
      if (!write(KEY_OUTBOX, box)) {
        if (root.console) root.console.warn("quizlib: browser storage is full; this answer cannot be kept for the server");
        return;
      }
    }
    if (dropped) write(KEY_DROPPED, read(KEY_DROPPED, 0) + dropped);
    nextTry = 0;
    changed();
    flush();
  }

  function onEvent(e) {
    if (!recording()) return;
    if (e.type === "answered" || e.type === "completed") enqueue(statementFor(e, factsFor(e)));
    else if (e.type === "progress-shown") showAssigned(e.container);
  }

  function withActor(list, l) {
    var stamped = false;
    list.forEach(function (s) {
      // The actor is fixed the first time a statement is sent, so a resend is byte-for-byte the same; a statement
      // stamped for a learner this device no longer is (it joined again) goes as the learner it is now.
      if (!s.actor || !s.actor.account || s.actor.account.name !== l.learner_id) {
        s.actor = actorFor(l);
        stamped = true;
      }
    });
    return stamped;
  }

  function removeIds(ids, rejected) {
    var drop = {};
    ids.forEach(function (id) { drop[id] = true; });
    var box = outbox();
    if (rejected && rejected.length) {
      var aside = read(KEY_REJECTED, []);
      write(KEY_REJECTED, aside.concat(rejected).slice(-200));
    }
    write(KEY_OUTBOX, box.filter(function (s) { return !drop[s.id]; }));
  }

  function backoff(seconds, why) {
    problem = why || "offline";
    var wait = Math.max(delay, (seconds || 0) * 1000);
    nextTry = Date.now() + wait;
    delay = Math.min(delay * 2, MAX_DELAY);
  }

  function retryAfter(r) {
    var v = parseInt(r.headers.get("Retry-After") || "", 10);
    return isFinite(v) && v > 0 ? Math.min(v, 3600) : 0;
  }

  function setAside(list, reasonOf) {
    removeIds(list.map(function (s) { return s.id; }),
              list.map(function (s) { return { statement: s, reason: reasonOf(s) }; }));
  }

  // A server error for a batch: look for the statement at fault. A batch is halved; a statement alone goes to
  // the back of the outbox (the others go first) and, after ALONE_FAILURES such errors while the server stored
  // other statements, is set aside: the server is working, but not for this one.
  function serverError(batch, status) {
    // Halving: a short pause, not a growing one, so the statement at fault is found in seconds.
    problem = "server";
    if (batch.length > 1) { batchSize = Math.max(1, Math.floor(batch.length / 2)); nextTry = Date.now() + MIN_DELAY; return; }
    var s = batch[0];
    var failures = read(KEY_FAILURES, {});
    var seen = failures[s.id] || { count: 0, stored: storedSince };
    seen.count += 1;
    if (seen.count >= ALONE_FAILURES && storedSince > seen.stored) {
      delete failures[s.id];
      write(KEY_FAILURES, failures);
      setAside([s], function () { return "the course server could not store this answer (error " + status + ")"; });
      nextTry = 0;
      return;
    }
    failures[s.id] = seen;
    write(KEY_FAILURES, failures);
    var box = outbox().filter(function (x) { return x.id !== s.id; });
    box.push(s);
    write(KEY_OUTBOX, box);
    backoff(0, "server"); // a server that is down fails every statement alone: wait longer each time, as for any outage
  }

  function flush() {
    var l = learner();
    if (!l || sending || Date.now() < nextTry) return Promise.resolve(false);
    var box = outbox();
    if (!box.length) return Promise.resolve(true);
    var batch = box.slice(0, batchSize);
    if (withActor(batch, l)) {
      var byId = {};
      batch.forEach(function (s) { byId[s.id] = s; });
      write(KEY_OUTBOX, box.map(function (s) { return byId[s.id] || s; }));
    }
    sending = true;
    changed();
    return root.fetch(l.server + "api/v1/statements", {
      method: "POST", credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + l.token },
      body: JSON.stringify(batch)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        return { status: r.status, body: body || {}, retryAfter: retryAfter(r) };
      });
    }).then(function (res) {
      sending = false;
      var more = sent(batch, res, l);
      changed();
      return more;
    }, function () {
      sending = false;
      backoff(0, "offline");
      changed();
      return false;
    });
  }

  // What the server's answer `res` to `batch` means; returns what flush() resolves to.
  function sent(batch, res, l) {
    if (res.status === 200) {
      removeIds(batch.map(function (s) { return s.id; }));
      storedSince += batch.length;
      delay = MIN_DELAY;
      nextTry = 0;
      problem = null;
      batchSize = Math.min(BATCH, batchSize * 2);
      return outbox().length ? flush() : true;
    }
    if (res.status === 429 && res.body.retry === false) {
      // The server will keep no more from this learner: retrying cannot help. Kept aside, shown to the learner.
      setAside(batch, function () { return res.body.error || "the course server refused more answers"; });
      return false;
    }
    // The server no longer knows this device's token: retrying cannot help either.
    if (res.status === 401 || (res.status === 403 && !(res.body.errors && res.body.errors.length))) {
      noLongerJoined(l, res.body.error);
      return false;
    }
    if (res.status === 429) { backoff(res.retryAfter, "busy"); return false; }
    if (res.status >= 500) { serverError(batch, res.status); return false; }
    if (res.status === 413 && batch.length > 1) {
      // Too large for the server at once: the same statements in smaller batches, at once.
      batchSize = Math.max(1, Math.floor(batch.length / 2));
      nextTry = 0;
      return flush();
    }
    // Any other 4xx is final for the statements it names: keep them aside, send the rest.
    var errors = res.body.errors || [];
    var bad = {};
    errors.forEach(function (err) {
      if (typeof err.index === "number" && batch[err.index]) bad[batch[err.index].id] = err.reason;
      else if (err.id) bad[err.id] = err.reason;
    });
    var named = Object.keys(bad);
    var rejected = named.length ? batch.filter(function (s) { return bad[s.id]; }) : batch;
    if (root.console) root.console.warn("quizlib: the server refused " + rejected.length + " statement(s): " + (res.body.error || res.status));
    setAside(rejected, function (s) { return bad[s.id] || res.body.error || String(res.status); });
    return outbox().length ? flush() : true;
  }

  // The server refused this device's token (401): its learner was deleted, say. Sending stops for good, with the
  // answers kept in the outbox; the learner is told, with the way to join again (which sends them).
  function noLongerJoined(l, reason) {
    var code = l.cohort && l.cohort.code;
    write(KEY_LEFT, { display_name: l.display_name || "", cohort: (l.cohort && l.cohort.name) || "", server: l.server,
      join: code ? l.server + "join/" + encodeURIComponent(code) : null, reason: reason || "", at: new Date().toISOString() });
    try {
      root.localStorage.removeItem(KEY_LEARNER);
      root.localStorage.removeItem(KEY_ASSIGNMENTS);  // their pass marks no longer apply
    } catch (e) { /* storage blocked: nothing more to do */ }
    problem = null;
    if (UI.refresh) UI.refresh();
    changed();
  }

  // -- what became of each quiz's answers -------------------------------------------------------------------
  function quizOf(statement) {
    var id = statement && statement.object && statement.object.id;
    var prefix = NS + "quiz:";
    if (typeof id !== "string" || id.indexOf(prefix) !== 0) return null;
    return id.slice(prefix.length).split(":question:")[0];
  }

  function count(n, one, many) { return n + " " + (n === 1 ? one : many); }

  // For quiz `quizId` (or, with null, every answer on this device): {text, tone, short, link} (QuizLibUI.sendingStatus).
  function sendingState(quizId) {
    var mine = function (s) { return quizId === null || quizOf(s) === quizId; };
    var waiting = outbox().filter(mine).length;
    var aside = read(KEY_REJECTED, []).filter(function (r) { return mine(r.statement); }).length;
    var dropped = quizId === null ? read(KEY_DROPPED, 0) : 0;
    var l = learner();
    var left = read(KEY_LEFT, null);
    var out;
    if (!l && left) {
      out = { tone: "problem", short: "kept on this device",
        text: "This device is no longer joined to your trainer’s course" + (left.display_name ? " (as " + left.display_name + ")" : "") +
          ": the course server did not accept it. Your answers are kept on this device" + (waiting ? " (" + count(waiting, "answer", "answers") + " waiting)" : "") +
          ", and sent once you join again" + (left.join ? "." : " with the join link your trainer gave you."),
        link: left.join ? { href: left.join, text: "Join again" } : null };
    } else if (!l) {
      out = serverSeen ?
        { tone: "kept", short: "kept on this device", text: "Your answers are kept on this device. They reach your trainer once you open the join link your trainer gave you." } :
        { tone: "kept", short: "", text: "Your answers are kept on this device only." };
    } else if (waiting) {
      var why = sending ? "Sending them now…" : problem === "busy" ? "The course server is busy; they are sent shortly." :
        problem === "server" ? "The course server had a problem; they are sent when it is working again." :
        problem === "offline" ? "The course server cannot be reached just now; they are sent when it can be." : "They are being sent.";
      out = { tone: "kept", short: "kept on this device", text: count(waiting, "answer is", "answers are") + " kept on this device, not yet sent to your trainer. " + why };
    } else {
      var answered = quizId === null || !!(UI.loadState(quizId) && Object.keys(UI.loadState(quizId).answers || {}).length);
      out = answered ? { tone: "sent", short: "sent to your trainer", text: "Your answers are sent to your trainer." } :
        { tone: "sent", short: "", text: "Your answers are sent to your trainer as you go." };
    }
    if (aside) out.text += " " + count(aside, "answer was", "answers were") + " not recorded on the course server; they are kept on this device.";
    if (dropped) out.text += " " + count(dropped, "older answer", "older answers") + " could not be kept for your trainer: this device keeps at most " + MAX_OUTBOX + " waiting to be sent.";
    return out;
  }

  function changed() {
    if (UI.sendingChanged) UI.sendingChanged();
  }

  // -- "Assigned to you" on the progress page -------------------------------------------------------------
  function fetchMe() {
    var l = learner();
    if (!l) return Promise.reject(new Error("not joined"));
    return root.fetch(l.server + "api/v1/me", { credentials: "omit", cache: "no-store", headers: { "Authorization": "Bearer " + l.token } })
      .then(function (r) {
        if (r.status === 401) noLongerJoined(l, "");
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (me) {
        write(KEY_ASSIGNMENTS, me.assignments.map(function (a) {
          return { registration: a.registration, pass_mark: a.pass_mark, quizzes: a.quizzes.map(function (q) { return q.id; }) };
        }));
        if (UI.refresh) UI.refresh();  // every quiz shows and applies the assignment's pass mark
        return me;
      });
  }

  // Answers the server refused for good: kept in this browser, and said plainly, so nothing is lost unseen.
  function showSetAside(section) {
    var aside = read(KEY_REJECTED, []);
    if (!aside.length) return;
    var n = aside.length;
    section.appendChild(el("p", { className: "ql-set-aside", role: "note",
      text: (n === 1 ? "One of your answers was" : n + " of your answers were") + " not recorded on the course server. " +
            "They are kept in this browser; your trainer can ask for them. The server said: " + aside[n - 1].reason }));
  }

  function showAssigned(container) {
    if (!container) return;
    if (!learner()) { showLeft(container); return; }
    var section = el("section", { className: "ql-assigned", "aria-labelledby": "ql-assigned-h" });
    section.appendChild(el("h2", { text: "Assigned to you", id: "ql-assigned-h" }));
    var status = el("p", { text: "Loading your assignments from the course server\u2026", role: "status" });
    section.appendChild(status);
    container.insertBefore(section, container.firstChild);
    flush().then(fetchMe).then(function (me) {
      status.textContent = "Your trainer's course server has your answers as " + me.learner.display_name + " in " + me.cohort.name + ".";
      showSetAside(section);
      if (!me.assignments.length) section.appendChild(el("p", { text: "Nothing is assigned to you yet." }));
      me.assignments.forEach(function (a) {
        var box = el("div", { className: "ql-assignment", "data-registration": a.registration });
        var due = a.due ? "due " + a.due + (a.overdue ? " (overdue)" : "") : "no due date";
        box.appendChild(el("h3", { text: a.title }));
        box.appendChild(el("p", { text: "Pass mark " + a.pass_mark + "%, " + due + ". You have passed " + a.progress.passed + " of " + a.progress.total + " quizzes.", className: a.overdue ? "ql-overdue" : "" }));
        var list = el("ul");
        a.quizzes.forEach(function (q) {
          var state = q.passed ? "passed" : q.finished ? "finished, not passed yet" : q.started ? "started" : "not started";
          var best = q.best_percentage === null ? "" : " (best " + q.best_percentage + "%)";
          var item = el("li", { "data-quiz": q.id });
          if (q.chapter) {
            item.appendChild(el("a", { text: q.title, href: contentRoot() + q.chapter + ".html" }));
            item.appendChild(document.createTextNode(": " + state + best));
          } else item.textContent = q.title + ": " + state + best;
          list.appendChild(item);
        });
        box.appendChild(list);
        section.appendChild(box);
      });
      section.appendChild(anotherDevice());
    }).catch(function () {
      if (!learner()) { section.remove(); showLeft(container); return; }
      status.textContent = "The course server cannot be reached just now. Your answers are kept in this browser and will be sent when it is back.";
      showSetAside(section);
    });
  }

  // "Use another device": a short code and a link, from the server, with which another phone or computer carries
  // on as this learner (it gets its own token; this device keeps working). The code works once, for a while.
  function anotherDevice() {
    var box = el("div", { className: "ql-another-device" });
    box.appendChild(el("h3", { text: "Use another device" }));
    box.appendChild(el("p", { text: "To carry on on another phone or computer, as " + (learner().display_name || "you") +
      ", get a code here, then open its link (or type the code) on the other device." }));
    var out = el("div", { role: "status" });
    var button = el("button", { type: "button", className: "ql-button ql-secondary", text: "Get a code for another device" });
    button.addEventListener("click", function () {
      button.disabled = true;
      out.textContent = "Asking the course server for a code…";
      api("POST", "api/v1/resume-code", {}).then(function (res) {
        button.disabled = false;
        if (res.status !== 201 || !res.body) throw new Error(String(res.status));
        var until = new Date(res.body.expires_at);
        var time = isNaN(until.getTime()) ? "" : until.toLocaleTimeString(document.documentElement.lang || "en", { hour: "2-digit", minute: "2-digit" });
        out.textContent = "";
        out.appendChild(el("p", {}, ["Your code: ", el("strong", { className: "ql-resume-code", text: res.body.code.toUpperCase() })]));
        out.appendChild(el("p", {}, ["On the other device, open ", el("a", { className: "ql-resume-link", href: res.body.link, text: res.body.link }),
          " or go to " + res.body.link.replace(/resume\/[^/]*$/, "resume") + " and type the code."]));
        out.appendChild(el("p", { className: "ql-help", text: "It works once" + (time ? ", until " + time : "") + ". Keep it to yourself: whoever uses it answers as you." }));
      }).catch(function () {
        button.disabled = false;
        out.textContent = "The course server cannot be reached just now. Try again when this device is online.";
      });
    });
    box.appendChild(el("p", {}, [button]));
    box.appendChild(out);
    return box;
  }

  // The device is no longer joined: said where "Assigned to you" would be, with the way to join again.
  function showLeft(container) {
    if (!read(KEY_LEFT, null) || container.querySelector(".ql-left-course")) return;
    var s = sendingState(null);
    var section = el("section", { className: "ql-assigned ql-left-course", "aria-labelledby": "ql-left-h" });
    section.appendChild(el("h2", { text: "Your trainer’s course", id: "ql-left-h" }));
    var p = el("p", { className: "ql-problem-note", role: "note", text: s.text });
    if (s.link) p.appendChild(el("span", {}, [" ", el("a", { href: s.link.href, text: s.link.text })]));
    section.appendChild(p);
    container.insertBefore(section, container.firstChild);
  }

  // -- assessments: where they are taken, and the attempts API -------------------------------------------
  // "joined" (a learner joined on this origin: the server starts and scores attempts), "server" (a course
  // server answers, but nobody joined in this browser) or "none" (no server: the assessment is practice).
  function where() {
    if (!canTalk()) return Promise.resolve("none");
    if (learner()) return Promise.resolve("joined");
    return (probing || probe()).then(function () { return serverSeen ? "server" : "none"; });
  }

  // A request to the joined learner's server: resolves to {status, body}, rejects when it cannot be reached.
  function api(method, path, body) {
    var l = learner();
    if (!l) return Promise.reject(new Error("not joined"));
    var headers = { "Authorization": "Bearer " + l.token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return root.fetch(l.server + path, {
      method: method, credentials: "omit", cache: "no-store", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 401) noLongerJoined(l, "");
      return r.json().catch(function () { return null; }).then(function (b) { return { status: r.status, body: b }; });
    });
  }

  // -- start ----------------------------------------------------------------------------------------------
  var probing = null;

  function probe() {
    // Only the same origin is asked; a static host answers 404 and nothing is recorded.
    probing = root.fetch(contentRoot() + "api/v1/config", { credentials: "omit", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) {
        serverSeen = !!(c && c.server === "quizlib");
        if (c && typeof c.max_batch === "number" && c.max_batch >= 1) BATCH = batchSize = Math.min(BATCH, c.max_batch);
      }, function () { serverSeen = false; })
      .then(changed);
    return probing;
  }

  function canTalk() {
    return !!root.fetch && hasStorage() && /^https?:$/.test(root.location.protocol);
  }

  // Some browsers throw on the very access to localStorage when a site may keep no data.
  function hasStorage() {
    try {
      return !!root.localStorage;
    } catch (e) {
      return false;
    }
  }

  function start() {
    if (!canTalk()) { UI.sendingStatus(function () { return { tone: "kept", short: "", text: "Your answers are kept on this device only." }; }); return; }
    UI.sendingStatus(sendingState);
    if (learner()) {
      // Joined again since the server refused this device: the answers kept meanwhile go now.
      if (read(KEY_LEFT, null)) { try { root.localStorage.removeItem(KEY_LEFT); } catch (e) { /* blocked */ } }
      flush();
      fetchMe().catch(function () {});
    } else {
      probe();
    }
    root.addEventListener("online", function () { delay = MIN_DELAY; nextTry = 0; flush(); });
    root.addEventListener("offline", function () { problem = "offline"; changed(); });
    root.setInterval(function () { if (outbox().length) flush(); }, INTERVAL);
  }

  UI.on(onEvent);
  root.QuizLibSync = {
    flush: function () { nextTry = 0; return flush(); },
    pending: function () { return outbox().length; },
    rejected: function () { return read(KEY_REJECTED, []); },
    sendingState: sendingState,
    maxOutbox: MAX_OUTBOX,
    apiBase: apiBase,
    where: where,
    api: api,
    durationText: durationText,
    statementFor: statementFor,
    actorFor: actorFor,
    XAPI_KINDS: XAPI_KINDS
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof window !== "undefined" ? window : globalThis);
