"""Who is asking: staff sessions (argon2id passwords, signed cookies, CSRF tokens) and learner tokens.

The signing key lives in the database (made by the first migration), so any server process can check a
cookie another one signed. A session names the staff account, its ``session_generation`` and a random
session id whose hash is kept in the database: signing out deletes it, so a copy of the cookie opens nothing
afterwards; changing or resetting the password, or deactivating the account, bumps the generation and
deletes every session of the account.
CSRF: each form carries an HMAC of a random per-browser value kept in a SameSite=Strict cookie (masked
afresh on every page), checked on every POST.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from starlette.requests import Request

from quizlib.results.store import Learner, NotFound, Staff, Store

SESSION_COOKIE = "quizlib_staff"
CSRF_COOKIE = "quizlib_csrf"
SESSION_SECONDS = 12 * 3600


class AuthError(Exception):
    """A request that is not allowed; ``status`` is 401 (who are you?) or 403 (not for you)."""

    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message
        super().__init__(message)


# -- signing ---------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, message: str) -> str:
    return _b64(hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest())


def session_cookie(secret: bytes, staff: Staff, session_id: str, now: float | None = None) -> str:
    data = {"s": staff.id, "g": staff.session_generation, "i": session_id, "t": int(now or time.time())}
    payload = _b64(json.dumps(data).encode())
    return f"{payload}.{_mac(secret, 'session:' + payload)}"


def read_session(secret: bytes, cookie: str | None, now: float | None = None) -> tuple[str, int, str] | None:
    """The (staff id, generation, session id) a valid, unexpired cookie names, or None."""
    if not cookie or "." not in cookie or len(cookie) > 1000:
        return None
    payload, mac = cookie.rsplit(".", 1)
    if not hmac.compare_digest(mac, _mac(secret, "session:" + payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
        staff_id, generation, session_id, issued = str(data["s"]), int(data["g"]), str(data["i"]), int(data["t"])
    except (ValueError, KeyError, TypeError):
        return None
    if (now or time.time()) - issued > SESSION_SECONDS:
        return None
    return staff_id, generation, session_id


def csrf_token(secret: bytes, nonce: str) -> str:
    """The CSRF token of this browser's nonce for one page, masked afresh each time it is asked for.

    Responses are compressed; a secret that is the same on every page, sent next to text a visitor can
    choose (a ``next`` address), could be read from the compressed sizes (BREACH). A random mask XORed in
    makes each page's token different; :func:`check_csrf` takes the mask off again.
    """
    raw = _csrf_digest(secret, nonce)
    mask = secrets.token_bytes(len(raw))
    return _b64(mask + bytes(a ^ b for a, b in zip(raw, mask)))


def _csrf_digest(secret: bytes, nonce: str) -> bytes:
    return hmac.new(secret, ("csrf:" + nonce).encode("utf-8"), hashlib.sha256).digest()


def _unmask(token: str) -> bytes | None:
    try:
        data = _unb64(token)
    except ValueError:  # not base64, or not ASCII
        return None
    half = len(data) // 2
    if half != hashlib.sha256().digest_size or len(data) != 2 * half:
        return None
    return bytes(a ^ b for a, b in zip(data[half:], data[:half]))


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def check_csrf(secret: bytes, request: Request, form: dict) -> None:
    """Raise 403 unless the form's token matches this browser's CSRF cookie."""
    nonce = request.cookies.get(CSRF_COOKIE)
    raw = _unmask(form.get("csrf", ""))
    if not nonce or raw is None or not hmac.compare_digest(raw, _csrf_digest(secret, nonce)):
        raise AuthError(403, "The form has expired or came from another site. Go back, reload the page and try again.")


# -- who is asking ---------------------------------------------------------------------------------------


def current_staff(store: Store, secret: bytes, request: Request) -> Staff | None:
    found = read_session(secret, request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    staff_id, generation, session_id = found
    try:
        staff = store.staff(staff_id)
    except NotFound:
        return None
    # Deactivating bumps the generation too; checking ``active`` as well keeps a deactivated account out
    # whatever changed it.
    if not staff.active or staff.session_generation != generation:
        return None
    return staff if store.session_alive(session_id, staff.id) else None


def session_id(secret: bytes, request: Request) -> str | None:
    """The id of the session this request's cookie names, if the cookie is valid."""
    found = read_session(secret, request.cookies.get(SESSION_COOKIE))
    return found[2] if found else None


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


def remembered_learner(store: Store, request: Request) -> Learner | None:
    """The learner whose token the request carries if the store read them in the last few seconds, else None
    (then :func:`current_learner` reads, in a worker thread). For the statements endpoint only: the store
    checks that the learner still exists as it writes their statements."""
    token = bearer_token(request)
    return store.remembered_learner(token) if token is not None else None


def may_see_cohort(staff: Staff, trainer_id: str) -> bool:
    """A cohort is seen and managed by its trainer and by every course lead."""
    return staff.role == "lead" or staff.id == trainer_id
