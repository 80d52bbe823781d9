"""Staff passwords: argon2id hashes, one-time passwords, and what makes a new password acceptable.

Used by the course server (signing in, changing and resetting passwords) and by anything that creates staff
accounts without it (``quizlib create-lead``, demo data).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD = 12

_hasher = PasswordHasher()  # argon2id with argon2-cffi's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
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


def password_problem(password: str, confirm: str, name: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if password != confirm:
        return "The two passwords differ. Type the same new password twice."
    if len(password) < MIN_PASSWORD:
        return f"Choose a password of at least {MIN_PASSWORD} characters (a few words make a good one)."
    if password.strip().lower() == name.strip().lower():
        return "Choose a password that is not your name."
    return None
