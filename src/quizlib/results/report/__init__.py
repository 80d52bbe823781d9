"""Reports over stored results: progress, completion and pass rates, score distributions, item analysis, CSV.

Pure functions over plain records; no database, no I/O. The results store yields the records
below (through :mod:`quizlib.results.source`) and the server's pages, the CSV endpoints and ``reports/dashboard.ipynb`` call these functions.

Records the store yields (the interface between ``store.py`` and this module)
--------------------------------------------------------------------------------
=========================  =========================================================================================
record (``Store`` method)  what it is
=========================  =========================================================================================
:class:`QuestionScore`     one question in one finished quiz attempt, after all its tries (the server re-scores
(``question_scores``)      responses with ``quizlib.score``; ``credit`` is ``QuestionOutcome.credit``). For a drawn
                           assessment ``question_id`` is ``"<bank>/<id>"``, as ``quiz.draw.draw_questions`` names it.
                           ``first_response`` is the JSON response of the first try, ``None`` if never answered.
:class:`AttemptScore`      one *finished* quiz attempt (``score.QuizResult.percentage``; ``passed`` against the
(``attempt_scores``)       quiz's own pass mark: an assignment's pass mark is applied here, in progress).
:class:`Started`           an attempt begun (answered at least once), finished or not: who has started.
(``started``)
:class:`Cohort`            a cohort: id and the name trainers gave it.
(``report_cohorts``)
:class:`Enrolment`         a learner in a cohort: the pseudonymous learner id and the display name they chose.
(``enrolments``)
:class:`Assignment`        quizzes assigned to a cohort, with an optional pass mark and a due date (a day in the
                           cohort's time zone).
(``report_assignments``)
=========================  =========================================================================================

``attempt_number`` counts a learner's finished attempts at one quiz from 1, in the order they finished. ``attempt_id`` is unique across the course
(a UUID). ``cohort`` is ``""`` for a learner in no cohort. Datetimes should be timezone-aware UTC; naive ones
(SQLite returns them) are read as UTC.

A *module* is a chapter with its quizzes (``Quiz.chapter``, e.g. ``"chapters/02-sensitivity"``); the final
assessment is the module of its own chapter. An assignment names the quizzes a learner must pass.
*Started*, *finished*, *passed* and *overdue* are defined once, in :mod:`quizlib.results.report.progress`.

Every function takes iterables and reads each once, so a store can stream rows (``yield``) instead of
building lists: item analysis over a million answers keeps a few compact arrays, not the records.

Tables are lists of dataclass rows; :func:`to_csv` writes any of them as RFC 4180 CSV.

The package: ``records`` (the records above, modules), ``progress`` (the one definition of started, finished,
passed and overdue), ``rates`` (completion, pass rates, score distributions), ``items`` (item analysis),
``review`` (a learner's attempts question by question) and ``csv``; everything public is importable from here.
"""

from __future__ import annotations

from quizlib.results.report.csv import (
    csv_pieces,
    to_csv,
)
from quizlib.results.report.items import (
    DISCRIMINATION_WEAK,
    FACILITY_HIGH,
    FACILITY_LOW,
    FLAGS,
    MARK_SCALE,
    MIN_RESPONSES,
    NO_RESPONSE,
    ItemAnalysis,
    ItemRow,
    ItemSums,
    ResponseRow,
    analyse_item_sums,
    analyse_items,
    freeze_response,
    item_analysis,
    item_sums,
    median,
    response_frequencies,
)
from quizlib.results.report.progress import (
    DEFAULT_TIME_ZONE,
    AssignmentProgress,
    Period,
    ProgressRow,
    QuizProgress,
    assignment_progress,
    day_starts,
    due_ends,
    learner_progress,
    overdue_learners,
    time_zone,
    time_zone_names,
    today,
)
from quizlib.results.report.rates import (
    ALL,
    QuizSummaryRow,
    RateRow,
    ScoreBin,
    completion_rates,
    quiz_summary,
    score_distribution,
)
from quizlib.results.report.records import (
    Assignment,
    AttemptScore,
    Cohort,
    Enrolment,
    Module,
    QuestionScore,
    ReportError,
    Started,
    course_modules,
    percent,
    ratio,
)
from quizlib.results.report.review import (
    AttemptReview,
    Finished,
    QuestionReview,
    Try,
    describe,
    review_attempts,
)

__all__ = [
    "ALL",
    "DEFAULT_TIME_ZONE",
    "DISCRIMINATION_WEAK",
    "FACILITY_HIGH",
    "FACILITY_LOW",
    "FLAGS",
    "MARK_SCALE",
    "MIN_RESPONSES",
    "NO_RESPONSE",
    "Assignment",
    "AssignmentProgress",
    "AttemptReview",
    "AttemptScore",
    "Cohort",
    "Enrolment",
    "Finished",
    "ItemAnalysis",
    "ItemRow",
    "ItemSums",
    "Module",
    "Period",
    "ProgressRow",
    "QuestionReview",
    "QuestionScore",
    "QuizProgress",
    "QuizSummaryRow",
    "RateRow",
    "ReportError",
    "ResponseRow",
    "ScoreBin",
    "Started",
    "Try",
    "analyse_item_sums",
    "analyse_items",
    "assignment_progress",
    "completion_rates",
    "course_modules",
    "csv_pieces",
    "day_starts",
    "describe",
    "due_ends",
    "freeze_response",
    "item_analysis",
    "item_sums",
    "learner_progress",
    "median",
    "overdue_learners",
    "percent",
    "quiz_summary",
    "ratio",
    "response_frequencies",
    "review_attempts",
    "score_distribution",
    "time_zone",
    "time_zone_names",
    "to_csv",
    "today",
]
