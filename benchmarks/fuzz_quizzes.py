"""Stress: hostile quiz files through the loader (a figure, not a test).

Makes ``--files`` mutants of the course's quiz files with the seeded generator in ``tests/quizfuzz.py`` and
loads each with ``quizlib.quiz.load.check``, as ``quizlib validate`` does. Prints how many raised an exception
(and where), how many broke a promise (a problem not on one line, on a line outside the file, on the wrong
line for a character or field; more than 2 s), the slowest files, and the process's peak memory. Then loads
the whole course 200 times in this one process and prints how much memory that kept.

    .venv/bin/python benchmarks/fuzz_quizzes.py [--files 10000] [--seed 14] [--timeout 30]

``--timeout`` stops any one file after that many seconds (counted as a failure), so a run on a loader that
hangs still ends.
"""

from __future__ import annotations

import argparse
import collections
import gc
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import quizfuzz

from quizlib.quiz import load


class _Stopped(BaseException):  # not an Exception: quizfuzz.check lets it through
    pass


def _alarm(signum, frame):
    raise _Stopped()


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--reloads", type=int, default=200)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="quizfuzz-"))
    shutil.copy(quizfuzz.QUIZZES / "references.yaml", folder)
    signal.signal(signal.SIGALRM, _alarm)
    exceptions: collections.Counter[str] = collections.Counter()
    failures: collections.Counter[str] = collections.Counter()
    examples: dict[str, str] = {}
    times: list[tuple[float, str]] = []
    stopped = 0
    problems = 0
    started = time.perf_counter()
    try:
        for n, (name, mutant) in enumerate(quizfuzz.mutants(args.seed, args.files), start=1):
            signal.alarm(args.timeout)
            try:
                outcome = quizfuzz.check(folder, name, mutant)
            except _Stopped:
                stopped += 1
                failures["stopped after the timeout"] += 1
                examples.setdefault("stopped after the timeout", mutant.name)
                times.append((float(args.timeout), mutant.name))
                continue
            finally:
                signal.alarm(0)
            times.append((outcome.seconds, mutant.name))
            problems += len(outcome.problems)
            if outcome.exception:
                key = outcome.exception.split(":")[0] + ": " + outcome.exception.split(": ", 1)[0].split(" in ")[-1]
                exceptions[key] += 1
                examples.setdefault(key, f"{mutant.name}: {outcome.exception[:160]}")
            for f in outcome.failures:
                kind = f.split(":")[0] if not f.startswith("took") else "over 2 s"
                kind = "expected a problem on another line" if kind.startswith("expected a problem") else kind
                failures[kind] += 1
                examples.setdefault(kind, f"{mutant.name}: {f[:160]}")
            if n % 500 == 0:
                print(f"  {n} files, {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times.sort(reverse=True)
    print(f"quiz files fuzzed (seed {args.seed}): {args.files:,} in {time.perf_counter() - started:.0f} s")
    print(f"problems reported: {problems:,}")
    print(f"files that raised an exception: {sum(exceptions.values()):,}")
    for key, count in exceptions.most_common():
        print(f"  {count:6,}  {key}   e.g. {examples[key]}")
    print(f"files that broke a promise: {sum(failures.values()):,}")
    for key, count in failures.most_common():
        print(f"  {count:6,}  {key}   e.g. {examples[key]}")
    print(f"slowest file: {times[0][0]:.2f} s ({times[0][1]}); over 2 s: {sum(1 for t, _ in times if t > 2):,}")
    print(f"peak memory of this process: {peak:.0f} MB")

    # The whole course loaded again and again in one process (a server, a notebook kernel).
    course_folder = ROOT / "quizzes"
    load.load_course(course_folder)
    gc.collect()
    before = _rss_mb()
    for _ in range(args.reloads):
        load.load_course(course_folder)
    gc.collect()
    print(f"memory kept after loading the course {args.reloads} times: {_rss_mb() - before:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
