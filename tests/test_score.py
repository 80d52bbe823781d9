"""quizlib.score against the shared table of cases, and the properties the table cannot show."""

from __future__ import annotations

import pytest
from scoring_table import case_id, fixture_course, quiz_with, table

from quizlib.quiz import draw, kinds, score, shuffle

T = table()


@pytest.mark.parametrize("case", T["responses"], ids=case_id)
def test_response(case):
    quiz = quiz_with(case.get("settings"))
    question = quiz.question(case["question"])
    if case.get("error"):
        with pytest.raises(score.ResponseError):
            score.score_response(question, case["response"], quiz.settings)
        return
    result = score.score_response(question, case["response"], quiz.settings)
    assert result.credit == case["credit"]
    assert result.complete == case.get("complete", True)
    if "feedback" in case:
        assert [[f.ref, f.correct] for f in result.feedback] == case["feedback"]


@pytest.mark.parametrize("case", T["outcomes"], ids=case_id)
def test_outcome(case):
    quiz = quiz_with(case.get("settings"))
    question = quiz.question(case["question"])
    args = (question, case["tries"], quiz.settings, case.get("revealed", False))
    if case.get("error"):
        with pytest.raises(score.ResponseError):
            score.outcome(*args)
        return
    o = score.outcome(*args)
    assert (o.final, o.credit, o.tries) == (case["final"], case["credit"], len(case["tries"]))


@pytest.mark.parametrize("case", T["quizzes"], ids=case_id)
def test_quiz(case):
    quiz = quiz_with(case.get("settings"))
    if case.get("error"):
        with pytest.raises(score.ResponseError):
            score.score_quiz(quiz, case["answers"])
        return
    r = score.score_quiz(quiz, case["answers"])
    got = (r.points, r.max_points, r.percentage, r.passed, r.complete)
    assert got == (case["points"], case["max_points"], case["percentage"], case["passed"], case["complete"])


@pytest.mark.parametrize("case", T["numbers"], ids=repr)
def test_parse_number(case):
    text, value, *unit = case
    assert (score.parse_number(text, *unit) if unit else score.parse_number(text)) == value


@pytest.mark.parametrize("case", T["draws"], ids=case_id)
def test_draw_table(case):
    course = fixture_course()
    drawn = draw.draw_questions(course.quiz("exam"), course.quizzes, case["seed"])
    assert [q.id for q in drawn] == case["questions"]


def test_generator_table():
    for case in T["generator"]:
        rand = draw.mulberry32(case["seed"])
        assert [rand() for _ in case["values"]] == case["values"]


@pytest.mark.parametrize("case", T["arrangements"], ids=case_id)
def test_arrangement_table(case):
    question = fixture_course().quiz("kinds").question(case["question"])
    assert {k: list(v) for k, v in shuffle.arrangement(question, case["seed"]).items()} == case["order"]


@pytest.mark.parametrize("text,value", T["hashes"], ids=lambda v: repr(v))
def test_hash_table(text, value):
    assert shuffle.fnv1a(text) == value


def test_shuffle_properties():
    """Every choice once; fixed choices in place; the same seed the same order; every order comes up, about
    equally often; each question and part draws its own order."""
    items = [("a", False), ("b", False), ("c", False), ("none", True)]
    seen: dict[tuple, int] = {}
    for seed in range(6000):
        order = shuffle.shuffled(seed, "q#options", items)
        assert sorted(order) == ["a", "b", "c", "none"] and order[3] == "none"
        assert order == shuffle.shuffled(seed, "q#options", items)
        seen[order] = seen.get(order, 0) + 1
    assert len(seen) == 6 and min(seen.values()) > 850  # 6 orders of 3 movable choices, 1000 each expected
    firsts = {shuffle.shuffled(7, f"q{n}#options", items)[0] for n in range(30)}
    assert firsts == {"a", "b", "c"}  # the same seed gives different questions different orders
    assert shuffle.shuffled(1, "k", [("x", True), ("y", True)]) == ("x", "y")


