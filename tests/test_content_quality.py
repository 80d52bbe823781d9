"""Content an infant-mental-health trainer would sign: what the review of issue 9 checked by hand, held here.

- credit matches feedback: a vignette decision's feedback opens with the verdict its credit earns, and a
  decision that earns credit is never called wrong; right and wrong options and answers are told so;
- every path through a case meets the safety lesson that case carries, and the strongest path acts on it;
  a case that ends early because a family steps back says to record it, take it to supervision and tell the
  referrer or health visitor; where a parent's mood is low, the strongest choice asks about thoughts of harm and
  advice that ignores the mood earns nothing; a choice called unsafe or too slow earns nothing; no path reaches
  "now getting help" without acting the same day;
- the summary's hedges ("may be short-lived", "seems likely that not all families can respond") are kept;
- each technical term links to the glossary where a chapter first uses it;
- the final assessment does not draw questions that only recall a number or a programme's name and place;
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

RECORD = r"[Rr]ecord"
SUPERVISE = r"supervis"
# Telling the person who referred the family, or their health visitor: an action, not a mere mention of the role.
TELL_REFERRER = (
    r"(let|tell|inform)\w*( the| her| their)? (midwife|health visitor|referrer|person who referred)"
    r"|(midwife|health visitor|referrer)\w* (informed|know)"
)

# case -> (what every path must meet, in stage text, feedback or ending; what the strongest path must do)
SAFETY = {
    ("practice", "missed-visits"): (
        [RECORD, SUPERVISE, r"sleeping and feeling", r"health visitor"],
        [RECORD, SUPERVISE, r"sleeping and feeling"],
    ),
    ("practice", "preterm-baby"): ([r"sleeping and feeling|low mood", r"health visitor"], [r"sleeping and feeling"]),
    ("practice", "mother-depression"): (
        [r"thoughts of harming", r"safeguarding"],
        [r"thoughts of harm", r"supervisor"],
    ),
    ("practice", "dropped-out"): ([RECORD, SUPERVISE], [RECORD, SUPERVISE]),
    ("practice", "trauma-psychotherapy"): ([SUPERVISE], [r"supervisor"]),
    ("practice", "toddler-behaviour"): ([r"how they are coping", SUPERVISE], [r"how they are coping"]),
    ("meta-analyses", "kerry-and-dan"): (
        [r"how she is (feeling|sleeping)|low mood", r"health visitor"],
        [r"how she is feeling", r"thoughts of harm", r"health visitor"],
    ),
    ("implementation", "case-shannon"): ([RECORD, SUPERVISE, TELL_REFERRER], [RECORD, SUPERVISE]),
}
# Cases where a family may step back: an ending reached early (a stage that also leads on) must say to record
# what happened, take it to supervision and tell the person who referred the family or their health visitor.
STEPPING_BACK = [
    ("practice", "missed-visits"),
    ("practice", "dropped-out"),
    ("practice", "trauma-psychotherapy"),
    ("implementation", "case-shannon"),
]
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
    last_stage, last_decision = path[-1]
    return " ".join([f"{s.text} {o.text} {o.feedback}" for s, o in path] + [last_stage.ending_after(last_decision)])


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


@pytest.mark.parametrize("case", STEPPING_BACK, ids=lambda c: c[1])
def test_an_early_ending_records_supervises_and_tells_the_referrer(course, case):
    q = course.quiz(case[0]).question(case[1])
    # Every ending a learner can read at a stage that also leads on: the stage's, or a decision's own.
    early = [(s, o) for s in q.stages if any(o.next for o in s.options) for o in s.options if not o.next]
    assert early, f"{q.id} has no early ending"
    for s, o in early:
        for pattern in (RECORD, SUPERVISE, TELL_REFERRER):
            assert re.search(pattern, s.ending_after(o)), (
                f"{q.id}/{s.id}/{o.id}: the early ending does not say /{pattern}/"
            )


@pytest.mark.parametrize(
    "text,tells",
    [
        ("let her health visitor know", True),
        ("keep the midwife informed", True),
        ("let the health visitor who referred them know", True),
        ("Her health visitor suggests a short programme.", False),
        ("A midwife refers Shannon.", False),
    ],
)
def test_telling_the_referrer_means_an_action(text, tells):
    assert bool(re.search(TELL_REFERRER, text)) is tells


# A stage where the parent's mood is low: what the ch09 habits say to do (ask about thoughts of harm, tell someone)
LOW_MOOD = re.compile(r"failing|crying a lot|seems lower|close to tears|can't feel anything", re.IGNORECASE)
ADDRESSES_MOOD = re.compile(r"feeling|thoughts of harm|\bGP\b|health visitor|supervisor", re.IGNORECASE)


def test_where_a_parent_s_mood_is_low_the_choices_that_earn_credit_respond_to_it(course):
    low = [(quiz, q, s) for quiz, q in _vignettes(course) for s in q.stages if LOW_MOOD.search(s.text)]
    assert len(low) >= 4, [f"{q.id}/{s.id}" for _, q, s in low]
    wrong = []
    for quiz, q, s in low:
        for o in s.options:
            where = f"{quiz.id}/{q.id}/{s.id}/{o.id}"
            if o.credit == 1 and not re.search(r"thoughts of harm", o.text):
                wrong.append(f"{where}: the strongest choice does not ask about thoughts of harm")
            if o.credit > 0 and not ADDRESSES_MOOD.search(o.text):
                wrong.append(f"{where}: earns {o.credit:g} but does not respond to the parent's mood")
    assert not wrong, "\n".join(wrong)


UNSAFE = re.compile(r"too slow|not safe|\bunsafe", re.IGNORECASE)


def test_a_choice_called_unsafe_or_too_slow_earns_nothing(course):
    generous = [
        f"{quiz.id}/{q.id}/{s.id}/{o.id} (credit {o.credit:g})"
        for quiz, q in _vignettes(course)
        for s in q.stages
        for o in s.options
        if o.credit > 0 and UNSAFE.search(o.feedback)
    ]
    assert not generous, "\n".join(generous)


CLOSES_OUTRIGHT = re.compile(r"clos(e|ing) (the|her|their) (case|referral)", re.IGNORECASE)


def test_closing_a_case_outright_earns_nothing(course):
    """Farah's and Shannon's cases once scored the same step differently; closing with nothing planned earns 0."""
    closing = [
        (f"{quiz.id}/{q.id}/{s.id}/{o.id}", o.credit)
        for quiz, q in _vignettes(course)
        for s in q.stages
        for o in s.options
        if CLOSES_OUTRIGHT.search(o.text)
    ]
    assert len(closing) >= 3 and all(credit == 0 for _, credit in closing), closing


# Choices the review found near-identical: they earn the same credit wherever they appear.
SAME_CREDIT = [
    (("sensitivity", "talking-with-luke", "watch-hana"), ("practice", "father-joins", "jess-shows")),
    (("practice", "preterm-baby", "reassure"), ("meta-analyses", "kerry-and-dan", "all-parents")),
]


def _decision(course, quiz_id, case_id, option_id):
    q = course.quiz(quiz_id).question(case_id)
    return next(o for s in q.stages for o in s.options if o.id == option_id)


@pytest.mark.parametrize("pair", SAME_CREDIT, ids=lambda p: f"{p[0][2]}~{p[1][2]}")
def test_near_identical_choices_earn_the_same_credit(course, pair):
    a, b = (_decision(course, *where) for where in pair)
    assert a.credit == b.credit, f"{pair[0]} earns {a.credit:g}, {pair[1]} earns {b.credit:g}"


GETTING_HELP = re.compile(r"now getting help", re.IGNORECASE)


def test_no_path_reaches_getting_help_without_acting_the_same_day(course):
    reached = 0
    for _, q in _vignettes(course):
        for path in paths(q):
            for i, (stage, _) in enumerate(path):
                if GETTING_HELP.search(stage.text):
                    reached += 1
                    before = " ".join(o.text for _, o in path[:i])
                    route = " > ".join(o.id for _, o in path[: i + 1])
                    assert re.search(r"\btoday\b", before) and re.search(r"\bGP\b", before), (
                        f"{q.id}: {route} reaches '{stage.text[:40]}' without linking her with her GP today"
                    )
    assert reached


def test_no_feedback_rules_out_a_safety_concern(course):
    found = [
        f"{quiz.id}/{q.id}/{s.id}/{o.id}"
        for quiz, q in _vignettes(course)
        for s in q.stages
        for o in s.options
        if NO_ALL_CLEAR.search(f"{o.feedback} {s.ending} {o.ending}")
    ]
    assert not found


def test_every_case_can_be_walked_to_an_end(course):
    for _, q in _vignettes(course):
        ended = all(stage.ending_after(decision) for stage, decision in (path[-1] for path in paths(q)))
        assert ended, f"{q.id}: a path ends with no ending"


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


# Questions that only recall a figure or a name: fine in a chapter quiz, not what a final assessment should rest on.
RECALL_ONLY = {("programmes", "acronyms"), ("programmes", "places")}


def test_the_final_draws_no_question_that_only_recalls_a_number_or_a_name(course):
    final = course.quiz("final")
    drawable = [
        (d.quiz, q) for d in final.draw for q in course.quiz(d.quiz).questions if not d.kinds or q.kind in d.kinds
    ]
    recall = [f"{bank}/{q.id}" for bank, q in drawable if isinstance(q, model.Numeric) or (bank, q.id) in RECALL_ONLY]
    assert not recall, f"the final can draw recall-only questions: {recall}"
    for bank, qid in RECALL_ONLY:
        course.quiz(bank).question(qid)  # the list names real questions


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


# -- the summary's hedges ----------------------------------------------------------------------------------------

# name -> (a claim, the hedge the summary gives it): wherever the course states the claim, the sentence keeps the
# hedge. The summary: "it also seems likely that not all families can respond to such approaches"; "The impact of
# brief interventions with high-risk families may be short-lived unless families are offered additional, ongoing
# support" (not "This is likely unless ...", which once dropped the "may").
HEDGES = {
    "not-all-families": (r"not all families", r"seems? likely|are likely|\bmay\b"),
    "short-lived": (r"short-lived", r"may be short-lived"),
    "brief-help-may-not-last": (r"\b(brief|short)\b[^.]*\b(not last|fade)", r"\bmay\b"),
    "unless-ongoing-support": (r"\bunless\b[^.]*\b(support|ongoing)", r"may be short-lived|may not last|may fade"),
}


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text))


def _course_texts(course):
    for path in sorted(CHAPTERS.glob("*.md")):
        text = re.sub(
            r"^```\{code-cell\}.*?^```\s*$", "", path.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE
        )
        yield f"chapters/{path.name}", text
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            for text in _strings(model.as_json(q)):
                if " " in text:  # prose, not an id
                    yield f"{quiz.id}/{q.id}", text


@pytest.mark.parametrize("name", HEDGES)
def test_the_summary_s_hedges_are_kept(course, name):
    claim, hedge = HEDGES[name]
    stated, unhedged = 0, []
    for where, text in _course_texts(course):
        for sentence in _sentences(text):
            if re.search(claim, sentence, re.IGNORECASE):
                stated += 1
                if not re.search(hedge, sentence, re.IGNORECASE):
                    unhedged.append(f"{where}: {sentence}")
    assert stated >= 3, f"/{claim}/ is stated only {stated} times: is the pattern still right?"
    assert not unhedged, "\n".join(unhedged)


# -- glossary links at first use -----------------------------------------------------------------------------------

# Everyday words the glossary explains but a chapter need not link before using.
EVERYDAY = {"Attachment", "Intervention", "Learning objective", "Pass mark", "Sample", "Vignette"}
ALSO_LINKED_AS = {"RCT": "Randomised controlled trial"}  # a link to the long form counts for the short one
TERM_LINK = re.compile(r"\{term\}`([^`<]*?)(?:\s*<([^>]+)>)?`")


def glossary_terms() -> list[str]:
    block = (CHAPTERS / "glossary.md").read_text(encoding="utf-8").split("```{glossary}")[1].split("```")[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith((" ", ":"))]


def _reading_text(markdown: str) -> str:
    """A chapter's running text: no front matter, fenced blocks (code, figures), headings or directive lines."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.DOTALL)
    text = re.sub(r"^```.*?^```\s*$", "", text, flags=re.DOTALL | re.MULTILINE)
    return re.sub(r"^(#.*|:::\{admonition\}.*|:class:.*)$", "", text, flags=re.MULTILINE)


