"""The SCORM packages run for real: scorm-again 3.4.3 (node_modules) plays the LMS's API in Chromium, the
package's launcher runs in a frame of the LMS's page, and a learner answers a module.

The harness is the LMS: it keeps what the package committed, and on a relaunch gives it back with
``cmi.core.entry`` (``cmi.entry``) set to "resume", in a fresh browser (nothing kept in the browser), so what
resumes is what the LMS holds.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import new_guarded_page, serving

from quizlib.fronts.packages import build
from quizlib.quiz.score import full_credit_response

ROOT = Path(__file__).resolve().parents[1]
SCORM_AGAIN = ROOT / "node_modules" / "scorm-again" / "dist"

HOST = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A learning system</title>
<script src="{script}"></script>
<script>
window.API{suffix} = new {api}({{autocommit: false, lmsCommitUrl: false, logLevel: 5}});
var saved = {saved};
if (saved) window.API{suffix}.loadFromJSON(saved, "");
window.commits = [];
window.API{suffix}.on("{commit}", function () {{ window.commits.push(window.API{suffix}.renderCommitCMI(true)); }});
</script></head>
<body><main><h1>A learning system</h1><iframe id="sco" src="pkg/index.html" title="The course" style="width:1100px;height:800px"></iframe></main></body></html>
"""

FLAVOURS = {
    "1.2": {"script": "scorm12.min.js", "api": "Scorm12API", "suffix": "", "commit": "LMSCommit", "format": "scorm12"},
    "2004": {
        "script": "scorm2004.min.js",
        "api": "Scorm2004API",
        "suffix": "_1484_11",
        "commit": "Commit",
        "format": "scorm2004",
    },
}


def lms_site(folder: Path, package: Path, flavour: str, saved: dict | None) -> Path:
    f = FLAVOURS[flavour]
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "pkg").exists():
        with zipfile.ZipFile(package) as z:
            z.extractall(folder / "pkg")
        if not SCORM_AGAIN.is_dir():
            pytest.fail(f"{SCORM_AGAIN} is missing: run ./course test, which installs scorm-again (npm ci)")
        shutil.copy(SCORM_AGAIN / f["script"], folder / f["script"])
    (folder / "host.html").write_text(HOST.format(saved=json.dumps(saved), **f), encoding="utf-8")
    return folder


def keys_for(course, quiz_ids) -> dict:
    """Every question's full-credit response, by the id the page shows it under (drawn ones as bank/question)."""
    out = {}
    for quiz_id in quiz_ids:
        quiz = course.quiz(quiz_id)
        out.update({q.id: full_credit_response(q) for q in quiz.questions})
        for d in quiz.draw:
            bank = course.quiz(d.quiz)
            out.update({f"{bank.id}/{q.id}": full_credit_response(q) for q in bank.questions})
    return out


def open_course(page, url):
    page.goto(url)
    launcher = page.frame_locator("#sco")
    launcher.locator("#qll-status").filter(has_text="recording your progress").wait_for()
    return launcher, launcher.frame_locator("#qll-frame")


def go_to(page, chapter: str):
    """Open ``chapter`` in the course frame, as the learner following a link would, and wait till it is shown."""
    sco = page.frame_locator("#sco")
    sco.locator("#qll-frame").evaluate(f"f => {{ f.src = 'course/{chapter}'; }}")
    page.frames[1].wait_for_function(f"() => QuizLibLaunch.launcher.location === '{chapter}'")
    return sco.frame_locator("#qll-frame")


def answer_all(frame, keys, *, wrong: int = 0):
    """Answer every question the quiz on the page shows: the first by mouse, the rest through the quiz's own
    recordTry (the same path a click takes); the first ``wrong`` of those get a wrong answer to every try."""
    frame.locator(".quizlib[data-mounted]").wait_for()
    if frame.locator(".ql-assessment").count():  # the final: a practice attempt, as the learner takes it
        frame.get_by_role("button", name="Start a practice attempt").click()
        frame.locator(".ql-questions .ql-question").first.wait_for()
        frame.locator("body").evaluate(
            """(body, keys) => {
              const a = document.querySelector('.quizlib[data-mounted]').quizlib;
              a.views.forEach(v => { a.keep(v.q.id, keys[v.q.id]); v.restoreDraft(); });
              a.submit(true);
            }""",
            keys,
        )
        frame.locator(".ql-summary").filter(has_text="Your answers are submitted").wait_for()
        return
    first = frame.locator(".ql-question").first
    if first.locator("input[type=radio]").count() and first.get_by_role("button", name="Check answer").count():
        first.locator("input[type=radio]").first.check()
        first.get_by_role("button", name="Check answer").click()
    frame.locator("body").evaluate(
        """(body, args) => {
          const quiz = document.querySelector('.quizlib[data-mounted]').quizlib;
          let n = 0;
          quiz.shown.forEach(q => {
            const done = () => quiz.state.answers[q.id] && QuizLibCore.outcome(q, quiz.state.answers[q.id].tries, quiz.quiz.settings).final;
            if (done()) return;
            const key = args.keys[q.id];
            let response = key;
            if (n < args.wrong && q.kind === 'true_false') { response = !key; n += 1; }
            else if (n < args.wrong && q.kind === 'single_choice') { response = q.options.filter(o => !o.correct)[0].id; n += 1; }
            while (!done()) quiz.recordTry(q, response, QuizLibCore.scoreResponse(q, response, quiz.quiz.settings), false);
          });
          quiz.render();
        }""",
        {"keys": keys, "wrong": wrong},
    )
    frame.locator(".ql-summary").filter(has_text="Quiz complete").wait_for()


