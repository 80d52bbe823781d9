"""Demo data: realistic cohorts, learners and answers to the course's real quizzes, so that the trainer and
course-lead pages and ``reports/dashboard.ipynb`` show something on a fresh machine.

Two steps, kept apart so the first can be tested without a database:

- :func:`generate` (pure, seeded): trainers, cohorts, learners, assignments with due dates, and quiz attempts
  with every try's response, scored by ``quizlib.score`` exactly as the server scores them;
- :func:`fill` writes them into a database through the results store (:class:`quizlib.store.Store`).

How answers are made plausible: each learner has an ability and each question a difficulty and a
discrimination (a two-parameter logistic model, as in item response theory), so stronger learners get more
right, hard questions fewer, and the item-analysis figures come out in realistic ranges. Wrong answers pick
distractors with uneven popularity, as real learners do. A few learners never start, some stop part way
through a quiz (an unfinished attempt), and many who fail try again, a little better. Due dates fall before
and after "now", so some learners are overdue. The same seed, course and ``now`` give the same data.

The quizzes are whatever ``quizzes/`` holds when it runs: more quizzes, kinds or drawn assessments need no
change here.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from quizlib.quiz import draw, score
from quizlib.quiz.kinds import kind_of
from quizlib.quiz.model import (
    Course,
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    Question,
    Quiz,
    SingleChoice,
    Stage,
    TrueFalse,
    Vignette,
)
from quizlib.results.report import Assignment as AssignmentFact
from quizlib.results.report import AttemptScore, Enrolment, QuestionScore, Started, course_modules
from quizlib.results.report import Cohort as CohortFact


class DemoError(Exception):
    """The course cannot make demo data (no quizzes with questions), or the store refused it."""


FIRST_NAMES = (
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ewa",
    "Farah",
    "Gwen",
    "Hamza",
    "Isla",
    "Jonah",
    "Kofi",
    "Leah",
    "Mei",
    "Nadia",
    "Oisin",
    "Priya",
    "Quinn",
    "Rhys",
    "Sana",
    "Tomasz",
    "Uma",
    "Vikram",
    "Wren",
    "Yusuf",
    "Zara",
    "Aled",
    "Bronwen",
    "Callum",
    "Deepa",
    "Eilidh",
    "Femi",
    "Grace",
    "Hana",
    "Idris",
    "Jess",
    "Kirsty",
    "Lowri",
    "Malik",
    "Niamh",
    "Owen",
    "Pooja",
    "Ruth",
    "Siobhan",
    "Tariq",
    "Una",
    "Yasmin",
)
PLACES = ("Cardiff", "Leeds", "Norwich", "Glasgow", "Bristol", "Derry", "Swansea", "York")
TRAINER_NAMES = ("trainer-alex", "trainer-sam", "trainer-jo", "trainer-robin")


@dataclass(frozen=True)
class DemoLearner:
    key: str  # a stable id within the demo (the store gives its own ids)
    display_name: str
    cohort: str  # the cohort's key
    ability: float  # on the logistic scale; 0 is an average learner
    joined_at: datetime


@dataclass(frozen=True)
class DemoAssignment:
    key: str
    cohort: str
    title: str
    chapters: tuple[str, ...]
    quiz_ids: tuple[str, ...]
    include_final: bool
    pass_mark: float
    due: date


@dataclass(frozen=True)
class DemoCohort:
    key: str
    name: str
    trainer: str
    starts: datetime


@dataclass(frozen=True)
class DemoTry:
    """One check of one question, in the order the learner made it."""

    question_id: str
    response: Any
    at: datetime


@dataclass(frozen=True)
class DemoAttempt:
    key: str  # a UUID: the attempt id the front would make
    learner: str
    quiz_id: str
    number: int  # 1 for the learner's first attempt at this quiz
    seed: int  # the draw seed of an assessment (ignored by other quizzes)
    question_ids: tuple[str, ...]  # the questions shown, drawn ones as "<bank>/<id>"
    question_kinds: tuple[str, ...]  # their kinds, in the same order
    tries: tuple[DemoTry, ...]
    revealed: frozenset[str]  # questions whose answer the learner asked to see
    finished_at: datetime | None  # None: the learner stopped part way
    result: score.QuizResult | None  # the score of a finished attempt
    assignment: str  # the assignment's key


@dataclass(frozen=True)
class DemoData:
    seed: int
    now: datetime
    trainers: tuple[str, ...]
    cohorts: tuple[DemoCohort, ...]
    learners: tuple[DemoLearner, ...]
    assignments: tuple[DemoAssignment, ...]
    attempts: tuple[DemoAttempt, ...] = field(repr=False)

    # The records report.py reads, as the store would yield them (with the demo's keys as ids).

    def finished_numbers(self) -> dict[str, int]:
        """Attempt key -> number among the learner's *finished* attempts at that quiz, as the store counts."""
        count: dict[tuple[str, str], int] = {}
        numbers = {}
        for a in self.attempts:  # attempts are in the order each learner made them
            if a.result is not None:
                key = (a.learner, a.quiz_id)
                count[key] = count.get(key, 0) + 1
                numbers[a.key] = count[key]
        return numbers

    def question_scores(self) -> list[QuestionScore]:
        cohort_of = {l.key: l.cohort for l in self.learners}
        numbers = self.finished_numbers()
        out = []
        for a in self.attempts:
            if a.result is None:
                continue
            first: dict[str, Any] = {}
            for t in a.tries:
                first.setdefault(t.question_id, t.response)
            kinds = dict(zip(a.question_ids, a.question_kinds))
            for o in a.result.questions:
                out.append(
                    QuestionScore(
                        learner=a.learner,
                        cohort=cohort_of[a.learner],
                        quiz_id=a.quiz_id,
                        attempt_id=a.key,
                        attempt_number=numbers[a.key],
                        question_id=o.question_id,
                        credit=o.credit,
                        max_points=o.max_points,
                        first_response=first.get(o.question_id),
                        kind=kinds[o.question_id],
                    )
                )
        return out

    def attempt_scores(self) -> list[AttemptScore]:
        """Finished attempts; ``passed`` against the quiz's own pass mark, as the store reports it."""
        cohort_of = {l.key: l.cohort for l in self.learners}
        numbers = self.finished_numbers()
        return [
            AttemptScore(
                learner=a.learner,
                cohort=cohort_of[a.learner],
                quiz_id=a.quiz_id,
                attempt_id=a.key,
                attempt_number=numbers[a.key],
                percentage=a.result.percentage,
                passed=a.result.passed,
                completed_at=a.finished_at,
            )
            for a in self.attempts
            if a.result is not None and a.finished_at is not None
        ]

    def started(self) -> list[Started]:
        return [Started(a.learner, a.quiz_id, a.key) for a in self.attempts if a.tries]

    def enrolments(self) -> list[Enrolment]:
        return [Enrolment(l.key, l.cohort, l.display_name, l.joined_at) for l in self.learners]

    def cohort_facts(self) -> list[CohortFact]:
        return [CohortFact(c.key, c.name) for c in self.cohorts]

    def assignment_facts(self) -> list[AssignmentFact]:
        return [AssignmentFact(a.key, a.cohort, a.quiz_ids, a.pass_mark, a.due) for a in self.assignments]


