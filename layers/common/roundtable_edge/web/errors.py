"""One error shape for every web answer: {"error": {"code", "message", "field"?}}.

`install_error_handlers(app)` makes a FastAPI app answer domain errors,
request validation errors and Starlette's own HTTP errors (unknown route,
wrong method) in that shape, with Retry-After when the error says when to
retry. `error_responses` documents the shape in OpenAPI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from roundtable.errors import DomainError
from roundtable_edge.web.statuses import http_status

# Codes for the errors Starlette raises itself (no route, wrong method, ...).
_HTTP_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    """Every error the API answers: {"error": {"code", "message", "field"?}}."""

    error: ErrorDetail


def error_responses(
    descriptions: Mapping[int, str], *statuses: int
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, all with the one error shape."""
    return {s: {"model": ErrorResponse, "description": descriptions[s]} for s in statuses}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


async def send_error(send: Send, status: int, code: str, message: str) -> None:
    """Answer with the one error shape from raw ASGI (middleware that stops a request early)."""
    payload = json.dumps(error_body(code, message)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def domain_error_response(exc: DomainError) -> JSONResponse:
    """The answer to a domain error: its status, its body, Retry-After when it has one."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    body = error_body(exc.code, str(exc), exc.field)
    return JSONResponse(body, status_code=http_status(exc), headers=headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    field = ".".join(str(part) for part in first["loc"] if part not in ("body", "query", "path"))
    message = f"{field}: {first['msg']}" if field else str(first["msg"])
    return JSONResponse(error_body("invalid_request", message, field or None), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        error_body(_HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Starlette logs and re-raises it after this answer; the client still gets the one shape.
    message = "Something went wrong on our side. Please try again."
    return JSONResponse(error_body("internal_error", message), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