def commit(page):
    """What the package commits now (as pagehide or visibilitychange would have it commit)."""
    page.frame_locator("#sco").locator("body").evaluate("() => QuizLibLaunch.launcher.adapter.commit()")
    return page.evaluate("() => window.commits[window.commits.length - 1]")


@pytest.fixture(scope="module")
def one_module(built_book, tmp_path_factory):
    out = tmp_path_factory.mktemp("runtime")
    return {fmt: build(built_book, ROOT, fmt, ["04-meta-analyses"], out / fmt).path for fmt in ("scorm12", "scorm2004")}


@pytest.mark.parametrize("flavour", ["1.2", "2004"])
def test_a_learner_answers_a_module_and_resumes_where_the_lms_left_them(browser, one_module, course, tmp_path, flavour):
    fmt = FLAVOURS[flavour]["format"]
    keys = keys_for(course, ["meta-analyses"])
    site = lms_site(tmp_path / "lms", one_module[fmt], flavour, None)
    with serving(site) as url:
        context, page, guard = new_guarded_page(browser)
        try:
            launcher, frame = open_course(page, f"{url}/host.html")
            frame.locator("h1").filter(has_text="meta-analyses").first.wait_for(state="attached")
            answer_all(frame, keys)
            cmi = commit(page)
            get = (
                (lambda k: page.evaluate(f"() => window.API.LMSGetValue('{k}')"))
                if flavour == "1.2"
                else (lambda k: page.evaluate(f"() => window.API_1484_11.GetValue('{k}')"))
            )
            if flavour == "1.2":
                assert get("cmi.core.lesson_status") == "passed"
                assert float(get("cmi.core.score.raw")) == 100 and get("cmi.core.score.max") == "100"
                assert get("cmi.core.lesson_location") == "chapters/04-meta-analyses.html"
                assert cmi["cmi"]["core"]["exit"] == "suspend"
                interactions = cmi["cmi"]["interactions"]
                suspend = get("cmi.suspend_data")
            else:
                assert get("cmi.completion_status") == "completed"
                assert get("cmi.success_status") == "passed"
                assert float(get("cmi.score.scaled")) == 1
                assert get("cmi.location") == "chapters/04-meta-analyses.html"
                assert cmi["cmi"]["exit"] == "suspend"
                interactions = cmi["cmi"]["interactions"]
                suspend = get("cmi.suspend_data")
            records = list(interactions.values()) if isinstance(interactions, dict) else interactions
            records = [r for r in records if isinstance(r, dict) and r.get("id")]
            assert len(records) >= len(course.quiz("meta-analyses").questions)
            assert all(r["id"].isascii() and " " not in r["id"] for r in records)
            assert records[-1]["result"] == "correct"
            assert suspend.startswith("q1;") and len(suspend.encode()) <= 4096
            # Save and exit: the session ends with cmi.exit = suspend (and, in 2004, a navigation request).
            launcher.get_by_role("button", name="Save and exit").click()
            launcher.locator("#qll-status").filter(has_text="progress is saved").wait_for()
            saved = page.evaluate("() => window.commits[window.commits.length - 1]")
        finally:
            context.close()
        guard.check()

        # Relaunch in a fresh browser: the LMS gives back what it holds, entry "resume".
        data = saved["cmi"]
        if flavour == "1.2":
            data["core"]["entry"] = "resume"
        else:
            data["entry"] = "resume"
        data.pop("interactions", None)
        lms_site(site, one_module[fmt], flavour, data)
        context, page, guard = new_guarded_page(browser)
        try:
            launcher, frame = open_course(page, f"{url}/host.html")
            frame.locator(".ql-summary").filter(has_text="Quiz complete").wait_for()
            assert "100%" in frame.locator(".ql-summary").inner_text()
            assert page.frames[1].evaluate("() => QuizLibLaunch.launcher.location") == "chapters/04-meta-analyses.html"
        finally:
            context.close()
        guard.check()


def test_the_whole_course_fits_suspend_data(browser, built_book, course, tmp_path, record_property):
    """Every quiz of the course answered (the final assessment too): SCORM 1.2's suspend_data stays within
    4,096 bytes (scorm-again would take 64,000, so this test holds the limit)."""
    package = build(built_book, ROOT, "scorm12", (), tmp_path / "pkg").path
    site = lms_site(tmp_path / "lms", package, "1.2", None)
    modules = [
        (f"chapters/{m}.html", q)
        for m, q in (
            ("01-welcome", "welcome"),
            ("02-sensitivity", "sensitivity"),
            ("03-interventions", "interventions"),
            ("04-meta-analyses", "meta-analyses"),
            ("05-video-interaction-guidance", "vig"),
            ("06-parent-infant-psychotherapy", "psychotherapy"),
            ("07-implementation", "implementation"),
            ("08-programmes", "programmes"),
            ("09-practice", "practice"),
            ("10-final-assessment", "final"),
        )
    ]
    assert [q for _, q in modules] == list(course.quizzes)
    with serving(site) as url:
        context, page, guard = new_guarded_page(browser)
        try:
            open_course(page, f"{url}/host.html")
            sizes = []
            for chapter, quiz_id in modules:
                frame = go_to(page, chapter)
                answer_all(frame, keys_for(course, [quiz_id]), wrong=2)
                commit(page)
                sizes.append(len(page.evaluate("() => window.API.LMSGetValue('cmi.suspend_data')").encode()))
            status = page.evaluate("() => window.API.LMSGetValue('cmi.core.lesson_status')")
        finally:
            context.close()
        guard.check()
    record_property("suspend_data_bytes", max(sizes))
    print(f"suspend_data after each quiz (bytes): {sizes}")
    assert sizes == sorted(sizes) and max(sizes) <= 4096
    assert status in ("passed", "failed")