# -- the model of learners and questions -------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionTraits:
    difficulty: float  # b: the ability at which a first try is right half the time
    discrimination: float  # a: how sharply success rises with ability
    distractor_weights: tuple[float, ...]  # popularity of each wrong choice, in the question's order


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def question_traits(quiz_id: str, question: Question, seed: int) -> QuestionTraits:
    """A question's difficulty and discrimination, fixed by the seed and the question's id.

    Most questions are moderately easy (a training course, taught just before), some hard; one in twenty or
    so discriminates badly, as a mis-worded question does, so the review flags have something to find.
    """
    rng = random.Random(f"{seed}:{quiz_id}:{question.id}")
    difficulty = rng.gauss(-0.9, 0.9)
    discrimination = rng.uniform(0.7, 2.0) if rng.random() > 0.05 else rng.uniform(-0.6, 0.15)
    wrong = RESPONDERS[question.kind].distractors(question)
    # Squared uniforms: a few distractors attract most wrong answers, some almost none.
    weights = tuple(rng.random() ** 2 + 0.02 for _ in wrong)
    return QuestionTraits(difficulty, discrimination, weights)


class SimulatedLearner:
    """Makes one learner's responses to questions."""

    def __init__(self, rng: random.Random, ability: float):
        self.rng = rng
        self.ability = ability

    def p_right(self, traits: QuestionTraits, boost: float = 0.0) -> float:
        return _logistic(traits.discrimination * (self.ability + boost - traits.difficulty))

    def respond(self, question: Question, traits: QuestionTraits, boost: float = 0.0, avoid: Any = None) -> Any:
        """A response to ``question``: right with the model's probability, else a plausible wrong one."""
        responder = RESPONDERS.get(question.kind)
        if responder is None:
            raise DemoError(f"no demo responses for questions of kind {question.kind!r}")
        if responder.walks:  # a case: each decision is right or not on its own
            return responder.respond(self, question, traits, boost, avoid)
        right = self.rng.random() < self.p_right(traits, boost)
        return responder.respond(self, question, traits, right, avoid)


