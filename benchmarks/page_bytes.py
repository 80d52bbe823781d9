"""Benchmark: the bytes a browser transfers for one chapter page served by `quizlib serve`, with and without
compression (figures to print, not a timed test).

Starts `quizlib serve` on the built book (a temporary SQLite database), opens the page in Debian's Chromium
through Playwright (the launch flags of tests/conftest.py) with an empty cache, and adds up, from the Chrome
DevTools Protocol's Network domain, what went over the wire for every request of the page load (headers
and bodies: ``encodedDataLength``) and what the page received after decoding. Twice: as Chromium asks
(``Accept-Encoding: gzip, deflate, br, zstd``), then with ``Accept-Encoding: identity``, which is what any
server without compression sends.

Then, as a learner who has already opened another chapter (``--other``, with the browser's cache and the book's
service worker as that visit left them): the bytes on the wire for the page (those the worker answers from its
copy count 0; what it fetches counts), and the time to open it online and with the browser offline. And what the
service worker downloads in the background after a first visit so that every page opens offline. Last, the same
second page with service workers blocked: what the browser's HTTP cache alone saves.

    .venv/bin/python benchmarks/page_bytes.py                       # chapters/04-meta-analyses.html of _build/html
    .venv/bin/python benchmarks/page_bytes.py --book /tmp/book/_build/html --page chapters/02-sensitivity.html \
        --other chapters/01-welcome.html
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS


def serve(book: Path, database: str) -> tuple[subprocess.Popen, str]:
    quizlib = str(Path(sys.executable).with_name("quizlib"))
    proc = subprocess.Popen(
        [quizlib, "serve", "--book", str(book), "--database", database, "--port", "0", "--course", str(ROOT)],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if "serving the course at " not in line:
        proc.kill()
        raise SystemExit(f"quizlib serve did not start: {line}")
    return proc, line.split("serving the course at ", 1)[1].split()[0]


def load(browser, url: str, accept_encoding: str | None) -> dict:
    """One page load in a fresh context: bytes on the wire and decoded, in all and by resource type."""
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if accept_encoding is not None:
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": accept_encoding}})
    kinds: dict[str, str] = {}
    encodings: dict[str, str] = {}
    decoded: dict[str, int] = defaultdict(int)
    wire: dict[str, int] = {}
    cdp.on("Network.requestWillBeSent", lambda e: kinds.__setitem__(e["requestId"], e.get("type", "Other")))
    cdp.on(
        "Network.responseReceived",
        lambda e: encodings.__setitem__(
            e["requestId"], {k.lower(): v for k, v in e["response"]["headers"].items()}.get("content-encoding", "")
        ),
    )
    cdp.on(
        "Network.dataReceived", lambda e: decoded.__setitem__(e["requestId"], decoded[e["requestId"]] + e["dataLength"])
    )
    cdp.on("Network.loadingFinished", lambda e: wire.__setitem__(e["requestId"], e["encodedDataLength"]))
    response = page.goto(url, wait_until="networkidle")
    if response is None or response.status != 200:
        raise SystemExit(f"{url}: {response.status if response else 'no response'}; is it in the book?")
    page.wait_for_timeout(500)  # late fonts and scripts
    opened_ms = page.evaluate(OPENED_MS)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for request_id, n in wire.items():
        row = by_kind[kinds.get(request_id, "Other")]
        row[0] += 1
        row[1] += n
        row[2] += decoded.get(request_id, 0)
    context.close()
    return {
        "requests": len(wire),
        "wire": sum(wire.values()),
        "decoded": sum(decoded.values()),
        "gzipped": sum(1 for e in encodings.values() if e == "gzip"),
        "by_kind": dict(by_kind),
        "ms": opened_ms,
    }


# from the start of the navigation to the end of the page's load event
OPENED_MS = (
    "(() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; })()"
)


class Wire:
    """Bytes on the wire for every request of a browser context, the service worker's own included (a response
    the worker answers from its copy costs nothing on the wire)."""

    def __init__(self, context):
        self.requests: list[tuple[str, int, bool]] = []  # url, bytes, made by the service worker
        context.on("requestfinished", self._finished)

    def _finished(self, request) -> None:
        response = request.response()
        if response is None or response.from_service_worker:
            size = 0
        else:
            sizes = request.sizes()
            size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.requests.append((request.url, size, request.service_worker is not None))

    def take(self) -> list[tuple[str, int, bool]]:
        taken, self.requests = self.requests, []
        return taken


def after_another_chapter(browser, base: str, page_path: str, other: str) -> dict:
    """Open ``other`` in a fresh context, let the book's worker keep the course, then open ``page_path`` online
    and offline."""
    context = browser.new_context()
    wire = Wire(context)
    page = context.new_page()
    page.goto(base + other, wait_until="networkidle")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_timeout(500)
    first = wire.take()
    page.goto(base + page_path, wait_until="networkidle")
    page.wait_for_timeout(500)
    warm = wire.take()
    warm_ms = page.evaluate(OPENED_MS)
    context.set_offline(True)
    page.goto(base + other)
    page.goto(base + page_path, wait_until="load")
    offline_ms = page.evaluate(OPENED_MS)
    offline_ok = page.locator(".quizlib .ql-card").count() > 0
    context.close()
    return {
        "first_page": sum(n for _, n, by_worker in first if not by_worker),
        "kept": sum(n for _, n, by_worker in first if by_worker),
        "kept_files": sum(1 for _, _, by_worker in first if by_worker),
        "warm": sum(n for _, n, _ in warm),
        "warm_requests": [(u, n) for u, n, _ in warm if n],
        "warm_ms": warm_ms,
        "offline_ms": offline_ms,
        "offline_ok": offline_ok,
        "off_host": [u for u, _, _ in first + warm if not u.startswith(base)],
    }


def after_another_chapter_without_worker(browser, base: str, page_path: str, other: str) -> dict:
    """The same with service workers blocked: what the browser's HTTP cache alone saves (a browser without
    service workers, or one that has not installed the book's worker yet)."""
    context = browser.new_context(service_workers="block")
    wire = Wire(context)
    page = context.new_page()
    page.goto(base + other, wait_until="networkidle")
    page.wait_for_timeout(500)
    wire.take()
    page.goto(base + page_path, wait_until="networkidle")
    page.wait_for_timeout(500)
    warm = wire.take()
    warm_ms = page.evaluate(OPENED_MS)
    context.close()
    return {"warm": sum(n for _, n, _ in warm), "warm_ms": warm_ms, "requests": len(warm)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--book", type=Path, default=ROOT / "_build" / "html", help="the built book (default: _build/html)"
    )
    parser.add_argument("--page", default="chapters/04-meta-analyses.html")
    parser.add_argument("--other", default="chapters/03-interventions.html", help="the chapter opened before")
    args = parser.parse_args()
    if not (args.book / args.page).exists():
        raise SystemExit(
            f"{args.book / args.page} is missing: build the book first (.venv/bin/jupyter-book build .) or pass --book"
        )
    if not (args.book / args.other).exists():
        raise SystemExit(f"{args.book / args.other} is missing: pass --other, a page of this book")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, base = serve(args.book, f"sqlite:///{tmp}/bytes.sqlite3")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                results = {
                    "compressed (gzip)": load(browser, base + args.page, None),
                    "uncompressed (identity)": load(browser, base + args.page, "identity"),
                }
                warm = after_another_chapter(browser, base, args.page, args.other)
                http_cache = after_another_chapter_without_worker(browser, base, args.page, args.other)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    print(f"{args.page} served by quizlib serve, loaded by Chromium with an empty cache:")
    for label, r in results.items():
        print(
            f"  {label:24} {r['requests']:3d} requests, {r['wire'] / 1024:8,.1f} KiB on the wire "
            f"({r['decoded'] / 1024:,.1f} KiB decoded; {r['gzipped']} responses gzipped)"
        )
    plain, packed = results["uncompressed (identity)"], results["compressed (gzip)"]
    print(
        f"  compression saves {(plain['wire'] - packed['wire']) / 1024:,.1f} KiB "
        f"({100 * (1 - packed['wire'] / plain['wire']):.0f}% of the bytes transferred)"
    )
    print("  by resource type (requests; KiB on the wire uncompressed -> compressed):")
    kinds = set(plain["by_kind"]) | set(packed["by_kind"])
    for kind in sorted(kinds, key=lambda k: -plain["by_kind"].get(k, [0, 0, 0])[1]):
        n, before, _ = plain["by_kind"].get(kind, [0, 0, 0])
        m, after, _ = packed["by_kind"].get(kind, [0, 0, 0])
        print(f"    {kind:12} {n:3d} -> {m:3d}  {before / 1024:8,.1f} -> {after / 1024:8,.1f}")
    print(
        f"  opened in {packed['ms']:,.0f} ms with an empty cache (budget 250 KiB on the wire: {packed['wire'] / 1024:,.1f})"
    )
    print(
        f"after opening {args.other} first ({warm['first_page'] / 1024:,.1f} KiB), the service worker kept the course "
        f"for offline reading in the background: {warm['kept_files']} files, {warm['kept'] / 1024:,.1f} KiB on the wire"
    )
    print(
        f"  then {args.page}: {warm['warm'] / 1024:,.1f} KiB on the wire (budget 40 KiB), opened in "
        f"{warm['warm_ms']:,.0f} ms online; offline: opened in {warm['offline_ms']:,.0f} ms"
        f"{'' if warm['offline_ok'] else ' WITHOUT ITS QUIZ'}"
    )
    for url, n in warm["warm_requests"]:
        print(f"    {n / 1024:7,.1f} KiB  {url.removeprefix(base)}")
    print(
        f"  without the service worker (the HTTP cache alone): {http_cache['warm'] / 1024:,.1f} KiB on the wire "
        f"in {http_cache['requests']} requests, opened in {http_cache['warm_ms']:,.0f} ms"
    )
    print(f"  requests that left the site: {len(warm['off_host'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
