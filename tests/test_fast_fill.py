"""The benchmarks' fast fill (benchmarks/fast_fill.py) stores what the server's ingest stores.

From one database with cohorts, assignments and learners, two copies are filled with the same answers:

- **the real path**: learners answer every quiz (the benchmarks' simulated learners), each attempt scored by the
  ingest (``Ingestor.score``, or ``Ingestor.submitted`` for the final assessment) and stored by
  ``Store.add_statements`` in random batches; one more learner's browser sends a copy of another learner's
  statements (its own ids, a week and a bit later), through the ingest again;
- **the fast path**: the same records written by ``FastWriter`` (the sqlite3 driver's executemany, then the item
  sums rebuilt), and the copy made by ``copy_rows`` from the other learner's records, as the fill makes every
  learner of a benchmark's database.

Every table the store writes for statements holds the same rows (the moment they were stored aside), and the
reports read from the two are equal: item analysis (from the kept sums and afresh), progress, the lead's
tables.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizlib.results import report, xapi
from quizlib.results.demo import DEMO_HOME_PAGE, question_traits
from quizlib.results.ingest import Ingestor
from quizlib.results.source import ReportSource
from quizlib.results.store import IssuedAttempt, Store
from quizlib.server.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import fast_fill

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)

# Every table a stored statement writes to, with its key (to compare in order) and what may differ: the moment
# the store stored it (a benchmark's fill stores everything at one moment, a live server request by request).
TABLES = {
    "statements": ("id", {"stored"}),
    "lrs_outbox": ("statement_id", {"queued_at"}),
    "attempt_results": ("quiz_id, learner_id, completed_at, statement_id", set()),
    "question_results": ("quiz_id, learner_id, completed_at, statement_id, position", set()),
    "begun_attempts": ("learner_id, quiz_id, attempt_id", set()),
    "item_sums": ("quiz_id, question_id", set()),
    "item_responses": ("quiz_id, question_id, response_key", set()),
    "item_times": ("quiz_id, question_id, seconds", set()),
    "item_time_seconds": ("quiz_id, question_id, second", set()),
    "learners": ("id", set()),
    "attempts": ("id", set()),
}


def rows_of(path: Path) -> dict[str, list[tuple]]:
    out = {}
    with sqlite3.connect(path) as c:
        for table, (key, ignored) in TABLES.items():
            cursor = c.execute(f"SELECT * FROM {table} ORDER BY {key}")
            names = [d[0] for d in cursor.description]
            rows = []
            for row in cursor:
                kept = dict(zip(names, row))
                for name in ignored:
                    kept.pop(name)
                if kept.get("count", kept.get("n")) == 0 and table.startswith("item_"):
                    continue  # a count that fell to 0 (a first attempt displaced by an earlier one) says nothing
                if table == "statements":
                    statement = json.loads(kept["statement"])
                    del statement["stored"]
                    kept["statement"] = statement
                rows.append(tuple(sorted(kept.items(), key=lambda kv: kv[0])))
            out[table] = rows
    return out


def reports_of(path: Path, catalogue) -> dict:
    store = Store(f"sqlite:///{path}")
    try:
        course = catalogue.course
        source = ReportSource(store)
        inputs = source.progress_inputs()
        progress = report.learner_progress(
            inputs.enrolments,
            inputs.assignments,
            inputs.attempts,
            course,
            started=inputs.started,
            cohorts=inputs.cohorts,
            now=NOW,
        )
        afresh = report.analyse_items(
            source.iter_question_scores(first_only=True), course, attempts=source.iter_attempt_scores(first_only=True)
        )
        return {
            "items from sums": source.item_analysis(course),
            "items afresh": afresh,
            "one quiz": source.item_analysis(course, quiz_id="sensitivity"),
            "progress": progress,
            "rates": report.completion_rates(progress, by=("cohort", "module")),
            "overdue": report.overdue_learners(progress),
            "summary": report.quiz_summary(inputs.attempts, course),
            "distribution": report.score_distribution(inputs.attempts, which="first"),
            "answers": source.question_scores(),
        }
    finally:
        store.close()


def copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as a, sqlite3.connect(target) as b:
        a.backup(b)


def replay(store: Store, course, ingestor: Ingestor, learner, template: fast_fill.Template, ids, shift) -> int:
    """What ``learner``'s browser sends when it sends a copy of the template's statements (the ids of ``ids``,
    every moment ``shift`` later), through the ingest and the store, one attempt per request; a summative
    attempt submitted to the server, which makes its statements. Returns the statements stored."""
    replace = {**ids, template.learner_id: learner.id}
    stored = 0
    by_attempt: dict[str, list] = {}
    for record, texts in zip(template.records, template.texts):
        by_attempt.setdefault(record.attempt_id, []).append((record, texts))
    assert len(by_attempt) > 5
    for attempt_id, sent in by_attempt.items():
        quiz = course.quizzes[sent[0][0].quiz_id]
        moments = {fast_fill._iso(r.timestamp): fast_fill._iso(r.timestamp + shift) for r, _ in sent}
        if quiz.summative:
            completed = next(r for r, _ in sent if r.verb == "completed")
            extensions = completed.statement["result"]["extensions"]
            when = completed.timestamp + shift
            issued = IssuedAttempt(
                id=ids[attempt_id],
                learner_id=learner.id,
                quiz_id=quiz.id,
                number=1,
                seed=completed.statement["context"]["extensions"][xapi.EXT_SEED],
                registration=None,
                started_at=when - timedelta(seconds=completed.detail["duration"]),
                deadline=None,
                submitted_at=None,
                percentage=None,
                passed=None,
                result=None,
            )
            answers = {
                qid: {"tries": a["tries"][:1], "revealed": False} for qid, a in extensions[xapi.EXT_ANSWERS].items()
            }
            durations = {
                q["question_id"]: q["duration"] for q in completed.detail["questions"] if q["duration"] is not None
            }
            records = ingestor.submitted(
                learner, quiz, issued, answers, durations, pass_mark=quiz.settings.pass_mark, when=when
            )[1]
        else:
            payload = [
                # As the template's browser sent it (its keys in its order), the ids and moments replaced.
                json.loads(fast_fill.joined(fast_fill.pieces(json.dumps(r.received)), {**replace, **moments}))
                for r, _ in sent
                if r.verb in ("answered", "completed")  # the verdict is the server's
            ]
            records = ingestor.score(learner, payload).records
        stored += sum(store.add_statements(records))
    return stored


@pytest.mark.parametrize("seed", [3, 4])
def test_the_fast_fill_stores_what_the_ingest_stores(tmp_path, seed):
    catalogue = load_catalogue(ROOT)
    course = catalogue.course
    base = tmp_path / "base.sqlite3"
    store = Store(f"sqlite:///{base}")
    store.upgrade()
    learner_ids = fast_fill.people(store, catalogue.modules, 2, 4, seed)
    learners = [store.learner(i) for i in learner_ids]
    rng = random.Random(seed)
    traits = {(q.id, x.id): question_traits(q.id, x, seed) for q in course.quizzes.values() for x in q.questions}
    ingestor = Ingestor(course, store, DEMO_HOME_PAGE)
    records, answers = [], 0
    for learner in learners[:3]:
        mine, n = fast_fill.learner_records(
            ingestor, course, rng, learner, traits, fast_fill.START + timedelta(days=rng.randint(0, 60))
        )
        records.append(mine)
        answers += n
    store.close()
    assert 300 <= answers <= 600  # a few hundred answers, a few retakes among them
    template = fast_fill.template_of(learners[0].id, records[0], 0, NOW)
    copy, shift = learners[3], timedelta(days=8, seconds=3_601)

    real, fast = tmp_path / "real.sqlite3", tmp_path / "fast.sqlite3"
    copy_database(base, real)
    copy_database(base, fast)

    # The real path: the store, in random batches of whole requests (attempts), in any order.
    store = Store(f"sqlite:///{real}")
    flat = [r for mine in records for r in mine]
    by_attempt: dict[str, list] = {}
    for r in flat:
        by_attempt.setdefault(r.attempt_id, []).append(r)
    groups = list(by_attempt.values())
    rng.shuffle(groups)
    while groups:
        take = rng.randint(1, 8)
        batch, groups = groups[:take], groups[take:]
        assert all(store.add_statements([r for g in batch for r in g]))
    ids = fast_fill.new_ids(template, random.Random(seed + 1000))
    copied = replay(store, course, Ingestor(course, store, DEMO_HOME_PAGE), copy, template, ids, shift)
    assert copied == len(template.records)
    store.close()

    # The fast path.
    rows = fast_fill.Rows.empty()
    fast_fill.add_records(rows, flat, NOW)
    fast_fill.copy_rows(template, rows, copy.id, shift, random.Random(seed + 1000), NOW)
    writer = fast_fill.FastWriter(fast)
    writer.write(rows, NOW)
    writer.finish()

    stored_real, stored_fast = rows_of(real), rows_of(fast)
    assert stored_real["statements"] and stored_real["question_results"] and stored_real["item_sums"]
    assert stored_real["begun_attempts"]
    for table in TABLES:
        assert stored_fast[table] == stored_real[table], table
    a, b = reports_of(real, catalogue), reports_of(fast, catalogue)
    assert a["items from sums"].items and a["progress"] and a["answers"]
    assert a["items from sums"] == a["items afresh"]
    for name in a:
        assert b[name] == a[name], name
