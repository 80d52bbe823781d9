"""The course content against the evidence summary and the course's own rules.

- every study, number and principle of the summary appears in the chapter that teaches it;
- a quiz never tests a number its chapter does not teach;
- each teaching chapter's quiz covers every objective twice, with several kinds, and cites its studies;
- the practice chapter has branching case vignettes; the final assessment draws from every chapter;
- chapters open with objectives and a study time, close with key points, and read at grade 9 or lower;
- the summary's inconsistencies are pointed out where they occur, and its typos are not repeated.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizlib.quiz import model
from quizlib.quiz.readability import TARGET_GRADE, body_text, measure

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

TEACHING = {  # chapter file stem -> quiz id
    "02-sensitivity": "sensitivity",
    "03-interventions": "interventions",
    "04-meta-analyses": "meta-analyses",
    "05-video-interaction-guidance": "vig",
    "06-parent-infant-psychotherapy": "psychotherapy",
    "07-implementation": "implementation",
    "08-programmes": "programmes",
}
QUIZZED = {"01-welcome": "welcome", **TEACHING, "09-practice": "practice", "10-final-assessment": "final"}


def chapter(stem: str) -> str:
    return (CHAPTERS / f"{stem}.md").read_text(encoding="utf-8")


def prose(stem: str) -> str:
    """The chapter as a learner reads it: markdown without code cells (a plot's labels are not teaching), and a
    glossary link read as its text ({term}`preterm <Preterm>` reads "preterm")."""
    text = re.sub(r"^```\{code-cell\}.*?^```\s*$", "", chapter(stem), flags=re.DOTALL | re.MULTILINE)
    text = re.sub(r"\{term\}`([^`<]*?)(?:\s*<[^>]+>)?`", r"\1", text)
    return re.sub(r"\s+", " ", text)


# -- numbers ----------------------------------------------------------------------------------------------

WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}


def numbers(text: str) -> set[str]:
    """Numbers in ``text``, normalised: "7,636" -> "7636", "six" -> "6", "0.190" -> "0.19"."""
    found = set()
    for m in re.finditer(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w])", text):
        n = m.group(1).replace(",", "")
        found.add(n.rstrip("0").rstrip(".") if "." in n else n)
    for m in re.finditer(r"\b(" + "|".join(WORDS) + r")\b", text, flags=re.IGNORECASE):
        found.add(WORDS[m.group(1).lower()])
    return found


def taught_texts(q: model.Question) -> list[str]:
    """What a question states as true: its correct answers and every piece of feedback."""
    out: list[str] = []
    if isinstance(q, (model.SingleChoice, model.MultipleResponse)):
        out += [o.text for o in q.options if o.correct] + [o.feedback for o in q.options]
    elif isinstance(q, model.TrueFalse):
        out += [q.feedback.if_true, q.feedback.if_false] + ([q.prompt] if q.answer else [])
    elif isinstance(q, model.Numeric):
        out += [f"{q.answer:g}", q.feedback.correct, q.feedback.incorrect] + [w.feedback for w in q.wrong_answers]
    elif isinstance(q, model.Ordering):
        out += [i.feedback for i in q.items]
    elif isinstance(q, model.Matching):
        out += [f"{p.left} {p.right} {p.feedback}" for p in q.pairs] + [d.feedback for d in q.distractors]
    elif isinstance(q, model.Vignette):
        out += [o.feedback for s in q.stages for o in s.options] + [s.ending for s in q.stages]
    return out


@pytest.mark.parametrize("stem", [s for s, quiz in QUIZZED.items() if quiz != "final"])
def test_quiz_never_tests_a_number_its_chapter_does_not_teach(course, stem):
    quiz = course.quiz(QUIZZED[stem])
    taught = numbers(prose(stem))
    missing = {}
    for q in quiz.questions:
        for text in taught_texts(q):
            absent = numbers(text) - taught
            if absent:
                missing.setdefault(q.id, set()).update(absent)
    assert not missing, f"numbers stated by the quiz but not in chapters/{stem}.md: {missing}"


# -- quizzes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", TEACHING)
def test_teaching_quiz_covers_every_objective_with_several_kinds(course, stem):
    quiz = course.quiz(TEACHING[stem])
    assert quiz.chapter == f"chapters/{stem}"
    assert len(quiz.questions) >= 8
    assert len({q.kind for q in quiz.questions}) >= 3
    per_objective = {o.id: sum(q.objective == o.id for q in quiz.questions) for o in quiz.objectives}
    assert per_objective and min(per_objective.values()) >= 2, per_objective


@pytest.mark.parametrize("stem", [*TEACHING, "09-practice"])
def test_every_piece_of_feedback_cites_its_source(course, stem):
    quiz = course.quiz(QUIZZED[stem])
    uncited = []
    for q in quiz.questions:
        if isinstance(q, (model.SingleChoice, model.MultipleResponse)):
            uncited += [f"{q.id}/{o.id}" for o in q.options if not (o.cite or q.cite)]
        elif isinstance(q, model.Vignette):
            uncited += [f"{q.id}/{s.id}/{o.id}" for s in q.stages for o in s.options if not (o.cite or q.cite)]
        elif not q.cite:
            uncited.append(q.id)
    assert not uncited


def test_every_kind_is_used_and_every_study_is_quizzed(course):
    kinds = {q.kind for quiz in course.quizzes.values() for q in quiz.questions}
    assert kinds == set(model.KINDS)
    cited = set()
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            cited.update(q.cite)
            for part in getattr(q, "options", ()) + tuple(o for s in getattr(q, "stages", ()) for o in s.options):
                cited.update(part.cite)
    assert set(course.bibliography.references) <= cited


def test_practice_has_eight_branching_vignettes(course):
    practice = course.quiz("practice")
    vignettes = [q for q in practice.questions if isinstance(q, model.Vignette)]
    assert len(vignettes) >= 8
    for v in vignettes:
        branching = any(len({o.next for o in s.options}) > 1 for s in v.stages)
        assert branching, f"{v.id} does not branch"
        assert len(v.stages) >= 3 and v.title
    scenarios = " ".join(f"{v.title} {v.prompt}" for v in vignettes).lower()
    for situation in (
        "4-month-old|4 months",
        "father",
        "preterm",
        "two sessions|dropped out|stopped",
        "depress",
        "trainer|high-risk area",
        "film",
    ):
        assert re.search(situation, scenarios), f"no vignette about: {situation}"


def test_final_assessment_draws_from_every_teaching_chapter(course):
    final = course.quiz("final")
    assert final.settings.pass_mark > 0 and final.settings.tries == 1
    assert {d.quiz for d in final.draw} >= set(TEACHING.values())


def test_a_teaching_chapter_has_a_branching_vignette(course):
    vignettes = [q for stem in TEACHING for q in course.quiz(TEACHING[stem]).questions if isinstance(q, model.Vignette)]
    assert any(len({o.next for o in s.options}) > 1 for v in vignettes for s in v.stages)
    assert vignettes


# -- chapter structure and language ------------------------------------------------------------------------


@pytest.mark.parametrize("stem", QUIZZED)
def test_chapter_opens_with_objectives_and_time_and_closes_with_key_points(stem):
    text = chapter(stem)
    quiz_id = QUIZZED[stem]
    assert re.search(rf'quizlib\.objectives\("{quiz_id}"\)', text)
    assert re.search(r"^Estimated study time: (about )?\d+ minutes\.", text, flags=re.MULTILINE)
    assert re.search(rf'quizlib\.show\("{quiz_id}"\)', text)
    if stem in TEACHING or stem == "09-practice":
        assert "\n## Key points" in text
        assert text.index("\n## Key points") < text.index(f'quizlib.show("{quiz_id}")')


@pytest.mark.parametrize("path", sorted(CHAPTERS.glob("*.md")), ids=lambda p: p.stem)
def test_reading_level(path):
    reading = measure(path)
    assert reading.grade <= TARGET_GRADE, f"{path.stem}: Flesch-Kincaid grade {reading.grade}"


def test_body_text_leaves_out_markup():
    text = body_text(
        "---\nx: 1\n---\n# Title\n\nA {term}`big word <Big word>` here.\n\n```{code-cell} ipython3\nprint(1)\n```\n- one\n- two\n"
    )
    assert text == "A big word here. one. two."


# -- accuracy against the summary ----------------------------------------------------------------------------

# (chapter, pattern) pairs: each fact of the summary, in the chapter that teaches it.
FACTS = [
    ("02-sensitivity", r"sensitivity and attunement"),
    ("02-sensitivity", r"social and emotional brain"),
    ("02-sensitivity", r"separat\w+ from the parent"),
    ("02-sensitivity", r"Strange Situation"),
    ("02-sensitivity", r"peer relationships"),
    ("02-sensitivity", r"mental health"),
    ("03-interventions", r"parent.infant psychotherap"),
    ("03-interventions", r"video feedback"),
    ("03-interventions", r"one.to.one"),
    ("03-interventions", r"home or (in a |the )?clinic|home or clinic"),
    ("03-interventions", r"Doughty"),
    ("03-interventions", r"Barnes"),
    ("03-interventions", r"0.4 years|0 to 4|aged 0.4"),
    ("03-interventions", r"infant massage"),
    ("03-interventions", r"NBAS"),
    ("04-meta-analyses", r"\b81\b"),
    ("04-meta-analyses", r"7,636"),
    ("04-meta-analyses", r"\b88\b"),
    ("04-meta-analyses", r"five or fewer"),
    ("04-meta-analyses", r"fathers"),
    ("04-meta-analyses", r"\b29\b"),
    ("04-meta-analyses", r"0\.19"),
    ("04-meta-analyses", r"\b23\b"),
    ("04-meta-analyses", r"after (the age of )?6 months"),
    ("04-meta-analyses", r"\b15\b"),
    ("04-meta-analyses", r"multiple problems"),
    ("04-meta-analyses", r"sleeper"),
    ("04-meta-analyses", r"disorganised attachment"),
    ("04-meta-analyses", r"harmful"),
    ("04-meta-analyses", r"0\.24"),
    ("04-meta-analyses", r"irritable or preterm"),
    ("04-meta-analyses", r"[Ll]ow.risk mothers"),
    ("05-video-interaction-guidance", r"hard.to.reach"),
    ("05-video-interaction-guidance", r"\b6\b.{0,20}one.hour|six one.hour"),
    ("05-video-interaction-guidance", r"8 weeks"),
    ("05-video-interaction-guidance", r"10.minute"),
    ("05-video-interaction-guidance", r"2 weeks"),
    ("05-video-interaction-guidance", r"20 hours"),
    ("05-video-interaction-guidance", r"9.(to|–|-).?12 months"),
    ("05-video-interaction-guidance", r"own goals"),
    ("05-video-interaction-guidance", r"better than usual"),
    ("05-video-interaction-guidance", r"VIPP-SD"),
    ("05-video-interaction-guidance", r"externalising"),
    ("05-video-interaction-guidance", r"\b75\b"),
    ("05-video-interaction-guidance", r"10 sessions"),
    ("05-video-interaction-guidance", r"no significant effect|not significant"),
    ("06-parent-infant-psychotherapy", r"Cicchetti"),
    ("06-parent-infant-psychotherapy", r"non.depressed"),
    ("06-parent-infant-psychotherapy", r"Osofsky"),
    ("06-parent-infant-psychotherapy", r"3.year follow.up|follow.up\W{0,3} 3 years"),
    ("06-parent-infant-psychotherapy", r"no control group"),
    ("06-parent-infant-psychotherapy", r"Watch, Wait and Wonder"),
    ("06-parent-infant-psychotherapy", r"\b67\b"),
    ("06-parent-infant-psychotherapy", r"10.(to|–|-).?30 months"),
    ("06-parent-infant-psychotherapy", r"6.month follow.up"),
    ("06-parent-infant-psychotherapy", r"Toth"),
    ("06-parent-infant-psychotherapy", r"\b75\b"),
    ("06-parent-infant-psychotherapy", r"3.(to|–|-).?5 years"),
    ("06-parent-infant-psychotherapy", r"case management"),
    ("07-implementation", r"[Nn]o single approach"),
    ("07-implementation", r"quality of the relationship"),
    ("07-implementation", r"strengths.based"),
    ("07-implementation", r"[Pp]renatal|antenatal|before the birth|in pregnancy"),
    ("07-implementation", r"incentives"),
    ("07-implementation", r"outreach"),
    ("07-implementation", r"paraprofessional"),
    ("07-implementation", r"six sessions or (less|fewer)"),
    ("07-implementation", r"short.lived|may not last"),
    ("07-implementation", r"ecological"),
    ("07-implementation", r"two generations"),
    ("07-implementation", r"[Ww]eekly contact"),
    ("07-implementation", r"high.risk areas"),
    ("07-implementation", r"high.intensity"),
    ("07-implementation", r"young high.risk mothers"),
    ("08-programmes", r"Video Training in Interaction"),
    ("08-programmes", r"Video Home Training"),
    ("08-programmes", r"University of Leiden|Leiden"),
    ("08-programmes", r"VEROC"),
    ("08-programmes", r"Dundee"),
    ("08-programmes", r"VIGuk"),
    ("08-programmes", r"\b60\b"),
    ("08-programmes", r"\b30\b"),
    ("08-programmes", r"Tavistock and Portman"),
    ("08-programmes", r"2001.{0,12}2006.{0,12}2009"),
]


@pytest.mark.parametrize("stem,pattern", FACTS, ids=[f"{s[:2]}-{p[:24]}" for s, p in FACTS])
def test_fact_is_taught_in_its_chapter(stem, pattern):
    assert re.search(pattern, prose(stem)), f"chapters/{stem}.md does not teach /{pattern}/"


# Each inconsistency of the summary, flagged in a "note on the sources" in the chapter where it occurs.
NOTES = [
    ("04-meta-analyses", r"five or fewer.*six|six.*five or fewer"),
    ("04-meta-analyses", r"70 studies.*1,503.*moderate number of sessions"),  # the published abstract's figures
    ("04-meta-analyses", r"disorganised attachment security"),  # a slip corrected, and said so
    ("06-parent-infant-psychotherapy", r"Toth.*title|title.*Toth"),
    ("06-parent-infant-psychotherapy", r"almost the same words|repeat"),
    ("06-parent-infant-psychotherapy", r"Robert-Tissot.*Lieberman"),  # two different published studies
    ("06-parent-infant-psychotherapy", r"1999.*2006|2006.*1999"),
    ("06-parent-infant-psychotherapy", r"fostering secure attachment.*(does not mention|not) interaction"),
    ("06-parent-infant-psychotherapy", r"four trials.*no control group"),
    ("06-parent-infant-psychotherapy", r"Watch Weight and Wonder"),  # a slip corrected, and said so
    ("06-parent-infant-psychotherapy", r"differences between the groups.*Cohen and colleagues \(2002\).*caught up"),
    ("06-parent-infant-psychotherapy", r"from that paper, not from the summary.*advantage stayed"),  # Cohen (2002)
    ("04-meta-analyses", r"multiple problems.*high-risk mothers.*does not say"),  # 2003 "comparable" vs 2005
    ("05-video-interaction-guidance", r"2 hours visits over 2 weeks"),  # 2 hours in all, or visits of 2 hours?
    ("05-video-interaction-guidance", r"Robert-Tissot.*both therapies were brief"),  # "maximum 10 sessions"
    ("05-video-interaction-guidance", r"VIPP under its \"Video Interaction Guidance\" heading"),  # VIG as umbrella
    ("05-video-interaction-guidance", r"almost the same words|repeat"),
    ("05-video-interaction-guidance", r"Robert-Tissot"),
    ("05-video-interaction-guidance", r"no evidence.*attachment|attachment.*no evidence"),
    ("05-video-interaction-guidance", r"none of them is described as a trial of VIG"),
    ("07-implementation", r"five.*six|six.*five"),
    ("07-implementation", r"2005 review gives no number"),
    ("07-implementation", r"no major difference"),
    ("07-implementation", r"Principle 2.*may matter less.*However"),
    ("07-implementation", r"reduce attrition and participation"),
    ("07-implementation", r"targeted and high-risk approaches.*targeting areas"),
    ("08-programmes", r"more than once|twice|three times|repeated|duplicat"),
    ("08-programmes", r"link"),
    ("03-interventions", r"Barnes.*reference|reference.*Barnes"),
    ("03-interventions", r"Barnes \(2003\) twice"),
]


def _notes(stem: str) -> str:
    blocks = re.findall(r":::\{admonition\} A note on the sources\n(.*?)\n:::", chapter(stem), flags=re.DOTALL)
    return re.sub(r"\s+", " ", " ".join(blocks))


@pytest.mark.parametrize("stem,pattern", NOTES, ids=[f"{s[:2]}-{p[:24]}" for s, p in NOTES])
def test_inconsistency_is_noted_where_it_occurs(stem, pattern):
    assert re.search(pattern, _notes(stem), flags=re.IGNORECASE), (
        f"no note on the sources in {stem} matching /{pattern}/"
    )


TYPOS = [
    r"Watch,? Weight",
    r"\bapproached to supporting",
    r"theirown",
    r"families t to",
    r"Ijzendoorn",
    r"two generation\b",
    r"disorganised attachment security",
]
NOTE_BLOCK = re.compile(r":::\{admonition\} A note on the sources\n.*?\n:::", re.DOTALL)


@pytest.mark.parametrize("typo", TYPOS)
def test_the_summary_s_typos_are_not_repeated(typo):
    """A note on the sources may quote the summary's own wording; the teaching and the quizzes may not."""
    for path in [*CHAPTERS.glob("*.md"), *(ROOT / "quizzes").glob("*.yaml")]:
        text = NOTE_BLOCK.sub("", path.read_text(encoding="utf-8"))
        assert not re.search(typo, text), f"{path.name} repeats the summary's typo /{typo}/"


def test_every_chapter_links_the_glossary():
    for stem in TEACHING:
        assert "{term}`" in chapter(stem), f"{stem} links no glossary term"


def test_references_page_lists_every_source(built_book, course):
    import html

    page = html.unescape(
        re.sub(r"<[^>]+>", "", (built_book / "chapters" / "references.html").read_text(encoding="utf-8"))
    )
    page = re.sub(r"\s+", " ", page)
    for key, ref in course.bibliography.references.items():
        assert re.sub(r"\s+", " ", ref.full)[:60] in page, key


def test_what_chapters_say_about_quiz_rules_matches_the_quiz_files(course):
    """Where prose restates a quiz's settings, it must agree with the quiz file (the one source)."""
    final = course.quiz("final")
    drawn = sum(d.count for d in final.draw) + len(final.questions)
    ten = prose("10-final-assessment")
    assert f"It has {drawn} questions" in ten and f"{final.settings.pass_mark:g}%" in ten
    assert f"{final.settings.pass_mark / 100 * drawn:g} of the {drawn} points" in ten
    assert f"{drawn} questions" in final.intro
    one = prose("01-welcome")
    teaching = {course.quiz(q).settings.pass_mark for q in TEACHING.values()}
    tries = {course.quiz(q).settings.tries for q in TEACHING.values()}
    assert len(teaching) == 1 and len(tries) == 1
    assert f"for each chapter quiz is **{teaching.pop():g}%**" in one
    assert f"its pass mark is **{course.quiz('welcome').settings.pass_mark:g}%**" in one
    assert f"**{tries.pop()} tries**" in one
