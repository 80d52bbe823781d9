"""A real LRS for the tests: Ralph (``ralph-malph`` 5.1 with its ``lrs`` and ``cli`` extras), started on
127.0.0.1 with its file-system backend in a temporary folder.

Ralph pins FastAPI 0.114 and Starlette 0.38, which quizlib's own environment cannot share, so it gets a
virtual environment of its own, ``.venv-ralph`` in the project (ignored by git; ``QUIZLIB_RALPH_VENV`` names
another), made on first use from the exact versions in ``tests/data/ralph-constraints.txt`` and reused
while that file is unchanged. Making it takes about a minute on a fresh machine; afterwards, nothing.

How Ralph is configured here (its defaults checked in ``ralph.conf``, 5.1.0): it listens on 127.0.0.1 only
(its own default is 0.0.0.0), keeps its credentials, history and statements in the test's folder (its
defaults are under the user's home), does not forward statements anywhere itself (``XAPI_FORWARDINGS``
empty), reports to no Sentry, and takes batches whole or not at all (xAPI's rule: no partial success).
Credentials are made with Ralph's own ``ralph auth`` command. ``tests/data/ralph_serve.py`` starts it, and
holds the one fix its file-system backend needs (appending to its file instead of refusing to).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
VENV = Path(os.environ.get("QUIZLIB_RALPH_VENV", ROOT / ".venv-ralph"))
REQUIREMENT = "ralph-malph[cli,lrs]==5.1.0"
CONSTRAINTS = DATA / "ralph-constraints.txt"


class RalphUnavailable(RuntimeError):
    """Ralph could not be installed or started; the message says what happened and what to do."""


def ralph_venv() -> Path:
    """Ralph's own virtual environment, made if it is missing or its pinned versions changed."""
    wanted = hashlib.sha256(REQUIREMENT.encode() + CONSTRAINTS.read_bytes()).hexdigest()
    stamp = VENV / ".quizlib-installed"
    VENV.mkdir(parents=True, exist_ok=True)
    with open(VENV / ".quizlib-lock", "a+") as lock:  # two test runs at once make it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == wanted:
            return VENV
        steps = [
            [sys.executable, "-m", "venv", str(VENV)],
            [
                str(VENV / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-c",
                str(CONSTRAINTS),
                REQUIREMENT,
                "requests",
            ],
        ]
        for cmd in steps:
            proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=900)
            if proc.returncode != 0:
                raise RalphUnavailable(
                    f"could not set up Ralph's virtual environment in {VENV} ({' '.join(cmd[:4])} ...):\n"
                    f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}\nIt needs PyPI (or a mirror pip is configured "
                    "for); delete the folder to start again."
                )
        stamp.write_text(wanted)
    return VENV


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RalphLRS:
    """One Ralph LRS on 127.0.0.1, its data in ``folder``. Stop it and start it again: it keeps its port and
    its statements, as a restarted LRS would."""

    user = "quizlib"
    password = "a long forwarding secret"

    def __init__(self, folder: Path):
        self.venv = ralph_venv()
        self.folder = folder
        self.port = free_port()
        (folder / "app").mkdir(parents=True, exist_ok=True)
        (folder / "lrs").mkdir(parents=True, exist_ok=True)
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("RALPH_", "SENTRY_"))}
        self.env = {
            **inherited,
            "HOME": str(folder),
            "RALPH_APP_DIR": str(folder / "app"),
            "RALPH_AUTH_FILE": str(folder / "app" / "auth.json"),
            "RALPH_HISTORY_FILE": str(folder / "app" / "history.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_RUNSERVER_HOST": "127.0.0.1",
            "RALPH_RUNSERVER_PORT": str(self.port),
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "lrs"),
            "RALPH_LRS_PARTIAL_SUCCESS_DEFAULT": "false",
            "RALPH_XAPI_FORWARDINGS": "[]",
        }
        self.proc: subprocess.Popen | None = None
        self._add_user()

    def _add_user(self) -> None:
        cmd = [
            str(self.venv / "bin" / "ralph"),
            "auth",
            "--username",
            self.user,
            "--password",
            self.password,
            "--scope",
            "statements/write",
            "--scope",
            "statements/read",
            "--agent-ifi-account",
            self.user,
            "http://127.0.0.1/",
            "--write-to-disk",
        ]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=self.env, cwd=self.folder)
        if proc.returncode != 0:
            raise RalphUnavailable(f"`ralph auth` failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    @property
    def file(self) -> Path:
        """Where Ralph's file-system backend keeps every statement, one JSON line each."""
        return self.folder / "lrs" / "fs_lrs.jsonl"

    def start(self, timeout: float = 120) -> RalphLRS:
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (open while Ralph runs; closed when it stops)
        self.proc = subprocess.Popen(
            [str(self.venv / "bin" / "python"), str(DATA / "ralph_serve.py"), str(self.port)],
            cwd=self.folder,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                said = self.output()
                self.kill9()
                raise RalphUnavailable(f"Ralph stopped at start:\n{said}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__lbheartbeat__", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                said = self.output()
                self.kill9()
                raise RalphUnavailable(f"Ralph did not answer within {timeout:.0f} s:\n{said}")
            time.sleep(0.1)

    def output(self) -> str:
        """What Ralph printed (its errors), while it runs."""
        if self.proc is None:
            return ""
        self.log.seek(0)
        return self.log.read()[-4000:]

    def kill9(self) -> None:
        """SIGKILL, as in a crash: no request under way is finished."""
        if self.proc is not None:
            if self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            self.log.close()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.kill9()

    def recover_after_kill(self) -> list[str]:
        """What an operator would repair before restarting Ralph after a crash; returns what was repaired.

        Ralph's file-system backend has no journal. A write cut short leaves a partial last line in its
        statements file, which Ralph would fail to read ever after: it is cut off, as a journal would (Ralph
        never acknowledged those statements, so the forwarder sends them again). And Ralph rewrites a history
        file (its record of the files it read and wrote, for its command line; the LRS does not need it) on
        every request: one cut short is invalid JSON, and every later request fails with a 500 until it goes.
        """
        repairs = []
        if self.file.exists():
            data = self.file.read_bytes()
            keep = data.rfind(b"\n") + 1
            if keep < len(data):
                with open(self.file, "r+b") as f:
                    f.truncate(keep)
                repairs.append(f"cut a partial last line ({len(data) - keep} bytes) from its statements file")
        history = Path(self.env["RALPH_HISTORY_FILE"])
        if history.exists():
            try:
                json.loads(history.read_text(encoding="utf-8"))
            except ValueError:
                history.unlink()
                repairs.append("removed its history file, cut short mid-write")
        return repairs

    def statements(self) -> list[dict]:
        """Every statement Ralph holds, in the order it wrote them (a resend that Ralph kept twice would show).

        Ralph ends each statement's line with a newline; a last line without one is being written as this
        reads (a test polls while Ralph works), and is left for the next read."""
        if not self.file.exists():
            return []
        text = self.file.read_text(encoding="utf-8")
        written = text[: text.rfind("\n") + 1]
        return [json.loads(line) for line in written.splitlines() if line.strip()]
