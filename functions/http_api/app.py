"""The web API: FastAPI behind API Gateway's HTTP API, through Mangum.

Routes live in routes/ (one router per resource) and call `roundtable`;
errors are shaped in one place (errors.py).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from mangum import Mangum

from api.errors import install_error_handlers
from api.routes import (
    admin,
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
    for module in (health, auth, users, cohorts, groups, facilitator, admin, jobs):
        app.include_router(module.router)
    for module in (content, progress, webhook, unsubscribe):
        app.include_router(module.router)
    return app


app = create_app()
handler = Mangum(app, lifespan="off")
