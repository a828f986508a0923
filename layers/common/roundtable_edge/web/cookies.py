"""The cookies the web API sets: names, lifetimes, paths, and setting or clearing them.

All are SameSite=Lax and Secure; Secure is dropped only by the local stack on
an http:// PUBLIC_BASE_URL (`Settings.cookies_secure`), so curl and httpx send
them back there. The refresh token only goes to /auth/, the OAuth state only
to the Discord callback. All are HttpOnly but `signed_in`: a hint, set and
cleared with the session cookies, that lets the web app skip asking who is
signed in when nobody is (no 401s on every signed-out page). It carries no
secret and the server never reads it; a forged one only makes the app ask.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import Response

from roundtable.auth import ACCESS_TOKEN_TTL, Session
from roundtable.auth.oauth import STATE_TTL
from roundtable.auth.sessions import REFRESH_TOKEN_TTL
from roundtable.config import get_settings
from roundtable.content.learners import LearnerIdentity

SESSION_COOKIE = "session"  # the access token
REFRESH_COOKIE = "refresh_token"
STATE_COOKIE = "oauth_state"  # the login's state, checked at the callback (login CSRF)
ANONYMOUS_COOKIE = "anonymous_token"  # the anonymous learner, claimed at login
SIGNED_IN_COOKIE = "signed_in"  # the web app's hint that a session may exist (not HttpOnly)

ROOT_PATH = "/"
REFRESH_PATH = "/auth/"
STATE_PATH = "/auth/discord/"
# The browser keeps an anonymous learner's token a year after its last new one.
ANONYMOUS_COOKIE_MAX_AGE = timedelta(days=365)


def _secure() -> bool:
    return get_settings().cookies_secure


def _set(
    response: Response,
    name: str,
    value: str,
    max_age: timedelta,
    path: str,
    *,
    httponly: bool = True,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(max_age.total_seconds()),
        path=path,
        secure=_secure(),
        httponly=httponly,
        samesite="lax",
    )


def _clear(response: Response, name: str, path: str, *, httponly: bool = True) -> None:
    response.delete_cookie(name, path=path, secure=_secure(), httponly=httponly, samesite="lax")


def set_session_cookies(response: Response, session: Session) -> None:
    _set(response, SESSION_COOKIE, session.access_token, ACCESS_TOKEN_TTL, ROOT_PATH)
    _set(response, REFRESH_COOKIE, session.refresh_token, REFRESH_TOKEN_TTL, REFRESH_PATH)
    # As long as the session can be refreshed; scripts read it, so it holds no secret.
    _set(response, SIGNED_IN_COOKIE, "1", REFRESH_TOKEN_TTL, ROOT_PATH, httponly=False)


def clear_session_cookies(response: Response) -> None:
    _clear(response, SESSION_COOKIE, ROOT_PATH)
    _clear(response, REFRESH_COOKIE, REFRESH_PATH)
    _clear(response, SIGNED_IN_COOKIE, ROOT_PATH, httponly=False)


def set_state_cookie(response: Response, state: str) -> None:
    _set(response, STATE_COOKIE, state, STATE_TTL, STATE_PATH)


def clear_state_cookie(response: Response) -> None:
    _clear(response, STATE_COOKIE, STATE_PATH)


def remember_anonymous(response: Response, identity: LearnerIdentity) -> None:
    """Set the anonymous learner's cookie when their token is new."""
    if identity.new_anonymous_token:
        token = str(identity.learner.anonymous_token)
        _set(response, ANONYMOUS_COOKIE, token, ANONYMOUS_COOKIE_MAX_AGE, ROOT_PATH)


# Growth (roundtable.growth, docs/growth.md): an anonymous visitor id, so a referral
# click counts once a day, and where the visitor arrived from, kept until signup.
VISITOR_COOKIE = "visitor"
ARRIVAL_COOKIE = "arrival"
GROWTH_PATH = "/api/"  # set by /api/growth/arrivals, read by enrolling
VISITOR_COOKIE_MAX_AGE = timedelta(days=180)
ARRIVAL_COOKIE_MAX_AGE = timedelta(days=30)


def remember_visitor(response: Response, token: str) -> None:
    _set(response, VISITOR_COOKIE, token, VISITOR_COOKIE_MAX_AGE, GROWTH_PATH)


def remember_arrival(response: Response, value: str) -> None:
    _set(response, ARRIVAL_COOKIE, value, ARRIVAL_COOKIE_MAX_AGE, GROWTH_PATH)


def forget_arrival(response: Response) -> None:
    _clear(response, ARRIVAL_COOKIE, GROWTH_PATH)
