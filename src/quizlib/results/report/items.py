"""Item analysis over first attempts (Moodle's facility and discrimination indices) and how often each
option, value or decision was chosen at the first try, one function per question kind."""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import mul
from typing import Any

from quizlib.quiz.model import (
    Course,
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    Question,
    Settings,
    SingleChoice,
    TrueFalse,
    Vignette,
)
from quizlib.quiz.score import ResponseError, parse_number, score_response
from quizlib.results.report.records import AttemptScore, QuestionScore, ratio

# -- item analysis -------------------------------------------------------------------------------------------

#: Fewer first-attempt responses than this and a question's figures are shown but not judged: with 20
#: responses the standard error of a correlation is still about 0.23, so smaller samples flag noise.
MIN_RESPONSES = 20
#: Facility below this: almost nobody gets it right on a first attempt (a mis-keyed answer, or untaught).
FACILITY_LOW = 0.10
#: Facility above this: almost everybody does; the question tells a trainer little.
FACILITY_HIGH = 0.95
#: Discrimination index (Moodle's, in percent) below this is "weak"; below 0 stronger learners do worse,
#: which usually means a wrong key or an ambiguous prompt. 20 (a correlation of 0.20) is Ebel's long-used
#: boundary between marginal and poor items.
DISCRIMINATION_WEAK = 20.0

#: What each flag on an :class:`ItemRow` means, for pages and notebooks to show beside it.
FLAGS = {
    "few-responses": f"fewer than {MIN_RESPONSES} first attempts: too few to judge",
    "very-hard": f"facility below {FACILITY_LOW:.0%}: check the key and whether the chapter teaches it",
    "very-easy": f"facility above {FACILITY_HIGH:.0%}: nearly everyone gets it right first time",
    "negative-discrimination": "learners who do worse on the rest of the quiz do better here: check the key",
    "weak-discrimination": f"discrimination below {DISCRIMINATION_WEAK:g}%: it barely separates stronger from weaker learners",
    "unused-distractor": "a wrong option nobody chose on a first try: it does no work",
    "distractor-beats-key": "a wrong option was chosen more often than the right one: check the key and wording",
}


@dataclass(frozen=True, slots=True)
class ItemRow:
    """Moodle-style statistics of one question over learners' first attempts."""

    quiz_id: str
    question_id: str
    kind: str
    prompt: str
    n: int  # first attempts that included the question
    max_points: float
    mean_mark: float | None
    facility: float | None  # mean mark / max mark, 0..1
    standard_deviation: float | None  # of marks as a fraction of max mark, n-1; None for n < 2
    discrimination: float | None  # 100 * correlation with the rest of the attempt; None without variance
    flags: tuple[str, ...]  # keys of FLAGS; "unused-distractor:c" names the option
    median_seconds: float | None = None  # median time spent on the question, over first attempts that recorded it


@dataclass(frozen=True, slots=True)
class ResponseRow:
    """How often a response (an option, a value, a stage decision) was given on the first try."""

    quiz_id: str
    question_id: str
    kind: str
    response: str  # option id, "true"/"false", a value, "stage/option", or a summary like "(fully correct)"
    label: str  # the option's text, or what the summary means
    correct: bool | None  # whether this response is right; None for summaries
    count: int
    share: float | None  # count / n
    n: int  # responses it is a share of (for a vignette stage: learners who reached it)


@dataclass(frozen=True)
class ItemAnalysis:
    items: list[ItemRow]
    responses: list[ResponseRow]


def freeze_response(response: Any) -> Any:
    """A hashable form of a JSON response (lists become tuples, mappings sorted pairs), as
    :data:`RESPONSE_ROWS` tallies them."""
    if isinstance(response, list):
        return tuple(freeze_response(v) for v in response)
    if isinstance(response, dict):
        return tuple(sorted((str(k), freeze_response(v)) for k, v in response.items()))
    return response


