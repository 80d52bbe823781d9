"""The live-Jupyter front in a real kernel: widgets driven by setting values and clicking, results checked.

Each test executes a small notebook with nbclient; the cells drive the widgets the way a learner would
(choose, type, press buttons) and print what the quiz reports, which the test then checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.kernel

DATA = Path(__file__).resolve().parent / "data"

SETUP = f"""
import json
from quizlib.quiz.load import load_course
from quizlib.fronts.widgets import QuizWidget
course = load_course({str(DATA / "course" / "quizzes")!r})
w = QuizWidget(course, "kinds")
events = []
w.on(events.append)
def report(**extra):
    r = w.result()
    print(json.dumps(dict(points=r.points, percentage=r.percentage, passed=r.passed, complete=r.complete,
                          credits={{o.question_id: o.credit for o in r.questions}},
                          events=[e["type"] for e in events], **extra)))
"""

EVERY_KIND_RIGHT = """
q = w.question("sc"); q.choice.value = "a"; q.check_button.click()
first = q.feedback.value
q.choice.value = "b"; q.check_button.click()
q = w.question("mr")
for oid in ("a", "c", "e"):
    q.boxes[oid].value = True
q.check_button.click()
q = w.question("tf"); q.choice.value = False; q.check_button.click()
q = w.question("num"); q.number.value = "7,636"; q.check_button.click()
q = w.question("dec"); q.number.value = "0.2"; q.check_button.click()
q = w.question("ord")                       # shown as: film, goals, review, edit
q.order_box.children[1].children[1].click()  # goals up   -> goals, film, review, edit
q.order_box.children[3].children[1].click()  # edit up    -> goals, film, edit, review
q.check_button.click()
q = w.question("match")
for pid in ("studies", "families", "outcomes"):
    q.selects[pid].value = pid
q.check_button.click()
q = w.question("case")
q.current_stage.choice.value = "b"; q.current_stage.decide.click()   # -> s3
q.current_stage.choice.value = "a"; q.current_stage.decide.click()   # ends
report(first_feedback=first, sc_disabled=w.question("sc").choice.disabled,
       case_stages=len(q.stage_box.children), last_case_feedback=q.current_stage.out.value)
"""

TRIES_AND_REVEAL = """
q = w.question("mr")
q.boxes["a"].value = True
q.check_button.click()
after_one = dict(final=q.is_final, reveal_visible=q.reveal_button.layout.display != "none", note=q.tries_note.value)
q.reveal_button.click()
q2 = w.question("num")
q2.number.value = "seven"; q2.check_button.click()
bad_number = dict(tries=len(q2.tries), feedback=q2.feedback.value)
q2.number.value = "88"; q2.check_button.click()
report(after_one=after_one, after_reveal=dict(final=q.is_final, feedback=q.feedback.value,
       disabled=all(b.disabled for b in q.boxes.values())), bad_number=bad_number, wrong_88=q2.feedback.value)
"""


def run_cells(*sources: str) -> list[dict]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    lines = [o["text"] for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]
    return [json.loads(line) for text in lines for line in text.splitlines() if line.startswith("{")]


def test_every_kind_answered_right_by_driving_the_widgets():
    (r,) = run_cells(SETUP, EVERY_KIND_RIGHT)
    assert r["credits"] == {"sc": 1, "mr": 1, "tf": 1, "num": 1, "dec": 1, "ord": 1, "match": 1, "case": 0.75}
    assert (r["points"], r["percentage"], r["passed"], r["complete"]) == (7.75, 96.88, True, True)
    # 2 tries at sc, one at each other question, 2 decisions in the case, then one "completed"
    assert r["events"] == ["answered"] * 10 + ["completed"]
    assert "Not correct." in r["first_feedback"] and 'role="alert"' in r["first_feedback"]
    assert "Source: Alpha (2003)." in r["first_feedback"]
    assert r["sc_disabled"] is True
    assert r["case_stages"] == 2 and "End of the case" in r["last_case_feedback"] and "75%" in r["last_case_feedback"]


def test_tries_reveal_and_bad_input():
    (r,) = run_cells(SETUP, TRIES_AND_REVEAL)
    assert r["after_one"] == {"final": False, "reveal_visible": True, "note": "You can try again (1 try left)."}
    assert r["after_reveal"]["final"] is True and r["after_reveal"]["disabled"] is True
    assert "The answer:" in r["after_reveal"]["feedback"] and "2; 5; 11" in r["after_reveal"]["feedback"]
    # partial credit kept after revealing: 1/3 of the correct options, no wrong ones
    assert r["credits"]["mr"] == 0.3333
    # text that is not a number is not a try
    assert r["bad_number"]["tries"] == 0 and "Please type a number" in r["bad_number"]["feedback"]
    assert "88 is the number of outcomes." in r["wrong_88"]


CASE_ENDINGS = """
def play(*decisions):
    case = QuizWidget(course, "kinds").question("case")
    for option_id in decisions:
        case.current_stage.choice.value = option_id; case.current_stage.decide.click()
    return case.current_stage.out.value
