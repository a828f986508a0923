"""Issue 16, findings 1 and 8: trust at the web edge.

The API answers only requests that carry CloudFront's origin secret (when one
is configured; a deployed stack must configure it); the viewer address is
believed only on such requests; cookie-authenticated writes from another site
are refused (Origin / Sec-Fetch-Site). Both web apps get the same guard.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from roundtable_edge.web.deps import client_ip

from devserver.functions import load_function
from roundtable.config import SettingsError

SECRET = "s3cr3t-origin-value-0123456789abcdef"
VIEWER = {"cloudfront-viewer-address": "198.51.100.4:4711"}


def _app(function: str = "http_api") -> FastAPI:
    app: FastAPI = load_function(function).create_app()

    @app.get("/api/probe/ip")
    def read_ip(request: Request) -> str:
        return client_ip(request)

    @app.post("/api/probe/write")
    def write() -> str:
        return "written"

    return app


def _client(function: str = "http_api", **kwargs: Any) -> TestClient:
    return TestClient(_app(function), base_url="https://testserver", **kwargs)


@pytest.fixture
def origin_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", SECRET)
    return SECRET


# -- finding 1: the API is reachable only through CloudFront ------------------------------
@pytest.mark.parametrize("function", ["http_api", "tutor_chat"])
def test_requests_without_the_origin_secret_are_refused(origin_secret: str, function: str) -> None:
    client = _client(function)
    for headers in ({}, {"x-origin-verify": "guess"}, {"x-origin-verify": SECRET[:-1]}):
        response = client.get("/api/probe/ip", headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/probe/ip", headers={"x-origin-verify": SECRET}).status_code == 200


def test_the_viewer_address_is_trusted_only_with_the_origin_secret(origin_secret: str) -> None:
    client = _client()
    through_cloudfront = {"x-origin-verify": SECRET, **VIEWER}
    assert client.get("/api/probe/ip", headers=through_cloudfront).json() == "198.51.100.4"


def test_without_an_origin_secret_the_viewer_header_is_not_trusted() -> None:
    # The local stack has no CloudFront: anyone could write the header there.
    client = _client(client=("203.0.113.7", 5000))
    assert client.get("/api/probe/ip", headers=VIEWER).json() == "203.0.113.7"


def test_a_deployed_stack_refuses_to_serve_without_an_origin_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROUNDTABLE_STAGE", "deployed")
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "false")
    monkeypatch.delenv("ORIGIN_VERIFY_SECRET", raising=False)
    monkeypatch.delenv("ORIGIN_VERIFY_SECRET_PARAM", raising=False)
    with pytest.raises(SettingsError, match="ORIGIN_VERIFY_SECRET"):
        _client().get("/api/probe/ip")


# -- finding 8: cookie-authenticated writes from another site -------------------------------
COOKIES = {"session": "whatever"}


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site", "origin": "https://sub.testserver"},
        {"origin": "null"},
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_cross_site_cookie_writes_are_refused(
    headers: dict[str, str], method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://courses.example")
    client = _client()
    client.cookies.update(COOKIES)
    response = client.request(method, "/api/probe/write", headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "forbidden"
    assert "another site" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://courses.example", "sec-fetch-site": "same-origin"},
        {"origin": "https://courses.example"},
        {"sec-fetch-site": "same-origin"},
        {"origin": "https://testserver"},  # the request's own host (the local stack)
        {},  # not a browser (curl, the CLI): no cookie is sent by a third party
    ],
)
def test_same_origin_cookie_writes_pass(
    headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://courses.example")
    client = _client()
    client.cookies.update(COOKIES)
    assert client.post("/api/probe/write", headers=headers).status_code == 200


def test_cross_site_writes_without_cookies_and_cross_site_reads_pass() -> None:
    client = _client()
    evil = {"origin": "https://evil.example", "sec-fetch-site": "cross-site"}
    assert client.post("/api/probe/write", headers=evil).status_code == 200  # nobody's cookie
    client.cookies.update(COOKIES)
    assert client.get("/api/probe/ip", headers=evil).status_code == 200
