"""Group commit: the statements of requests that arrive together are stored in one transaction.

A commit that is on disk (SQLite's WAL with ``synchronous=FULL``, PostgreSQL's commit) costs a flush of the
disk, and on SQLite only one transaction writes at a time. So the server hands each request's statements to
one writer thread per process, which takes every request waiting, checks and stores each (a request refused,
for a conflict or a limit, stores nothing and does not hold back the others), commits once, and only then
answers each request. Each is acknowledged after the commit that holds it, exactly as when it was alone.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from quizlib.results.store.records import StatementRecord

MAX_GROUP_RECORDS = 2000  # statements in one transaction: ten batches of 200, or a few hundred single answers


@dataclass(frozen=True)
class UsageLimit:
    """What one learner may store: at most ``per_minute`` of their own statements since ``since`` (counting
    ``sending``, those of this request) and at most ``storage`` in all."""

    learner_id: str
    sending: int
    since: datetime
    per_minute: int
    storage: int


@dataclass
class Job:
    """One request's statements, with the limit to check first; ``future`` holds, for each record, whether it
    was new, or the :class:`~quizlib.results.store.StoreError` that refused the request."""

    records: Sequence[StatementRecord]
    limit: UsageLimit | None = None
    also: Callable[[Any], None] | None = None
    future: Future = field(default_factory=Future)


class GroupWriter:
    """One thread that stores :class:`Job` groups with ``store_group`` (a list of jobs -> a list of results,
    each a list of flags or an exception), started on first use."""

    def __init__(self, store_group: Callable[[list[Job]], list[Any]], name: str = "quizlib-writer"):
        self.store_group = store_group
        self.name = name
        self.queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, job: Job) -> Future:
        if self.thread is None:
            with self.lock:
                if self.thread is None:
                    self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                    self.thread.start()
        self.queue.put(job)
        return job.future

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join(timeout=30)
            self.thread = None

    def _run(self) -> None:
        while True:
            job = self.queue.get()
            if job is None:
                return
            group, size = [job], len(job.records)
            while size < MAX_GROUP_RECORDS:
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self.queue.put(None)  # stop after this group
                    break
                group.append(more)
                size += len(more.records)
            self._store(group)

    def _store(self, group: list[Job]) -> None:
        try:
            results = self.store_group(group)
        except BaseException as e:  # noqa: BLE001 (the transaction failed as a whole: each job is told)
            if len(group) == 1:
                group[0].future.set_exception(e)
                return
            for job in group:  # one at a time, so that one job's failure is its own
                self._store([job])
            return
        for job, result in zip(group, results):
            if isinstance(result, BaseException):
                job.future.set_exception(result)
            else:
                job.future.set_result(result)
