"""Property-based run (schemathesis) of the content, progress and webhook routes.

Generated, schema-valid input, signed in as an admin over the demo course:
every answer must be a non-5xx with a documented status, content type and
body shape.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlalchemy import Engine

from devserver.functions import load_function
from tests.integration.api.builders import make_user, session_token

# A rebuild answers 503 here by design (no content repository in tests; its own
# tests cover it: tests/integration/content/test_content_operations.py).
schema = (
    schemathesis.openapi.from_asgi("/api/openapi.json", load_function("http_api").app)
    .include(tag_regex="^(content|progress)$")
    .exclude(path="/api/admin/content/builds")
)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def admin_cookie(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "property-webhook-secret")
    with engine.begin() as conn:
        admin = make_user(conn, "Property Admin", admin=True)
    return f"session={session_token(admin)}"


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_content_operation_answers_within_its_documented_contract(
    case: Any, admin_cookie: str
) -> None:
    case.call_and_validate(
        base_url="https://testserver", headers={"Cookie": admin_cookie}, checks=CHECKS
    )
