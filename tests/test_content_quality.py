"""Content an infant-mental-health trainer would sign: what the review of issue 9 checked by hand, held here.

- credit matches feedback: a vignette decision's feedback opens with the verdict its credit earns, and a
  decision that earns credit is never called wrong; right and wrong options and answers are told so;
- every path through a case meets the safety lesson that case carries, and the strongest path acts on it;
- no two questions ask the same thing; each family's names belong to one case only;
- questions that can be drawn into the final assessment make sense on their own;
- options are short enough to read on a phone;
- wordings the review found wrong do not come back.
"""

from __future__ import annotations

import difflib
import re
from itertools import combinations
from pathlib import Path

import pytest

from quizlib.quiz import model

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

# -- credit matches feedback -----------------------------------------------------------------------------------

VERDICT = {  # the three verdicts chapter 09 explains, one per credit
    1.0: "A strong choice.",
    0.5: "A reasonable choice, but not the strongest.",
    0.0: "Not the best choice.",
}
CALLED_WRONG = re.compile(
    r"not the best choice|not a good choice|\bis wrong\b|\bwrong choice|poor choice|promises too much|overstates"
    r"|goes beyond the evidence|not what the evidence shows|is not safe|runs against|does not fit the summary",
    re.IGNORECASE,
)


def _vignettes(course):
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            if isinstance(q, model.Vignette):
                yield quiz, q


def test_a_decision_s_feedback_opens_with_the_verdict_its_credit_earns(course):
    wrong = []
    for quiz, q in _vignettes(course):
        for s in q.stages:
            for o in s.options:
                where = f"{quiz.id}/{q.id}/{s.id}/{o.id} (credit {o.credit:g})"
                if o.credit not in VERDICT:
                    wrong.append(f"{where}: credit must be 0, 0.5 or 1")
                elif not o.feedback.startswith(VERDICT[o.credit]):
                    wrong.append(f"{where}: feedback should open with {VERDICT[o.credit]!r}")
                elif o.credit > 0 and CALLED_WRONG.search(o.feedback[len(VERDICT[o.credit]) :]):
                    wrong.append(
                        f"{where}: earns credit, yet its feedback says: {CALLED_WRONG.search(o.feedback).group(0)!r}"
                    )
                elif o.credit == 1 and re.search(r"not the strongest|reasonable choice", o.feedback, re.IGNORECASE):
                    wrong.append(f"{where}: full credit, yet called not the strongest")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "feedback,credit,ok",
    [
        ("A strong choice. It fits the evidence.", 1.0, True),
        ("A reasonable choice, but not the strongest. It misses a chance.", 0.5, True),
        ("A reasonable choice, but not the strongest. But it overstates the evidence.", 0.5, False),
        ("Kind, but it promises too much.", 0.5, False),
        ("Not the best choice. It is kindly meant.", 1.0, False),
    ],
)
def test_the_verdict_check_itself(feedback, credit, ok):
    right = feedback.startswith(VERDICT[credit]) and not (
        credit > 0 and CALLED_WRONG.search(feedback[len(VERDICT[credit]) :])
    )
    assert right is ok


def test_right_and_wrong_options_are_told_so(course):
    wrong = []
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            if isinstance(q, (model.SingleChoice, model.MultipleResponse)):
                for o in q.options:
                    says_right = re.match(r"(Yes|Right|Correct)\b", o.feedback)
                    if o.correct and not o.feedback.startswith("Yes"):
                        wrong.append(f"{quiz.id}/{q.id}/{o.id}: a right option's feedback should open with 'Yes'")
                    if not o.correct and says_right:
                        wrong.append(
                            f"{quiz.id}/{q.id}/{o.id}: a wrong option's feedback opens with {says_right.group(0)!r}"
                        )
            elif isinstance(q, model.TrueFalse):
                right = q.feedback.if_true if q.answer else q.feedback.if_false
                other = q.feedback.if_false if q.answer else q.feedback.if_true
                if not right.startswith("Right."):
                    wrong.append(f"{quiz.id}/{q.id}: the right answer's feedback should open with 'Right.'")
                if not other.startswith("Not quite."):
                    wrong.append(f"{quiz.id}/{q.id}: the wrong answer's feedback should open with 'Not quite.'")
    assert not wrong, "\n".join(wrong)


