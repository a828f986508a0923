"""NUL in any text is a clear 422, never a 500 from Postgres."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.functions.conftest import http_event


@pytest.mark.parametrize(
    ("body", "query"),
    [('{"display_name": "Ada\\u0000"}', ""), (None, "q=a%00b")],
)
def test_text_with_a_nul_character_is_refused_with_the_error_shape(
    engine: Engine, function: Any, lambda_context: Any, body: str | None, query: str
) -> None:
    event = http_event("PATCH" if body else "GET", "/api/users/me", body=body, query=query)
    response = function("http_api").handler(event, lambda_context)
    assert response["statusCode"] == 422
    error = json.loads(response["body"])["error"]
    assert error["code"] == "invalid_request"
    assert "NUL" in error["message"]


def test_ordinary_requests_still_reach_their_route(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    response = function("http_api").handler(http_event("GET", "/api/health"), lambda_context)
    assert response["statusCode"] == 200
