"""The web API: FastAPI behind API Gateway's HTTP API, through Mangum.

Routes live in routes/ (one router per resource) and call `roundtable`;
errors are shaped in one place (errors.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from mangum import Mangum

from api.errors import install_error_handlers
from api.nul_guard import NulGuardMiddleware
from api.routes import (
    admin,
    admin_facilitators,
    auth,
    cohorts,
    content,
    facilitator,
    groups,
    health,
    jobs,
    progress,
    unsubscribe,
    users,
    webhook,
)


def _operation_id(route: APIRoute) -> str:
    """`{tag}-{name}` operation ids, so the generated client reads well."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app() -> FastAPI:
    app = FastAPI(
        title="Roundtable API",
        version=__import__("roundtable").__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        generate_unique_id_function=_operation_id,
    )
    install_error_handlers(app)
    app.add_middleware(NulGuardMiddleware)
    for module in (health, auth, users, cohorts, groups, facilitator, admin, jobs):
        app.include_router(module.router)
    app.include_router(admin_facilitators.router)
    for module in (content, progress, webhook, unsubscribe):
        app.include_router(module.router)
    return app


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


app = create_app()
_adapter = Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point: API Gateway HTTP API (v2) events through Mangum."""
    _ensure_event_loop()
    return dict(_adapter(event, context))
