"""http_api and tutor_chat answer the same failure the same way: status, body and headers.

Each app is built fresh by its function's own `create_app()` with a probe route
added, so the answers come from the apps' real error handlers and middleware.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from roundtable_edge.web.learners import CurrentLearner

from devserver.functions import load_function
from roundtable.errors import (
    DomainError,
    NotFoundError,
    RateLimitedError,
    UpstreamTimeoutError,
    ValidationError,
)

PROBE_ERRORS: dict[str, DomainError] = {
    "not_found": NotFoundError("no such module: nope"),
    "rate_limited": RateLimitedError("2 tutor messages allowed per day", retry_after=42),
    "invalid": ValidationError("the name is too long", field="display_name"),
    "timeout": UpstreamTimeoutError("the tutor took too long to answer"),
}


def _app_with_probes(function: str) -> FastAPI:
    app: FastAPI = load_function(function).create_app()

    @app.get("/probe/error/{kind}")
    def raise_domain_error(kind: str) -> None:
        raise PROBE_ERRORS[kind]

    @app.get("/probe/number")
    def read_number(n: int = Query(ge=1)) -> int:
        return n

    @app.get("/probe/learner")
    def read_learner(learner: CurrentLearner) -> str:
        return "anonymous" if learner.learner.user_id is None else "user"

    return app


@pytest.fixture(scope="module")
def clients() -> tuple[TestClient, TestClient]:
    return (
        TestClient(_app_with_probes("http_api"), base_url="https://testserver"),
        TestClient(_app_with_probes("tutor_chat"), base_url="https://testserver"),
    )


def _answer(client: TestClient, method: str, path: str) -> tuple[int, Any, dict[str, str]]:
    response = client.request(method, path)
    headers = {k: v for k, v in response.headers.items() if k in ("content-type", "retry-after")}
    return response.status_code, response.json(), headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/probe/error/not_found", 404),
        ("GET", "/probe/error/rate_limited", 429),
        ("GET", "/probe/error/invalid", 422),
        ("GET", "/probe/error/timeout", 504),
        ("GET", "/probe/number?n=0", 422),  # request validation
        ("GET", "/probe/nothing-here", 404),  # Starlette's own 404
        ("POST", "/probe/number", 405),  # Starlette's own 405
        ("GET", "/probe/number?n=1%00", 422),  # the NUL guard
    ],
)
def test_both_apps_answer_the_same_failure_identically(
    clients: tuple[TestClient, TestClient], method: str, path: str, status: int
) -> None:
    api, tutor = clients
    answer = _answer(api, method, path)
    assert answer == _answer(tutor, method, path)
    assert answer[0] == status
    assert set(answer[1]) == {"error"} and {"code", "message"} <= set(answer[1]["error"])


def test_the_shape_carries_code_message_field_and_retry_after(
    clients: tuple[TestClient, TestClient],
) -> None:
    for client in clients:
        limited = _answer(client, "GET", "/probe/error/rate_limited")
        assert limited[1] == {
            "error": {"code": "rate_limited", "message": "2 tutor messages allowed per day"}
        }
        assert limited[2]["retry-after"] == "42"
        invalid = _answer(client, "GET", "/probe/error/invalid")
        assert invalid[1]["error"]["field"] == "display_name"
        assert "retry-after" not in invalid[2]


def test_both_apps_give_a_new_anonymous_learner_the_same_cookie(
    clients: tuple[TestClient, TestClient],
) -> None:
    cookies = []
    for client in clients:
        client.cookies.clear()
        response = client.get("/probe/learner")
        assert response.json() == "anonymous"
        name, _, attributes = response.headers["set-cookie"].partition(";")
        assert name.startswith("anonymous_token=")
        cookies.append(attributes)
        again = client.get("/probe/learner")  # the browser sends it back: no new cookie
        assert "set-cookie" not in again.headers
    assert cookies[0] == cookies[1]
    assert "HttpOnly" in cookies[0] and "Max-Age=31536000" in cookies[0]
