"""Fixtures and helpers for the course server's tests: a real PostgreSQL server, real server processes.

PostgreSQL: Debian's binaries (``./course test`` installs them). ``initdb`` runs as the ``postgres`` user
when the tests run as root (CI does), in a temporary folder; the server listens on a free port on 127.0.0.1
and is stopped at the end of the session. Missing binaries FAIL the tests that need them, saying how to
install them: a database test that silently skips proves nothing.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUIZLIB = str(Path(sys.executable).with_name("quizlib"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail(
            "PostgreSQL's server binaries are missing (/usr/lib/postgresql/*/bin/initdb): run ./course test, "
            "which installs Debian's postgresql package, or apt-get install postgresql"
        )
    return Path(found[-1]).parent


@dataclass
class PostgresServer:
    port: int
    folder: Path
    bin: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    """A real PostgreSQL server for this test session."""
    bin_dir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="quizlib-pg-"))
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        os.chown(folder, pg.pw_uid, pg.pw_gid)
    data = folder / "data"
    init = subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=False,
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        pytest.fail(f"initdb failed:\n{init.stdout}\n{init.stderr}")
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=100"
    start = subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=False,
        capture_output=True,
        text=True,
    )
    if start.returncode != 0:
        log = (folder / "log").read_text() if (folder / "log").exists() else ""
        pytest.fail(f"pg_ctl start failed:\n{start.stdout}\n{start.stderr}\n{log}")
    try:
        yield PostgresServer(port=port, folder=folder, bin=bin_dir)
    finally:
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
            text=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'course.sqlite3'}"
    return request.getfixturevalue("postgres").create_database()


@pytest.fixture
def store(database_url):
    """A store on ``database_url``, migrated to the head revision (both databases, as ``database_url``)."""
    from quizlib.results.store import Store

    s = Store(database_url)
    s.upgrade()
    yield s
    s.close()


@pytest.fixture(scope="session")
def catalogue():
    from quizlib.server.catalogue import load_catalogue

    return load_catalogue(ROOT)


@pytest.fixture
def tiny_book(tmp_path) -> Path:
    """A stand-in for the built book, for tests of the API alone (the browser tests use the real book)."""
    book = tmp_path / "book"
    book.mkdir()
    (book / "index.html").write_text("<!doctype html><html lang='en'><title>Book</title><p>Book</p></html>")
    return book


# -- a real server process -------------------------------------------------------------------------------


class ServerProcess:
    """``quizlib serve`` in a subprocess, on a free port; ``url`` ends in "/"."""

    def __init__(
        self, book: Path, database: str, port: int = 0, env: dict | None = None, args: list[str] | None = None
    ):
        self.book, self.database, self.port = book, database, port
        self.env = {**os.environ, **(env or {})}
        self.args = list(args or [])  # more options for quizlib serve
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 60) -> ServerProcess:
        cmd = [
            QUIZLIB,
            "serve",
            "--book",
            str(self.book),
            "--database",
            self.database,
            "--port",
            str(self.port),
            "--course",
            str(ROOT),
            *self.args,
        ]
        # stderr goes to a file: a pipe nobody reads could fill up and stall the server.
        self.errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (open while the server runs; closed in stop)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.errors, text=True, env=self.env)
        line = self.proc.stdout.readline()
        if "serving the course at " not in line:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(f"quizlib serve did not start: {line}{self.stderr()}")
        self.url = line.split("serving the course at ", 1)[1].split()[0]
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "api/v1/config", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError("quizlib serve did not answer in time")
            time.sleep(0.05)

    def stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read()

    def kill9(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or a pulled plug of the process."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._close_pipes()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self.proc is not None:
            if self.proc.stdout:
                self.proc.stdout.close()
            self.errors.close()

    # -- small HTTP client (stdlib, as any other program would talk to the server) ----------------------

    def request(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


@pytest.fixture
def start_server():
    """Start ``quizlib serve`` processes; every one is stopped at the end of the test."""
    started: list[ServerProcess] = []

    def start(
        book: Path, database: str, port: int = 0, env: dict | None = None, args: list[str] | None = None
    ) -> ServerProcess:
        server = ServerProcess(book, database, port, env, args)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


# -- the app in this process, behind a real uvicorn server on a thread ------------------------------------


class LiveApp:
    """A real HTTP server (uvicorn, on a thread) over ``create_app``, with the store at hand for checks."""

    def __init__(self, store, catalogue, book: Path | None = None, public_url: str | None = None, mail=None):
        import threading

        import uvicorn

        from quizlib.server import create_app

        self.store = store
        self.app = create_app(store, catalogue, book, public_url=public_url, mail=mail)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # see quizlib.server.run
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", access_log=False, ws="none"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise AssertionError("the test server did not start")
            time.sleep(0.01)

    def client(self):
        """A new browser-like client with its own cookies."""
        import httpx

        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def live(tmp_path, catalogue):
    """The course server over a fresh SQLite database, served for real on 127.0.0.1."""
    yield from _live(f"sqlite:///{tmp_path / 'course.sqlite3'}", catalogue)


@pytest.fixture(params=["sqlite", "postgresql"])
def live_on_each_database(request, tmp_path, catalogue):
    """Like ``live``, on a SQLite file and then on a PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database()
    yield from _live(url, catalogue)


def _live(url: str, catalogue, mail=None):
    from quizlib.results.store import Store

    store = Store(url)
    store.upgrade()
    app = LiveApp(store, catalogue, mail=mail)
    yield app
    app.close()
    store.close()


@pytest.fixture
def smtp_sink():
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1; ``.messages`` holds what it received."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Keep(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def live_with_mail(tmp_path, catalogue, smtp_sink):
    """Like ``live``, sending reminders through ``smtp_sink``."""
    from quizlib.server.mail import MailSettings

    mail = MailSettings.from_url(f"smtp://127.0.0.1:{smtp_sink.port}", "course@example.org")
    yield from _live(f"sqlite:///{tmp_path / 'course.sqlite3'}", catalogue, mail)


# -- people ------------------------------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"


def csrf_of(html: str) -> str:
    import re

    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


@functools.cache
def password_hash() -> str:
    # Hashed once per session: argon2id is slow on purpose, and every staff account in the tests shares it.
    from quizlib.results.store.passwords import hash_password

    return hash_password(PASSWORD)


def signed_in(live: LiveApp, name: str, role: str = "trainer"):
    """A client signed in as a new staff account (password already changed)."""
    live.store.add_staff(name, role, password_hash(), must_change_password=False)
    client = live.client()
    client.csrf = csrf_of(client.get("signin").text)
    r = client.post("signin", data={"csrf": client.csrf, "name": name, "password": PASSWORD})
    assert r.status_code == 303, r.text
    return client


def join(live: LiveApp, code: str, name: str = "Bea") -> dict:
    """Join a cohort as a learner through the API, as the join page does."""
    with live.client() as c:
        r = c.post("api/v1/join", json={"code": code, "display_name": name})
    assert r.status_code == 201, r.text
    return r.json()