# -- safety on every path ----------------------------------------------------------------------------------------

# case -> (what every path must meet, in stage text, feedback or ending; what the strongest path must do)
SAFETY = {
    ("practice", "missed-visits"): ([r"[Rr]ecord", r"supervis"], [r"[Rr]ecord", r"supervis"]),
    ("practice", "preterm-baby"): ([r"sleeping and feeling|low mood", r"health visitor"], [r"sleeping and feeling"]),
    ("practice", "mother-depression"): (
        [r"thoughts of harming", r"safeguarding"],
        [r"thoughts of harm", r"supervisor"],
    ),
    ("meta-analyses", "kerry-and-dan"): (
        [r"how she is (feeling|sleeping)|low mood", r"health visitor"],
        [r"how she is feeling", r"health visitor"],
    ),
}
NO_ALL_CLEAR = re.compile(r"no safety (worry|concern)|nothing .{0,40}suggests a safety|not a safety", re.IGNORECASE)


def paths(q: model.Vignette):
    """Every path through a case: lists of (stage, decision), from the start to an ending."""
    stages = {s.id: s for s in q.stages}

    def walk(stage, so_far):
        for o in stage.options:
            step = so_far + [(stage, o)]
            if o.next:
                yield from walk(stages[o.next], step)
            else:
                yield step

    return list(walk(stages[q.start], []))


def _path_text(path):
    """What a learner reads along a path: each stage, the decision taken and its feedback, and the ending."""
    return " ".join([f"{s.text} {o.text} {o.feedback}" for s, o in path] + [path[-1][0].ending])


@pytest.mark.parametrize("case", SAFETY, ids=lambda c: c[1])
def test_every_path_meets_the_safety_lesson_its_case_carries(course, case):
    q = course.quiz(case[0]).question(case[1])
    every, strongest = SAFETY[case]
    for path in paths(q):
        text = _path_text(path)
        route = " > ".join(o.id for _, o in path)
        for pattern in every:
            assert re.search(pattern, text), f"{q.id}: the path {route} never meets /{pattern}/"
    best = [p for p in paths(q) if all(o.credit == 1 for _, o in p)]
    assert best
    for path in best:
        decisions = " ".join(o.text for _, o in path)
        for pattern in strongest:
            assert re.search(pattern, decisions), f"{q.id}: the strongest path does not itself do /{pattern}/"


def test_no_feedback_rules_out_a_safety_concern(course):
    found = [
        f"{quiz.id}/{q.id}/{s.id}/{o.id}"
        for quiz, q in _vignettes(course)
        for s in q.stages
        for o in s.options
        if NO_ALL_CLEAR.search(o.feedback + " " + s.ending)
    ]
    assert not found


def test_every_case_can_be_walked_to_an_end(course):
    for _, q in _vignettes(course):
        assert all(path[-1][0].ending for path in paths(q)), f"{q.id}: a path ends at a stage with no ending"


# -- no duplicates ---------------------------------------------------------------------------------------------

STOP = {
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "by",
    "can",
    "do",
    "does",
    "for",
    "from",
    "has",
    "have",
    "in",
    "into",
    "is",
    "it",
    "its",
    "of",
    "on",
    "or",
    "that",
    "the",
    "their",
    "them",
    "these",
    "they",
    "this",
    "to",
    "was",
    "were",
    "what",
    "when",
    "which",
    "who",
    "why",
    "will",
    "with",
    "you",
    "your",
}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 2}


def claims(q: model.Question) -> list[str]:
    """What a question holds to be true, one statement each: keys, true statements, matched pairs."""
    if isinstance(q, (model.SingleChoice, model.MultipleResponse)):
        return [o.text for o in q.options if o.correct]
    if isinstance(q, model.TrueFalse):
        return [q.prompt] if q.answer else []
    if isinstance(q, model.Matching):
        return [f"{p.left} {p.right}" for p in q.pairs]
    return []