class _Lookup:
    """Finds a record's question, and its quiz's settings, in the course; drawn ids name their bank."""

    def __init__(self, course: Course | None):
        self.course = course
        self.quiz_order = {q: i for i, q in enumerate(course.quizzes)} if course else {}

    def find(self, quiz_id: str, question_id: str) -> tuple[Question | None, Settings | None, tuple]:
        """(question, settings, sort key); (None, None, key) for a question no longer in the course."""
        quizzes = self.course.quizzes if self.course else {}
        quiz = quizzes.get(quiz_id)
        q_rank = self.quiz_order.get(quiz_id, len(self.quiz_order))
        if quiz is not None:
            for i, q in enumerate(quiz.questions):
                if q.id == question_id:
                    return q, quiz.settings, (q_rank, quiz_id, 0, i, question_id)
        bank_id, _, own_id = question_id.partition("/")
        bank = quizzes.get(bank_id) if own_id else None
        if bank is not None:
            for i, q in enumerate(bank.questions):
                if q.id == own_id:
                    return q, bank.settings, (q_rank, quiz_id, 1 + self.quiz_order[bank_id], i, question_id)
        return None, None, (q_rank, quiz_id, len(self.quiz_order) + 1, 0, question_id)


#: Marks are summed in whole units of this (a ten-thousandth of a point: credits are kept to 4 decimal places),
#: so that sums are exact and the figures do not depend on the order answers are read in.
MARK_SCALE = 10_000


@dataclass(frozen=True)
class ItemSums:
    """What item analysis needs of one question, over learners' first finished attempts: the number of
    answers, sums of the question's mark ``x`` and of the rest of the attempt's marks ``r`` in units of
    :data:`MARK_SCALE`, how often each first response was given (frozen: :func:`freeze_response`; None for
    no response), and the median time spent where recorded."""

    quiz_id: str
    question_id: str
    kind: str
    max_points: float
    n: int
    sum_x: int
    sum_xx: int
    sum_r: int
    sum_rr: int
    sum_xr: int
    tally: dict[Any, int]
    median_seconds: float | None = None


def mark_units(credit: float, max_points: float) -> int:
    """A question's mark (credit × points) in whole units of :data:`MARK_SCALE`."""
    return round(credit * max_points * MARK_SCALE)


def median(values: list[float]) -> float | None:
    """The median time as item analysis shows it (to the hundredth of a second), None for no values."""
    return round(statistics.median(values), 2) if values else None


def analyse_items(
    records: Iterable[QuestionScore],
    course: Course | None,
    *,
    attempts: Iterable[AttemptScore] | None = None,
    top_values: int = 10,
) -> ItemAnalysis:
    """Item statistics and first-try response frequencies of every question, over first attempts.

    Only records with ``attempt_number == 1`` count, as in Moodle's quiz statistics. If ``attempts`` is given,
    only those finished attempts count too (an abandoned attempt's total would bias the rest-of-test score).
    Facility is the mean mark over the maximum mark. Discrimination is Moodle's
    ``100 * cov(x, r) / sqrt(var(x) * var(r))`` with ``x`` the question's mark and ``r`` the rest of the
    attempt's marks, all with n-1; it is ``None`` when either has no variance or ``n < 2``.
    ``course`` supplies prompts, options and each question's points; a question it no longer holds is still
    analysed, without them. ``top_values`` caps the rows of distinct numeric answers listed per question.

    Reads ``records`` once, keeping per question two flat arrays (attempt, mark) rather than the records,
    then sums them (:class:`ItemSums`) and computes the figures from the sums (:func:`analyse_item_sums`),
    as the server does from the sums it keeps up to date.
    """
    return analyse_item_sums(item_sums(records, attempts=attempts), course, top_values=top_values)