@dataclass(frozen=True)
class _Responder:
    """How demo learners answer one kind: its distractors (which get weights) and a response."""

    distractors: Callable[[Any], list]
    respond: Callable[..., Any]  # (learner, question, traits, right or boost, avoid) -> response
    walks: bool = False  # a case, walked stage by stage with the learner's boost


def _no_distractors(question: Any) -> list:
    return []


def _wrong_options(question: SingleChoice | MultipleResponse) -> list:
    return [o for o in question.options if not o.correct]


def _respond_single(
    learner: SimulatedLearner, question: SingleChoice, traits: QuestionTraits, right: bool, avoid: Any
) -> Any:
    if right:
        return next(o.id for o in question.options if o.correct)
    wrong = [o.id for o in question.options if not o.correct]
    weights = list(traits.distractor_weights)
    if avoid in wrong and len(wrong) > 1:  # a second try does not repeat the same wrong option
        weights[wrong.index(avoid)] = 0.0
    return learner.rng.choices(wrong, weights=weights)[0]


def _respond_multiple(
    learner: SimulatedLearner, question: MultipleResponse, traits: QuestionTraits, right: bool, avoid: Any
) -> Any:
    if right:
        return [o.id for o in question.options if o.correct]
    chosen = []
    wrong_index = 0
    for o in question.options:
        if o.correct:
            keep = learner.rng.random() < 0.75
        else:
            keep = learner.rng.random() < 0.15 + 0.6 * traits.distractor_weights[wrong_index]
            wrong_index += 1
        if keep:
            chosen.append(o.id)
    if chosen == [o.id for o in question.options if o.correct]:
        chosen = [o.id for o in question.options if not o.correct][:1] + chosen
    return chosen


def _respond_true_false(
    learner: SimulatedLearner, question: TrueFalse, traits: QuestionTraits, right: bool, avoid: Any
) -> Any:
    return question.answer if right else not question.answer


def _respond_numeric(
    learner: SimulatedLearner, question: Numeric, traits: QuestionTraits, right: bool, avoid: Any
) -> Any:
    rng = learner.rng
    if right:
        return rng.choice([question.answer, _typed(question.answer, rng)])
    if question.wrong_answers and rng.random() < 0.7:
        return rng.choices([w.value for w in question.wrong_answers], weights=traits.distractor_weights)[0]
    off = abs(question.answer) * rng.uniform(0.2, 1.5) + 1 + (question.tolerance or 0) * 3
    return _typed(question.answer + rng.choice((-1, 1)) * off, rng)


def _respond_ordering(
    learner: SimulatedLearner, question: Ordering, traits: QuestionTraits, right: bool, avoid: Any
) -> Any:
    order = list(question.order)
    if not right:
        for _ in range(learner.rng.choice((1, 1, 2))):
            i = learner.rng.randrange(len(order) - 1)
            order[i], order[i + 1] = order[i + 1], order[i]
        if order == list(question.order):
            order[0], order[1] = order[1], order[0]
    return order


def _respond_matching(
    learner: SimulatedLearner, question: Matching, traits: QuestionTraits, right: bool, avoid: Any
) -> Any:
    ids = [p.id for p in question.pairs]
    chosen = dict(zip(ids, ids))
    if not right:
        i, j = learner.rng.sample(range(len(ids)), 2)
        chosen[ids[i]], chosen[ids[j]] = ids[j], ids[i]
        if question.distractors and learner.rng.random() < 0.4:
            chosen[ids[i]] = learner.rng.choice(question.distractors).id
    return chosen