def test_the_key_moves_across_attempts(course):
    """With shuffling, the keyed option of every single-choice question is first for about one learner in
    as many as it has options, not for everyone."""
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            if q.kind != "single_choice":
                continue
            key = score.full_credit_response(q)
            first = sum(shuffle.arrangement(q, seed)["options"][0] == key for seed in range(2000))
            assert abs(first / 2000 - 1 / len(q.options)) < 0.05, f"{quiz.id}/{q.id}: first in {first} of 2000"


def test_draw_properties():
    course = fixture_course()
    exam, kinds = course.quiz("exam"), course.quiz("kinds")
    selections = set()
    for seed in range(200):
        drawn = draw.draw_questions(exam, course.quizzes, seed)
        assert drawn == draw.draw_questions(exam, course.quizzes, seed)  # reproducible
        assert drawn[0].id == "own" and len(drawn) == 4
        ids = [q.id for q in drawn[1:]]
        assert len(set(ids)) == 3
        for q in drawn[1:]:
            original = kinds.question(q.id.removeprefix("kinds/"))
            assert q.kind == original.kind != "vignette"
            assert q.objective == f"kinds/{original.objective}"
        selections.add(tuple(ids))
    # 7 eligible questions, 3 drawn in order: a fair shuffle shows many different selections
    assert len(selections) > 100


def test_drawn_numeric_keeps_its_bank_tolerance():
    course = fixture_course()
    exam = course.quiz("exam")
    for seed in range(50):
        for q in draw.draw_questions(exam, course.quizzes, seed):
            if q.id == "kinds/num":
                assert q.tolerance == course.quiz("kinds").settings.numeric_tolerance


def test_scoring_a_drawn_assessment():
    course = fixture_course()
    exam = course.quiz("exam")
    drawn = draw.draw_questions(exam, course.quizzes, 1)  # own, kinds/mr, kinds/ord, kinds/match
    answers = {
        "own": {"tries": [True]},
        "kinds/mr": {"tries": [["a", "c", "e"]]},
        "kinds/ord": {"tries": [["goals", "film", "edit", "review"]]},
        "kinds/match": {"tries": [{"studies": "studies"}]},
    }
    r = score.score_quiz(exam, answers, drawn)
    assert (r.points, r.max_points, r.percentage, r.passed, r.complete) == (3.3333, 4, 83.33, True, True)


def test_longest_increasing_run():
    assert score.longest_increasing_run([]) == 0
    assert score.longest_increasing_run([0]) == 1
    assert score.longest_increasing_run([3, 0, 1, 2]) == 3
    assert score.longest_increasing_run([2, 3, 0, 1]) == 2


def test_round_half_up_is_not_bankers_rounding():
    assert score.round_half_up(0.125, 2) == 0.13  # Python's round() gives 0.12
    assert score.round_half_up(2 / 3, 4) == 0.6667


def test_every_question_of_the_course_can_earn_full_credit(course):
    """The key of every question (the best path through every case) scores 1: no question is unwinnable."""
    for quiz in [*course.quizzes.values(), *fixture_course().quizzes.values()]:
        for q in quiz.questions:
            result = score.score_response(q, score.full_credit_response(q), quiz.settings)
            assert (result.credit, result.complete) == (1, True), f"{quiz.id}/{q.id}"


@pytest.mark.parametrize(
    "path,ending",
    [
        (["a", "b"], "She stops answering the door."),  # the decision's own ending replaces the stage's
        (["a", "a"], "She comes to the next visit."),  # no ending of its own: the stage's
        (["b", "a"], ""),  # neither has one
        (["a"], ""),  # the case is not over
    ],
)
def test_a_case_closes_with_the_ending_of_the_path_taken(path, ending):
    quiz = fixture_course().quiz("kinds")
    case = quiz.question("case")
    assert kinds.kind_of(case).closing(case, path) == ending
    single = quiz.question("sc")  # other kinds have nothing to add after the feedback
    assert kinds.kind_of(single).closing(single, "a") == ""
