"""Staff passwords: argon2id hashes, one-time passwords, and what makes a new password acceptable.

Used by the course server (signing in, changing and resetting passwords) and by anything that creates staff
accounts without it (``quizlib create-lead``, demo data).

Each argon2id hash takes 64 MiB of memory for a moment, by design. At most :data:`CONCURRENT` are made at
once in a process, however many requests ask: a flood of sign-ins waits its turn instead of taking the
machine's memory (the server also queues them without holding a thread each: ``server/context.py``).

New passwords are checked against the 20,000 most common ones, shipped with quizlib (``common-passwords.txt.gz``,
the list Django ships, by Royce Williams; BSD licence: ``common-passwords-LICENSE``), and for too little variety.
"""

from __future__ import annotations

import functools
import gzip
import os
import secrets
import threading
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # longer is no safer, and costs hashing time
CONCURRENT = max(1, (os.cpu_count() or 2) // 2)

_hasher = PasswordHasher()  # argon2id with argon2-cffi's current recommended parameters
_hashing = threading.BoundedSemaphore(CONCURRENT)


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD:
        return False
    try:
        with _hashing:
            return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_UNKNOWN = None


def verify_unknown(password: str) -> bool:
    """Spend as long as a real check when the name is unknown, so timing does not tell which names exist."""
    global _UNKNOWN
    if _UNKNOWN is None:
        _UNKNOWN = _hasher.hash(secrets.token_urlsafe(16))
    verify_password(_UNKNOWN, password)
    return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def one_time_password() -> str:
    """A password to hand over once; its owner must change it at first sign-in."""
    return secrets.token_urlsafe(12)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The common passwords shipped with quizlib, lower-cased."""
    data = resources.files("quizlib.results.store").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip().lower() for line in gzip.decompress(data).decode("utf-8").splitlines() if line)


def _little_variety(password: str) -> bool:
    """Few different characters, or one short piece repeated ("aaaaaaaaaaaa", "abcabcabcabc", "121212121212")."""
    text = password.lower()
    if len(set(text)) < 5:
        return True
    return any(len(text) % n == 0 and text == text[:n] * (len(text) // n) for n in range(1, len(text) // 2 + 1))


def _sequence(password: str) -> bool:
    """A run along the alphabet, the digits or a keyboard row ("abcdefghijkl", "123456789012", "qwertyuiop[]")."""
    text = password.lower()
    rows = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./")
    return any(text in (row * 3) or text in (row[::-1] * 3) for row in rows)


def password_problem(password: str, confirm: str, name: str) -> str | None:
    """Why a new password is not acceptable, or None; the reason says what would do instead."""
    if password != confirm:
        return "The two passwords differ. Type the same new password twice."
    if len(password) < MIN_PASSWORD:
        return f"Choose a password of at least {MIN_PASSWORD} characters (a few words make a good one)."
    if len(password) > MAX_PASSWORD:
        return f"Choose a password of at most {MAX_PASSWORD} characters."
    if password.strip().lower() == name.strip().lower() or name.strip().lower() in password.lower():
        return "Choose a password that does not contain your name."
    if password.strip().lower() in common_passwords():
        return (
            "This password is on a list of the most common passwords, which guessers try first. Choose "
            "another: three or four words that mean something to you but are not a saying, for example "
            "“lantern orchard Tuesday violin”, are strong and easy to remember."
        )
    if _little_variety(password) or _sequence(password):
        return (
            "This password repeats a few characters or runs along the keyboard, which guessers try early. "
            "Choose another: three or four unrelated words, for example “lantern orchard Tuesday violin”."
        )
    return None
