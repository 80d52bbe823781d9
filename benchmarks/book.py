"""Book figures: build time (clean, no-op, one chapter's prose edited, one code cell edited) and what a
learner's browser downloads for a chapter page with its quiz. Prints figures; asserts nothing.

A prose edit is timed five times (a new sentence each time) and the median printed, with the number of pages
Sphinx re-read for it (issue 13's target: one page, in at most 3 s).

    .venv/bin/python benchmarks/book.py            # the course book
    .venv/bin/python benchmarks/book.py --smoke    # the tests' small book: the script works, quickly
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JB = str(Path(sys.executable).with_name("jupyter-book"))
PAGE = "chapters/04-meta-analyses.html"
EDITED = "chapters/02-sensitivity.md"


PROSE_EDITS = 5
_CHANGED = re.compile(r"(\d+) added, (\d+) changed, (\d+) removed")


def build(src: Path, out: Path) -> float:
    return build_reading(src, out)[0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build_reading(src: Path, out: Path) -> tuple[float, int, float]:
    """Build; return the seconds it took, how many pages Sphinx read (added or changed), and the processor
    seconds it used (which other work on the machine does not inflate)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(
        [JB, "build", str(src), "--path-output", str(out), "-W", "-n", "--keep-going"],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    found = _CHANGED.search(re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout))
    return seconds, (int(found[1]) + int(found[2])) if found else -1, _children_cpu() - cpu


def page_weight(html_dir: Path, page: str) -> dict:
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    responses = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        pg = browser.new_page()
        pg.on("response", lambda r: responses.append(r))
        pg.goto(f"http://127.0.0.1:{server.server_port}/{page}")
        pg.wait_for_load_state("networkidle")
        sizes = [(r.url, len(r.body())) for r in responses if r.ok]
        browser.close()
    server.shutdown()
    server.server_close()
    html = (html_dir / page).read_bytes()
    return {
        "requests": len(sizes),
        "bytes": sum(s for _, s in sizes),
        "html_bytes": len(html),
        "off_host": [u for u, _ in sizes if not u.startswith("http://127.0.0.1")],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="a quick run on the tests' small book (figures not meaningful)"
    )
    args = parser.parse_args()
    page, edited = PAGE, EDITED
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "book"
        if args.smoke:
            sys.path.insert(0, str(ROOT / "tests"))
            from conftest import write_minibook

            write_minibook(src)
            page, edited = "chapters/kinds.html", "chapters/exam.md"
        else:
            shutil.copytree(
                ROOT, src, ignore=shutil.ignore_patterns(".venv", "_build", ".git", "var", "*.sqlite3", "node_modules")
            )
        out = Path(tmp) / "out"
        clean = build(src, out)
        noop = build(src, out)
        chapter = src / edited
        prose_runs = []
        for n in range(PROSE_EDITS):
            chapter.write_text(chapter.read_text() + f"\nSentence {n + 1} added for the benchmark.\n")
            prose_runs.append(build_reading(src, out))
        prose = statistics.median(seconds for seconds, _, _ in prose_runs)
        prose_cpu = statistics.median(cpu for _, _, cpu in prose_runs)
        re_read = sorted({pages for _, pages, _ in prose_runs})
        chapter.write_text(chapter.read_text().replace("import quizlib\n", "import quizlib  # edited\n", 1))
        code = build(src, out)
        weight = page_weight(out / "_build" / "html", page)
    from quizlib.fronts.html import STYLESHEET, asset, script

    print(f"book build from clean (executes every chapter): {clean:6.1f} s")
    print(f"rebuild with nothing changed:                   {noop:6.1f} s")
    print(
        f"rebuild after editing one chapter's prose:       {prose:6.1f} s (median of {PROSE_EDITS}: "
        f"{', '.join(f'{seconds:.1f}' for seconds, _, _ in prose_runs)}; pages re-read: "
        f"{', '.join(map(str, re_read))}; target 3 s, one page)"
    )
    print(
        f"  processor time of that rebuild (median):       {prose_cpu:6.1f} s (load average now {os.getloadavg()[0]:.1f})"
    )
    print(f"rebuild after editing one chapter's code cell:   {code:6.1f} s")
    print(
        f"{page}: {weight['requests']} requests, {weight['bytes'] / 1024:.0f} KiB transferred "
        f"(the HTML itself {weight['html_bytes'] / 1024:.0f} KiB); requests off 127.0.0.1: {len(weight['off_host'])}"
    )
    runtime = len(script().encode()) + len(asset(STYLESHEET).encode())
    print(
        f"quiz runtime, served once as _static/quizlib.js and .css (inline only in notebook outputs): {runtime / 1024:.1f} KiB"
    )


if __name__ == "__main__":
    main()
