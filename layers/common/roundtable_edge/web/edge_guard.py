"""Who may reach the API, and from where: CloudFront's origin secret and same-site writes.

1. The API is served only through CloudFront. CloudFront adds a secret header
   (`X-Origin-Verify`, template: `OriginVerifySecret`) to every request it
   forwards; a request without it came straight to the API Gateway URL and is
   refused (403). Only such a request's `CloudFront-Viewer-Address` is
   believed (`deps.client_ip`): without the proof anyone could write it and
   dodge the per-address limits. The local stack has no CloudFront and no
   secret, so the check is off there; a deployed stack refuses to serve
   without the secret (settings raise, naming it).
2. A state-changing request (POST, PUT, PATCH, DELETE) that carries one of our
   cookies must come from our own pages: a browser's `Sec-Fetch-Site` must be
   `same-origin` (or `none`: typed by the user), and its `Origin`, when sent,
   must be the site's (PUBLIC_BASE_URL) or the request's own. SameSite=Lax
   alone lets a sibling subdomain and top-level POST navigations through.
   Requests without those headers are not from a browser, whose cookies a
   third party could make it send, and pass.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from roundtable.config import get_settings
from roundtable_edge.web.cookies import (
    ANONYMOUS_COOKIE,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    STATE_COOKIE,
)
from roundtable_edge.web.errors import send_error

ORIGIN_VERIFY_HEADER = "x-origin-verify"
ORIGIN_SECRET_NAME = "ORIGIN_VERIFY_SECRET"
# Set in the request's state when the request proved it came through CloudFront.
VIA_CLOUDFRONT = "via_cloudfront"

NOT_THROUGH_CLOUDFRONT = "This API is served only through the site's own address."
CROSS_SITE = "Changes can only be made from Roundtable's own pages, not from another site."

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_OUR_COOKIES = frozenset({SESSION_COOKIE, REFRESH_COOKIE, ANONYMOUS_COOKIE, STATE_COOKIE})
_SAME_ORIGIN_FETCHES = frozenset({"same-origin", "none"})


class EdgeGuardMiddleware:
    """ASGI middleware: the origin secret, then same-site cookie writes (403 otherwise)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        secret = get_settings().secret(ORIGIN_SECRET_NAME)  # raises when deployed without
        if secret:
            if not hmac.compare_digest(
                headers.get(ORIGIN_VERIFY_HEADER, "").encode(), secret.encode()
            ):
                await _forbid(send, NOT_THROUGH_CLOUDFRONT)
                return
            scope.setdefault("state", {})[VIA_CLOUDFRONT] = True
        if _is_cross_site_cookie_write(scope, headers):
            await _forbid(send, CROSS_SITE)
            return
        await self.app(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    # A repeated header counts by its first value, as Starlette's request.headers.get.
    found: dict[str, str] = {}
    for name, value in scope.get("headers") or ():
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def _is_cross_site_cookie_write(scope: Scope, headers: dict[str, str]) -> bool:
    if scope.get("method", "GET").upper() not in _WRITE_METHODS:
        return False
    if not _carries_our_cookie(headers.get("cookie", "")):
        return False
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in _SAME_ORIGIN_FETCHES:
        return True
    origin = headers.get("origin")
    return origin is not None and origin.rstrip("/") not in _own_origins(scope, headers)


def _carries_our_cookie(cookie_header: str) -> bool:
    if not cookie_header:
        return False
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # a malformed header: judge by names alone
        return any(f"{name}=" in cookie_header for name in _OUR_COOKIES)
    return bool(_OUR_COOKIES & set(jar))


def _own_origins(scope: Scope, headers: dict[str, str]) -> set[str]:
    """The site's origin (PUBLIC_BASE_URL) and this request's own scheme://host."""
    site = urlsplit(get_settings().public_base_url)
    origins = {f"{site.scheme}://{site.netloc}"}
    host = headers.get("host")
    if host:
        origins.add(f"{scope.get('scheme', 'https')}://{host}")
    return origins


async def _forbid(send: Send, message: str) -> None:
    await send_error(send, 403, "forbidden", message)