def near_duplicates(questions: list[tuple[str, model.Question]]) -> list[str]:
    """Pairs of questions that ask the same thing: near-identical prompts, the same set of keys, or a
    true/false statement that restates another question's key or matched pair."""
    found = []
    for (a_where, a), (b_where, b) in combinations(questions, 2):
        if isinstance(a, model.Vignette) or isinstance(b, model.Vignette):
            continue
        prompt = difflib.SequenceMatcher(None, a.prompt.lower(), b.prompt.lower()).ratio()
        keys_a, keys_b = {k.lower() for k in claims(a)}, {k.lower() for k in claims(b)}
        same_keys = len(keys_a) >= 2 and len(keys_a & keys_b) / len(keys_a | keys_b) >= 0.75
        restated = False
        for tf, other in ((a, b), (b, a)):
            if isinstance(tf, model.TrueFalse) and tf.answer:
                said = _words(tf.prompt)
                restated |= any(
                    len(_words(c)) >= 4 and len(_words(c) & said) / len(_words(c)) >= 0.9 for c in claims(other)
                )
        if prompt >= 0.8 or same_keys or restated:
            found.append(f"{a_where} ~ {b_where}")
    return found


def test_no_two_questions_ask_the_same_thing(course):
    questions = [(f"{quiz.id}/{q.id}", q) for quiz in course.quizzes.values() for q in quiz.questions]
    assert not near_duplicates(questions)


def test_the_duplicate_check_finds_the_duplicates_the_review_found():
    yes = lambda text: model.Option(id="x" + str(abs(hash(text)) % 997), text=text, feedback="Yes.", correct=True)
    no = lambda text: model.Option(id="n" + str(abs(hash(text)) % 997), text=text, feedback="No.")
    improves = [
        yes("Infant symptoms"),
        yes("Mother–infant interaction"),
        yes("Maternal sensitivity"),
        yes("Maternal representations"),
        no("Attachment security"),
    ]
    a = model.MultipleResponse(
        id="vig-can-improve",
        objective="o",
        options=tuple(improves),
        prompt="According to the summary, Video Interaction Guidance (VIG) can be effective in improving which of these?",
    )
    b = model.MultipleResponse(
        id="what-vig-improves",
        objective="o",
        options=tuple(improves + [no("Parenting stress")]),
        prompt="The summary says VIG can be effective in improving which of these?",
    )
    places = model.Matching(
        id="places",
        objective="o",
        prompt="Match each programme with where the summary places it.",
        pairs=(
            model.Pair(id="p1", left="VIPP", right="University of Leiden, the Netherlands", feedback="f"),
            model.Pair(id="p2", left="VEROC", right="University of Dundee", feedback="f"),
        ),
    )
    tf = model.TrueFalse(
        id="vipp-leiden-tf",
        objective="o",
        answer=True,
        prompt="The summary links VIPP with the University of Leiden in the Netherlands.",
        feedback=model.TrueFalseFeedback(if_true="Right.", if_false="Not quite."),
    )
    assert near_duplicates([("03/a", a), ("05/b", b)]) == ["03/a ~ 05/b"]
    assert near_duplicates([("08/places", places), ("08/tf", tf)]) == ["08/places ~ 08/tf"]


# -- names: one family, one case ---------------------------------------------------------------------------------

NAMES = {  # every case in the course and the people in it; a name belongs to one case only
    ("welcome", "studying-on-the-bus"): ["Rosa"],
    ("sensitivity", "talking-with-luke"): ["Hana", "Luke", "Zain"],
    ("meta-analyses", "kerry-and-dan"): ["Kerry", "Dan", "Isla"],
    ("implementation", "case-shannon"): ["Shannon", "Theo"],
    ("practice", "missed-visits"): ["Kayleigh", "Poppy"],
    ("practice", "father-joins"): ["Jess", "Daniel", "Ruby"],
    ("practice", "preterm-baby"): ["Farah", "Yusuf"],
    ("practice", "dropped-out"): ["Joanna", "Alfie"],
    ("practice", "mother-depression"): ["Leanne", "Jack"],
    ("practice", "choosing-a-service"): [],
    ("practice", "fear-of-filming"): ["Chloe", "Ava"],
    ("practice", "trauma-psychotherapy"): ["Priya", "Dev"],
    ("practice", "toddler-behaviour"): ["Grace", "Femi", "Kofi"],
}
# Names the course once used for other families: they must not come back for a new one.
RETIRED = ["Mia", "Leo", "Amira", "Tom", "Sam", "Kayla"]


