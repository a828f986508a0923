"""Issue 16, finding 8: the OpenAPI document declares how requests authenticate (the session
cookie, required or optional per operation) and states what the API enforces."""

from __future__ import annotations

from typing import Any

import pytest

from devserver.functions import load_function


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return dict(load_function("http_api").create_app().openapi())


def test_the_session_cookie_is_a_declared_security_scheme(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": schemes["sessionCookie"]["description"],
    }


def test_signed_in_routes_require_the_cookie_and_public_ones_do_not(
    document: dict[str, Any],
) -> None:
    paths = document["paths"]
    assert paths["/api/users/me"]["get"]["security"] == [{"sessionCookie": []}]
    assert paths["/api/users/me"]["patch"]["security"] == [{"sessionCookie": []}]
    assert "security" not in paths["/api/health"]["get"]
    # Learner routes work anonymously too: the cookie is optional there.
    assert {} in paths["/api/progress/heartbeat"]["post"]["security"]


def test_the_document_states_what_the_api_enforces(document: dict[str, Any]) -> None:
    text = document["info"]["description"]
    for promise in ("NUL", "15 minutes", "2147483647", "Origin", "CloudFront"):
        assert promise in text, promise


def test_the_tutor_document_declares_the_cookie_too() -> None:
    document = load_function("tutor_chat").create_app().openapi()
    assert "sessionCookie" in document["components"]["securitySchemes"]
    assert {} in document["paths"]["/api/tutor/status"]["get"]["security"]
