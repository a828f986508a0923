"""The tutor chat function: its own small FastAPI app, streamed by the Lambda Web Adapter.

A function of its own so that litellm (about 200 MB, seconds to import)
stays out of http_api; even here it is imported on the first message only,
so the history and status routes start fast.

In AWS, Lambda runs `run.sh` (the template's Handler) under the Lambda Web
Adapter layer: uvicorn serves `app` on 127.0.0.1, and the adapter turns each
Function URL invocation into an HTTP request to it and streams the answer
back (RESPONSE_STREAM), so replies reach the browser word by word. There is
no Lambda handler of ours: `observed_asgi` gives each request the logs and
metrics `observed` gives an invocation. The local stack serves `app` directly
(template Metadata `LocalAsgiApp`). docs/tutor.md, "Packaging and streaming".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import assessment_routes
import tutor_routes
import voice_routes
from fastapi import FastAPI
from roundtable_edge.observability import ObservedAsgi, service_logger
from roundtable_edge.web.app import create_web_app

from roundtable.config import SettingsError, get_settings

SERVICE = "tutor_chat"
NEEDED_SECRETS = ("JWT_SECRET", "LLM_API_KEY")
# The adapter's readiness check (AWS_LWA_READINESS_CHECK_PATH in the template): answered
# before the edge guard and without the database, so it says only "the server is up".
HEALTH_PATH = "/api/tutor/health"


@asynccontextmanager
async def deployable(_app: FastAPI) -> AsyncIterator[None]:
    """At server start (uvicorn's lifespan): refuse to serve with unsafe settings or
    missing secrets, saying which, rather than fail the learner's first message."""
    try:
        get_settings().check_deployable(NEEDED_SECRETS)
    except SettingsError as exc:
        service_logger(SERVICE).error("tutor_chat cannot start: %s", exc)
        raise
    yield


def create_app() -> FastAPI:
    app = create_web_app(
        "Roundtable tutor",
        docs_prefix="/api/tutor",
        operation_id=lambda route: f"tutor-{route.name}",
    )
    app.router.lifespan_context = deployable
    app.include_router(tutor_routes.router)
    app.include_router(voice_routes.router)
    app.include_router(assessment_routes.router)
    # Added last, so they run first: the readiness check skips the edge guard's secret.
    app.add_middleware(HealthCheck)
    app.add_middleware(ObservedAsgi, service=SERVICE)
    return app


class HealthCheck:
    """`GET /api/tutor/health` answers 200 at once; everything else goes to the app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and scope.get("path") == HEALTH_PATH:
            if scope.get("method") in ("GET", "HEAD"):
                headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": b'{"status":"ok"}'})
                return
        await self.app(scope, receive, send)


app = create_app()
