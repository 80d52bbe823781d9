"""How big the LMS packages are and how long packaging takes, from a built book.

    python benchmarks/packages.py [--book _build/html] [--repeat 3]

Prints each format's zip size and the time to package the whole course (best of --repeat), then the time for
all five formats together. Build the book first (jupyter-book build .).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from quizlib.fronts.packages import FORMATS, Options, build

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default=str(ROOT / "_build" / "html"), help="the built book")
    parser.add_argument("--repeat", type=int, default=3, help="runs per format; the best is printed")
    args = parser.parse_args()
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        variants = [(fmt, Options()) for fmt in FORMATS] + [("scorm2004", Options(edition=4))]
        for fmt, options in variants:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                built = build(Path(args.book), ROOT, fmt, (), Path(tmp), options)
                times.append(time.perf_counter() - started)
            total += min(times)
            label = fmt + (" (4th)" if options.edition == 4 else "")
            print(f"{label:18} {built.size:>12,} bytes  {built.files:4} files  packaged in {min(times):6.2f} s")
    print(f"all six packages of the whole course: {total:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