def item_sums(records: Iterable[QuestionScore], *, attempts: Iterable[AttemptScore] | None = None) -> list[ItemSums]:
    """The :class:`ItemSums` of every question in ``records`` (first attempts only; see :func:`analyse_items`)."""
    finished = None if attempts is None else {a.attempt_id for a in attempts if a.attempt_number == 1}
    # Per question, in order of first appearance: its key, kind, max points, the attempt (an index into
    # totals) and mark of each answer, and a tally of first responses. The hot loop below touches only
    # the "slot" of bound methods it needs, found with one dict lookup per record.
    slots: dict[tuple[str, str], tuple] = {}
    item_keys: list[tuple[str, str]] = []
    item_kind: list[str] = []
    item_max: list[float] = []
    item_attempts: list[array] = []
    item_marks: list[array] = []
    item_times: list[array] = []
    tallies: list[dict] = []
    attempt_index: dict[str, int] = {}
    totals = array("q")  # per attempt: the sum of its marks
    last_attempt, index = None, -1
    scale = MARK_SCALE

    for r in records:
        if r.attempt_number != 1:
            continue
        attempt_id = r.attempt_id
        if attempt_id != last_attempt:  # a store yields an attempt's questions together: look it up once
            if finished is not None and attempt_id not in finished:
                continue
            index = attempt_index.setdefault(attempt_id, len(totals))
            if index == len(totals):  # a new attempt
                totals.append(0)
            last_attempt = attempt_id
        key = (r.quiz_id, r.question_id)
        slot = slots.get(key)
        if slot is None:
            item_keys.append(key)
            item_kind.append(r.kind)
            item_max.append(r.max_points)
            item_attempts.append(array("l"))
            item_marks.append(array("q"))
            item_times.append(array("d"))
            tallies.append({})
            slot = slots[key] = (item_attempts[-1].append, item_marks[-1].append, tallies[-1], item_times[-1].append)
        add_attempt, add_mark, tally, add_time = slot
        mark = round(r.credit * r.max_points * scale)
        totals[index] += mark
        add_attempt(index)
        add_mark(mark)
        if r.duration is not None:
            add_time(r.duration)
        response = r.first_response
        if type(response) is list:
            response = tuple(response)  # a list of ids: hashable as it is, nested lists are frozen below
        elif type(response) is dict:
            response = tuple(sorted(response.items()))
        try:
            tally[response] = tally.get(response, 0) + 1
        except TypeError:  # nested lists or mappings inside a response
            frozen = freeze_response(r.first_response)
            tally[frozen] = tally.get(frozen, 0) + 1

    out = []
    for i, (quiz_id, question_id) in enumerate(item_keys):
        marks = item_marks[i]
        rest = [totals[a] - x for a, x in zip(item_attempts[i], marks)]
        out.append(
            ItemSums(
                quiz_id=quiz_id,
                question_id=question_id,
                kind=item_kind[i],
                max_points=item_max[i],
                n=len(marks),
                sum_x=sum(marks),
                sum_xx=sum(map(mul, marks, marks)),
                sum_r=sum(rest),
                sum_rr=sum(map(mul, rest, rest)),
                sum_xr=sum(map(mul, marks, rest)),
                tally=tallies[i],
                median_seconds=median(list(item_times[i])),
            )
        )
    return out


def analyse_item_sums(sums: Iterable[ItemSums], course: Course | None, *, top_values: int = 10) -> ItemAnalysis:
    """Item statistics and response frequencies (see :func:`analyse_items`) from each question's sums."""
    lookup = _Lookup(course)
    items: list[tuple[tuple, ItemRow]] = []
    responses: list[tuple[tuple, list[ResponseRow]]] = []
    for one in sums:
        if not one.n:
            continue
        question, settings, order = lookup.find(one.quiz_id, one.question_id)
        kind = question.kind if question is not None else one.kind
        rows = _response_rows(one.quiz_id, one.question_id, kind, question, settings, Counter(one.tally), top_values)
        row = _item_row(one.quiz_id, one.question_id, kind, question, one.max_points, _moments(one), rows)
        if one.median_seconds is not None:
            row = dataclasses.replace(row, median_seconds=one.median_seconds)
        items.append((order, row))
        responses.append((order, rows))
    items.sort(key=lambda pair: pair[0])
    responses.sort(key=lambda pair: pair[0])
    return ItemAnalysis([row for _, row in items], [row for _, rows in responses for row in rows])


def item_analysis(records: Iterable[QuestionScore], course: Course | None, **options) -> list[ItemRow]:
    """The item-analysis table (see :func:`analyse_items`): one row per question per quiz."""
    return analyse_items(records, course, **options).items


def response_frequencies(records: Iterable[QuestionScore], course: Course | None, **options) -> list[ResponseRow]:
    """The first-try response table (see :func:`analyse_items`): one row per option, value or decision."""
    return analyse_items(records, course, **options).responses


@dataclass(slots=True)
class _Moments:
    n: int = 0
    mean_x: float = 0.0
    var_x: float | None = None
    discrimination: float | None = None