def _walk(learner: SimulatedLearner, question: Vignette, traits: QuestionTraits, boost: float, avoid: Any) -> list[str]:
    stages = {s.id: s for s in question.stages}
    stage: Stage | None = stages[question.start]
    path = []
    while stage is not None:
        best = [o for o in stage.options if o.credit == 1]
        others = [o for o in stage.options if o.credit < 1]
        if learner.rng.random() < learner.p_right(traits, boost) or not others:
            option = learner.rng.choice(best)
        else:
            # Partly right decisions tempt more than plainly wrong ones.
            option = learner.rng.choices(others, weights=[0.3 + o.credit for o in others])[0]
        path.append(option.id)
        stage = stages[option.next] if option.next else None
    return path


RESPONDERS: dict[str, _Responder] = {
    "single_choice": _Responder(_wrong_options, _respond_single),
    "multiple_response": _Responder(_wrong_options, _respond_multiple),
    "true_false": _Responder(_no_distractors, _respond_true_false),
    "numeric": _Responder(lambda q: list(q.wrong_answers), _respond_numeric),
    "ordering": _Responder(_no_distractors, _respond_ordering),
    "matching": _Responder(_no_distractors, _respond_matching),
    "vignette": _Responder(_no_distractors, _walk, walks=True),
}
"""How demo learners answer each question kind (one per kind of :data:`quizlib.quiz.kinds.KINDS`)."""


def _typed(value: float, rng: random.Random) -> Any:
    """A number as a learner might type it: plain, or with a thousands separator."""
    value = round(value, 2) if value != int(value) else int(value)
    if isinstance(value, int) and abs(value) >= 1000 and rng.random() < 0.5:
        return f"{value:,}"
    return str(value)


