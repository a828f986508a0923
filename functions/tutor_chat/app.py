"""The tutor chat function: its own small FastAPI app behind the HTTP API, through Mangum.

A function of its own so that litellm (about 200 MB, seconds to import)
stays out of http_api; even here it is imported on the first message only,
so the history and status routes start fast. The local stack serves `app`
directly as ASGI (template Metadata `LocalAsgiApp`), which lets replies stream.
"""

from __future__ import annotations

from typing import Any

import assessment_routes
import tutor_routes
import voice_routes
from fastapi import FastAPI
from roundtable_edge.observability import api_gateway_ids, observed
from roundtable_edge.web.app import create_web_app, lambda_handler

from roundtable.config import get_settings


def create_app() -> FastAPI:
    app = create_web_app(
        "Roundtable tutor",
        docs_prefix="/api/tutor",
        operation_id=lambda route: f"tutor-{route.name}",
    )
    app.include_router(tutor_routes.router)
    app.include_router(voice_routes.router)
    app.include_router(assessment_routes.router)
    return app


NEEDED_SECRETS = ("JWT_SECRET", "LLM_API_KEY")

app = create_app()
_asgi_handler = lambda_handler(app)


@observed(service="tutor_chat", correlation=api_gateway_ids)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    get_settings().check_deployable(NEEDED_SECRETS)
    return _asgi_handler(event, context)
