"""The web API: FastAPI behind API Gateway's HTTP API, through Mangum.

Routes live in routes/ (one router per resource) and call `roundtable`;
the error shape, cookies and NUL guard are the web edge's (roundtable_edge.web),
shared with the tutor function.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from roundtable_edge.observability import api_gateway_ids, observed
from roundtable_edge.web.app import create_web_app, lambda_handler

from api.routes import (
    admin,
    admin_calendar,
    admin_discord,
    admin_facilitators,
    admin_live,
    admin_people,
    admin_regroup,
    auth,
    cohorts,
    content,
    facilitator,
    facilitator_timeline,
    feedback,
    groups,
    growth,
    guest_visits,
    health,
    jobs,
    progress,
    site,
    unsubscribe,
    users,
    webhook,
)


def _operation_id(route: APIRoute) -> str:
    """`{tag}-{name}` operation ids, so the generated client reads well."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app() -> FastAPI:
    app = create_web_app("Roundtable API", docs_prefix="/api", operation_id=_operation_id)
    for module in (health, auth, users, cohorts, groups, facilitator, admin, jobs):
        app.include_router(module.router)
    app.include_router(admin_facilitators.router)
    app.include_router(admin_regroup.router)
    app.include_router(admin_people.router)
    app.include_router(facilitator_timeline.router)
    app.include_router(admin_live.router)
    app.include_router(admin_discord.router)
    app.include_router(admin_calendar.router)
    app.include_router(guest_visits.router)
    app.include_router(growth.router)
    app.include_router(growth.admin_router)
    app.include_router(feedback.router)
    for module in (content, progress, site, webhook, unsubscribe):
        app.include_router(module.router)
    return app


app = create_app()
# The Lambda entry point: API Gateway HTTP API (v2) events through Mangum.
handler = observed(service="http_api", correlation=api_gateway_ids)(lambda_handler(app))
