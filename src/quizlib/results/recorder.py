"""Recording results from live Jupyter: ``QuizWidget.on(recorder)`` sends the same statements as the browser.

    from quizlib.results.recorder import Recorder
    recorder = Recorder.join("http://127.0.0.1:8000/", "abcdefgh23", "Bea")   # once; remembered on disk
    recorder = Recorder.load()                                                # in later sessions
    widget.on(recorder)

Every answered try and every finished quiz becomes an xAPI statement (:mod:`quizlib.xapi`), written to an
outbox folder on disk (one file each, flushed to disk) before it is sent, and deleted only when the server
acknowledges it. While the server is down the statements wait; they go with the next answer, or when
:meth:`Recorder.flush` is called. One statement never holds back the others: one the server refuses for good
(a 4xx) is moved to ``rejected/`` with the reason at once; when a batch meets a server error, smaller batches
find the statement at fault, which waits behind the others and, once the server has stored others meanwhile
and it has failed alone three times, is moved to ``rejected/`` too. A 429 is waited out (``Retry-After``),
unless the server says retrying cannot help (``"retry": false``), when the batch is moved aside.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quizlib.results import xapi

HOME = Path(os.environ.get("QUIZLIB_HOME", Path.home() / ".quizlib"))
BATCH = 50
MAX_DELAY = 60.0
ALONE_FAILURES = 3  # server errors a statement may meet alone, while others are stored, before it is moved aside


class TrackingError(Exception):
    """Joining failed, or no saved credentials were found; the message says what to do."""


@dataclass(frozen=True)
class Credentials:
    server: str  # the course server's address, ending in "/"
    token: str
    learner_id: str
    display_name: str
    home_page: str

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, json.dumps(asdict(self)))
        path.chmod(0o600)  # the token is the learner's only key

    @classmethod
    def read(cls, path: Path) -> Credentials:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise TrackingError(
                f"no saved course-server credentials in {path}: join first with "
                "Recorder.join(server, code, name), using the join link from your trainer"
            ) from None
        except (ValueError, TypeError) as e:
            raise TrackingError(
                f"the credentials file {path} is damaged ({e}); join again with Recorder.join"
            ) from None


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself must reach the disk
    finally:
        os.close(folder)


def _http(method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 5.0) -> tuple[int, Any]:
    status, answer, _ = _http_with_headers(method, url, body, token, timeout)
    return status, answer


def _http_with_headers(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 5.0
) -> tuple[int, Any, dict[str, str]]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null"), dict(r.headers)
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null"), dict(e.headers)
        except ValueError:
            return e.code, None, dict(e.headers)
        finally:
            e.close()


class Recorder:
    """A listener for :meth:`quizlib.fronts.widgets.QuizWidget.on` that records results on the course server."""

    def __init__(self, credentials: Credentials, *, outbox: Path | None = None, timeout: float = 5.0):
        self.credentials = credentials
        self.outbox = Path(outbox) if outbox else HOME / "outbox" / credentials.learner_id
        self.outbox.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self.registrations: dict[str, str] = {}  # quiz id -> assignment id
        self._delay = 1.0
        self._next_try = 0.0
        self._batch = BATCH  # halved after a server error, so the statement at fault is found
        self._stored = 0  # statements the server stored since this recorder began: it is working
        self._alone: dict[str, tuple[int, int]] = {}  # file name -> (server errors met alone, stored then)

    # -- making one ------------------------------------------------------------------------------------

    @classmethod
    def join(cls, server: str, code: str, display_name: str, *, credentials: Path | None = None, **options) -> Recorder:
        """Join a cohort with the code from the trainer's link (``.../join/<code>``); save the credentials."""
        server = server if server.endswith("/") else server + "/"
        try:
            status, body = _http("POST", server + "api/v1/join", {"code": code, "display_name": display_name})
        except (urllib.error.URLError, OSError) as e:
            raise TrackingError(
                f"cannot reach the course server at {server} ({e}); check the address and try again"
            ) from None
        if status != 201:
            reason = body.get("error") if isinstance(body, dict) else f"status {status}"
            raise TrackingError(f"joining failed: {reason}")
        creds = Credentials(
            server=server,
            token=body["token"],
            learner_id=body["learner_id"],
            display_name=body["display_name"],
            home_page=body["home_page"],
        )
        creds.save(Path(credentials) if credentials else HOME / "credentials.json")
        recorder = cls(creds, **options)
        recorder.refresh_assignments()
        return recorder

    @classmethod
    def load(cls, credentials: Path | None = None, **options) -> Recorder:
        """The recorder of the learner who joined earlier on this machine."""
        recorder = cls(Credentials.read(Path(credentials) if credentials else HOME / "credentials.json"), **options)
        recorder.refresh_assignments()
        return recorder

    def refresh_assignments(self) -> bool:
        """Learn which assignment (xAPI registration) each quiz belongs to; False if the server is unreachable."""
        try:
            status, me = _http(
                "GET", self.credentials.server + "api/v1/me", token=self.credentials.token, timeout=self.timeout
            )
        except (urllib.error.URLError, OSError):
            return False
        if status != 200:
            return False
        for a in me["assignments"]:
            for q in a["quizzes"]:
                self.registrations.setdefault(q["id"], a["registration"])
        return True

    # -- recording -------------------------------------------------------------------------------------

    def __call__(self, event: dict[str, Any]) -> None:
        statement = self.statement(event)
        if statement is None:
            return
        self._keep(statement)
        self.flush(wait=False)

    def statement(self, event: dict[str, Any]) -> dict | None:
        """The statement for a widget event (``answered`` or ``completed``), or None for other events."""
        c = self.credentials
        actor = xapi.agent(c.learner_id, c.home_page)
        quiz_id, attempt = event["quiz_id"], event["attempt_id"]
        registration = self.registrations.get(quiz_id)
        now = datetime.now(UTC)
        if event["type"] == "answered":
            q = event["question"]
            outcome, result = event["outcome"], event["result"]
            return xapi.answered(
                statement_id=str(uuid.uuid4()),
                actor=actor,
                quiz_id=quiz_id,
                chapter=event["chapter"],
                question_id=q.id,
                kind=q.kind,
                prompt=q.prompt,
                response=event["response"],
                try_number=event["try_number"],
                attempt_id=attempt,
                credit=outcome.credit,
                correct=result.correct,
                final=outcome.final,
                when=now,
                registration=registration,
                seed=event.get("seed"),
                duration=event.get("duration"),
            )
        if event["type"] == "completed":
            r = event["result"]
            return xapi.finished(
                verb="completed",
                statement_id=str(uuid.uuid4()),
                actor=actor,
                quiz_id=quiz_id,
                chapter=event["chapter"],
                title=event["quiz"].title,
                answers=event["answers"],
                points=r.points,
                max_points=r.max_points,
                percentage=r.percentage,
                passed=r.passed,
                complete=r.complete,
                attempt_id=attempt,
                when=now,
                registration=registration,
                seed=event.get("seed"),
                duration=event.get("duration"),
            )
        return None

    def _keep(self, statement: dict) -> None:
        name = f"{time.time_ns():020d}-{statement['id']}.json"
        _write_atomically(self.outbox / name, json.dumps(statement))

    # -- sending ---------------------------------------------------------------------------------------

    def pending(self) -> int:
        """How many statements wait in the outbox."""
        return len(list(self.outbox.glob("*.json")))

    def flush(self, wait: bool = True) -> int:
        """Send what waits, oldest first; return how many the server acknowledged.

        With ``wait=False`` (after each answer) nothing is tried while the server is backing off.
        """
        if not wait and time.monotonic() < self._next_try:
            return 0
        sent = 0
        tried_alone: set[str] = set()
        while True:
            files = self._waiting()[: self._batch]
            if not files or (len(files) == 1 and files[0].name in tried_alone):
                break
            batch = [json.loads(f.read_text(encoding="utf-8")) for f in files]
            try:
                status, body, headers = _http_with_headers(
                    "POST",
                    self.credentials.server + "api/v1/statements",
                    batch,
                    token=self.credentials.token,
                    timeout=self.timeout,
                )
            except (urllib.error.URLError, OSError):
                self._backoff()
                break
            if status == 200:
                for f in files:
                    f.unlink()
                    self._alone.pop(f.name, None)
                sent += len(files)
                self._stored += len(files)
                self._delay, self._next_try = 1.0, 0.0
                self._batch = min(BATCH, self._batch * 2)
                continue
            if status == 429 and isinstance(body, dict) and body.get("retry") is False:
                self._reject(files, batch, body, every=True)  # the server keeps no more: waiting cannot help
                break
            if status in (401, 429):
                self._backoff(_retry_after(headers))
                break
            if status >= 500:
                if len(files) > 1:
                    self._batch = max(1, len(files) // 2)
                    continue
                tried_alone.add(files[0].name)
                if self._failed_alone(files[0], batch[0], status):
                    continue  # moved aside: the others go on
                self._backoff()  # it goes behind the others, tried first at the next flush
                break
            self._reject(files, batch, body)
        return sent

    def _waiting(self) -> list[Path]:
        """The outbox in sending order: oldest first, but a statement that met a server error alone goes last."""
        return sorted(self.outbox.glob("*.json"), key=lambda f: (f.name in self._alone, f.name))

    def _failed_alone(self, file: Path, statement: dict, status: int) -> bool:
        """Count a server error a statement met alone; move it aside if the server stored others meanwhile
        and this is its third. True if it was moved aside."""
        count, stored_then = self._alone.get(file.name, (0, self._stored))
        count += 1
        if count >= ALONE_FAILURES and self._stored > stored_then:
            self._alone.pop(file.name, None)
            reason = f"the course server could not store this statement (error {status})"
            self._reject([file], [statement], {"error": reason}, every=True)
            return True
        self._alone[file.name] = (count, stored_then)
        return False

    def _backoff(self, seconds: float = 0.0) -> None:
        self._next_try = time.monotonic() + max(self._delay, seconds)
        self._delay = min(self._delay * 2, MAX_DELAY)

    def _reject(self, files: list[Path], batch: list[dict], body: Any, every: bool = False) -> None:
        rejected = self.outbox / "rejected"
        rejected.mkdir(exist_ok=True)
        errors = body.get("errors", []) if isinstance(body, dict) and not every else []
        named = {e["index"]: e.get("reason", "") for e in errors if isinstance(e.get("index"), int)}
        for i, (f, statement) in enumerate(zip(files, batch)):
            if named and i not in named:
                continue  # not at fault: sent again with the next batch
            reason = named.get(i) or (body.get("error") if isinstance(body, dict) else "refused")
            _write_atomically(rejected / f.name, json.dumps({"reason": reason, "statement": statement}))
            f.unlink()


def _retry_after(headers: dict[str, str]) -> float:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), "")
    return float(min(int(value), 3600)) if value.isdigit() else 0.0
