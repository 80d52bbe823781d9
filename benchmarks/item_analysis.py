"""Benchmark: item analysis over 1,000,000 stored answers (a figure to print, not a timed test).

1. Fills a real database (a temporary SQLite file by default, or --database URL) with finished quiz attempts
   at the course's real quizzes: learners of varied ability answer every question (a second try where the
   quiz allows one), some retake a quiz. Each attempt goes through the server's ingest logic as a browser
   sends it, its *answered* statements then its *completed* one (``Ingestor.score``, which checks it and
   re-scores it over the answers recorded for the attempt); an attempt at the summative final assessment as
   the server scores a submitted one (``Ingestor.submitted``). The records of many learners are stored in one
   transaction (``Store.add_statements``, which writes each finished attempt's narrow result rows with it):
   the completed statements and verdicts, and with ``--answered`` the *answered* statements too, as a live
   course would, to measure reading past them (item analysis never reads them).
2. Times, end to end, streaming first attempts' records from the store into the item analysis (with
   response frequencies and flags), as the course lead's page does; then the same from lists of every
   attempt; then the computation alone on records already in memory. Measures the peak memory of each with
   tracemalloc (in a separate run: tracing slows Python down).

    .venv/bin/python benchmarks/item_analysis.py                 # 1,000,000 answers, temporary SQLite
    .venv/bin/python benchmarks/item_analysis.py --answers 50000 # a quick look
    .venv/bin/python benchmarks/item_analysis.py --database sqlite:///var/bench.sqlite3 --keep
    .venv/bin/python benchmarks/item_analysis.py --database sqlite:///var/bench.sqlite3 --reuse  # time only

``--reuse`` on a database made by an older quizlib upgrades it first and prints how long that took (the
migration that fills the result tables from the stored statements).
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from quizlib.quiz import draw, score
from quizlib.quiz.load import load_course
from quizlib.results import (
    report,
    xapi,
)
from quizlib.results.demo import DEMO_HOME_PAGE, SimulatedLearner, question_traits
from quizlib.results.ingest import Ingestor
from quizlib.results.source import ReportSource
from quizlib.results.store import IssuedAttempt, Store, current_revision, head_revision

STORE_AT_ONCE = 5000  # statement records stored per transaction while filling


def attempts_for(course, rng, learner_id, ability, traits, start):
    """A learner's attempts at every quiz: each ``("sent", statements)`` (what a browser sends for a practice
    quiz) or ``("submitted", quiz, attempt, answers)`` (a summative attempt the server scores); and the
    number of answers."""
    person = SimulatedLearner(rng, ability)
    actor = xapi.agent(learner_id, DEMO_HOME_PAGE)
    clock = start
    attempts: list[tuple] = []
    answers_stored = 0
    for quiz in course.quizzes.values():
        if not (quiz.questions or quiz.draw):
            continue
        for number in (1, 2):
            if number == 2 and rng.random() > 0.15:
                break
            seed = rng.getrandbits(32) if quiz.draw else None
            shown = draw.draw_questions(quiz, course.quizzes, seed) if quiz.draw else quiz.questions
            attempt_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            answers = {}
            sent: list[dict] = []
            for question in shown:
                bank, _, own = question.id.rpartition("/")
                t = traits[(bank or quiz.id, own)]
                limit = 1 if question.kind == "vignette" else quiz.settings.tries
                tries = []
                for n in range(limit):
                    tries.append(
                        person.respond(question, t, 0.5 * (number - 1) + 1.2 * n, avoid=tries[-1] if tries else None)
                    )
                    clock += timedelta(seconds=rng.randint(20, 120))
                    sent.append(_answered(actor, quiz, question, tries, attempt_id, clock, seed))
                    if score.score_response(question, tries[-1], quiz.settings).correct:
                        break
                answers[question.id] = {"tries": tries, "revealed": False}
            answers_stored += len(shown)
            if quiz.summative:
                issued = IssuedAttempt(
                    id=attempt_id,
                    learner_id=learner_id,
                    quiz_id=quiz.id,
                    number=number,
                    seed=seed if seed is not None else 0,
                    registration=None,
                    started_at=start,
                    deadline=None,
                    submitted_at=None,
                    percentage=None,
                    passed=None,
                    result=None,
                )
                attempts.append(("submitted", quiz, issued, answers, clock))
                continue
            result = score.score_quiz(quiz, answers, shown)
            sent.append(
                xapi.finished(
                    verb="completed",
                    statement_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    actor=actor,
                    quiz_id=quiz.id,
                    chapter=quiz.chapter,
                    title=quiz.title,
                    answers=answers,
                    points=result.points,
                    max_points=result.max_points,
                    percentage=result.percentage,
                    passed=result.passed,
                    complete=True,
                    attempt_id=attempt_id,
                    when=clock,
                    seed=seed,
                )
            )
            attempts.append(("sent", sent))
    return attempts, answers_stored


def _answered(actor, quiz, question, tries, attempt_id, when, seed):
    o = score.outcome(question, tries, quiz.settings)
    return xapi.answered(
        statement_id=str(uuid.uuid4()),
        actor=actor,
        quiz_id=quiz.id,
        chapter=quiz.chapter,
        question_id=question.id,
        kind=question.kind,
        prompt=question.prompt,
        response=tries[-1],
        try_number=len(tries),
        attempt_id=attempt_id,
        credit=o.credit,
        correct=o.last.correct,
        final=o.final,
        when=when,
        seed=seed,
    )


def fill(store: Store, course, target: int, answered: bool, seed: int) -> tuple[int, int, float]:
    """Learners until ``target`` answers are stored; returns (answers, learners, seconds)."""
    rng = random.Random(seed)
    traits = {
        (quiz.id, q.id): question_traits(quiz.id, q, seed) for quiz in course.quizzes.values() for q in quiz.questions
    }
    ingestor = Ingestor(course, store, DEMO_HOME_PAGE)
    trainer = store.add_staff(f"bench-trainer-{seed}", "trainer", "not-a-password-hash", must_change_password=True)
    cohort = store.add_cohort("Benchmark cohort", trainer.id)
    stored = learners = 0
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    pending = []
    while stored < target:
        learner, _ = store.add_learner(cohort.id, f"Learner {learners + 1}")
        attempts, n = attempts_for(course, rng, learner.id, rng.gauss(0, 1), traits, start)
        for attempt in attempts:
            if attempt[0] == "sent":  # one request per attempt: its answers, then its completed statement
                records = ingestor.score(learner, attempt[1]).records
            else:
                _, quiz, issued, answers, when = attempt
                records = ingestor.submitted(
                    learner, quiz, issued, answers, {}, pass_mark=quiz.settings.pass_mark, when=when
                )[1]
            pending += records if answered else [r for r in records if r.verb != "answered"]
        stored += n
        learners += 1
        if len(pending) >= STORE_AT_ONCE or stored >= target:
            store.add_statements(pending)
            pending = []
        if learners % 200 == 0:
            rate = stored / (time.perf_counter() - began)
            print(f"  ... {stored:,} answers stored ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    return stored, learners, time.perf_counter() - began


def end_to_end(store: Store, course):
    """What the course lead's item-analysis page does: first attempts only, streamed."""
    return report.analyse_items(
        ReportSource(store).iter_question_scores(first_only=True),
        course,
        attempts=ReportSource(store).iter_attempt_scores(first_only=True),
    )


