"""Login (Discord, dev), session refresh and logout, under /auth/."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse
from roundtable_edge.web.cookies import (
    clear_session_cookies,
    clear_state_cookie,
    set_session_cookies,
    set_state_cookie,
)
from roundtable_edge.web.errors import domain_error_response

from api.deps import (
    ANONYMOUS_COOKIE,
    REFRESH_COOKIE,
    STATE_COOKIE,
    Db,
    Now,
    limit_login,
    limit_refresh,
)
from api.schemas.auth import (
    DevLoginCreate,
    DevLoginStatusPublic,
    SessionPublic,
    SignInMethodsPublic,
)
from api.schemas.common import StatusPublic, errors
from roundtable import auth
from roundtable.auth.oauth import parse_anonymous_token
from roundtable.config import get_settings
from roundtable.db.engine import get_engine
from roundtable.errors import AuthenticationError, NotFoundError

router = APIRouter(prefix="/auth", tags=["auth"], responses=errors(400, 422))

LOGIN_ERROR_PAGE = "/signin"  # the SPA's sign-in page, which explains ?error=<reason>
_ACCESS_SECONDS = int(auth.ACCESS_TOKEN_TTL.total_seconds())


def _oauth_client() -> auth.DiscordOAuthClient:
    return auth.DiscordOAuthClient.from_settings(get_settings())


@router.get(
    "/discord",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "Redirect to Discord's consent page"}, **errors(429, 503)},
    dependencies=[Depends(limit_login)],
)
def start_discord_login(
    request: Request,
    conn: Db,
    now: Now,
    next: str | None = None,
    anonymous_token: str | None = None,
) -> RedirectResponse:
    """Start the Discord login; returns to `next` (a path on this site) afterwards.

    Where Discord login is not configured, a browser is sent back to the sign-in page
    (`/signin?error=login_unavailable`), which says so; other clients get the 503."""
    token = anonymous_token or request.cookies.get(ANONYMOUS_COOKIE)
    try:
        start = auth.begin_discord_login(
            conn,
            _oauth_client(),
            get_settings(),
            next_path=next,
            anonymous_token=parse_anonymous_token(token),
            now=now,
        )
    except auth.LoginUnavailableError as exc:
        if not _is_navigation(request):
            raise
        return _back_to_sign_in(exc.code, next)
    response = RedirectResponse(start.authorize_url, status_code=302)
    set_state_cookie(response, start.state)
    return response


def _is_navigation(request: Request) -> bool:
    """A person's browser opening the page (not a script): it should see a page, not JSON."""
    mode = request.headers.get("sec-fetch-mode")
    return mode == "navigate" or (mode is None and "text/html" in request.headers.get("accept", ""))


def _back_to_sign_in(reason: str, next_path: str | None = None) -> RedirectResponse:
    query = f"error={quote(reason)}"
    if next_path:
        query += f"&next={quote(next_path)}"
    return RedirectResponse(f"{LOGIN_ERROR_PAGE}?{query}", status_code=302)


@router.get(
    "/discord/callback",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "Signed in (or failed): back to the site"}, **errors(429)},
    dependencies=[Depends(limit_login)],
)
def finish_discord_login(
    request: Request,
    now: Now,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    """Discord sends the browser here; sets the session cookies and redirects."""
    try:
        if error or not code or not state:
            reason = "access_denied" if error == "access_denied" else "missing_params"
            raise auth.LoginFailedError(reason, error or "code and state are required")
        result = auth.complete_discord_login(
            get_engine(),
            _oauth_client(),
            get_settings(),
            code=code,
            state=state,
            browser_state=request.cookies.get(STATE_COOKIE),
            now=now,
        )
    except auth.LoginFailedError as exc:
        response = _back_to_sign_in(exc.reason)
        clear_state_cookie(response)
        return response
    response = RedirectResponse(result.redirect_to, status_code=302)
    clear_state_cookie(response)
    set_session_cookies(response, result.session)
    return response


@router.post(
    "/refresh",
    response_model=SessionPublic,
    responses=errors(401, 429),
    dependencies=[Depends(limit_refresh)],
)
def refresh_session(request: Request, now: Now) -> JSONResponse:
    """Renew the session from the refresh cookie (the cookie rotates)."""
    raw = request.cookies.get(REFRESH_COOKIE)
    try:
        if not raw:
            raise AuthenticationError("no session to refresh; sign in")
        session = auth.refresh_session(get_engine(), raw, now)
    except AuthenticationError as exc:
        failed = domain_error_response(exc)
        clear_session_cookies(failed)
        return failed
    body = SessionPublic(
        status="refreshed", user_id=session.user_id, access_expires_in=_ACCESS_SECONDS
    )
    response = JSONResponse(body.model_dump())
    set_session_cookies(response, session)
    return response


@router.post("/logout", response_model=StatusPublic)
def logout(request: Request, conn: Db, now: Now) -> JSONResponse:
    """End the session everywhere it was refreshed to, and clear the cookies."""
    raw = request.cookies.get(REFRESH_COOKIE)
    if raw:
        auth.end_session(conn, raw, now)
    response = JSONResponse(StatusPublic(status="logged_out").model_dump())
    clear_session_cookies(response)
    return response


@router.get("/dev-login", response_model=DevLoginStatusPublic)
def read_dev_login() -> DevLoginStatusPublic:
    """Whether the dev login is on, so the sign-in page offers it only when it works."""
    return DevLoginStatusPublic(enabled=auth.dev_login_allowed(get_settings()))


@router.get("/sign-in-methods", response_model=SignInMethodsPublic)
def read_sign_in_methods() -> SignInMethodsPublic:
    """Which sign-in methods work on this site: the sign-in page offers Discord only
    when it is configured, and the dev login only where it is on."""
    settings = get_settings()
    return SignInMethodsPublic(
        discord=auth.DiscordOAuthClient.from_settings(settings).configured,
        dev_login=auth.dev_login_allowed(settings),
    )


@router.post("/dev-login", response_model=SessionPublic, responses=errors(404, 429))
def dev_login(body: DevLoginCreate, request: Request, conn: Db, now: Now) -> JSONResponse:
    """Sign in by name without Discord (local stack only; 404 elsewhere)."""
    settings = get_settings()
    if not auth.dev_login_allowed(settings):
        raise NotFoundError("Not Found")
    limit_login(request, now)
    session = auth.dev_login(
        conn,
        settings,
        display_name=body.display_name,
        as_admin=body.as_admin,
        now=now,
        anonymous_token=parse_anonymous_token(request.cookies.get(ANONYMOUS_COOKIE)),
    )
    payload = SessionPublic(
        status="signed_in", user_id=session.user_id, access_expires_in=_ACCESS_SECONDS
    )
    response = JSONResponse(payload.model_dump())
    set_session_cookies(response, session)
    return response
