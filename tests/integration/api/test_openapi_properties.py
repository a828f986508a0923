"""Property-based run of the OpenAPI document (schemathesis) against the app.

Each operation is called with generated, schema-valid input, signed in as an
admin (who may call every route) over a small world of data. Every answer
must be a non-5xx with a documented status, content type and body shape.
Kept small (max_examples) so the suite stays fast, and derandomized (a fixed
seed, no example database) so `make test` runs the same cases every time.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlalchemy import Engine

from devserver.functions import load_function
from tests.integration.api.builders import build_world, session_token

# The routes of this area (content and progress routes have their own tests).
OWN_TAGS = "^(health|auth|users|cohorts|groups|facilitator|admin|jobs|growth)$"
schema = schemathesis.openapi.from_asgi("/api/openapi.json", load_function("http_api").app).include(
    tag_regex=OWN_TAGS
)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture
def admin_cookie(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    # Login configured (no call leaves the process: generated states never match).
    monkeypatch.setenv("DISCORD_CLIENT_ID", "property-client")
    monkeypatch.setenv("DISCORD_CLIENT_SECRET", "property-secret")
    world = build_world(engine)
    return f"session={session_token(world.admin)}"


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_within_its_documented_contract(
    case: Any, admin_cookie: str
) -> None:
    case.call_and_validate(
        base_url="https://testserver", headers={"Cookie": admin_cookie}, checks=CHECKS
    )