def _moments(s: ItemSums) -> _Moments:
    """One question's n, mean mark, n-1 variance, and correlation of its mark with the rest of the attempt,
    from exact integer sums: a constant question has exactly zero variance (no rounding noise to yield a
    meaningless index), and the figures are the same whatever order the marks were summed in."""
    k = s.n
    m = _Moments(n=k)
    if not k:
        return m
    m.mean_x = s.sum_x / k / MARK_SCALE
    if k >= 2:
        sxx = k * s.sum_xx - s.sum_x * s.sum_x  # k(k-1) var(x), in units squared: an exact integer
        srr = k * s.sum_rr - s.sum_r * s.sum_r
        sxr = k * s.sum_xr - s.sum_x * s.sum_r
        m.var_x = max(0, sxx) / (k * (k - 1)) / MARK_SCALE**2
        if sxx > 0 and srr > 0:
            # Clamp: rounding can push a perfect correlation a hair past 1.
            m.discrimination = max(-100.0, min(100.0, 100 * sxr / (math.sqrt(sxx) * math.sqrt(srr))))
    return m


def _item_row(quiz_id, question_id, kind, question, max_points, m: _Moments, responses) -> ItemRow:
    facility = m.mean_x / max_points if m.n and max_points else None
    sd = math.sqrt(m.var_x) / max_points if m.var_x is not None and max_points else None
    flags: list[str] = []
    if m.n < MIN_RESPONSES:
        flags.append("few-responses")
    else:
        if facility is not None and facility < FACILITY_LOW:
            flags.append("very-hard")
        if facility is not None and facility > FACILITY_HIGH:
            flags.append("very-easy")
        if m.discrimination is not None and m.discrimination < 0:
            flags.append("negative-discrimination")
        elif m.discrimination is not None and m.discrimination < DISCRIMINATION_WEAK:
            flags.append("weak-discrimination")
        flags.extend(_distractor_flags(kind, responses))
    return ItemRow(
        quiz_id=quiz_id,
        question_id=question_id,
        kind=kind,
        prompt=question.prompt if question is not None else "",
        n=m.n,
        max_points=max_points,
        mean_mark=round(m.mean_x, 6) if m.n else None,
        facility=None if facility is None else round(facility, 6),
        standard_deviation=None if sd is None else round(sd, 6),
        discrimination=None if m.discrimination is None else round(m.discrimination, 4),
        flags=tuple(flags),
    )


def _distractor_flags(kind: str, responses: list[ResponseRow]) -> list[str]:
    if kind not in ("single_choice", "multiple_response"):
        return []
    options = [r for r in responses if r.correct is not None]
    flags = [f"unused-distractor:{r.response}" for r in options if not r.correct and r.count == 0]
    if kind == "single_choice":
        key_count = max((r.count for r in options if r.correct), default=0)
        flags += [f"distractor-beats-key:{r.response}" for r in options if not r.correct and r.count > key_count]
    return flags


# -- first-try response frequencies, per kind ---------------------------------------------------------------

NO_RESPONSE = "(no response)"


def _response_rows(
    quiz_id, question_id, kind, question, settings, tally: Counter, top_values: int
) -> list[ResponseRow]:
    n = sum(tally.values())
    unanswered = tally.pop(None, 0)

    def row(response: str, label: str, correct: bool | None, count: int, of: int = n) -> ResponseRow:
        return ResponseRow(quiz_id, question_id, kind, response, label, correct, count, ratio(count, of), of)

    if question is not None:
        rows = RESPONSE_ROWS[question.kind](question, settings, tally, top_values, row)
    else:  # a question no longer in the course: list what was sent, most common first
        rows = [
            row(text, "", None, count)
            for text, count in _most_common(
                Counter({json.dumps(r, ensure_ascii=False): c for r, c in tally.items()}), top_values
            )
        ]
    if unanswered:
        rows.append(row(NO_RESPONSE, "the question was left unanswered", None, unanswered))
    return rows


def _most_common(counts: Counter, top: int) -> list[tuple[Any, int]]:
    """The ``top`` most common values, ties in the values' order: not in the order they were first counted,
    which differs between the answers read afresh and the sums the store keeps (whose rows come in any order)."""
    return sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))[:top]


def _single_choice_rows(question: SingleChoice, settings, tally: Counter, top_values: int, row) -> list[ResponseRow]:
    return [row(o.id, o.text, o.correct, tally.get(o.id, 0)) for o in question.options]


