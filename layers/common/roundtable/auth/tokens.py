"""Short-lived access tokens: HS256 JWTs naming the user, read from a cookie.

A token carries the user's session version (`sv`) when it was issued; logging
out and a detected refresh-token reuse bump the version (roundtable.auth.sessions),
so every earlier token stops working at once. Checking that needs the database:
`roundtable.auth.sessions.authenticate` does, `read_access_claims` here only checks
the signature, the expiry and that the subject is a possible user id.

The secret is JWT_SECRET. A local or test stack without it uses a random
secret of this process (sessions end when the process does) and says so once;
a deployed stack refuses to run without it (settings raise).
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import jwt

from roundtable.config import Settings, get_settings
from roundtable.errors import AuthenticationError

logger = logging.getLogger(__name__)

ACCESS_TOKEN_TTL = timedelta(minutes=15)
_ALGORITHM = "HS256"
_TYPE = "access"
# users.id is a Postgres integer: a subject beyond it names nobody (and would be
# a database error, not a 401, if it reached a query).
MAX_USER_ID = 2_147_483_647
_INVALID = "your session is invalid; sign in again"


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says: who, and at which session version."""

    user_id: int
    session_version: int


_SECRET_LOCK = threading.Lock()


@cache
def _process_secret() -> str:
    # functools.cache alone lets two first callers each make a secret (threads of
    # the local stack): one of them would sign tokens nobody can verify.
    with _SECRET_LOCK:
        return _make_process_secret()


@cache
def _make_process_secret() -> str:
    logger.warning(
        "JWT_SECRET is not set: using a random secret for this process; "
        "sessions will not survive a restart (set JWT_SECRET to keep them)"
    )
    return secrets.token_urlsafe(32)


def jwt_secret(settings: Settings | None = None) -> str:
    """The signing secret: JWT_SECRET, or a per-process one outside a deployed stack."""
    settings = settings or get_settings()
    value = settings.secret("JWT_SECRET")
    if value:
        return value
    if settings.is_deployed:
        return settings.require_secret("JWT_SECRET")  # raises, naming the setting
    return _process_secret()


def issue_access_token(user_id: int, now: datetime, secret: str, session_version: int = 0) -> str:
    """A signed token for the user at this session version, valid for ACCESS_TOKEN_TTL."""
    claims = {
        "sub": str(user_id),
        "typ": _TYPE,
        "sv": session_version,
        "iat": int(now.timestamp()),
        "exp": int((now + ACCESS_TOKEN_TTL).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def read_access_claims(token: str, now: datetime, secret: str) -> AccessClaims:
    """The claims of a valid, unexpired token; AuthenticationError otherwise.

    Does not know whether the user still exists or signed out since: see
    `roundtable.auth.sessions.authenticate`.
    """
    try:
        # Expiry is checked against `now` below, so tests and callers control the clock.
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"verify_exp": False, "require": ["sub", "exp", "typ"]},
        )
    except jwt.InvalidTokenError:
        raise AuthenticationError(_INVALID) from None
    subject, version = str(claims["sub"]), claims.get("sv", 0)
    if claims["typ"] != _TYPE or not (subject.isascii() and subject.isdigit()):
        raise AuthenticationError(_INVALID)
    if len(subject) > 10 or not 1 <= int(subject) <= MAX_USER_ID:
        raise AuthenticationError(_INVALID)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise AuthenticationError(_INVALID)
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= int(now.timestamp()):
        raise AuthenticationError("your session has expired; refresh it or sign in again")
    return AccessClaims(int(subject), version)


def read_access_token(token: str, now: datetime, secret: str) -> int:
    """The user id a valid, unexpired token names (signature and expiry only)."""
    return read_access_claims(token, now, secret).user_id