print(json.dumps(dict(own=play("a", "b"), stage=play("a", "a"), none=play("b", "a"))))
"""


def test_a_case_ends_with_the_ending_of_the_decision_taken_else_the_stage_s():
    (r,) = run_cells(SETUP, CASE_ENDINGS)
    # "Remind her of the rules" has its own ending, which replaces the stage's.
    assert "She stops answering the door." in r["own"]
    assert "She comes to the next visit." not in r["own"]
    # "Offer a different time" has none: the stage's ending is shown.
    assert "She comes to the next visit." in r["stage"]
    assert "She stops answering the door." not in r["stage"]
    # A stage without an ending, and a decision without one: only the feedback and the score.
    assert "A prompt visit rebuilds contact." in r["none"]
    assert "She comes" not in r["none"] and "She stops" not in r["none"]
    for text in r.values():
        assert "End of the case." in text


def test_display_bundle_has_the_widget_and_the_offline_quiz():
    code = (
        SETUP
        + """
from quizlib.fronts.notebook import QuizDisplay
bundle = QuizDisplay(course, "kinds")._repr_mimebundle_()
print(json.dumps({k: len(v) if isinstance(v, str) else v for k, v in bundle.items()}))
"""
    )
    (r,) = run_cells(code)
    assert r["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert r["text/html"] > 10_000  # the inline quiz with its scorer
    assert r["text/plain"]


@pytest.mark.parametrize("seed", [1, 2])
def test_assessment_draw_is_reproducible_in_the_kernel(seed):
    code = (
        SETUP
        + f"""
e = QuizWidget(course, "exam", seed={seed})
print(json.dumps({{"ids": [q.question.id for q in e.questions]}}))
"""
    )
    (r,) = run_cells(code)
    from quizlib.quiz import draw
    from quizlib.quiz.load import load_course

    c = load_course(DATA / "course" / "quizzes")
    assert r["ids"] == [q.id for q in draw.draw_questions(c.quiz("exam"), c.quizzes, seed)]


def test_the_widgets_show_choices_in_the_order_the_published_pages_draw():
    """The same seed gives the same order as quizlib.quiz.shuffle (whose JavaScript twin the page uses); a
    choice marked fixed keeps its place."""
    code = (
        SETUP
        + """
k = QuizWidget(course, "kinds", seed=4294967295)
case = k.question("case")
print(json.dumps({
    "sc": [v for _, v in k.question("sc").choice.options],
    "mr": list(k.question("mr").boxes),
    "match": [v for _, v in k.question("match").selects["studies"].options][1:],
    "case": [v for _, v in case.current_stage.choice.options],
}))
"""
    )
    (r,) = run_cells(code)
    from quizlib.quiz.load import load_course
    from quizlib.quiz.shuffle import arrangement

    kinds = load_course(DATA / "course" / "quizzes").quiz("kinds")
    assert r == {
        "sc": list(arrangement(kinds.question("sc"), 4294967295)["options"]),
        "mr": list(arrangement(kinds.question("mr"), 4294967295)["options"]),
        "match": list(arrangement(kinds.question("match"), 4294967295)["choices"]),
        "case": list(arrangement(kinds.question("case"), 4294967295)["s1"]),
    }
    assert r["mr"][-1] == "e" and r["case"][-1] == "c"


SUMMATIVE = """
import dataclasses
exam = course.quiz("kinds")
rules = dataclasses.replace(exam.settings, mode="summative", attempts=2, tries=1, reveal_after=0)
course.quizzes["assess"] = dataclasses.replace(exam, id="assess", settings=rules)
a = QuizWidget(course, "assess", seed=7)
seen = []
a.on(seen.append)
sc = a.question("sc"); sc.choice.value = "b"
a.question("tf").choice.value = True
case = a.question("case")
case.current_stage.choice.value = "a"; case.current_stage.decide.click()
before = dict(check_shown=sc.check_button in sc.children, feedback=sc.feedback.value + a.question("tf").feedback.value,
              case=case.stage_box.children[0].out.value, stages=len(case.stage_box.children), summary=a.summary.value)
r = a.submit()
print(json.dumps(dict(before=before, events=len(seen), percentage=r.percentage, sc=sc.feedback.value,
                      tf=a.question("tf").feedback.value, num=a.question("num").feedback.value,
                      case=case.stage_box.children[0].out.value, summary=a.summary.value,
                      again=a.submit() is None)))
"""


def test_a_summative_quiz_in_a_notebook_is_answered_whole_then_submitted():
    (r,) = run_cells(SETUP, SUMMATIVE)
    before = r["before"]
    assert before["check_shown"] is False and before["feedback"] == "" and before["stages"] == 2
    assert "Your decision is kept." in before["case"] and "strong choice" not in before["case"]
    assert r["events"] == 0  # practice in a notebook: nothing is sent to a server
    # sc right (1), tf wrong (0), the case left after its first decision (0), the steps as they stand (film,
    # goals, review, edit: 0.5), the rest unanswered: 1.5 of 8
    assert r["percentage"] == 18.75
    assert "Correct." in r["sc"] and "Not correct." in r["tf"] and "The answer:" in r["tf"]
    assert "Not answered." in r["num"] and "The answer:" in r["num"]
    assert "A strong choice." in r["case"]
    assert "Your answers are submitted. Your score: 1.5 out of 8 (18.75%)" in r["summary"]
    assert "This was practice" in r["summary"] and r["again"] is True