def _question_text(q: model.Question) -> str:
    return " ".join(str(v) for v in _strings(model.as_json(q)))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_every_case_lists_its_people(course):
    cases = {(quiz.id, q.id) for quiz, q in _vignettes(course)}
    assert cases == set(NAMES), "add each new case, and the names in it, to NAMES"
    listed = [n for names in NAMES.values() for n in names]
    assert len(listed) == len(set(listed)), "a name is listed for two cases"


def test_each_family_s_names_belong_to_one_case(course):
    texts = {(quiz.id, q.id): _question_text(q) for quiz in course.quizzes.values() for q in quiz.questions}
    chapters = {p.stem: p.read_text(encoding="utf-8") for p in CHAPTERS.glob("*.md")}
    misplaced = []
    for case, names in NAMES.items():
        for name in names:
            pattern = re.compile(rf"\b{name}\b")
            assert pattern.search(texts[case]), f"{name} is listed for {case} but not used there"
            misplaced += [
                f"{name} ({case[1]}) also in {where}"
                for where, text in texts.items()
                if where != case and pattern.search(text)
            ]
            misplaced += [
                f"{name} ({case[1]}) also in chapters/{stem}.md"
                for stem, text in chapters.items()
                if pattern.search(text)
            ]
    for name in RETIRED:
        misplaced += [f"{name} in {where}" for where, text in texts.items() if re.search(rf"\b{name}\b", text)]
    assert not misplaced, "\n".join(misplaced)


# -- questions that can be drawn into the final ------------------------------------------------------------------

OUT_OF_CONTEXT = re.compile(
    r"\bthis chapter\b|\bthe (previous|last|next) question\b|\b(see|as) (above|below)\b"
    r"|\bthe (question|table|figure|note|box) (above|below)\b|\b(in )?trial [1-4]\b",
    re.IGNORECASE,
)


def test_drawn_questions_make_sense_on_their_own(course):
    final = course.quiz("final")
    found = []
    for d in final.draw:
        for q in course.quiz(d.quiz).questions:
            if d.kinds and q.kind not in d.kinds:
                continue
            for text in _strings(model.as_json(q)):
                if OUT_OF_CONTEXT.search(text):
                    found.append(f"{d.quiz}/{q.id}: {OUT_OF_CONTEXT.search(text).group(0)!r} in {text[:70]!r}")
    assert not found, "\n".join(found)


# -- on a phone ------------------------------------------------------------------------------------------------

MAX_OPTION = 160  # characters: about three lines on a phone


def test_options_are_short_enough_for_a_phone(course):
    long = [f"{where} ({len(text)})" for where, text in _option_texts(course) if len(text) > MAX_OPTION]
    assert not long, "\n".join(long)


def _option_texts(course):
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            for o in getattr(q, "options", ()):
                yield f"{quiz.id}/{q.id}/{o.id}", o.text
            for s in getattr(q, "stages", ()):
                for o in s.options:
                    yield f"{quiz.id}/{q.id}/{s.id}/{o.id}", o.text


# -- wordings the review found wrong ---------------------------------------------------------------------------

RETIRED_WORDING = [
    r"[Gg]ains (may|will|had|have) (fade|faded|gone)",  # Watch, Wait and Wonder: the other group caught up
    r"word for word",  # the two "results" passages are not identical
    r"described twice",  # ... and they are two different studies
    r"equally well",  # the summary says "did not differ" / "no major difference"
    r"no evidence either way",
    r"(trials|RCTs|RCTs\)) of video-based",  # the trials behind VIG are not all video trials
    r"in several places",  # Barnes (2003) is cited twice
    r"we know less about",  # the 6-month finding means earlier starts had smaller effects
    r"between young children and infants",  # Doughty's title ends "... and their parents"
]


@pytest.mark.parametrize("pattern", RETIRED_WORDING)
def test_wording_the_review_found_wrong_does_not_come_back(pattern):
    for path in [*CHAPTERS.glob("*.md"), *(ROOT / "quizzes").glob("*.yaml")]:
        text = path.read_text(encoding="utf-8")
        if pattern == r"between young children and infants" and path.name == "references.md":
            text = text.replace(
                '"… between young children and\n  infants"', ""
            )  # the page quotes the slip to correct it
        assert not re.search(pattern, text), f"{path.name} has /{pattern}/"
