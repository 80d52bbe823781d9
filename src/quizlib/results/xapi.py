"""xAPI 1.0.3 statements for quiz results: build them and check the ones a client sends. Pure functions.

``static/quizlib-sync.js`` builds the same statements in the browser; the server checks what arrives with
:func:`check`, re-scores it, and stores a statement it builds itself with the functions here.

Identifiers are URNs in quizlib's namespace, so they stay the same wherever the course is served from
(127.0.0.1 on a laptop, a public address behind a proxy):

================  ==============================================================
quiz              ``urn:quizlib:quiz:<quiz id>``
question          ``urn:quizlib:quiz:<quiz id>:question:<question id>`` (drawn: ``<bank>/<id>``)
chapter           ``urn:quizlib:chapter:<chapter path>``, e.g. ``chapters/02-sensitivity``
extensions        ``urn:quizlib:xapi:<name>``: attempt-id, try, seed, response, answers
================  ==============================================================

A statement of an answer: verb *answered*, object the question (a ``cmi.interaction``), result with the
server's ``score.scaled`` (the question's credit after this try), ``success`` (this try right),
``completion`` (no further try), ``response`` (the xAPI response string) and the JSON response as an
extension; context with the quiz as parent, the chapter as grouping, the assignment as ``registration``,
and the attempt id, try number and seed as extensions. A finished quiz: verb *completed* (sent by the
client) and *passed* or *failed* (decided by the server), object the quiz, the whole attempt's answers as
a result extension.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from quizlib.quiz.kinds import KINDS

VERSION = "1.0.3"
VERBS = {
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
}
VERB_NAMES = {iri: name for name, iri in VERBS.items()}
ACTIVITY_ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
ACTIVITY_INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
ACTIVITY_MODULE = "http://adlnet.gov/expapi/activities/module"

NAMESPACE = "urn:quizlib:"
EXT_ATTEMPT = NAMESPACE + "xapi:attempt-id"
EXT_TRY = NAMESPACE + "xapi:try"
EXT_SEED = NAMESPACE + "xapi:seed"
EXT_RESPONSE = NAMESPACE + "xapi:response"
EXT_ANSWERS = NAMESPACE + "xapi:answers"


_ID = r"[a-z0-9][a-z0-9-]*"
_QUIZ_IRI = re.compile(rf"urn:quizlib:quiz:({_ID})")
_QUESTION_IRI = re.compile(rf"urn:quizlib:quiz:({_ID}):question:((?:{_ID}/)?{_ID})")
_CHAPTER_IRI = re.compile(r"urn:quizlib:chapter:([A-Za-z0-9._~/-]+)")
# An absolute IRI: a scheme, a colon, then no spaces, controls or characters RFC 3987 excludes.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+")
_SEED_MAX = 2**32 - 1
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"{}|\\^`\x00-\x1f\x7f]+", re.IGNORECASE)
MAX_TEXT = 1000  # characters in any identifier or address a client sends
MAX_ANSWERS = 500  # answers in one finished attempt (a quiz file has at most 200 questions)
MAX_TIMESTAMP = 40  # characters: 2026-11-25T10:00:00.000000+00:00 has 32


class StatementError(ValueError):
    """A statement that quizlib cannot accept; ``path`` names the field (e.g. ``context.registration``)."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


# -- identifiers -----------------------------------------------------------------------------------------


def quiz_iri(quiz_id: str) -> str:
    return f"{NAMESPACE}quiz:{quiz_id}"


def question_iri(quiz_id: str, question_id: str) -> str:
    return f"{NAMESPACE}quiz:{quiz_id}:question:{question_id}"


def chapter_iri(chapter: str) -> str:
    return f"{NAMESPACE}chapter:{chapter}"


def agent(learner_id: str, home_page: str) -> dict:
    """The pseudonymous actor: an account on the course server named by the learner's random id."""
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": learner_id}}


