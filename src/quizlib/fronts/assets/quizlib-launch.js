/* The launcher of an LMS package (its index.html): starts the LMS session once, shows the course's pages in a
 * frame of the same origin, keeps the learner's answers for them (quizlib-lms.js in each page uses
 * QuizLibLaunch.storage) and reports to the LMS through one adapter per kind of package (ADAPTERS):
 *
 *   scorm12    the SCORM 1.2 API (window.API): lesson_status, score, masteryscore, lesson_location,
 *              suspend_data, cmi.exit, interactions
 *   scorm2004  the SCORM 2004 API (window.API_1484_11): completion_status, success_status, score.scaled,
 *              location, suspend_data, cmi.exit, adl.nav.request, interactions
 *   cmi5       @xapi/cmi5 (Cmi5.umd.js): one AU per module, initialized first, terminated last, completed,
 *              passed or failed at most once per registration and only in Normal mode, returnURL
 *   xapi       an xAPI package (tincan.xml): endpoint, auth, actor and registration from the launch address
 *
 * The LMS's record is the truth: answers are kept in it (SCORM suspend_data, or an xAPI state document) in a
 * compact form (encodeStates, one codec per kind in CODECS), with a copy in this browser keyed by the
 * registration. No request goes anywhere but to the LMS.
 */
