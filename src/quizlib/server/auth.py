"""Who is asking: staff sessions (argon2id passwords, signed cookies, CSRF tokens) and learner tokens.

The signing key lives in the database (made by the first migration), so any server process can check a
cookie another one signed. A session names the staff account and its ``session_generation``; changing the
password bumps the generation and so ends every older session. CSRF: each form carries an HMAC of a random
per-browser value kept in a SameSite=Strict cookie, checked on every POST.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.requests import Request

from ..store import Learner, NotFound, Staff, Store

SESSION_COOKIE = "quizlib_staff"
CSRF_COOKIE = "quizlib_csrf"
SESSION_SECONDS = 12 * 3600
MIN_PASSWORD = 12

_hasher = PasswordHasher()  # argon2id with argon2-cffi's current recommended parameters


class AuthError(Exception):
    """A request that is not allowed; ``status`` is 401 (who are you?) or 403 (not for you)."""

    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message
        super().__init__(message)


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


# -- signing ---------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, message: str) -> str:
    return _b64(hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest())


def session_cookie(secret: bytes, staff: Staff, now: float | None = None) -> str:
    payload = _b64(json.dumps({"s": staff.id, "g": staff.session_generation, "t": int(now or time.time())}).encode())
    return f"{payload}.{_mac(secret, 'session:' + payload)}"


def read_session(secret: bytes, cookie: str | None, now: float | None = None) -> tuple[str, int] | None:
    """The (staff id, generation) a valid, unexpired cookie names, or None."""
    if not cookie or "." not in cookie:
        return None
    payload, mac = cookie.rsplit(".", 1)
    if not hmac.compare_digest(mac, _mac(secret, "session:" + payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
        staff_id, generation, issued = str(data["s"]), int(data["g"]), int(data["t"])
    except (ValueError, KeyError, TypeError):
        return None
    if (now or time.time()) - issued > SESSION_SECONDS:
        return None
    return staff_id, generation


def csrf_token(secret: bytes, nonce: str) -> str:
    return _mac(secret, "csrf:" + nonce)


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def check_csrf(secret: bytes, request: Request, form: dict) -> None:
    """Raise 403 unless the form's token matches this browser's CSRF cookie."""
    nonce = request.cookies.get(CSRF_COOKIE)
    token = form.get("csrf", "")
    if not nonce or not hmac.compare_digest(token, csrf_token(secret, nonce)):
        raise AuthError(403, "The form has expired or came from another site. Go back, reload the page and try again.")


# -- who is asking ---------------------------------------------------------------------------------------


def current_staff(store: Store, secret: bytes, request: Request) -> Staff | None:
    found = read_session(secret, request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    staff_id, generation = found
    try:
        staff = store.staff(staff_id)
    except NotFound:
        return None
    return staff if staff.session_generation == generation else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_learner(store: Store, request: Request) -> Learner:
    """The learner whose token the request carries; raise 401 saying how to get one."""
    token = bearer_token(request)
    if token is None:
        raise AuthError(401, "no learner token: join your cohort with the link from your trainer, then try again")
    learner = store.learner_by_token(token)
    if learner is None:
        raise AuthError(401, "unknown learner token: join your cohort again with the link from your trainer")
    return learner


def may_see_cohort(staff: Staff, trainer_id: str) -> bool:
    """A cohort is seen and managed by its trainer and by every course lead."""
    return staff.role == "lead" or staff.id == trainer_id
