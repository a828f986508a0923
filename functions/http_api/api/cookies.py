"""Session cookies: HttpOnly, Secure, SameSite=Lax; the refresh token only goes to /auth/.

Secure is dropped only by the local stack on an http:// PUBLIC_BASE_URL
(`Settings.cookies_secure`), so curl and httpx send the cookies back there.
"""

from __future__ import annotations

from starlette.responses import Response

from api.deps import REFRESH_COOKIE, SESSION_COOKIE, STATE_COOKIE
from roundtable.auth import ACCESS_TOKEN_TTL, Session
from roundtable.auth.oauth import STATE_TTL
from roundtable.auth.sessions import REFRESH_TOKEN_TTL
from roundtable.config import get_settings

REFRESH_PATH = "/auth/"
STATE_PATH = "/auth/discord/"


def _set(response: Response, name: str, value: str, max_age: int, path: str) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=path, secure=_secure(), httponly=True, samesite="lax"
    )


def _secure() -> bool:
    return get_settings().cookies_secure


def set_session_cookies(response: Response, session: Session) -> None:
    _set(response, SESSION_COOKIE, session.access_token, int(ACCESS_TOKEN_TTL.total_seconds()), "/")
    _set(
        response,
        REFRESH_COOKIE,
        session.refresh_token,
        int(REFRESH_TOKEN_TTL.total_seconds()),
        REFRESH_PATH,
    )


def clear_session_cookies(response: Response) -> None:
    secure = _secure()
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_PATH, secure=secure, httponly=True, samesite="lax"
    )


def set_state_cookie(response: Response, state: str) -> None:
    _set(response, STATE_COOKIE, state, int(STATE_TTL.total_seconds()), STATE_PATH)


def clear_state_cookie(response: Response) -> None:
    response.delete_cookie(
        STATE_COOKIE, path=STATE_PATH, secure=_secure(), httponly=True, samesite="lax"
    )