def is_iri(value: Any) -> bool:
    return isinstance(value, str) and bool(_IRI.fullmatch(value))


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as JavaScript's ``toISOString`` writes it."""
    if moment.tzinfo is None:
        raise ValueError("expected a datetime with a time zone")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- responses as xAPI strings ---------------------------------------------------------------------------


def response_string(kind: str, response: Any) -> str:
    """The xAPI ``result.response`` for a quizlib response (the JSON itself goes in an extension).

    choice ``a[,]c``; true-false ``true``; numeric the number; sequencing ``s1[,]s2``; matching
    ``p1[.]x[,]p2[.]y`` by pair id; a vignette (other) the decisions ``a[,]b``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown question kind {kind!r}")
    return KINDS[kind].response_string(response)


def duration_text(seconds: float) -> str:
    """Seconds as the ISO 8601 duration xAPI's ``result.duration`` holds, to the hundredth: ``PT1M23.46S``
    (``durationText`` in quizlib-sync.js writes the same)."""
    centis = math.floor(seconds * 100 + 0.5)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    whole, hundredths = divmod(rest, 100)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{whole}S" if not hundredths else f"{whole}.{hundredths:02d}".rstrip("0") + "S")


_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")
MAX_DURATION = 24 * 3600.0  # time spent on one attempt or question, in seconds


def parse_duration(value: Any, path: str = "result.duration") -> float:
    """An ISO 8601 duration in days, hours, minutes and seconds (``PT1M23.46S``) as seconds, at most a day."""
    text = _str(value, path)
    m = _DURATION.fullmatch(text)
    if not m or text in ("P", "PT") or text.endswith("T"):
        raise StatementError(path, f"expected an ISO 8601 duration such as PT1M23.5S, found {text!r}")
    days, hours, minutes, secs = (float(g) if g else 0.0 for g in m.groups())
    seconds = ((days * 24 + hours) * 60 + minutes) * 60 + secs
    if seconds > MAX_DURATION:
        raise StatementError(path, f"expected at most a day (PT24H), found {text!r}")
    return seconds


def _first_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# -- building --------------------------------------------------------------------------------------------


def _context(
    quiz_id: str,
    chapter: str,
    attempt_id: str,
    registration: str | None,
    seed: int | None,
    try_number: int | None,
    parent: bool,
) -> dict:
    activities: dict[str, list] = {"grouping": [{"objectType": "Activity", "id": chapter_iri(chapter)}]}
    if parent:
        activities["parent"] = [{"objectType": "Activity", "id": quiz_iri(quiz_id)}]
    extensions: dict[str, Any] = {EXT_ATTEMPT: attempt_id}
    if try_number is not None:
        extensions[EXT_TRY] = try_number
    if seed is not None:
        extensions[EXT_SEED] = seed
    context: dict[str, Any] = {"contextActivities": activities, "extensions": extensions}
    if registration:
        context["registration"] = registration
    return context


def answered(
    *,
    statement_id: str,
    actor: dict,
    quiz_id: str,
    chapter: str,
    question_id: str,
    kind: str,
    prompt: str,
    response: Any,
    try_number: int,
    attempt_id: str,
    credit: float,
    correct: bool,
    final: bool,
    when: datetime,
    registration: str | None = None,
    seed: int | None = None,
    duration: float | None = None,
) -> dict:
    """The statement of one try at one question.

    ``credit`` is the question's credit after this try (retry penalty applied), ``correct`` whether this
    try was right, ``final`` whether the question allows no further try, ``duration`` the seconds spent on
    the question in this attempt so far (``result.duration``; left out when not known).
    """
    statement: dict[str, Any] = {
        "id": statement_id,
        "actor": actor,
        "verb": {"id": VERBS["answered"], "display": {"en": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": question_iri(quiz_id, question_id),
            "definition": {
                "type": ACTIVITY_INTERACTION,
                "name": {"en": _first_line(prompt) or question_id},
                "interactionType": KINDS[kind].interaction_type,
            },
        },
        "result": {
            "score": {"scaled": credit, "raw": credit, "min": 0, "max": 1},
            "success": correct,
            "completion": final,
            "response": response_string(kind, response),
            "extensions": {EXT_RESPONSE: response},
        },
        "context": _context(quiz_id, chapter, attempt_id, registration, seed, try_number, parent=True),
        "timestamp": timestamp(when),
        "version": VERSION,
    }
    if duration is not None:
        statement["result"]["duration"] = duration_text(duration)
    return statement


def finished(
    *,
    verb: str,
    statement_id: str,
    actor: dict,
    quiz_id: str,
    chapter: str,
    title: str,
    answers: Mapping[str, Any],
    points: float,
    max_points: float,
    percentage: float,
    passed: bool,
    complete: bool,
    attempt_id: str,
    when: datetime,
    registration: str | None = None,
    seed: int | None = None,
    duration: float | None = None,
) -> dict:
    """The statement of a finished quiz attempt: ``verb`` is completed, passed or failed; ``duration`` the
    seconds spent on the attempt (``result.duration``; left out when not known)."""
    if verb not in ("completed", "passed", "failed"):
        raise ValueError(f"a finished quiz is completed, passed or failed, not {verb!r}")
    statement: dict[str, Any] = {
        "id": statement_id,
        "actor": actor,
        "verb": {"id": VERBS[verb], "display": {"en": verb}},
        "object": {
            "objectType": "Activity",
            "id": quiz_iri(quiz_id),
            "definition": {"type": ACTIVITY_ASSESSMENT, "name": {"en": _first_line(title) or quiz_id}},
        },
        "result": {
            "score": {"scaled": round(percentage / 100, 4), "raw": points, "min": 0, "max": max_points},
            "success": passed,
            "completion": complete,
            "extensions": {EXT_ANSWERS: dict(answers)},
        },
        "context": _context(quiz_id, chapter, attempt_id, registration, seed, None, parent=False),
        "timestamp": timestamp(when),
        "version": VERSION,
    }
    if duration is not None:
        statement["result"]["duration"] = duration_text(duration)
    return statement


# -- checking what a client sends ------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """The facts quizlib reads from a statement a client sent (it builds the stored one itself)."""

    id: str
    verb: str
    learner_id: str  # actor.account.name
    home_page: str
    quiz_id: str
    chapter: str | None
    attempt_id: str
    seed: int | None
    registration: str | None
    timestamp: datetime
    raw: dict
    duration: float | None  # result.duration in seconds, if sent


@dataclass(frozen=True)
class IncomingAnswer(Incoming):
    """An *answered* statement: one try at one question."""

    question_id: str
    try_number: int
    response: Any  # the JSON response


@dataclass(frozen=True)
class IncomingAttempt(Incoming):
    """A finished attempt (*completed*, or a verdict a client has no business sending)."""

    answers: dict  # question id -> {"tries": [...], "revealed": bool}


def _obj(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise StatementError(path, f"expected an object, found {_kind(value)}")
    return value


def _str(value: Any, path: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value:
        raise StatementError(path, f"expected a non-empty string, found {_kind(value)}")
    if len(value) > limit:
        raise StatementError(path, f"expected at most {limit:,} characters, found {len(value):,}")
    return value


def _show(text: str, limit: int = 60) -> str:
    """A value for a message, cut short: a reason never echoes a long string back."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def _uuid(value: Any, path: str) -> str:
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):  # the usual form: nothing more to check
        return value.lower()
    text = _str(value, path)
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        raise StatementError(
            path, f"expected a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e, found {_show(text)}"
        ) from None
    if str(parsed) != text.lower():
        raise StatementError(path, f"expected a UUID in its usual form (8-4-4-4-12 hex digits), found {_show(text)}")
    return text.lower()


