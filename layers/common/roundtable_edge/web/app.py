"""A FastAPI app as both web functions build it, and its Lambda entry point through Mangum."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from mangum import Mangum

from roundtable_edge.web.edge_guard import EdgeGuardMiddleware
from roundtable_edge.web.errors import install_error_handlers
from roundtable_edge.web.nul_guard import NulGuardMiddleware

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

# What every request is held to, stated in the OpenAPI document (info.description).
ENFORCED = """\
How requests authenticate: the `session` cookie (a 15-minute access token set by
`/auth/dev-login` or the Discord login, renewed with `POST /auth/refresh`). Operations
marked with `sessionCookie` require it; learner routes (content, progress, tutor) take it
when present and otherwise work for an anonymous visitor (the `anonymous_token` cookie).
A session ends at logout or when a stolen refresh token is detected: every access token
issued before is refused at once (401).

What every request is held to:

- Text containing NUL (`\\u0000`) is refused with 422, in any body or query.
- Ids in paths and queries are integers from 1 to 2147483647 (job ids: up to 2^63-1);
  anything else is a 422.
- Times of day, durations and meeting lengths are on the 15-minute grid: multiples of
  15 minutes (availability blocks on the 30-minute grid), else 422.
- A state-changing request (POST, PUT, PATCH, DELETE) that carries our cookies must come
  from the site's own pages: a browser's `Sec-Fetch-Site` other than `same-origin`, or an
  `Origin` other than the site's, is refused with 403.
- In a deployed stack the API answers only through CloudFront (the site's address); a
  request that did not come through it is refused with 403.
- Writes are limited per user, logins and refreshes per address, and the tutor per
  learner, per address and for everyone together (429 with Retry-After).
"""
SESSION_SCHEME = "sessionCookie"
# Where the docs page loads Swagger UI's files from; unset: FastAPI's default CDN.
# The local stack serves them itself, so /api/docs works offline (docs/local-stack.md).
DOCS_ASSETS_SETTING = "API_DOCS_ASSETS_URL"
# Dependencies that require a signed-in user, and the one that takes one when present.
_REQUIRES_SESSION = frozenset({"session_claims", "get_current_user"})
_OPTIONAL_SESSION = frozenset({"get_learner"})


def create_web_app(
    title: str, *, docs_prefix: str, operation_id: Callable[[APIRoute], str]
) -> FastAPI:
    """An app with the one error shape, the edge guard and the NUL guard; docs under `docs_prefix`.

    The edge guard (CloudFront's origin secret, same-site cookie writes) runs first.
    """
    docs_assets = os.environ.get(DOCS_ASSETS_SETTING, "").rstrip("/")
    app = FastAPI(
        title=title,
        version=__import__("roundtable").__version__,
        openapi_url=f"{docs_prefix}/openapi.json",
        docs_url=None if docs_assets else f"{docs_prefix}/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    if docs_assets:
        _serve_docs_page(app, f"{docs_prefix}/docs", docs_assets)
    install_error_handlers(app)
    _declare_security(app)
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(EdgeGuardMiddleware)  # added last: runs first
    return app


def _serve_docs_page(app: FastAPI, path: str, assets: str) -> None:
    """FastAPI's Swagger UI page, with its script, style and icon from `assets`."""

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )

    app.add_api_route(path, docs, methods=["GET"], include_in_schema=False)


def _declare_security(app: FastAPI) -> None:
    """Make the app's OpenAPI document declare the session cookie and what is enforced."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, description=ENFORCED, routes=app.routes
        )
        schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[SESSION_SCHEME] = {
            "type": "apiKey",
            "in": "cookie",
            "name": "session",
            "description": "The access token (HttpOnly; set by the login routes).",
        }
        for route in _api_routes(app):
            _mark_operations(document, route)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _api_routes(app: FastAPI) -> list[Any]:
    """Every API route, included routers' too (FastAPI includes them lazily since 0.16x)."""
    iterate = getattr(routing, "iter_route_contexts", None)
    if iterate is None:
        return [route for route in app.routes if isinstance(route, APIRoute)]
    return [c for c in iterate(app.routes) if isinstance(c.original_route, APIRoute)]


def _mark_operations(document: dict[str, Any], route: Any) -> None:
    names = _dependency_names(route.dependant)
    if names & _REQUIRES_SESSION:
        security: list[dict[str, list[str]]] = [{SESSION_SCHEME: []}]
    elif names & _OPTIONAL_SESSION:
        security = [{}, {SESSION_SCHEME: []}]
    else:
        return
    operations = document.get("paths", {}).get(route.path_format, {})
    for method in route.methods or ():
        if method.lower() in operations:
            operations[method.lower()]["security"] = security


def _dependency_names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    for child in dependant.dependencies:
        names.add(getattr(child.call, "__name__", ""))
        names |= _dependency_names(child)
    return names


def lambda_handler(app: FastAPI) -> LambdaHandler:
    """API Gateway HTTP API (v2) events into the app, through Mangum."""
    adapter = Mangum(app, lifespan="off")

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        _ensure_event_loop()
        return dict(adapter(event, context))  # type: ignore[arg-type]

    return handle


def _ensure_event_loop() -> None:
    # Mangum runs the app on asyncio.get_event_loop(), which raises once some
    # code in the process closed and unset the loop (asyncio.run does). Lambda
    # never does that, but in-process callers (tests, the local stack) can.
    try:
        if not asyncio.get_event_loop().is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())