def from_lists(store: Store, course):
    """Lists of every attempt's records, then the analysis (the notebook's way, and the only way before)."""
    records = ReportSource(store).question_scores()
    attempts = ReportSource(store).attempt_scores()
    analysis = report.analyse_items(records, course, attempts=attempts)
    return records, attempts, analysis


def timed(fn, *args):
    gc.collect()
    began = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - began


def peak_memory(fn, *args) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers to store (default: 1,000,000)")
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    parser.add_argument("--reuse", action="store_true", help="time an already filled --database; store nothing")
    parser.add_argument("--answered", action="store_true", help="also store an answered statement per try")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    course = load_course(ROOT / "quizzes")
    folder = None
    url = args.database
    if url is None:
        folder = tempfile.mkdtemp(prefix="quizlib-bench-", dir=os.environ.get("TMPDIR", "/var/tmp"))
        url = f"sqlite:///{folder}/bench.sqlite3"
    store = Store(url)
    before = current_revision(store.engine)
    (_, upgraded) = timed(store.upgrade)
    print(f"database: {url} ({store.backend})")
    if before not in (None, head_revision()):
        print(f"upgraded the schema from {before} to {head_revision()} in {upgraded:,.1f} s")
    if not args.reuse:
        print(
            f"storing {args.answers:,} answers through the ingest logic{' with answered statements' if args.answered else ''}..."
        )
        stored, learners, seconds = fill(store, course, args.answers, args.answered, args.seed)
        print(
            f"stored {stored:,} answers by {learners:,} learners in {seconds:,.1f} s ({stored / seconds:,.0f} answers/s); "
            f"{store.count_statements():,} statements"
        )
    if folder:
        size = sum(p.stat().st_size for p in Path(folder).glob("bench.sqlite3*"))
        print(f"database size: {size / 1e6:,.0f} MB")

    # Best and median of three: on a shared virtual machine one run can be a fifth slower than the next.
    runs = [timed(end_to_end, store, course) for _ in range(3)]
    analysis = runs[0][0]
    e2e, e2e_median = min(t for _, t in runs), statistics.median(t for _, t in runs)
    del runs
    rss_streamed = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (records, attempts, full), lists = timed(from_lists, store, course)
    n = len(records)
    first = sum(1 for r in records if r.attempt_number == 1)
    print(
        f"\n{n:,} answers stored ({first:,} on first attempts) in {len(attempts):,} finished attempts; "
        f"{len(analysis.items):,} item rows, {len(analysis.responses):,} response rows, "
        f"{sum(1 for i in analysis.items if i.flags and i.flags != ('few-responses',)):,} flagged; "
        f"the streamed analysis {'equals' if analysis == full else 'DIFFERS FROM'} the one from lists"
    )
    print(
        f"end to end, streamed (Store.iter_question_scores + iter_attempt_scores, first attempts, + analyse_items): "
        f"{e2e:.2f} s best of 3 (median {e2e_median:.2f} s), {n / e2e:,.0f} answers/s"
    )
    print(
        f"end to end, lists of every attempt (Store.question_scores + attempt_scores + analyse_items):             "
        f"{lists:.2f} s, {n / lists:,.0f} answers/s"
    )
    analyse = functools.partial(report.analyse_items, records, course, attempts=attempts)
    _, alone = timed(analyse)
    print(
        f"report.analyse_items alone (records in memory):                                                          "
        f"{alone:.2f} s, {n / alone:,.0f} answers/s"
    )

    del analysis, full
    peak_analysis = peak_memory(analyse)
    del records, attempts, analyse
    peak_lists = peak_memory(from_lists, store, course)
    peak_e2e = peak_memory(end_to_end, store, course)
    print(
        f"\npeak memory traced (tracemalloc): end to end streamed {peak_e2e / 1e6:,.0f} MB; from lists "
        f"{peak_lists / 1e6:,.0f} MB; analysis alone {peak_analysis / 1e6:,.0f} MB"
    )
    print(
        f"peak resident set of this process: {rss_streamed / 1e3:,.0f} MB up to the end of the streamed run"
        f"{' (which includes filling the database: use --reuse for the analysis alone)' if not args.reuse else ''}, "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:,.0f} MB in all"
    )
    store.close()
    if folder and not args.keep:
        for p in Path(folder).glob("bench.sqlite3*"):
            p.unlink()
        for p in Path(folder).glob("*"):
            p.unlink()
        os.rmdir(folder)
    elif folder:
        print(f"kept {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