def _int(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise StatementError(path, f"expected a whole number, found {_kind(value)}")
    if not low <= value <= high:
        raise StatementError(path, f"expected a number from {low} to {high}, found {value}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def parse_timestamp(value: Any, path: str = "timestamp") -> datetime:
    """An ISO 8601 timestamp with a time zone (``2026-11-25T10:00:00.000Z``), in UTC.

    A time that cannot be written in UTC between the years 1 and 9999 (``0001-01-01T00:00:00+01:00``) is
    refused like any other that cannot be read. Whether a readable time is believable is for the server to
    decide (:mod:`quizlib.results.ingest` keeps its own clock).
    """
    text = _str(value, path, MAX_TIMESTAMP)
    expected = "expected a time in ISO 8601 such as 2026-11-25T10:00:00.000Z"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise StatementError(path, f"{expected}, found {_show(text)}") from None
    if moment.tzinfo is None:
        raise StatementError(path, f"{expected}: a time with its zone (end it with Z for UTC), found {_show(text)}")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # the zone moves it before the year 1 or after 9999
        raise StatementError(path, f"{expected}, in the years 1 to 9999 in UTC; found {_show(text)}") from None


def _activity_ids(context: dict, key: str) -> list[str]:
    activities = context.get("contextActivities")
    if activities is None:
        return []
    activities = _obj(activities, "context.contextActivities")
    value = activities.get(key, [])
    items = value if isinstance(value, list) else [value]
    ids = []
    for i, item in enumerate(items):
        item = _obj(item, f"context.contextActivities.{key}[{i}]")
        ids.append(_str(item.get("id"), f"context.contextActivities.{key}[{i}].id"))
    return ids


def check(statement: Any) -> IncomingAnswer | IncomingAttempt:
    """Check a statement a client sent and read its facts; raise :class:`StatementError` saying what is wrong.

    This checks form, types and quizlib's identifiers. Whether the quiz, question and response exist and
    fit is for the server to check against the course (see :mod:`quizlib.ingest`).
    """
    s = _obj(statement, "")
    statement_id = _uuid(s.get("id"), "id")
    if "version" in s and (not isinstance(s["version"], str) or not s["version"].startswith("1.0")):
        raise StatementError("version", f"expected an xAPI 1.0.x version such as {VERSION!r}")

    actor = _obj(s.get("actor"), "actor")
    if actor.get("objectType", "Agent") != "Agent":
        raise StatementError("actor.objectType", "expected 'Agent'")
    account = _obj(actor.get("account"), "actor.account")
    home_page = _str(account.get("homePage"), "actor.account.homePage")
    if not _WEB_ADDRESS.fullmatch(home_page):
        # The learner's account is on the course server: its address, never javascript:, data: or the like.
        raise StatementError(
            "actor.account.homePage",
            f"expected the course server's web address (http:// or https://), found {_show(home_page)}",
        )
    learner_id = _str(account.get("name"), "actor.account.name")

    verb_iri = _str(_obj(s.get("verb"), "verb").get("id"), "verb.id")
    verb = VERB_NAMES.get(verb_iri)
    if verb is None:
        raise StatementError("verb.id", f"expected one of {', '.join(VERBS.values())}, found {_show(verb_iri)}")

    obj = _obj(s.get("object"), "object")
    if obj.get("objectType", "Activity") != "Activity":
        raise StatementError("object.objectType", "expected 'Activity'")
    object_id = _str(obj.get("id"), "object.id")
    question_id = None
    if verb == "answered":
        m = _QUESTION_IRI.fullmatch(object_id)
        if not m:
            raise StatementError(
                "object.id",
                f"expected a question, urn:quizlib:quiz:<quiz>:question:<question>, found {_show(object_id)}",
            )
        quiz_id, question_id = m.group(1), m.group(2)
    else:
        m = _QUIZ_IRI.fullmatch(object_id)
        if not m:
            raise StatementError("object.id", f"expected a quiz, urn:quizlib:quiz:<quiz>, found {_show(object_id)}")
        quiz_id = m.group(1)

    result = _obj(s.get("result", {}), "result")
    result_ext = _obj(result.get("extensions", {}), "result.extensions")
    context = _obj(s.get("context"), "context")
    ctx_ext = _obj(context.get("extensions"), "context.extensions")
    attempt_id = _uuid(ctx_ext.get(EXT_ATTEMPT), f"context.extensions[{EXT_ATTEMPT}]")
    seed = None
    if ctx_ext.get(EXT_SEED) is not None:
        seed = _int(ctx_ext[EXT_SEED], f"context.extensions[{EXT_SEED}]", 0, _SEED_MAX)
    registration = None
    if context.get("registration") is not None:
        registration = _uuid(context["registration"], "context.registration")
    parents = _activity_ids(context, "parent")
    if verb == "answered" and parents and quiz_iri(quiz_id) not in parents:
        raise StatementError("context.contextActivities.parent", f"expected the question's quiz {quiz_iri(quiz_id)}")
    chapter = None
    for iri in _activity_ids(context, "grouping"):
        m = _CHAPTER_IRI.fullmatch(iri)
        if m:
            chapter = m.group(1)

    common: dict[str, Any] = {
        "id": statement_id,
        "verb": verb,
        "learner_id": learner_id,
        "home_page": home_page,
        "quiz_id": quiz_id,
        "chapter": chapter,
        "attempt_id": attempt_id,
        "seed": seed,
        "registration": registration,
        "timestamp": parse_timestamp(s.get("timestamp")),
        "raw": s,
        "duration": parse_duration(result["duration"]) if result.get("duration") is not None else None,
    }
    _check_score(result)
    if question_id is not None:
        try_number = _int(ctx_ext.get(EXT_TRY), f"context.extensions[{EXT_TRY}]", 1, 1000)
        if EXT_RESPONSE not in result_ext:
            raise StatementError(f"result.extensions[{EXT_RESPONSE}]", "expected the response as JSON")
        return IncomingAnswer(
            **common, question_id=question_id, try_number=try_number, response=result_ext[EXT_RESPONSE]
        )
    raw_answers = _obj(result_ext.get(EXT_ANSWERS), f"result.extensions[{EXT_ANSWERS}]")
    if len(raw_answers) > MAX_ANSWERS:
        raise StatementError(
            f"result.extensions[{EXT_ANSWERS}]", f"expected at most {MAX_ANSWERS} answers, found {len(raw_answers):,}"
        )
    answers = {}
    for qid, answer in raw_answers.items():
        if len(qid) > 200:
            raise StatementError(f"result.extensions[{EXT_ANSWERS}]", f"expected question ids, found {_show(qid)}")
        path = f"result.extensions[{EXT_ANSWERS}].{qid}"
        answer = _obj(answer, path)
        tries = answer.get("tries", [])
        if not isinstance(tries, list):
            raise StatementError(f"{path}.tries", f"expected a list of responses, found {_kind(tries)}")
        revealed = answer.get("revealed", False)
        if not isinstance(revealed, bool):
            raise StatementError(f"{path}.revealed", f"expected true or false, found {_kind(revealed)}")
        answers[qid] = {"tries": tries, "revealed": revealed}
    return IncomingAttempt(**common, answers=answers)


def _check_score(result: dict) -> None:
    score = result.get("score")
    if score is not None:
        scaled = _obj(score, "result.score").get("scaled")
        if scaled is not None and (
            isinstance(scaled, bool) or not isinstance(scaled, (int, float)) or not -1 <= scaled <= 1
        ):  # NaN fails the comparison; an int of 400 digits is compared as it is, never made a float
            raise StatementError("result.score.scaled", "expected a number from -1 to 1")