(function (root) {
  "use strict";
  if (root.QuizLibLaunch) return;
  var Core = root.QuizLibCore;
  var QUIZ_KEY = "quizlib:v1:quiz:"; // where quizlib-ui.js keeps a quiz's state (its storagePrefix + "quiz:")
  var CACHE_KEY = "quizlib:lms:";

  // -- small helpers --------------------------------------------------------------------------------------
  function b36(n) { return n.toString(36); }

  function fromB36(text) {
    if (!/^[0-9a-z]+$/.test(text)) throw new Error("not a base-36 number: " + text);
    return parseInt(text, 36);
  }

  function digit(i) {
    if (i < 0 || i > 35) throw new Error("index out of range: " + i);
    return i.toString(36);
  }

  // FNV-1a over the text's UTF-16 code units: a short fingerprint, the same in every browser.
  function fingerprint(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return b36(h);
  }

  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  // A UUID as 22 characters of base64url, and back.
  function shortUuid(uuid) {
    var hex = String(uuid).replace(/-/g, "");
    if (!/^[0-9a-f]{32}$/i.test(hex)) return "";
    var bits = hex.split("").map(function (h) { return (parseInt(h, 16) + 16).toString(2).slice(1); }).join("") + "0000";
    var out = "";
    for (var i = 0; i < 132; i += 6) out += B64.charAt(parseInt(bits.substr(i, 6), 2));
    return out;
  }

  function longUuid(text) {
    var bits = text.split("").map(function (c) { return (B64.indexOf(c) + 64).toString(2).slice(1); }).join("");
    var hex = "";
    for (var i = 0; i < 128; i += 4) hex += parseInt(bits.substr(i, 4), 2).toString(16);
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20, 32);
  }

  function uuid4() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var b = new Uint8Array(16);
    if (root.crypto && root.crypto.getRandomValues) root.crypto.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function indexOf(list, value) {
    var i = list.indexOf(value);
    if (i < 0) throw new Error("unknown id " + JSON.stringify(value));
    return i;
  }

  // -- the compact form of answers: one codec per kind -----------------------------------------------------
  // A codec turns one try's response into a short token and back, given the question's entry in the course
  // map (its ids, in order). Tokens use only 0-9, a-z and, for numbers, "." "-" "+" "e".
  var CODECS = {
    single_choice: {
      encode: function (q, r) { return digit(indexOf(q.ids, r)); },
      decode: function (q, t) { return q.ids[fromB36(t)]; }
    },
    multiple_response: {
      encode: function (q, r) {
        var mask = 0;
        r.forEach(function (id) { mask += Math.pow(2, indexOf(q.ids, id)); });
        return b36(mask);
      },
      decode: function (q, t) {
        var mask = fromB36(t);
        return q.ids.filter(function (id, i) { return Math.floor(mask / Math.pow(2, i)) % 2 === 1; });
      }
    },
    true_false: {
      encode: function (q, r) { return r ? "1" : "0"; },
      decode: function (q, t) { return t === "1"; }
    },
    numeric: {
      encode: function (q, r) {
        var n = Core.parseNumber(r, q.unit);
        if (n === null) throw new Error("not a number: " + JSON.stringify(r));
        return String(n);
      },
      decode: function (q, t) { return t; }
    },
    ordering: {
      encode: function (q, r) { return r.map(function (id) { return digit(indexOf(q.ids, id)); }).join(""); },
      decode: function (q, t) { return t.split("").map(function (c) { return q.ids[fromB36(c)]; }); }
    },
    matching: {
      encode: function (q, r) {
        return q.ids.slice(0, q.pairs).map(function (id) { return r[id] === undefined ? "-" : digit(indexOf(q.ids, r[id])); }).join("");
      },
      decode: function (q, t) {
        var r = {};
        t.split("").forEach(function (c, i) { if (c !== "-") r[q.ids[i]] = q.ids[fromB36(c)]; });
        return r;
      }
    },
    vignette: {
      // ids: {start, stages: [[stage id, [[option id, index of the next stage or -1], ...]], ...]}
      encode: function (q, r) {
        var stage = q.ids.start, out = "";
        r.forEach(function (optionId) {
          if (stage < 0) throw new Error("the case has ended");
          var options = q.ids.stages[stage][1];
          var i = indexOf(options.map(function (o) { return o[0]; }), optionId);
          out += digit(i);
          stage = options[i][1];
        });
        return out;
      },
      decode: function (q, t) {
        var stage = q.ids.start;
        return t.split("").map(function (c) {
          var option = q.ids.stages[stage][1][fromB36(c)];
          stage = option[1];
          return option[0];
        });
      }
    }
  };

  function mapIndex(map) {
    var byId = {};
    map.quizzes.forEach(function (mq) { byId[mq.id] = mq; });
    map.quizzes.forEach(function (mq) {
      var parts = [mq.questions].concat(mq.draws.map(function (d) { return byId[d] ? byId[d].questions : null; }));
      mq.fingerprint = fingerprint(JSON.stringify(parts));
    });
    return byId;
  }

  // The question an answer's key names: "3" is the quiz's fourth question; "1.3" the fourth of the second quiz
  // it draws from (whose questions are shown as "bank/question").
  function questionFor(mq, byId, key) {
    var parts = key.split(".");
    if (parts.length === 1) {
      var q = mq.questions[fromB36(parts[0])];
      return q ? { q: q, id: q.id } : null;
    }
    var bank = byId[mq.draws[fromB36(parts[0])]];
    var bq = bank && bank.questions[fromB36(parts[1])];
    return bq ? { q: bq, id: bank.id + "/" + bq.id } : null;
  }

  function keyFor(mq, byId, questionId) {
    var slash = questionId.indexOf("/");
    if (slash < 0) return b36(indexOf(mq.questions.map(function (q) { return q.id; }), questionId));
    var bankId = questionId.slice(0, slash);
    var bank = byId[bankId];
    return b36(indexOf(mq.draws, bankId)) + "." + b36(indexOf(bank.questions.map(function (q) { return q.id; }), questionId.slice(slash + 1)));
  }

  function pct(p) { return p === undefined || p === null ? "" : b36(Math.round(p * 100)); }

  function seconds(iso) {
    var t = Date.parse(iso);
    return isNaN(t) ? "" : b36(Math.floor(t / 1000));
  }

  // Every quiz's state (quiz id -> quizlib-ui.js's state object) as one short line of text.
  function encodeStates(states, map) {
    var byId = map.byId || (map.byId = mapIndex(map));
    var segments = [];
    map.quizzes.forEach(function (mq) {
      var st = states[mq.id];
      if (!st) return;
      var flags = (st.result && st.result.passed ? 1 : 0) + (st.best && st.best.passed ? 2 : 0);
      var head = [mq.id, mq.fingerprint, b36(st.attempt || 1), shortUuid(st.attempt_id), b36((st.seed >>> 0) || 0),
        st.completed ? seconds(st.completed) || "0" : "", st.result ? pct(st.result.percentage) : "", b36(flags),
        st.best ? pct(st.best.percentage) : "", st.best ? b36(st.best.attempt || 1) : ""].join(".");
      var answers = [];
      Object.keys(st.answers || {}).forEach(function (qid) {
        var a = st.answers[qid];
        var key = keyFor(mq, byId, qid);
        var entry = questionFor(mq, byId, key);
        var codec = CODECS[entry.q.kind];
        var tokens = (a.tries || []).map(function (r) { return codec.encode(entry.q, r); });
        answers.push(key + (a.revealed ? "*" : "") + "=" + tokens.join(","));
      });
      segments.push(head + "~" + answers.join("!"));
    });
    return "q1;" + segments.join(";");
  }

  // The states back from encodeStates's text. A quiz whose questions changed since (another version of the
  // package) keeps its best result and starts a fresh attempt; text that is not ours gives no states.
  function decodeStates(text, map) {
    var byId = map.byId || (map.byId = mapIndex(map));
    var states = {};
    if (typeof text !== "string" || text.slice(0, 3) !== "q1;") return states;
    text.slice(3).split(";").forEach(function (segment) {
      if (!segment) return;
      try {
        var cut = segment.indexOf("~");
        var head = segment.slice(0, cut).split(".");
        var mq = byId[head[0]];
        if (!mq || head.length !== 10) return;
        var flags = fromB36(head[7]);
        var st = { version: 1, attempt: fromB36(head[2]), attempt_id: head[3] ? longUuid(head[3]) : uuid4(),
                   seed: fromB36(head[4]), started: new Date().toISOString(), answers: {} };
        if (head[8]) st.best = { percentage: fromB36(head[8]) / 100, passed: (flags & 2) === 2, attempt: fromB36(head[9]) };
        if (head[1] !== mq.fingerprint) {
          st = { version: 1, attempt: st.attempt + 1, attempt_id: uuid4(), seed: st.seed, started: st.started, answers: {}, best: st.best };
          if (!st.best) delete st.best;
          states[mq.id] = st;
          return;
        }
        if (head[5]) st.completed = new Date(fromB36(head[5]) * 1000).toISOString();
        if (head[6]) st.result = { percentage: fromB36(head[6]) / 100, passed: (flags & 1) === 1 };
        segment.slice(cut + 1).split("!").forEach(function (entry) {
          if (!entry) return;
          var m = /^([0-9a-z.]+)(\*?)=(.*)$/.exec(entry);
          var found = m && questionFor(mq, byId, m[1]);
          if (!found) return;
          var codec = CODECS[found.q.kind];
          st.answers[found.id] = {
            tries: m[3] === "" ? [] : m[3].split(",").map(function (t) { return codec.decode(found.q, t); }),
            revealed: m[2] === "*"
          };
        });
        states[mq.id] = st;
      } catch (e) {
        if (root.console) root.console.warn("quizlib: a saved quiz could not be read back", e);
      }
    });
    return states;
  }

  // -- interactions: how each kind's answer is written for SCORM (and xAPI) -------------------------------
  function ids(list) { return list.map(String); }

  function correctOptions(q) { return q.options.filter(function (o) { return o.correct; }).map(function (o) { return o.id; }); }

  function tolerance(q, settings) {
    return q.tolerance !== null && q.tolerance !== undefined ? q.tolerance : settings.numeric_tolerance || 0;
  }

  function vignetteKey(q) {
    var stages = {};
    q.stages.forEach(function (s) { stages[s.id] = s; });
    var path = [], stage = stages[q.start];
    while (stage) {
      var best = stage.options.filter(function (o) { return o.credit === 1; })[0];
      path.push(best.id);
      stage = best.next ? stages[best.next] : null;
    }
    return path;
  }

  // type12/type2004: the interaction type; response(q, r, sep): the response, with sep the list separator
  // ("," in SCORM 1.2, "[,]" in SCORM 2004 and xAPI) and pair separator dot ("." or "[.]"); key(q, settings,
  // sep, dot): the correct response pattern.
  var INTERACTIONS = {
    single_choice: {
      type12: "choice", type2004: "choice",
      response: function (q, r) { return String(r); },
      key: function (q) { return correctOptions(q).join(","); }
    },
    multiple_response: {
      type12: "choice", type2004: "choice",
      response: function (q, r, sep) { return ids(r).join(sep); },
      key: function (q, s, sep) { return correctOptions(q).join(sep); }
    },
    true_false: {
      type12: "true-false", type2004: "true-false",
      response: function (q, r, sep) { return sep === "," ? (r ? "t" : "f") : (r ? "true" : "false"); },
      key: function (q, s, sep) { return sep === "," ? (q.answer ? "t" : "f") : (q.answer ? "true" : "false"); }
    },
    numeric: {
      type12: "numeric", type2004: "numeric",
      response: function (q, r) { var n = Core.parseNumber(r, q.unit); return n === null ? String(r) : String(n); },
      key: function (q, s, sep) {
        var t = tolerance(q, s);
        return sep === "," ? String(q.answer) : (t ? (q.answer - t) + "[:]" + (q.answer + t) : String(q.answer));
      }
    },
    ordering: {
      type12: "sequencing", type2004: "sequencing",
      response: function (q, r, sep) { return ids(r).join(sep); },
      key: function (q, s, sep) { return q.order.join(sep); }
    },
    matching: {
      type12: "matching", type2004: "matching",
      response: function (q, r, sep, dot) { return Object.keys(r).sort().map(function (k) { return k + dot + r[k]; }).join(sep); },
      key: function (q, s, sep, dot) { return q.pairs.map(function (p) { return p.id + dot + p.id; }).sort().join(sep); }
    },
    vignette: {
      type12: "performance", type2004: "other",
      response: function (q, r, sep) { return ids(r).join(sep); },
      key: function (q, s, sep) { return vignetteKey(q).join(sep); }
    }
  };

  // One answered try, as the adapters need it (copied: the page that sent it may go away).
  function answerOf(e) {
    var q = e.question;
    var kind = INTERACTIONS[q.kind];
    var settings = e.quiz.settings;
    return {
      quiz_id: e.quiz_id, question_id: q.id, kind: q.kind, prompt: String(q.prompt || "").split(/\s+/).join(" ").slice(0, 250),
      points: q.points === undefined ? 1 : q.points, credit: e.result.credit, outcome_credit: e.outcome.credit,
      final: !!e.outcome.final, try_number: e.try_number, attempt_id: e.attempt_id,
      type12: kind.type12, type2004: kind.type2004,
      response12: kind.response(q, e.response, ",", "."), response2004: kind.response(q, e.response, "[,]", "[.]"),
      key12: kind.key(q, settings, ",", "."), key2004: kind.key(q, settings, "[,]", "[.]")
    };
  }

  function interactionId(a) {
    return ("q_" + a.quiz_id + "_" + a.question_id).replace(/[^A-Za-z0-9_.-]/g, ".");
  }

  // -- finding the SCORM API ------------------------------------------------------------------------------
  function findApi(name) {
    function up(w) {
      for (var n = 0; w && n < 10; n++) {
        try {
          if (w[name]) return w[name];
        } catch (e) {
          return null;
        }
        if (!w.parent || w.parent === w) break;
        w = w.parent;
      }
      return null;
    }
    var found = up(root.parent !== root ? root.parent : null) || up(root);
    if (!found && root.opener) {
      try { found = up(root.opener); } catch (e) { found = null; }
    }
    return found;
  }

  function hms(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
  }

  function isoDuration(ms) {
    var s = Math.max(0, Math.round(ms / 10) / 100);
    return "PT" + s + "S";
  }

  function timestamp2004(d) {
    return d.toISOString().slice(0, 19);
  }

  // -- adapters: one per kind of package -------------------------------------------------------------------
  // start() -> Promise of {registration, mode ("normal", "browse" or "review"), resume (text or ""), entry
  //   ("resume", "ab-initio" or ""), location, mastery (0-100 or null)}
  // save(text, location); answered(answer); progress(summary); commit(); finish() -> Promise
  function scormAdapter(version) {
    var twelve = version === "1.2";
    var api = null, interactions = false, count = 0, finished = false;
    var P = twelve
      ? { init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit", finish: "LMSFinish", error: "LMSGetLastError",
          entry: "cmi.core.entry", location: "cmi.core.lesson_location", mode: "cmi.core.lesson_mode", learner: "cmi.core.student_id",
          exit: "cmi.core.exit", mastery: "cmi.student_data.mastery_score", locationMax: 255 }
      : { init: "Initialize", get: "GetValue", set: "SetValue", commit: "Commit", finish: "Terminate", error: "GetLastError",
          entry: "cmi.entry", location: "cmi.location", mode: "cmi.mode", learner: "cmi.learner_id",
          exit: "cmi.exit", mastery: "cmi.scaled_passing_score", locationMax: 1000 };

    function get(name) {
      var v = api[P.get](name);
      return String(api[P.error]()) === "0" ? String(v === null || v === undefined ? "" : v) : "";
    }

    function set(name, value) {
      try {
        return String(api[P.set](name, String(value))) === "true";
      } catch (e) {
        return false; // an LMS that refuses a value: carry on quietly
      }
    }

    return {
      start: function () {
        api = findApi(twelve ? "API" : "API_1484_11");
        if (!api) return Promise.reject(new Error("no SCORM " + version + " API was found: open this course from your learning system"));
        if (String(api[P.init]("")) !== "true" && String(api[P.error]()) !== (twelve ? "101" : "103")) {
          return Promise.reject(new Error("the learning system did not start the session (error " + api[P.error]() + ")"));
        }
        var c = get("cmi.interactions._count");
        interactions = c !== "" && String(api[P.error]()) === "0";
        count = interactions ? parseInt(c, 10) || 0 : 0;
        var mastery = get(P.mastery);
        var m = mastery === "" ? null : parseFloat(mastery);
        if (m !== null && !twelve) m = m * 100;
        return Promise.resolve({
          registration: "scorm" + version + ":" + get(P.learner),
          mode: (get(P.mode) || "normal").toLowerCase(),
          resume: get("cmi.suspend_data"),
          entry: get(P.entry),
          location: get(P.location),
          mastery: m !== null && isFinite(m) ? m : null
        });
      },
      save: function (text, location) {
        set("cmi.suspend_data", text);
        if (location) set(P.location, location.slice(0, P.locationMax));
        set(P.exit, "suspend");
      },
      answered: function (a) {
        if (!interactions) return;
        var n = "cmi.interactions." + count + ".";
        var ok = set(n + "id", interactionId(a));
        if (!ok) { interactions = false; return; }
        count += 1;
        set(n + "type", twelve ? a.type12 : a.type2004);
        if (twelve) {
          set(n + "student_response", a.response12);
          set(n + "correct_responses.0.pattern", a.key12);
          set(n + "time", hms(Date.now() - new Date().setHours(0, 0, 0, 0)));
          set(n + "result", a.credit === 1 ? "correct" : a.credit === 0 ? "wrong" : String(a.credit));
        } else {
          set(n + "description", a.prompt);
          set(n + "learner_response", a.response2004);
          set(n + "correct_responses.0.pattern", a.key2004);
          set(n + "timestamp", timestamp2004(new Date()));
          set(n + "result", a.credit === 1 ? "correct" : a.credit === 0 ? "incorrect" : String(a.credit));
        }
        set(n + "weighting", String(a.points));
      },
      progress: function (s) {
        if (twelve) {
          if (!s.tracked) set("cmi.core.lesson_status", "completed");
          else if (s.complete) {
            set("cmi.core.score.min", "0");
            set("cmi.core.score.max", "100");
            set("cmi.core.score.raw", String(s.percentage));
            set("cmi.core.lesson_status", s.passed ? "passed" : "failed");
          } else set("cmi.core.lesson_status", "incomplete");
        } else {
          set("cmi.completion_status", s.complete ? "completed" : "incomplete");
          if (s.tracked) set("cmi.progress_measure", String(Math.round(s.done / s.tracked * 10000) / 10000));
          if (s.tracked && s.complete) {
            set("cmi.score.min", "0");
            set("cmi.score.max", "100");
            set("cmi.score.raw", String(s.percentage));
            set("cmi.score.scaled", String(Math.round(s.percentage * 100) / 10000));
            set("cmi.success_status", s.passed ? "passed" : "failed");
          } else set("cmi.success_status", "unknown");
        }
      },
      commit: function () {
        if (api && !finished) api[P.commit]("");
      },
      finish: function () {
        if (!api || finished) return Promise.resolve();
        set(P.exit, "suspend");
        if (!twelve) set("adl.nav.request", "suspendAll");
        api[P.commit]("");
        finished = true;
        api[P.finish]("");
        return Promise.resolve();
      }
    };
  }

  // The xAPI calls of the cmi5 and xAPI adapters: statements and one state document, "quizlib.progress".
  var STATE_ID = "quizlib.progress";
  var VERBS = {
    answered: "http://adlnet.gov/expapi/verbs/answered", initialized: "http://adlnet.gov/expapi/verbs/initialized",
    terminated: "http://adlnet.gov/expapi/verbs/terminated", completed: "http://adlnet.gov/expapi/verbs/completed",
    passed: "http://adlnet.gov/expapi/verbs/passed", failed: "http://adlnet.gov/expapi/verbs/failed"
  };
  var EXT_ATTEMPT = "urn:quizlib:xapi:attempt-id", EXT_TRY = "urn:quizlib:xapi:try";

  function verb(name) { return { id: VERBS[name], display: { en: name } }; }

  function answeredStatement(a, actor, objectBase, context) {
    var ext = {};
    ext[EXT_ATTEMPT] = a.attempt_id;
    ext[EXT_TRY] = a.try_number;
    var ctx = JSON.parse(JSON.stringify(context));
    ctx.extensions = Object.assign(ctx.extensions || {}, ext);
    return {
      id: uuid4(),
      actor: actor,
      verb: verb("answered"),
      object: {
        objectType: "Activity",
        id: objectBase + "/quiz/" + a.quiz_id + "/question/" + a.question_id,
        definition: { type: "http://adlnet.gov/expapi/activities/cmi.interaction", name: { en: a.prompt || a.question_id },
                      interactionType: a.type2004, correctResponsesPattern: [a.key2004] }
      },
      result: { response: a.response2004, success: a.credit === 1, completion: a.final,
                score: { scaled: a.outcome_credit, raw: a.outcome_credit, min: 0, max: 1 } },
      context: ctx,
      timestamp: new Date().toISOString()
    };
  }

  function cmi5Adapter(config, moduleName) {
    var cmi5 = null, params = null, launch = null, mode = "normal", sent = {}, verdictThisSession = false;
    var pendingState = null, saving = Promise.resolve(), finished = false, queue = Promise.resolve();
    var module = config.modules.filter(function (m) { return m.name === moduleName; })[0] || config.modules[0];
    var sessionKey = null;

    // Statements go one after another, in the order they were made.
    function enqueue(call) {
      queue = queue.then(call).catch(function (e) {
        if (root.console) root.console.warn("quizlib: a statement was not accepted", e);
      });
      return queue;
    }

    function putState(text, location) {
      pendingState = { v: 1, data: text, location: location || "", sent: sent };
      saving = saving.then(function () {
        if (!pendingState) return null;
        var doc = pendingState;
        pendingState = null;
        return cmi5.xapi.setState({ agent: params.actor, activityId: params.activityId, stateId: STATE_ID,
                                    registration: params.registration, state: doc, contentType: "application/json" });
      }).catch(function (e) {
        if (root.console) root.console.warn("quizlib: progress was not saved in the learning system", e);
      });
      return saving;
    }

    return {
      module: module,
      start: function () {
        if (!root.Cmi5) return Promise.reject(new Error("the cmi5 client is missing from this package"));
        try {
          cmi5 = new root.Cmi5();
        } catch (e) {
          return Promise.reject(new Error("this page was not launched by a cmi5 learning system (" + e.message + ")"));
        }
        params = cmi5.getLaunchParameters();
        sessionKey = "quizlib:cmi5-session:" + fingerprint(params.registration + " " + params.activityId + " " + params.fetch);
        var saved;
        try { saved = JSON.parse(root.sessionStorage.getItem(sessionKey) || "null"); } catch (e) { saved = null; }
        // The token is fetched once a session: a reload of this page goes on with the token it already has.
        var session = saved ? { authToken: saved.authToken, initializedDate: new Date(saved.initializedDate) } : undefined;
        return cmi5.initialize(session).then(function () {
          try {
            root.sessionStorage.setItem(sessionKey, JSON.stringify({ authToken: cmi5.getAuthToken(), initializedDate: cmi5.getInitializedDate().toISOString() }));
          } catch (e) { /* no session storage: a reload fetches a new token, which the LMS may refuse */ }
          launch = cmi5.getLaunchData();
          mode = String(launch.launchMode || "Normal").toLowerCase();
          return cmi5.xapi.getState({ agent: params.actor, activityId: params.activityId, stateId: STATE_ID, registration: params.registration })
            .then(function (r) { return r.data; }, function () { return null; });
        }).then(function (doc) {
          doc = doc && typeof doc === "object" ? doc : {};
          sent = doc.sent || {};
          var mastery = typeof launch.masteryScore === "number" ? launch.masteryScore * 100 : null;
          return { registration: "cmi5:" + params.registration + ":" + params.activityId, mode: mode, resume: doc.data || "",
                   entry: doc.data ? "resume" : "", location: doc.location || "", mastery: mastery, returnURL: launch.returnURL || "" };
        });
      },
      save: function (text, location) {
        if (mode !== "review") putState(text, location);
      },
      answered: function (a) {
        if (mode !== "normal") return;
        var statement = answeredStatement(a, params.actor, params.activityId, launch.contextTemplate);
        enqueue(function () { return cmi5.sendXapiStatement(statement); });
      },
      progress: function (s) {
        if (mode !== "normal" || !s.complete) return;
        // passed or failed (at most one a session; never failed after passed), then completed: each at most
        // once a registration.
        if (s.tracked && !verdictThisSession && !sent.passed) {
          var scaled = Math.round(s.percentage * 100) / 10000;
          if (s.passed) { sent.passed = true; verdictThisSession = true; enqueue(function () { return cmi5.pass(scaled); }); }
          else if (!sent.failed) { sent.failed = true; verdictThisSession = true; enqueue(function () { return cmi5.fail(scaled); }); }
        }
        if (!sent.completed) {
          sent.completed = true;
          enqueue(function () { return cmi5.complete(); });
        }
      },
      commit: function () { return saving; },
      finish: function () {
        if (finished || !cmi5) return Promise.resolve();
        finished = true;
        return saving.then(function () { return queue; }).then(function () { return cmi5.terminate(); }).catch(function () {}).then(function () {
          try { root.sessionStorage.removeItem(sessionKey); } catch (e) { /* nothing kept */ }
          if (launch && launch.returnURL) root.location.assign(launch.returnURL);
        });
      }
    };
  }

  // An xAPI package (tincan.xml): the launch address names endpoint, auth, actor, registration, activity_id.
  function xapiAdapter(config) {
    var q = new URLSearchParams(root.location.search);
    var endpoint = q.get("endpoint") || "", auth = q.get("auth") || "", registration = q.get("registration") || "";
    var activityId = q.get("activity_id") || config.course_id, actor = null, sent = {}, started = null;
    var queue = Promise.resolve(), finished = false;

    function headers(json) {
      var h = { "X-Experience-API-Version": "1.0.3", Authorization: auth };
      if (json) h["Content-Type"] = "application/json";
      return h;
    }

    function url(resource, query) {
      var base = endpoint.replace(/\/?$/, "/");
      var parts = Object.keys(query || {}).filter(function (k) { return query[k]; }).map(function (k) { return k + "=" + encodeURIComponent(query[k]); });
      return base + resource + (parts.length ? "?" + parts.join("&") : "");
    }

    function stateQuery() {
      return { activityId: activityId, agent: JSON.stringify(actor), stateId: STATE_ID, registration: registration };
    }

    function context() {
      var c = { contextActivities: { parent: [{ objectType: "Activity", id: activityId }] } };
      if (registration) c.registration = registration;
      return c;
    }

    function send(statement, keepalive) {
      queue = queue.then(function () {
        return root.fetch(url("statements"), { method: "POST", headers: headers(true), body: JSON.stringify(statement), keepalive: !!keepalive, credentials: "omit" });
      }).then(function (r) { if (!r.ok && root.console) root.console.warn("quizlib: the LRS refused a statement (" + r.status + ")"); })
        .catch(function (e) { if (root.console) root.console.warn("quizlib: a statement could not be sent", e); });
      return queue;
    }

    function courseStatement(name, result) {
      var s = { id: uuid4(), actor: actor, verb: verb(name), timestamp: new Date().toISOString(),
                object: { objectType: "Activity", id: activityId, definition: { type: "http://adlnet.gov/expapi/activities/course", name: { en: config.title } } },
                context: { contextActivities: {} } };
      if (registration) s.context.registration = registration;
      if (result) s.result = result;
      return s;
    }

    // TinCan launch links may give the actor with lists (name: ["…"], mbox: ["mailto:…"]).
    function readActor(text) {
      var a = JSON.parse(text);
      ["name", "mbox", "mbox_sha1sum", "openid"].forEach(function (k) { if (Array.isArray(a[k])) a[k] = a[k][0]; });
      if (Array.isArray(a.account)) a.account = a.account[0];
      if (a.account && a.account.accountServiceHomePage) { a.account = { homePage: a.account.accountServiceHomePage, name: a.account.accountName }; }
      a.objectType = "Agent";
      return a;
    }

    return {
      start: function () {
        try {
          actor = readActor(q.get("actor") || "");
        } catch (e) {
          return Promise.reject(new Error("this page was not launched by a learning system that gives an xAPI actor"));
        }
        if (!endpoint) return Promise.reject(new Error("this page was not launched with an xAPI endpoint"));
        started = new Date();
        return root.fetch(url("activities/state", stateQuery()), { headers: headers(false), credentials: "omit" })
          .then(function (r) { return r.status === 200 ? r.json() : null; }, function () { return null; })
          .then(function (doc) {
            doc = doc && typeof doc === "object" ? doc : {};
            sent = doc.sent || {};
            send(courseStatement("initialized"));
            return { registration: "xapi:" + (registration || JSON.stringify(actor)) + ":" + activityId, mode: "normal",
                     resume: doc.data || "", entry: doc.data ? "resume" : "", location: doc.location || "", mastery: null };
          });
      },
      save: function (text, location) {
        var body = JSON.stringify({ v: 1, data: text, location: location || "", sent: sent });
        queue = queue.then(function () {
          return root.fetch(url("activities/state", stateQuery()), { method: "PUT", headers: headers(true), body: body, credentials: "omit", keepalive: body.length < 60000 });
        }).catch(function (e) { if (root.console) root.console.warn("quizlib: progress was not saved in the learning system", e); });
      },
      answered: function (a) { send(answeredStatement(a, actor, activityId, context())); },
      progress: function (s) {
        if (!s.complete) return;
        var scaled = Math.round(s.percentage * 100) / 10000;
        var score = { scaled: scaled, raw: s.percentage, min: 0, max: 100 };
        if (s.tracked && !sent.passed && (s.passed || !sent.failed)) {
          var name = s.passed ? "passed" : "failed";
          sent[name] = true;
          send(courseStatement(name, { score: score, success: s.passed, completion: true, duration: isoDuration(Date.now() - started) }));
        }
        if (!sent.completed) {
          sent.completed = true;
          send(courseStatement("completed", { completion: true, duration: isoDuration(Date.now() - started) }));
        }
      },
      commit: function () { return queue; },
      finish: function () {
        if (finished) return Promise.resolve();
        finished = true;
        return send(courseStatement("terminated", { duration: isoDuration(Date.now() - started) }), true);
      }
    };
  }

  var ADAPTERS = {
    scorm12: function () { return scormAdapter("1.2"); },
    scorm2004: function () { return scormAdapter("2004"); },
    cmi5: function (config) { return cmi5Adapter(config, new URLSearchParams(root.location.search).get("module")); },
    xapi: function (config) { return xapiAdapter(config); }
  };

  // -- the launcher ---------------------------------------------------------------------------------------
  function Launcher(config) {
    this.config = config;
    this.memory = {};
    this.adapter = ADAPTERS[config.format](config);
    var module = this.adapter.module;
    // The quizzes this launch reports: a cmi5 AU's module, or every module of the package.
    this.tracked = module ? module.quizzes : config.modules.reduce(function (all, m) { return all.concat(m.quizzes); }, []);
    this.mastery = module ? module.pass_mark : config.pass_mark;
    this.firstPage = module ? module.page : config.first_page;
    this.location = "";
    this.session = null;
    var self = this;
    this.storage = {
      getItem: function (k) { return Object.prototype.hasOwnProperty.call(self.memory, k) ? self.memory[k] : null; },
      setItem: function (k, v) { self.memory[k] = String(v); if (k.indexOf(QUIZ_KEY) === 0) self.changed(); },
      removeItem: function (k) { delete self.memory[k]; }
    };
  }

  Launcher.prototype.states = function () {
    var out = {}, self = this;
    Object.keys(this.memory).forEach(function (k) {
      if (k.indexOf(QUIZ_KEY) !== 0) return;
      try { out[k.slice(QUIZ_KEY.length)] = JSON.parse(self.memory[k]); } catch (e) { /* not a state */ }
    });
    return out;
  };

  Launcher.prototype.encoded = function () {
    return encodeStates(this.states(), this.config.map);
  };

  Launcher.prototype.summary = function () {
    var states = this.states(), done = 0, total = 0;
    this.tracked.forEach(function (id) {
      var best = states[id] && states[id].best;
      if (best) { done += 1; total += best.percentage; }
    });
    var n = this.tracked.length;
    var percentage = n ? Math.round(total / n * 100) / 100 : 0;
    return { tracked: n, done: done, complete: done === n, percentage: percentage, passed: done === n && percentage >= this.mastery };
  };

  Launcher.prototype.cacheKey = function () {
    return CACHE_KEY + fingerprint(this.config.course_id + " " + this.session.registration);
  };

  Launcher.prototype.changed = function () {
    if (!this.session || this.session.mode === "review") return;
    var text = this.encoded();
    try { root.localStorage.setItem(this.cacheKey(), text); } catch (e) { /* no cache: the LMS still has it */ }
    this.adapter.save(text, this.location);
  };

  Launcher.prototype.event = function (e) {
    if (!this.session) return;
    if (e.type === "answered") {
      if (this.session.mode === "normal") this.adapter.answered(answerOf(e));
    } else if (e.type === "completed") {
      this.report();
      this.adapter.commit();
    }
  };

  Launcher.prototype.report = function () {
    if (this.session.mode !== "normal") return;
    this.adapter.progress(this.summary());
  };

  Launcher.prototype.status = function (text, problem) {
    var node = root.document.getElementById("qll-status");
    if (!node) return;
    node.textContent = text;
    node.classList.toggle("qll-problem", !!problem);
  };

  Launcher.prototype.pageOf = function (frame) {
    try {
      var base = new URL(this.config.course_dir + "/", root.location.href).pathname;
      var path = frame.contentWindow.location.pathname;
      return path.indexOf(base) === 0 ? decodeURIComponent(path.slice(base.length)) : "";
    } catch (e) {
      return "";
    }
  };

  Launcher.prototype.start = function () {
    var self = this;
    var frame = root.document.getElementById("qll-frame");
    var exit = root.document.getElementById("qll-exit");
    return this.adapter.start().then(function (session) {
      self.session = session;
      if (session.mastery !== null && isFinite(session.mastery)) self.mastery = session.mastery; // the LMS's own
      var text = session.resume;
      if (!text && session.entry !== "ab-initio") {
        try { text = root.localStorage.getItem(self.cacheKey()) || ""; } catch (e) { text = ""; }
      }
      var states = decodeStates(text, self.config.map);
      Object.keys(states).forEach(function (id) { self.memory[QUIZ_KEY + id] = JSON.stringify(states[id]); });
      var pages = self.config.pages;
      var start = pages.indexOf(session.location) >= 0 ? session.location : self.firstPage;
      self.location = start;
      frame.addEventListener("load", function () {
        var page = self.pageOf(frame);
        if (page && pages.indexOf(page) >= 0 && page !== self.location) {
          self.location = page;
          self.changed();
        }
      });
      frame.src = self.config.course_dir + "/" + start;
      if (session.mode === "normal" && !self.tracked.length) self.report();
      else if (session.mode === "normal" && !text) self.adapter.progress(self.summary());
      self.status(session.mode === "normal" ? "Your learning system is recording your progress." :
        "You are looking round (" + session.mode + " mode): your answers are not recorded.");
      exit.hidden = false;
      exit.addEventListener("click", function () { self.exit(); });
      root.addEventListener("visibilitychange", function () { if (root.document.visibilityState === "hidden") self.adapter.commit(); });
      root.addEventListener("pagehide", function (ev) {
        self.adapter.commit();
        if (!ev.persisted) self.adapter.finish();
      });
    }, function (err) {
      self.status("This course could not connect to your learning system: " + err.message + ".", true);
      throw err;
    });
  };

  Launcher.prototype.exit = function () {
    var self = this;
    if (this.session && this.session.mode !== "review") this.adapter.save(this.encoded(), this.location);
    return Promise.resolve(this.adapter.commit()).then(function () { return self.adapter.finish(); }).then(function () {
      self.status("Your progress is saved. You can close this window.");
      root.document.getElementById("qll-exit").hidden = true;
    });
  };

  root.QuizLibLaunch = {
    CODECS: CODECS,
    INTERACTIONS: INTERACTIONS,
    encodeStates: encodeStates,
    decodeStates: decodeStates,
    answerOf: answerOf
  };

  function boot() {
    var node = root.document && root.document.getElementById ? root.document.getElementById("qll-config") : null;
    if (!node) return;
    var launcher = new Launcher(JSON.parse(node.textContent));
    root.QuizLibLaunch.launcher = launcher;
    root.QuizLibLaunch.storage = launcher.storage;
    root.QuizLibLaunch.event = function (e) { launcher.event(e); };
    root.QuizLibLaunch.ready = launcher.start().catch(function () { return null; });
  }

  if (root.document && root.document.addEventListener) {
    if (root.document.readyState === "loading") root.document.addEventListener("DOMContentLoaded", boot);
    else boot();
  }
})(typeof window !== "undefined" ? window : globalThis);