def _mentions(term: str) -> re.Pattern[str]:
    forms = {term.lower(), term.lower().replace("–", "-")}
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(f) + "s?" for f in forms) + r")(?![\w-])", re.IGNORECASE)


def unlinked_first_uses(markdown: str, terms: list[str]) -> list[str]:
    """Terms whose first mention comes before any link to them (a mention inside a longer term does not count)."""
    text = _reading_text(markdown)
    links = [(m.start(), m.end(), (m.group(2) or m.group(1)).strip().lower()) for m in TERM_LINK.finditer(text)]
    found = []
    for term in terms:
        if term in EVERYDAY:
            continue
        masked = text
        for longer in terms:
            if longer != term and term.lower() in longer.lower():
                masked = _mentions(longer).sub(lambda m: " " * len(m.group(0)), masked)
        targets = {term.lower(), ALSO_LINKED_AS.get(term, term).lower()}
        first_link = min((s for s, _, target in links if target in targets), default=None)
        first_mention = next(
            (m.start() for m in _mentions(term).finditer(masked) if not any(s <= m.start() < e for s, e, _ in links)),
            None,
        )
        if first_mention is not None and (first_link is None or first_link > first_mention):
            line = text[:first_mention].count("\n") + 1
            found.append(f"{term!r} (first used near line {line} of the running text, before any link)")
    return found