# -- generating a course's worth of people and attempts ----------------------------------------------------


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(
    course: Course,
    *,
    seed: int = 1,
    cohorts: int = 4,
    learners_per_cohort: int | tuple[int, int] = (16, 24),
    now: datetime | None = None,
) -> DemoData:
    """Trainers, cohorts, learners, assignments and attempts at the course's quizzes, all from ``seed``.

    ``learners_per_cohort`` is a number or a (fewest, most) range; ``now`` (default: the current time) is
    the moment the data describes: cohorts started before it and due dates fall either side of it.
    """
    if isinstance(learners_per_cohort, int):
        learners_per_cohort = (learners_per_cohort, learners_per_cohort)
    if cohorts < 1 or learners_per_cohort[0] < 1 or learners_per_cohort[0] > learners_per_cohort[1]:
        raise DemoError("demo data needs at least one cohort and one learner per cohort")
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    quizzes = [q for q in course.quizzes.values() if q.questions or q.draw]
    if not quizzes:
        raise DemoError("the course has no quiz with questions: nothing to answer")
    rng = random.Random(seed)
    traits: dict[tuple[str, str], QuestionTraits] = {}
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            traits[(quiz.id, q.id)] = question_traits(quiz.id, q, seed)

    modules = [m for m in course_modules(course) if any(q in {z.id for z in quizzes} for q in m.quiz_ids)]
    finals = [m for m in modules if all(course.quizzes[q].draw for q in m.quiz_ids)]
    learning = [m for m in modules if m not in finals]
    half = max(1, (len(learning) + 1) // 2)
    parts = [("Part 1", learning[:half], False), ("Part 2 and final assessment", learning[half:], True)]

    trainers = TRAINER_NAMES[: max(1, min(len(TRAINER_NAMES), (cohorts + 1) // 2))]
    cohort_list, learners, assignments, attempts = [], [], [], []
    used_names: set[str] = set()
    for c in range(cohorts):
        starts = now - timedelta(days=rng.randint(20, 120))
        place = PLACES[c % len(PLACES)]
        cohort = DemoCohort(f"cohort-{c + 1}", f"{place} {starts:%B %Y}", trainers[c % len(trainers)], starts)
        cohort_list.append(cohort)
        level = rng.gauss(0, 0.35)  # cohorts differ: some come with more background than others
        plan = []
        for n, (title, part, with_final) in enumerate(parts):
            chosen = part + (finals if with_final else [])
            if not chosen:
                continue
            due = (starts + timedelta(days=rng.randint(21, 45) * (n + 1))).date()
            quiz_ids = tuple(q for m in chosen for q in m.quiz_ids)
            assignment = DemoAssignment(
                key=_uuid(rng),
                cohort=cohort.key,
                title=title,
                chapters=tuple(m.id for m in chosen),
                quiz_ids=quiz_ids,
                include_final=with_final and bool(finals),
                pass_mark=rng.choice((60.0, 70.0, 70.0, 80.0)),
                due=due,
            )
            assignments.append(assignment)
            plan.append(assignment)
        for _ in range(rng.randint(*learners_per_cohort)):
            name = _display_name(rng, used_names)
            learner = DemoLearner(
                key=_uuid(rng),
                display_name=name,
                cohort=cohort.key,
                ability=rng.gauss(level, 1.0),
                joined_at=starts + timedelta(hours=rng.randint(0, 72)),
            )
            learners.append(learner)
            attempts.extend(_learner_attempts(rng, course, learner, plan, traits, now))
    return DemoData(
        seed=seed,
        now=now,
        trainers=tuple(trainers),
        cohorts=tuple(cohort_list),
        learners=tuple(learners),
        assignments=tuple(assignments),
        attempts=tuple(attempts),
    )


def _display_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
        if name not in used:
            used.add(name)
            return name


def _learner_attempts(rng, course, learner, plan, traits, now) -> list[DemoAttempt]:
    person = SimulatedLearner(rng, learner.ability)
    engagement = rng.random()  # how far through the assigned work this learner gets
    if engagement < 0.08:
        return []  # joined and never started
    out: list[DemoAttempt] = []
    clock = learner.joined_at + timedelta(hours=rng.randint(2, 48))
    for assignment in plan:
        for quiz_id in assignment.quiz_ids:
            if rng.random() > 0.55 + 0.5 * engagement:
                continue  # skipped this quiz (so far)
            quiz = course.quizzes[quiz_id]
            number = 0
            boost = 0.0
            while True:
                number += 1
                if quiz.summative and number > (quiz.settings.attempts or 0):
                    break  # an assessment allows so many attempts
                clock += timedelta(hours=rng.uniform(3, 96))
                if clock >= now:
                    return out
                attempt = _attempt(rng, course, quiz, person, learner, assignment, number, boost, traits, clock)
                out.append(attempt)
                clock = attempt.tries[-1].at if attempt.tries else clock
                if attempt.result is None:
                    if rng.random() < 0.5:
                        continue  # came back later and started again
                    break
                retry = 0.65 if not attempt.result.passed else 0.05
                if number >= 3 or rng.random() > retry:
                    break
                boost += 0.5  # they re-read the chapter
    return out


def _attempt(
    rng, course, quiz: Quiz, person: SimulatedLearner, learner, assignment, number, boost, traits, start
) -> DemoAttempt:
    attempt_seed = rng.getrandbits(32)
    shown = draw.draw_questions(quiz, course.quizzes, attempt_seed) if quiz.draw else quiz.questions
    # Some stop part way through, after answering at least one question.
    stop_after = rng.randrange(1, len(shown)) if len(shown) > 1 and rng.random() < 0.1 else None
    tries: list[DemoTry] = []
    revealed: set[str] = set()
    answers: dict[str, dict] = {}
    clock = start
    for i, question in enumerate(shown):
        if stop_after is not None and i >= stop_after:
            break
        bank_id, _, own_id = question.id.rpartition("/")
        key = (bank_id or quiz.id, own_id)
        t = traits[key]
        settings = quiz.settings  # a drawn question follows the assessment's rules (score.score_quiz does)
        limit = kind_of(question).tries_allowed(settings)
        responses: list = []
        show = False
        for n in range(limit):
            responses.append(person.respond(question, t, boost + 1.2 * n, avoid=responses[-1] if responses else None))
            clock += timedelta(seconds=rng.randint(20, 180))
            tries.append(DemoTry(question.id, responses[-1], clock))
            if score.score_response(question, responses[-1], settings).correct:
                break
            # Asking to see the answer ends the question, so the quiz can still be completed.
            may_reveal = settings.reveal_after and n + 1 >= settings.reveal_after and n + 1 < limit
            if may_reveal and rng.random() < 0.25:
                show = True
                revealed.add(question.id)
                break
        answers[question.id] = {"tries": responses, "revealed": show}
    finished = stop_after is None
    result = score.score_quiz(quiz, answers, shown) if finished else None
    return DemoAttempt(
        key=_uuid(rng),
        learner=learner.key,
        quiz_id=quiz.id,
        number=number,
        seed=attempt_seed,
        question_ids=tuple(q.id for q in shown),
        question_kinds=tuple(q.kind for q in shown),
        tries=tuple(tries),
        revealed=frozenset(revealed),
        finished_at=clock if finished else None,
        result=result,
        assignment=assignment.key,
    )


# -- writing it into a database through the store -----------------------------------------------------------

DEMO_HOME_PAGE = "http://127.0.0.1:8000/"  # the actor's account homePage in demo statements
_STATEMENT_NAMESPACE = uuid.UUID("8d0b7c2e-3f1a-4e55-9c43-2b6f1a0d9e17")


@dataclass(frozen=True)
class FillSummary:
    trainers: dict[str, str]  # trainer name -> one-time password (they must change it at first sign-in)
    cohorts: int
    learners: int
    assignments: int
    attempts: int
    finished_attempts: int
    statements_sent: int
    statements_stored: int  # sent plus the passed/failed verdicts the server adds


def client_statements(course: Course, attempt: DemoAttempt, learner_id: str, registration: str) -> list[dict]:
    """The statements a learner's browser would send for ``attempt``: one *answered* per try, then *completed*.

    Ids are derived from the attempt's key, so the same demo data always sends the same statements.
    """
    from quizlib.results import xapi

    quiz = course.quiz(attempt.quiz_id)
    shown = {
        q.id: q for q in (draw.draw_questions(quiz, course.quizzes, attempt.seed) if quiz.draw else quiz.questions)
    }
    seed = attempt.seed if quiz.draw else None
    actor = xapi.agent(learner_id, DEMO_HOME_PAGE)
    out = []
    tries_so_far: dict[str, list] = {}
    spent: dict[str, float] = {}  # seconds on each question: the time since the previous try goes to this one
    previous = attempt.tries[0].at - timedelta(seconds=60) if attempt.tries else datetime.now(UTC)
    for n, t in enumerate(attempt.tries):
        spent[t.question_id] = spent.get(t.question_id, 0.0) + (t.at - previous).total_seconds()
        previous = t.at
        question = shown[t.question_id]
        tries_so_far.setdefault(t.question_id, []).append(t.response)
        o = score.outcome(question, tries_so_far[t.question_id], quiz.settings)
        result = score.score_response(question, t.response, quiz.settings)
        out.append(
            xapi.answered(
                statement_id=str(uuid.uuid5(_STATEMENT_NAMESPACE, f"{attempt.key}:{n}")),
                actor=actor,
                quiz_id=quiz.id,
                chapter=quiz.chapter,
                question_id=question.id,
                kind=question.kind,
                prompt=question.prompt,
                response=t.response,
                try_number=len(tries_so_far[t.question_id]),
                attempt_id=attempt.key,
                credit=o.credit,
                correct=result.correct,
                final=o.final,
                when=t.at,
                registration=registration,
                seed=seed,
                duration=spent[t.question_id],
            )
        )
    if attempt.result is not None and attempt.finished_at is not None:
        answers = {
            qid: {"tries": responses, "revealed": qid in attempt.revealed} for qid, responses in tries_so_far.items()
        }
        r = attempt.result
        out.append(
            xapi.finished(
                verb="completed",
                statement_id=str(uuid.uuid5(_STATEMENT_NAMESPACE, f"{attempt.key}:completed")),
                actor=actor,
                quiz_id=quiz.id,
                chapter=quiz.chapter,
                title=quiz.title,
                answers=answers,
                points=r.points,
                max_points=r.max_points,
                percentage=r.percentage,
                passed=r.passed,
                complete=True,
                attempt_id=attempt.key,
                when=attempt.finished_at,
                registration=registration,
                seed=seed,
                duration=sum(spent.values()),
            )
        )
    return out


def _submit_summative(store, ingestor, course: Course, attempt: DemoAttempt, learner, assignment) -> int:
    """An attempt at a summative quiz as the course server makes it: started (with its seed), and if the
    learner finished it, submitted and scored by the server. Returns the statements stored."""
    quiz = course.quiz(attempt.quiz_id)
    started = (
        attempt.tries[0].at - timedelta(seconds=60) if attempt.tries else (attempt.finished_at or datetime.now(UTC))
    )
    issued = store.add_attempt(
        learner.id,
        quiz.id,
        number=attempt.number,
        seed=attempt.seed,
        registration=assignment.id,
        started_at=started,
        deadline=None,
    )
    if attempt.result is None or attempt.finished_at is None:
        return 0  # left open: nothing is scored or stated until an attempt is submitted
    answers = {t.question_id: {"tries": [t.response]} for t in attempt.tries}
    durations, previous = {}, started
    for t in attempt.tries:
        durations[t.question_id] = (t.at - previous).total_seconds()
        previous = t.at
    result, records = ingestor.submitted(
        learner, quiz, issued, answers, durations, pass_mark=assignment.pass_mark, when=attempt.finished_at
    )
    store.submit_attempt(
        issued.id,
        records,
        submitted_at=attempt.finished_at,
        percentage=result.percentage,
        passed=result.percentage >= assignment.pass_mark,
        result={
            "points": result.points,
            "max_points": result.max_points,
            "pass_mark": assignment.pass_mark,
            "duration": (attempt.finished_at - started).total_seconds(),
            "responses": {qid: a["tries"][0] for qid, a in answers.items()},
            "durations": durations,
        },
    )
    return len(records)


def fill(store, course: Course, data: DemoData) -> FillSummary:
    """Write ``data`` into an empty database through ``store`` (a :class:`quizlib.store.Store`).

    People, cohorts and assignments go in with the store's own methods; answers go in as the statements a
    browser sends, through the server's ingestor (:class:`quizlib.ingest.Ingestor`), so they are checked and
    re-scored exactly as real ones. Refuses a database that already has cohorts: demo learners must never
    mix with real ones.

    What it uses of the server's side: ``Store.cohorts``, ``add_staff``, ``add_cohort``, ``add_assignment``,
    ``add_learner``; ``ingest.Ingestor(course, store, home_page).accept(learner, statements)`` and
    ``ingest.MAX_BATCH``; ``server.passwords.hash_password`` and ``one_time_password``.
    """
    from quizlib.results.ingest import MAX_BATCH, Ingestor
    from quizlib.results.store.passwords import hash_password, one_time_password

    if store.cohorts():
        raise DemoError("the database already has cohorts; demo data goes only into an empty database")
    passwords = {}
    trainer_ids = {}
    for name in data.trainers:
        passwords[name] = one_time_password()
        trainer_ids[name] = store.add_staff(
            name, "trainer", hash_password(passwords[name]), must_change_password=True
        ).id
    cohort_ids = {c.key: store.add_cohort(c.name, trainer_ids[c.trainer]).id for c in data.cohorts}
    assignment_ids = {}
    for a in data.assignments:
        stored = store.add_assignment(
            cohort_ids[a.cohort],
            title=a.title,
            chapters=list(a.chapters),
            quiz_ids=list(a.quiz_ids),
            include_final=a.include_final,
            pass_mark=a.pass_mark,
            due_date=a.due,
        )
        assignment_ids[a.key] = stored.id
    learners = {}
    for person in data.learners:
        learners[person.key], _token = store.add_learner(cohort_ids[person.cohort], person.display_name)
    ingestor = Ingestor(course, store, DEMO_HOME_PAGE)
    by_learner: dict[str, list[dict]] = {}
    stored_by_server = 0  # the statements of summative attempts, which the server makes
    for attempt in data.attempts:
        learner = learners[attempt.learner]
        if course.quiz(attempt.quiz_id).summative:
            assignment = store.assignment(assignment_ids[attempt.assignment])
            stored_by_server += _submit_summative(store, ingestor, course, attempt, learner, assignment)
            continue
        by_learner.setdefault(attempt.learner, []).extend(
            client_statements(course, attempt, learner.id, assignment_ids[attempt.assignment])
        )
    sent = 0
    for key, statements in by_learner.items():
        # One learner's statements at a time, in batches as a browser's outbox sends them after being offline.
        for i in range(0, len(statements), MAX_BATCH):
            ingestor.accept(learners[key], statements[i : i + MAX_BATCH])
        sent += len(statements)
    finished = sum(1 for a in data.attempts if a.result is not None)
    finished_by_client = sum(1 for a in data.attempts if a.result is not None and not course.quiz(a.quiz_id).summative)
    return FillSummary(
        trainers=passwords,
        cohorts=len(cohort_ids),
        learners=len(learners),
        assignments=len(assignment_ids),
        attempts=len(data.attempts),
        finished_attempts=finished,
        statements_sent=sent,
        statements_stored=sent + finished_by_client + stored_by_server,
    )
