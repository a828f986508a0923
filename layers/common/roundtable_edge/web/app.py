"""A FastAPI app as both web functions build it, and its Lambda entry point through Mangum."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from mangum import Mangum

from roundtable_edge.web.edge_guard import EdgeGuardMiddleware
from roundtable_edge.web.errors import install_error_handlers
from roundtable_edge.web.nul_guard import NulGuardMiddleware

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def create_web_app(
    title: str, *, docs_prefix: str, operation_id: Callable[[APIRoute], str]
) -> FastAPI:
    """An app with the one error shape, the edge guard and the NUL guard; docs under `docs_prefix`.

    The edge guard (CloudFront's origin secret, same-site cookie writes) runs first.
    """
    app = FastAPI(
        title=title,
        version=__import__("roundtable").__version__,
        openapi_url=f"{docs_prefix}/openapi.json",
        docs_url=f"{docs_prefix}/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    install_error_handlers(app)
    app.add_middleware(NulGuardMiddleware)
    app.add_middleware(EdgeGuardMiddleware)  # added last: runs first
    return app


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
