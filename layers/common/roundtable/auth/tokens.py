"""Short-lived access tokens: HS256 JWTs naming the user, read from a cookie.

The secret is JWT_SECRET. A local or test stack without it uses a random
secret of this process (sessions end when the process does) and says so once;
a deployed stack refuses to run without it (settings raise).
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import datetime, timedelta
from functools import cache

import jwt

from roundtable.config import Settings, get_settings
from roundtable.errors import AuthenticationError

logger = logging.getLogger(__name__)

ACCESS_TOKEN_TTL = timedelta(minutes=15)
_ALGORITHM = "HS256"
_TYPE = "access"


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


def issue_access_token(user_id: int, now: datetime, secret: str) -> str:
    """A signed token for the user, valid for ACCESS_TOKEN_TTL from now."""
    claims = {
        "sub": str(user_id),
        "typ": _TYPE,
        "iat": int(now.timestamp()),
        "exp": int((now + ACCESS_TOKEN_TTL).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def read_access_token(token: str, now: datetime, secret: str) -> int:
    """The user id a valid, unexpired token names; AuthenticationError otherwise."""
    try:
        # Expiry is checked against `now` below, so tests and callers control the clock.
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"verify_exp": False, "require": ["sub", "exp", "typ"]},
        )
    except jwt.InvalidTokenError:
        raise AuthenticationError("your session is invalid; sign in again") from None
    if claims["typ"] != _TYPE or not str(claims["sub"]).isdigit():
        raise AuthenticationError("your session is invalid; sign in again")
    if int(claims["exp"]) <= int(now.timestamp()):
        raise AuthenticationError("your session has expired; refresh it or sign in again")
    return int(claims["sub"])
