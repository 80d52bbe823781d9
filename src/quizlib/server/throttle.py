"""Slowing down guessers: failed sign-ins per name, and joins with unknown codes per client address.

After ``failures`` failures for one key within ``window``, attempts for that key are refused for ``lock``
from the last of them, without checking anything (so a locked name costs no password hash either).
Attempts refused while locked are not counted, so a lock ends on time however long a guesser keeps
trying; then they have a fresh allowance, a few guesses per quarter hour at most.

Failures are kept in the database (:meth:`quizlib.store.Store.add_throttle_failure`), so every server
process sharing it counts them all. Keys are stored as SHA-256 digests: a name typed by mistake into the
name field may be a password, and an address is personal data.

Concurrent guesses cannot beat the count: a sign-in is counted as a failure *before* its password is checked
(:meth:`Throttle.begin`), and checked only if fewer than ``failures`` others (failed, or being checked at
that moment by any process) came before it. A right password clears the count; a wrong one leaves it.

Joining is throttled twice, so that one student cannot lock a classroom out: an unknown code pauses that
code for that address after a few tries (:data:`JOIN_CODE`), and an address as a whole only after many
unknown codes (:data:`JOIN`); a known code is always let through unless the address as a whole is paused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from quizlib.results.store import Store, digest


@dataclass(frozen=True)
class Rule:
    scope: str  # what is throttled, stored with each failure
    failures: int  # this many failures ...
    window: timedelta  # ... within this time ...
    lock: timedelta  # ... refuse attempts for this long after the last of them


SIGN_IN = Rule("signin", failures=5, window=timedelta(minutes=15), lock=timedelta(minutes=15))
# Learners arrive by link, so an unknown code is a typo at most; a classroom behind one address makes many,
# and must still join with the right link. Codes have 31**10 values: a hundred guesses a quarter hour from
# one address would take thousands of years to find one.
JOIN = Rule("join", failures=100, window=timedelta(minutes=15), lock=timedelta(minutes=15))
JOIN_CODE = Rule("join-code", failures=10, window=timedelta(minutes=15), lock=timedelta(minutes=15))
# Certificate codes have 31**10 values too; someone checking a printed certificate types one code, perhaps twice.
VERIFY = Rule("verify", failures=100, window=timedelta(minutes=15), lock=timedelta(minutes=15))
# A resume code is one person's, typed from their other device's screen, perhaps mistyped a few times; it opens
# that learner's progress, so the limit is low (31**10 values, used once, for 30 minutes).
RESUME = Rule("resume", failures=20, window=timedelta(minutes=15), lock=timedelta(minutes=15))


class Throttle:
    """One rule over the store's failure counts."""

    def __init__(self, store: Store, rule: Rule):
        self.store = store
        self.rule = rule

    def locked_until(self, key: str, now: datetime | None = None) -> datetime | None:
        """When attempts for ``key`` may start again, or None if they may now."""
        now = now or datetime.now(UTC)
        rule = self.rule
        recent = self.store.throttle_failures(
            rule.scope, digest(key), since=now - rule.window - rule.lock, limit=rule.failures
        )
        return self._until(recent, now)

    def _until(self, recent: list[datetime], now: datetime) -> datetime | None:
        rule = self.rule
        if len(recent) < rule.failures or recent[0] - recent[-1] > rule.window:
            return None
        until = recent[0] + rule.lock
        return until if now < until else None

    def begin(self, key: str, now: datetime | None = None) -> tuple[int | None, datetime | None]:
        """Count an attempt before checking it: ``(attempt, None)`` if it may be checked, where ``attempt`` is
        for :meth:`forget_attempt` if it is never checked; ``(None, until)`` if ``key`` is paused (nothing is counted).

        However many attempts arrive at once, on however many processes, at most ``failures`` are checked:
        each sees every attempt counted before its own look, in flight or failed.
        """
        now = now or datetime.now(UTC)
        rule, key_digest = self.rule, digest(key)
        mine = self.store.add_throttle_failure(rule.scope, key_digest, now)
        earlier = self.store.throttle_attempts(
            rule.scope, key_digest, since=now - rule.window - rule.lock, limit=rule.failures + 1
        )
        others = [at for attempt, at in earlier if attempt != mine][: rule.failures]
        until = self._until(others, now)
        if until is not None:
            self.store.remove_throttle_failure(mine)  # refused unchecked: not counted, so the pause ends on time
            return None, until
        return mine, None

    def forget_attempt(self, attempt: int) -> None:
        """Take back an attempt that was never checked (the server was too busy to check it)."""
        self.store.remove_throttle_failure(attempt)

    def failed(self, key: str, now: datetime | None = None) -> datetime | None:
        """Count a failure; return when attempts may start again if this one locked ``key``."""
        now = now or datetime.now(UTC)
        self.store.add_throttle_failure(self.rule.scope, digest(key), now)
        return self.locked_until(key, now)

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures (a successful sign-in, a password reset by a course lead)."""
        self.store.clear_throttle_failures(self.rule.scope, digest(key))


def minutes_left(until: datetime, now: datetime | None = None) -> int:
    """Whole minutes until ``until``, rounded up (a message never says "0 minutes")."""
    now = now or datetime.now(UTC)
    return max(1, math.ceil((until - now).total_seconds() / 60))


def seconds_left(until: datetime, now: datetime | None = None) -> int:
    """For a Retry-After header."""
    now = now or datetime.now(UTC)
    return max(1, math.ceil((until - now).total_seconds()))


def name_key(name: str) -> str:
    """Names differing only in case or outer spaces share one count: guessers gain nothing by varying them."""
    return name.strip().casefold()
