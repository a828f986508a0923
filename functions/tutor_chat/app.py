"""The tutor chat function: its own small FastAPI app behind the HTTP API, through Mangum.

A function of its own so that litellm (about 200 MB, seconds to import)
stays out of http_api; even here it is imported on the first message only,
so the history and status routes start fast. The local stack serves `app`
directly as ASGI (template Metadata `LocalAsgiApp`), which lets replies stream.
"""

from __future__ import annotations

from typing import Any

import tutor_routes
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from mangum import Mangum
from starlette.exceptions import HTTPException as StarletteHTTPException

from roundtable.config import get_settings
from roundtable.errors import DomainError


def _error(
    status: int, code: str, message: str, field: str | None = None, **headers: str
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    return JSONResponse({"error": body}, status_code=status, headers=headers or None)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    retry = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    return _error(exc.status, exc.code, str(exc), exc.field, **retry)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    field = ".".join(str(part) for part in first["loc"] if part not in ("body", "query", "path"))
    message = f"{field}: {first['msg']}" if field else str(first["msg"])
    return _error(422, "invalid_request", message, field or None)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return _error(exc.status_code, code, str(exc.detail))


def create_app() -> FastAPI:
    app = FastAPI(
        title="Roundtable tutor",
        version=__import__("roundtable").__version__,
        openapi_url="/api/tutor/openapi.json",
        docs_url="/api/tutor/docs",
        redoc_url=None,
        generate_unique_id_function=lambda route: f"tutor-{route.name}",
    )
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.include_router(tutor_routes.router)
    return app


NEEDED_SECRETS = ("JWT_SECRET", "LLM_API_KEY")

app = create_app()
_asgi_handler = Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    get_settings().check_deployable(NEEDED_SECRETS)
    return _asgi_handler(event, context)