def _multiple_response_rows(
    question: MultipleResponse, settings, tally: Counter, top_values: int, row
) -> list[ResponseRow]:
    chosen: Counter[str] = Counter()
    for response, count in tally.items():
        for option_id in set(response) if isinstance(response, tuple) else ():
            chosen[option_id] += count
    return [row(o.id, o.text, o.correct, chosen.get(o.id, 0)) for o in question.options]


def _true_false_rows(question: TrueFalse, settings, tally: Counter, top_values: int, row) -> list[ResponseRow]:
    return [
        row(str(value).lower(), str(value).lower(), value == question.answer, tally.get(value, 0))
        for value in (True, False)
    ]


def _numeric_rows(question: Numeric, settings, tally: Counter, top_values: int, row) -> list[ResponseRow]:
    values: Counter[float] = Counter()
    unreadable = 0
    for response, count in tally.items():
        value = parse_number(response, question.unit) if isinstance(response, (str, int, float)) else None
        if value is None:
            unreadable += count
        else:
            values[value] += count
    rows = []
    for value, count in _most_common(values, top_values):
        try:
            correct = score_response(question, value, settings).correct
        except ResponseError:  # cannot happen for a parsed number, but a report must not fail on it
            correct = False
        rows.append(row(f"{value:g}", f"{value:g} {question.unit}".strip(), correct, count))
    rest = sum(values.values()) - sum(r.count for r in rows)
    if rest:
        rows.append(row("(other values)", f"{len(values) - len(rows)} other values", None, rest))
    if unreadable:
        rows.append(row("(not a number)", "answers that could not be read as a number", None, unreadable))
    return rows


def _arrangement_rows(
    question: Ordering | Matching, settings, tally: Counter, top_values: int, row
) -> list[ResponseRow]:
    """Share fully correct, then per step (ordering) or pair (matching) the share placed right."""
    if isinstance(question, Ordering):
        right: tuple = tuple(question.order)
        parts = [(item.id, item.text, _in_place(question.order.index(item.id), item.id)) for item in question.items]
        summary = "every step in the right place"
    else:
        right = tuple(sorted((p.id, p.id) for p in question.pairs))
        parts = [(p.id, f"{p.left} → {p.right}", _matched(p.id)) for p in question.pairs]
        summary = "every pair matched correctly"
    answered = sum(tally.values())
    full = sum(count for response, count in tally.items() if response == right)
    rows = [row("(fully correct)", summary, None, full, answered)]
    for part_id, label, is_right in parts:
        count = sum(c for response, c in tally.items() if isinstance(response, tuple) and is_right(response))
        rows.append(row(part_id, label, True, count, answered))
    return rows


def _in_place(index: int, step: str) -> Callable[[Any], bool]:
    """Whether an ordering response has ``step`` at ``index``."""
    return lambda response: len(response) > index and response[index] == step


def _matched(pair_id: str) -> Callable[[Any], bool]:
    """Whether a matching response (sorted pairs) matches ``pair_id`` with itself."""
    return lambda response: (pair_id, pair_id) in response


def _vignette_rows(question: Vignette, settings, tally: Counter, top_values: int, row) -> list[ResponseRow]:
    """For each stage, the share of learners who reached it that chose each option."""
    stages = {s.id: s for s in question.stages}
    reached: Counter[str] = Counter()
    chose: Counter[tuple[str, str]] = Counter()
    for path, count in tally.items():
        stage = stages.get(question.start)
        for option_id in path if isinstance(path, tuple) else ():
            if stage is None:
                break
            option = next((o for o in stage.options if o.id == option_id), None)
            if option is None:
                break
            reached[stage.id] += count
            chose[(stage.id, option_id)] += count
            stage = stages.get(option.next) if option.next else None
    rows = []
    for stage in question.stages:
        for o in stage.options:
            rows.append(row(f"{stage.id}/{o.id}", o.text, o.credit == 1, chose[(stage.id, o.id)], reached[stage.id]))
    return rows


RESPONSE_ROWS: dict[str, Callable[..., list[ResponseRow]]] = {
    "single_choice": _single_choice_rows,
    "multiple_response": _multiple_response_rows,
    "true_false": _true_false_rows,
    "numeric": _numeric_rows,
    "ordering": _arrangement_rows,
    "matching": _arrangement_rows,
    "vignette": _vignette_rows,
}
"""The first-try response rows of each question kind: ``(question, settings, tally, top_values, row)`` -> rows
(one per kind of :data:`quizlib.quiz.kinds.KINDS`)."""