@pytest.mark.parametrize("stem", [p.stem for p in sorted(CHAPTERS.glob("0[2-9]-*.md"))])
def test_each_term_links_to_the_glossary_where_a_chapter_first_uses_it(stem):
    found = unlinked_first_uses((CHAPTERS / f"{stem}.md").read_text(encoding="utf-8"), glossary_terms())
    assert not found, f"chapters/{stem}.md:\n" + "\n".join(found)


def test_the_first_use_check_itself():
    terms = ["Video Interaction Guidance", "Interaction guidance", "VIPP", "Disorganised attachment"]
    assert unlinked_first_uses("It looks at disorganised attachment. {term}`Disorganised attachment` is", terms)
    assert not unlinked_first_uses("It looks at {term}`disorganised attachment <Disorganised attachment>`.", terms)
    assert not unlinked_first_uses("{term}`Video Interaction Guidance` (VIG) is one kind of video help.", terms)
    assert unlinked_first_uses("## VIPP\n\nThe list names VIPP. Later: {term}`VIPP`.", terms)
    assert not unlinked_first_uses("## VIPP\n\nThe list names {term}`VIPP`.", terms)


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
    r"neither (group |therapy |one )?(was|is) ahead",  # Cohen (2002): an advantage stayed with Watch, Wait and Wonder
    r"gains were kept when checked",  # a fact from the 2002 paper, once given as the summary's
    r"why the review is called|behind the review's title|title sums (this|it) up",  # the summary never links them
    r"very young mothers or mothers with many problems",  # the summary gives no examples of high-risk mothers
    r"encouraging for Farah",  # the 2005 finding is about disorganised attachment, from later-starting programmes
    r"evidence (here |on this )?is mixed",  # the course's own verdict: say the summary does not say how they fit
    r"not (of )?VIG itself",  # the summary lists VIPP under its VIG heading: say "not described as a trial of VIG"
    r"children like Kofi",  # implies a diagnosis no one has made
    r"filmed for video feedback",  # the case is about Video Interaction Guidance
]


@pytest.mark.parametrize("pattern", RETIRED_WORDING)
def test_wording_the_review_found_wrong_does_not_come_back(pattern):
    for path in [*CHAPTERS.glob("*.md"), *(ROOT / "quizzes").glob("*.yaml")]:
        text = path.read_text(encoding="utf-8")
        if pattern == r"between young children and infants" and path.name == "references.md":
            text = text.replace(
                '"… between young children and\n  infants"', ""
            )  # the page quotes the slip to correct it
        assert not re.search(pattern, re.sub(r"\s+", " ", text)), f"{path.name} has /{pattern}/"
