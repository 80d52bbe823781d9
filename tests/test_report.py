"""report.py: hand-computed item statistics, response frequencies, flags, progress, rates, distributions, CSV."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from quizlib.quiz.load import load_course
from quizlib.results import report
from quizlib.results.report import (
    ALL,
    Assignment,
    AttemptScore,
    Cohort,
    Enrolment,
    QuestionScore,
    ReportError,
    Started,
)

DATA = Path(__file__).resolve().parent / "data"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def course():
    return load_course(DATA / "course" / "quizzes")


def qs(
    learner,
    question,
    credit,
    *,
    quiz="kinds",
    attempt=None,
    number=1,
    points=1.0,
    response=None,
    kind="true_false",
    cohort="c1",
):
    return QuestionScore(
        learner=learner,
        cohort=cohort,
        quiz_id=quiz,
        attempt_id=attempt or f"{learner}-{quiz}-{number}",
        attempt_number=number,
        question_id=question,
        credit=credit,
        max_points=points,
        first_response=response,
        kind=kind,
    )


def by_question(rows):
    return {r.question_id: r for r in rows}


# -- item statistics, computed by hand -------------------------------------------------------------------

# Four learners, three one-point questions, first attempts:
#        q1 q2 q3 | total
#   L1    1  1  1 |  3
#   L2    1  0  1 |  2
#   L3    0  1  0 |  1
#   L4    0  0  0 |  0
MARKS = {"L1": (1, 1, 1), "L2": (1, 0, 1), "L3": (0, 1, 0), "L4": (0, 0, 0)}


def four_learners(**kw):
    return [qs(l, f"q{i + 1}", m, quiz="hand", **kw) for l, marks in MARKS.items() for i, m in enumerate(marks)]


def test_facility_sd_and_discrimination_match_a_hand_computation():
    rows = by_question(report.item_analysis(four_learners(), None))
    q1 = rows["q1"]
    # q1: x = 1,1,0,0; rest of test = 2,1,1,0. Means 0.5 and 1.
    # cov = (0.5*1 + 0.5*0 - 0.5*0 - 0.5*-1) / 3 = 1/3; var x = 1/3; var rest = 2/3 (all with n-1)
    # discrimination = 100 * (1/3) / sqrt(1/3 * 2/3) = 100 / sqrt(2)
    assert q1.n == 4
    assert q1.facility == 0.5
    assert q1.mean_mark == 0.5
    assert q1.standard_deviation == pytest.approx(math.sqrt(1 / 3), abs=1e-6)  # n-1: sqrt(1/3), not n: 0.5
    assert q1.discrimination == pytest.approx(100 / math.sqrt(2), abs=1e-3)
    # q2: x = 1,0,1,0; rest = 2,2,0,0: the deviations cancel, so no discrimination at all.
    assert rows["q2"].discrimination == pytest.approx(0.0, abs=1e-9)
    assert rows["q3"].discrimination == pytest.approx(100 / math.sqrt(2), abs=1e-3)


def test_facility_is_mean_mark_over_max_mark_for_weighted_questions():
    # A two-point question: credits 1, 0.5, 0, 0 are marks 2, 1, 0, 0; mean 0.75 of 2 = 0.375.
    records = [qs(l, "heavy", c, quiz="w", points=2.0) for l, c in zip("ABCD", (1, 0.5, 0, 0))]
    records += [qs(l, "light", c, quiz="w") for l, c in zip("ABCD", (1, 1, 0, 1))]
    rows = by_question(report.item_analysis(records, None))
    assert rows["heavy"].facility == 0.375
    assert rows["heavy"].mean_mark == 0.75
    assert rows["heavy"].max_points == 2.0
    # sd of marks 2,1,0,0 with n-1 is sqrt(11/12 * ... ): mean .75, squares 1.5625+.0625+.5625+.5625 = 2.75 -> /3
    assert rows["heavy"].standard_deviation == pytest.approx(math.sqrt(2.75 / 3) / 2, abs=1e-6)


def test_zero_variance_gives_none_not_a_crash():
    everyone_right = [qs(l, "easy", 1, quiz="z") for l in "ABCDE"] + [
        qs(l, "other", c, quiz="z") for l, c in zip("ABCDE", (1, 0, 1, 0, 1))
    ]
    rows = by_question(report.item_analysis(everyone_right, None))
    assert rows["easy"].facility == 1.0
    assert rows["easy"].standard_deviation == 0.0
    assert rows["easy"].discrimination is None
    # "other"'s rest of test (the easy question) never varies either.
    assert rows["other"].discrimination is None


def test_a_one_question_quiz_has_no_rest_of_test_to_correlate_with():
    rows = report.item_analysis([qs(l, "only", c, quiz="one") for l, c in zip("ABCD", (1, 0, 1, 1))], None)
    assert rows[0].facility == 0.75
    assert rows[0].discrimination is None


def test_constant_marks_that_do_not_sum_exactly_still_count_as_no_variance():
    # 0.1 is not exact in binary; naive sums of squares leave rounding noise that would give a bogus index.
    records = [qs(f"L{i}", "third", 0.1, quiz="c") for i in range(50)]
    records += [qs(f"L{i}", "varies", i % 2, quiz="c") for i in range(50)]
    rows = by_question(report.item_analysis(records, None))
    assert rows["third"].standard_deviation == 0.0
    assert rows["third"].discrimination is None


def test_a_single_learner_is_reported_without_judgement():
    rows = report.item_analysis([qs("solo", "q1", 1, quiz="s"), qs("solo", "q2", 0, quiz="s")], None)
    assert [r.n for r in rows] == [1, 1]
    assert rows[0].facility == 1.0 and rows[1].facility == 0.0
    assert all(r.standard_deviation is None and r.discrimination is None for r in rows)
    assert all(r.flags == ("few-responses",) for r in rows)


def test_only_first_attempts_count():
    first = four_learners()
    # Second attempts where everyone gets everything right would make every question perfectly easy.
    second = [qs(l, f"q{i}", 1, quiz="hand", number=2) for l in MARKS for i in (1, 2, 3)]
    rows = by_question(report.item_analysis(second + first, None))
    assert rows["q1"].n == 4 and rows["q1"].facility == 0.5


def test_unfinished_attempts_are_left_out_when_finished_attempts_are_given():
    records = four_learners() + [qs("L5", "q1", 1, quiz="hand", attempt="abandoned")]
    finished = [AttemptScore(l, "c1", "hand", f"{l}-hand-1", 1, 0.0, False, NOW) for l in MARKS]
    assert by_question(report.item_analysis(records, None))["q1"].n == 5
    assert by_question(report.item_analysis(records, None, attempts=finished))["q1"].n == 4


def test_the_order_of_records_does_not_matter():
    records = four_learners()
    interleaved = sorted(records, key=lambda r: (r.question_id, r.learner))  # no attempt's records together
    assert report.item_analysis(interleaved, None) == report.item_analysis(records, None)
    assert report.item_analysis(list(reversed(records)), None) == report.item_analysis(records, None)


def test_records_can_be_streamed_once():
    rows = report.item_analysis((r for r in four_learners()), None)
    assert len(rows) == 3


def test_drawn_questions_are_analysed_per_assessment_with_their_banks_prompts(course):
    records = []
    for i, learner in enumerate("ABCD"):
        attempt = f"{learner}-exam"
        records.append(qs(learner, "own", 1, quiz="exam", attempt=attempt, response=True))
        records.append(
            qs(
                learner,
                "kinds/sc",
                i % 2,
                quiz="exam",
                attempt=attempt,
                response="b" if i % 2 else "a",
                kind="single_choice",
            )
        )
        if i < 2:  # a drawn question only some learners were shown
            records.append(qs(learner, "kinds/tf", 1, quiz="exam", attempt=attempt, response=False))
    analysis = report.analyse_items(records, course)
    assert [r.question_id for r in analysis.items] == [
        "own",
        "kinds/sc",
        "kinds/tf",
    ]  # own questions first, then bank order
    items = by_question(analysis.items)
    assert items["kinds/sc"].prompt == course.quiz("kinds").question("sc").prompt
    assert items["kinds/sc"].n == 4 and items["kinds/tf"].n == 2
    sc = [r for r in analysis.responses if r.question_id == "kinds/sc"]
    assert [(r.response, r.count, r.correct) for r in sc] == [("a", 2, False), ("b", 2, True), ("c", 0, False)]


def test_a_question_no_longer_in_the_course_is_still_analysed(course):
    records = [qs(l, "gone", c, quiz="kinds", response="x", kind="single_choice") for l, c in zip("AB", (1, 0))]
    rows = report.analyse_items(records, course)
    assert rows.items[0].prompt == "" and rows.items[0].facility == 0.5
    assert rows.responses[0].response == '"x"' and rows.responses[0].count == 2


# -- response frequencies ----------------------------------------------------------------------------------


def frequencies(course, question, responses, kind):
    records = [qs(f"L{i}", question, 0, response=r, kind=kind, attempt=f"a{i}") for i, r in enumerate(responses)]
    return [(r.response, r.count, r.n, r.correct) for r in report.response_frequencies(records, course)]


def test_single_choice_counts_every_option_even_unchosen(course):
    assert frequencies(course, "sc", ["b", "b", "a", None], "single_choice") == [
        ("a", 1, 4, False),
        ("b", 2, 4, True),
        ("c", 0, 4, False),
        (report.NO_RESPONSE, 1, 4, None),
    ]


def test_multiple_response_counts_how_often_each_option_was_ticked(course):
    rows = frequencies(course, "mr", [["a", "c", "e"], ["a", "b"], ["e"]], "multiple_response")
    assert rows == [("a", 2, 3, True), ("b", 1, 3, False), ("c", 1, 3, True), ("d", 0, 3, False), ("e", 2, 3, True)]


def test_true_false(course):
    assert frequencies(course, "tf", [False, False, True], "true_false") == [
        ("true", 1, 3, False),
        ("false", 2, 3, True),
    ]


def test_numeric_groups_the_same_number_typed_differently_and_caps_the_list(course):
    responses = ["7,636", 7636, "7636", "88", 88.0, "lots", "5", "6", "7"]
    records = [qs(f"L{i}", "num", 0, response=r, kind="numeric", attempt=f"a{i}") for i, r in enumerate(responses)]
    rows = report.response_frequencies(records, course, top_values=3)
    assert [(r.response, r.count, r.correct) for r in rows] == [
        ("7636", 3, True),
        ("88", 2, False),
        ("5", 1, False),
        ("(other values)", 2, None),
        ("(not a number)", 1, None),
    ]
    assert rows[0].label == "7636 families"


def test_ordering_and_matching_report_the_share_fully_correct_and_each_part(course):
    right = ["goals", "film", "edit", "review"]
    rows = frequencies(course, "ord", [right, right, ["film", "goals", "edit", "review"]], "ordering")
    assert rows[0] == ("(fully correct)", 2, 3, None)
    assert {r[0]: r[1] for r in rows[1:]} == {"goals": 2, "film": 2, "edit": 3, "review": 3}

    good = {"studies": "studies", "families": "families", "outcomes": "outcomes"}
    swapped = {"studies": "families", "families": "studies", "outcomes": "outcomes"}
    distractor = {"studies": "d1", "families": "families", "outcomes": "outcomes"}
    rows = frequencies(course, "match", [good, swapped, distractor, good], "matching")
    assert rows[0] == ("(fully correct)", 2, 4, None)
    assert {r[0]: r[1] for r in rows[1:]} == {"studies": 2, "families": 3, "outcomes": 4}


def test_vignette_shares_are_of_those_who_reached_each_stage(course):
    rows = frequencies(course, "case", [["a", "a"], ["a", "b"], ["b", "a"], ["c"]], "vignette")
    counts = {r[0]: (r[1], r[2]) for r in rows}
    assert counts["s1/a"] == (2, 4) and counts["s1/b"] == (1, 4) and counts["s1/c"] == (1, 4)
    assert counts["s2/a"] == (1, 2) and counts["s2/b"] == (1, 2)  # two learners reached s2
    assert counts["s3/a"] == (1, 1) and counts["s3/b"] == (0, 1)


# -- flags ------------------------------------------------------------------------------------------------


def sc_records(choices, credits=None, others=None):
    """Single-choice answers to kinds/sc by len(choices) learners, plus another question giving a rest score."""
    credits = credits or [1 if c == "b" else 0 for c in choices]
    others = others if others is not None else credits
    out = []
    for i, (choice, credit, other) in enumerate(zip(choices, credits, others)):
        out.append(qs(f"L{i}", "sc", credit, response=choice, kind="single_choice", attempt=f"a{i}"))
        out.append(qs(f"L{i}", "tf", other, response=bool(other), attempt=f"a{i}"))
    return out


def flags_of(records, course, question="sc"):
    return by_question(report.item_analysis(records, course))[question].flags


def test_very_easy_questions_and_unused_distractors_are_flagged(course):
    choices = ["b"] * 20
    others = [i % 2 for i in range(20)]
    assert flags_of(sc_records(choices, others=others), course) == (
        "very-easy",
        "unused-distractor:a",
        "unused-distractor:c",
    )


def test_very_hard_and_key_beaten_by_a_distractor(course):
    choices = ["a"] * 12 + ["c"] * 7 + ["b"]
    flags = flags_of(sc_records(choices, others=[i % 2 for i in range(20)]), course)
    assert "very-hard" in flags
    assert "distractor-beats-key:a" in flags and "distractor-beats-key:c" in flags


def test_negative_and_weak_discrimination(course):
    # Those who get the other question right get this one wrong: a negative index.
    choices = ["b", "a"] * 10
    credits = [1, 0] * 10
    flags = flags_of(sc_records(choices, credits, others=[0, 1] * 10), course)
    assert "negative-discrimination" in flags and "weak-discrimination" not in flags
    # Unrelated to the rest of the test: near zero, so weak.
    others = [1, 1, 0, 0] * 5
    flags = flags_of(sc_records(choices, credits, others=others), course)
    assert "weak-discrimination" in flags


def test_a_good_question_gets_no_flag(course):
    choices = ["b"] * 12 + ["a"] * 5 + ["c"] * 3
    assert flags_of(sc_records(choices), course) == ()


def test_too_few_responses_suppresses_every_other_judgement(course):
    choices = ["b"] * (report.MIN_RESPONSES - 1)
    assert flags_of(sc_records(choices, others=[i % 2 for i in range(len(choices))]), course) == ("few-responses",)


def test_every_flag_has_an_explanation(course):
    choices = ["a"] * 12 + ["c"] * 7 + ["b"]
    for flag in flags_of(sc_records(choices), course):
        assert flag.split(":")[0] in report.FLAGS


# -- progress, completion and pass rates -------------------------------------------------------------------


def attempt(learner, quiz, pct, *, passed=None, number=1, cohort="c1", at=NOW - timedelta(days=3)):
    return AttemptScore(
        learner, cohort, quiz, f"{learner}-{quiz}-{number}", number, pct, pct >= 60 if passed is None else passed, at
    )


@pytest.fixture
def people():
    enrolments = [Enrolment("ann", "c1", "Ann"), Enrolment("bob", "c1", "Bob"), Enrolment("cy", "c2", "Cy")]
    assignments = [
        Assignment("as1", "c1", ("kinds",), pass_mark=80, due=date(2026, 11, 20), title="Kinds"),
        Assignment("as2", "c1", ("exam",), due=date(2026, 12, 1), title="Exam"),  # the quiz's own pass mark
        Assignment("as3", "c2", ("kinds", "exam"), due=date(2026, 11, 25)),  # due today: not yet late
    ]
    cohorts = [Cohort("c1", "Cardiff"), Cohort("c2", "Leeds")]
    return enrolments, assignments, cohorts


def test_learner_progress_uses_the_assignment_pass_mark_and_due_date(course, people):
    enrolments, assignments, cohorts = people
    attempts = [
        attempt("ann", "kinds", 70),  # finished but below the assignment's 80
        attempt("ann", "kinds", 85, number=2, at=NOW - timedelta(days=1)),  # passed on a second attempt
        attempt("bob", "kinds", 75),  # passes the quiz's own 60, not the assignment's 80
        attempt("cy", "kinds", 90, cohort="c2"),
    ]
    started = [Started("bob", "exam", "bob-exam-1")]
    rows = report.learner_progress(enrolments, assignments, attempts, course, started=started, cohorts=cohorts, now=NOW)
    got = {(r.learner, r.module): r for r in rows}
    assert set(got) == {
        ("ann", "chapters/kinds"),
        ("ann", "chapters/exam"),
        ("bob", "chapters/kinds"),
        ("bob", "chapters/exam"),
        ("cy", "chapters/kinds"),
        ("cy", "chapters/exam"),
    }
    ann = got[("ann", "chapters/kinds")]
    assert (ann.started, ann.finished, ann.passed, ann.best_percentage, ann.attempts) == (True, True, True, 85, 2)
    assert not ann.overdue and ann.last_activity == NOW - timedelta(days=1)
    assert (ann.assignment, ann.assignment_title, ann.pass_mark) == ("as1", "Kinds", 80)
    bob = got[("bob", "chapters/kinds")]
    assert (bob.finished, bob.passed, bob.overdue) == (True, False, True)
    assert bob.days_overdue == 4  # due 20 November ends at midnight (UTC); now is 25 November, noon
    assert bob.due == date(2026, 11, 20) and bob.due_ends_at == datetime(2026, 11, 21, tzinfo=UTC)
    assert bob.cohort_name == "Cardiff" and bob.module_title == "Every kind of question"
    bob_exam = got[("bob", "chapters/exam")]
    assert (bob_exam.started, bob_exam.finished, bob_exam.overdue, bob_exam.pass_mark) == (True, False, False, None)
    assert got[("cy", "chapters/exam")].overdue is False  # due today: late only from tomorrow
    assert [(r.learner, r.module) for r in report.overdue_learners(rows)] == [("bob", "chapters/kinds")]

    # Per assignment, the same verdicts: what the trainer's pages and the learners' API show.
    per = {
        (p.learner, p.assignment): p
        for p in report.assignment_progress(
            enrolments, assignments, attempts, course, started=started, cohorts=cohorts, now=NOW
        )
    }
    assert (per[("bob", "as1")].passed, per[("bob", "as1")].overdue, per[("bob", "as1")].days_overdue) == (
        False,
        True,
        4,
    )
    assert per[("bob", "as1")].to_do[0].quiz_id == "kinds" and per[("bob", "as1")].to_do[0].pass_mark == 80
    assert per[("bob", "as2")].quizzes[0].pass_mark == 50  # no pass mark set: the quiz's own
    assert per[("cy", "as3")].started and not per[("cy", "as3")].finished  # kinds passed, exam not begun


def test_a_due_date_ends_at_midnight_in_the_cohorts_time_zone(course):
    """The same due day, the same moment: over in Auckland, not yet in Los Angeles; overdue from midnight."""
    due = date(2026, 11, 25)
    enrolments = [Enrolment("kiri", "nz", "Kiri"), Enrolment("lou", "la", "Lou"), Enrolment("uma", "utc", "Uma")]
    assignments = [Assignment(f"a-{c}", c, ("kinds",), pass_mark=70, due=due) for c in ("nz", "la", "utc")]
    cohorts = [
        Cohort("nz", "Auckland", "Pacific/Auckland"),
        Cohort("la", "LA", "America/Los_Angeles"),
        Cohort("utc", "UTC"),
    ]

    def overdue_at(moment):
        got = report.assignment_progress(enrolments, assignments, [], course, cohorts=cohorts, now=moment)
        return {p.learner: p.overdue for p in got}

    # Auckland is 13 hours ahead in November: 25 November ends there at 11:00 UTC.
    assert report.due_ends(due, "Pacific/Auckland") == datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    assert report.due_ends(due, "America/Los_Angeles") == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert overdue_at(datetime(2026, 11, 25, 10, 59, 59, tzinfo=UTC)) == {"kiri": False, "lou": False, "uma": False}
    assert overdue_at(datetime(2026, 11, 25, 11, 0, tzinfo=UTC)) == {"kiri": True, "lou": False, "uma": False}
    assert overdue_at(datetime(2026, 11, 26, 0, 0, tzinfo=UTC)) == {"kiri": True, "lou": False, "uma": True}
    assert overdue_at(datetime(2026, 11, 26, 8, 0, tzinfo=UTC)) == {"kiri": True, "lou": True, "uma": True}
    # Passing in time (at the assignment's pass mark) ends it; a score below it does not.
    passed = [attempt("lou", "kinds", 70, cohort="la"), attempt("kiri", "kinds", 69.99, cohort="nz")]
    got = report.assignment_progress(
        enrolments, assignments, passed, course, cohorts=cohorts, now=datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert {p.learner: (p.passed, p.overdue) for p in got} == {
        "kiri": (False, True),
        "lou": (True, False),
        "uma": (False, True),
    }
    assert report.today("Pacific/Auckland", datetime(2026, 11, 25, 11, 0, tzinfo=UTC)) == date(2026, 11, 26)
    with pytest.raises(ReportError, match="unknown time zone 'Mars/Olympus'"):
        report.time_zone("Mars/Olympus")


def test_each_assignment_is_judged_by_its_own_pass_mark(course):
    """One quiz in two assignments, at 70% and 80%: a 75% passes one and not the other, everywhere."""
    enrolments = [Enrolment("ann", "c1", "Ann")]
    assignments = [
        Assignment("easy", "c1", ("kinds",), pass_mark=70, due=date(2026, 11, 1)),
        Assignment("hard", "c1", ("kinds",), pass_mark=80, due=date(2026, 11, 1)),
    ]
    attempts = [attempt("ann", "kinds", 75)]
    per = {p.assignment: p for p in report.assignment_progress(enrolments, assignments, attempts, course, now=NOW)}
    assert (per["easy"].passed, per["easy"].overdue) == (True, False)
    assert (per["hard"].passed, per["hard"].overdue) == (False, True)
    rows = report.learner_progress(enrolments, assignments, attempts, course, now=NOW)
    assert {(r.assignment, r.passed, r.overdue) for r in rows} == {("easy", True, False), ("hard", False, True)}
    (module,) = report.completion_rates(rows, by=("module",))  # passed the module only if passed under both
    assert (module.finished, module.passed, module.overdue) == (1, 0, 1)


def test_a_period_counts_only_its_attempts_and_judges_overdue_at_its_end(course):
    enrolments = [Enrolment("ann", "c1", "Ann")]
    assignments = [Assignment("a", "c1", ("kinds",), pass_mark=60, due=date(2026, 11, 10))]
    cohorts = [Cohort("c1", "Cardiff", "Europe/London")]
    attempts = [
        attempt("ann", "kinds", 50, at=datetime(2026, 11, 5, 10, tzinfo=UTC)),
        attempt("ann", "kinds", 90, number=2, at=datetime(2026, 11, 20, 10, tzinfo=UTC)),
    ]

    def one(**period):
        (p,) = report.assignment_progress(enrolments, assignments, attempts, course, cohorts=cohorts, now=NOW, **period)
        return p.finished, p.passed, p.overdue, p.quizzes[0].best_percentage

    assert one() == (True, True, False, 90)
    assert one(until=date(2026, 11, 9)) == (True, False, False, 50)  # judged at the end of 9 November
    assert one(until=date(2026, 11, 15)) == (True, False, True, 50)  # the due date had ended by then
    assert one(since=date(2026, 11, 6)) == (True, True, False, 90)
    assert one(since=date(2026, 11, 21)) == (False, False, True, None)
    with pytest.raises(ReportError, match="swap the two dates"):
        one(since=date(2026, 11, 21), until=date(2026, 11, 1))


def test_without_assignments_every_module_counts_and_the_quiz_pass_mark_applies(course):
    rows = report.learner_progress(
        [Enrolment("ann", "c1")], None, [attempt("ann", "kinds", 75, passed=True)], course, now=NOW
    )
    assert {r.module: (r.finished, r.passed, r.due) for r in rows} == {
        "chapters/kinds": (True, True, None),
        "chapters/exam": (False, False, None),
    }


def test_completion_rates_count_learners_by_module_and_cohort(course, people):
    enrolments, assignments, cohorts = people
    attempts = [
        attempt("ann", "kinds", 85),
        attempt("ann", "exam", 90),
        attempt("bob", "kinds", 70),
        attempt("cy", "kinds", 90, cohort="c2"),
    ]
    progress = report.learner_progress(enrolments, assignments, attempts, course, cohorts=cohorts, now=NOW)

    both = {(r.cohort, r.module): r for r in report.completion_rates(progress)}
    kinds_c1 = both[("c1", "chapters/kinds")]
    assert (kinds_c1.learners, kinds_c1.finished, kinds_c1.passed, kinds_c1.overdue) == (2, 2, 1, 1)
    assert kinds_c1.completion_rate == 1.0 and kinds_c1.pass_rate == 0.5
    assert kinds_c1.module_title == "Every kind of question"

    by_module = {r.module: r for r in report.completion_rates(progress, by=("module",))}
    assert by_module["chapters/kinds"].cohort == ALL
    assert (by_module["chapters/kinds"].learners, by_module["chapters/kinds"].passed) == (3, 2)

    # Over modules, a learner counts once: finished only if every assigned module is.
    by_cohort = {r.cohort_name: r for r in report.completion_rates(progress, by=("cohort",))}
    assert (by_cohort["Cardiff"].learners, by_cohort["Cardiff"].finished, by_cohort["Cardiff"].passed) == (2, 1, 1)
    assert by_cohort["Cardiff"].module == ALL
    overall = report.completion_rates(progress, by=())
    assert len(overall) == 1 and overall[0].learners == 3

    with pytest.raises(ReportError, match="cannot group rates by learner"):
        report.completion_rates(progress, by=("learner",))


def test_no_learners_give_no_rows_not_a_division_by_zero(course):
    assert report.completion_rates(report.learner_progress([], [], [], course, now=NOW)) == []


# -- score distributions and summaries ---------------------------------------------------------------------


def test_score_distribution_bins_first_attempts_and_puts_100_in_the_last_bin():
    attempts = [attempt("a", "q", 100), attempt("b", "q", 0), attempt("c", "q", 59.99), attempt("c", "q", 95, number=2)]
    bins = report.score_distribution(attempts, bin_width=20)
    assert [(b.lower, b.upper, b.count) for b in bins] == [
        (0, 20, 1),
        (20, 40, 0),
        (40, 60, 1),
        (60, 80, 0),
        (80, 100, 1),
    ]
    assert sum(b.share for b in bins) == pytest.approx(1)
    best = report.score_distribution(attempts, bin_width=20, which="best")
    assert [b.count for b in best] == [1, 0, 0, 0, 2]
    assert sum(b.count for b in report.score_distribution(attempts, which="all")) == 4


def test_score_distribution_by_cohort_and_bad_arguments():
    attempts = [attempt("a", "q", 50, cohort="x"), attempt("b", "q", 70, cohort="y")]
    bins = report.score_distribution(attempts, bin_width=50, by_cohort=True)
    assert [(b.cohort, b.lower, b.count) for b in bins] == [("x", 0, 0), ("x", 50, 1), ("y", 0, 0), ("y", 50, 1)]
    with pytest.raises(ReportError, match="divides 100"):
        report.score_distribution(attempts, bin_width=30)
    with pytest.raises(ReportError, match="which="):
        report.score_distribution(attempts, which="worst")


def test_quiz_summary(course):
    attempts = [
        attempt("a", "kinds", 40),
        attempt("a", "kinds", 80, number=2),
        attempt("b", "kinds", 60),
        attempt("c", "kinds", 100),
    ]
    (row,) = report.quiz_summary(attempts, course)
    assert (row.quiz_id, row.title, row.learners, row.retook) == ("kinds", "Every kind of question", 3, 1)
    assert row.mean_first == pytest.approx(200 / 3, abs=0.01)
    assert row.median_first == 60
    assert row.sd_first == 30.55  # sample sd of 40, 60, 100
    assert row.pass_rate_first == pytest.approx(2 / 3) and row.pass_rate_best == 1.0


# -- CSV -------------------------------------------------------------------------------------------------


def test_to_csv_is_rfc4180_with_a_header():
    rows = [
        report.ItemRow(
            "q",
            "a,b",
            "single_choice",
            'He said "hi"\nthen left',
            3,
            1.0,
            0.5,
            0.5,
            None,
            -12.5,
            ("very-hard", "unused-distractor:c"),
        ),
        report.ItemRow("q", "é", "true_false", "Ça va ?", 1, 1.0, 1.0, 1.0, 0.0, None, ()),
    ]
    text = report.to_csv(rows)
    assert text.startswith(
        "quiz_id,question_id,kind,prompt,n,max_points,mean_mark,facility,standard_deviation,discrimination,flags,"
        "median_seconds\r\n"
    )
    assert '"He said ""hi""\nthen left"' in text
    assert text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[1] == [
        "q",
        "a,b",
        "single_choice",
        'He said "hi"\nthen left',
        "3",
        "1.0",
        "0.5",
        "0.5",
        "",
        "-12.5",
        "very-hard; unused-distractor:c",
        "",
    ]
    assert parsed[2][1:4] == ["é", "true_false", "Ça va ?"]
    assert text.encode("utf-8").decode("utf-8") == text


def test_to_csv_writes_dates_booleans_and_neutralises_formulas():
    row = report.ProgressRow(
        cohort="c1",
        cohort_name='=HYPERLINK("http://x")',
        learner="l1",
        display_name="@Ann",
        assignment="a1",
        assignment_title="Kinds",
        module="chapters/x",
        module_title="X",
        pass_mark=70.0,
        due=date(2026, 1, 2),
        due_ends_at=datetime(2026, 1, 3, tzinfo=UTC),
        started=True,
        finished=False,
        passed=False,
        best_percentage=None,
        attempts=1,
        overdue=True,
        days_overdue=3,
        last_activity=datetime(2026, 1, 1, 9, 30, tzinfo=UTC),
    )
    header = next(iter(csv.reader(io.StringIO(report.to_csv([row]), newline=""))))
    assert header[:4] == ["cohort", "cohort_name", "learner", "display_name"]
    parsed = list(csv.reader(io.StringIO(report.to_csv([row]), newline="")))[1]
    cell = dict(zip(header, parsed))
    assert cell["cohort_name"] == '\'=HYPERLINK("http://x")' and cell["display_name"] == "'@Ann"
    assert (cell["started"], cell["finished"], cell["passed"]) == ("true", "false", "false")
    assert cell["due"] == "2026-01-02" and cell["last_activity"] == "2026-01-01T09:30:00+00:00"
    assert cell["due_ends_at"] == "2026-01-03T00:00:00+00:00"
    # With a byte-order mark, for Excel: the same text after it.
    with_bom = report.to_csv([row], bom=True)
    assert with_bom.startswith("\ufeffcohort,") and with_bom[1:] == report.to_csv([row])
    assert with_bom.encode("utf-8")[:3] == b"\xef\xbb\xbf"
    # A negative number is data, not a formula.
    bins = report.to_csv([report.ResponseRow("q", "n", "numeric", "-3", "-3", False, 1, 1.0, 1)])
    assert ",-3,-3," in bins


def test_to_csv_writes_each_value_as_itself_and_comes_in_pieces():
    # Equal values of other types, or of another sign, are not the value above: each is written as itself.
    rows = [
        report.ScoreBin("q", report.ALL, 0.0, 10, 1, 1.0),
        report.ScoreBin("q", report.ALL, -0.0, 10.0, True, 1),
        report.ScoreBin("q", report.ALL, -0.0, 10.0, True, 1),
    ]
    assert report.to_csv(rows).splitlines()[1:] == ["q,(all),0.0,10,1,1.0"] + ["q,(all),-0.0,10.0,true,1"] * 2
    # A large table comes a thousand rows at a time, the header in the first piece only.
    many = [report.ScoreBin(f"q{i}", report.ALL, 0.0, 10.0, i, None) for i in range(2500)]
    pieces = list(report.csv_pieces(many, bom=True))
    assert [piece.count("\r\n") for piece in pieces] == [1001, 1000, 500]
    assert pieces[0].startswith("\ufeffquiz_id,") and "".join(pieces) == report.to_csv(many, bom=True)
    assert list(report.csv_pieces([], report.ScoreBin)) == ["quiz_id,cohort,lower,upper,count,share\r\n"]


def test_to_csv_of_an_empty_table_and_of_wrong_rows():
    assert report.to_csv([], report.ScoreBin) == "quiz_id,cohort,lower,upper,count,share\r\n"
    assert report.to_csv([]) == ""
    with pytest.raises(ReportError, match="one type"):
        report.to_csv([report.Cohort("a", "b"), report.Started("l", "q", "a")])
    with pytest.raises(ReportError, match="dataclass rows"):
        report.to_csv([("a", 1)])


def test_course_modules_follow_chapters(course):
    assert [(m.id, m.quiz_ids, m.label) for m in report.course_modules(course)] == [
        ("chapters/exam", ("exam",), "exam"),
        ("chapters/kinds", ("kinds",), "kinds"),
    ]
