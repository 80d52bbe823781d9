"""``quizlib serve``: upgrade the database, load the course, serve with uvicorn, print the address."""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

import yaml

from quizlib.results.forward import Destination, Forwarder, Settings, stderr_log
from quizlib.results.store import Store
from quizlib.server.app import create_app
from quizlib.server.catalogue import find_course_root, load_catalogue
from quizlib.server.mail import MailSettings


def book_title(root: Path) -> str:
    try:
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    except OSError:
        return "Course"
    return str(config.get("title") or "Course")


def serve(
    book: Path,
    database: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    public_url: str | None = None,
    course_root: Path | None = None,
    mail: MailSettings | None = None,
    forward_to: Destination | None = None,
    forwarding: Settings | None = None,
    trusted_proxies: str = "127.0.0.1,::1",
) -> None:
    """Serve ``book`` and the results API until interrupted. Port 0 picks a free port (printed).

    ``trusted_proxies``: the addresses (comma-separated; ``*`` for any, empty for none) whose
    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` headers are believed: the client's address (throttles count
    by it) and whether it came over HTTPS (cookies are then ``Secure``, and HSTS is sent).

    With ``forward_to``, a background thread forwards every stored statement to that LRS
    (:mod:`quizlib.results.forward`), with ``forwarding``'s batch size, timeout and backoff.
    """
    import uvicorn

    book = Path(book).resolve()
    store = Store(database)
    store.upgrade()  # safe when several processes start at once (see store.upgrade)
    root = course_root or find_course_root(book)
    catalogue = load_catalogue(root)
    app = create_app(store, catalogue, book, public_url=public_url, book_title=book_title(root), mail=mail)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off only on sockets that say they are TCP, and with
    # it on, every keep-alive request waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    actual = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    address = public_url or f"http://{shown_host}:{actual}/"
    mailing = f"; reminders by e-mail through {mail.describe()}" if mail else ""
    print(
        f"quizlib: serving the course at {address} (results in {store.backend}{mailing}); press Ctrl+C to stop",
        flush=True,
    )
    stop_forwarding = threading.Event()
    forwarding_thread = None
    if forward_to is not None:
        if forward_to.sends_credentials_in_clear:
            stderr_log(f"warning: the LRS password goes unencrypted to {forward_to.endpoint}; use https://")
        forwarder = Forwarder(store, forward_to, forwarding, log=stderr_log)
        forwarding_thread = threading.Thread(
            target=forwarder.run, args=(stop_forwarding,), name="quizlib-forward", daemon=True
        )
        forwarding_thread.start()
    # No WebSocket protocol: the server has no WebSocket routes, so none is loaded.
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        ws="none",
        proxy_headers=bool(trusted_proxies.strip()),
        forwarded_allow_ips=trusted_proxies.strip() or "127.0.0.1,::1",
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        # A send still under way after a moment is abandoned (the thread is a daemon): its statements stay
        # queued and are sent again, to an LRS that stores each statement id once.
        stop_forwarding.set()
        if forwarding_thread is not None:
            forwarding_thread.join(timeout=2)
        store.close()
        sys.stdout.flush()
