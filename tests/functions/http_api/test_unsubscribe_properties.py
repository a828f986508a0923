"""Property-based run of the unsubscribe operations: any token gets a documented answer."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlalchemy import Engine

from devserver.functions import load_function

schema = schemathesis.openapi.from_asgi("/api/openapi.json", load_function("http_api").app).include(
    tag_regex="^unsubscribe$"
)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_unsubscribe_answers_within_its_documented_contract(case: Any, engine: Engine) -> None:
    case.call_and_validate(
        base_url="https://testserver",
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
        ],
    )
