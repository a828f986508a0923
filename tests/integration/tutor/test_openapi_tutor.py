"""Property-based run (schemathesis) of the tutor's routes against the fake model: every
answer is a non-5xx with a documented status, content type and body shape."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlalchemy import Engine

from devserver.fake_llm import FakeLLM
from devserver.functions import load_function
from roundtable.tutor.transcribe import AUDIO_EXTENSIONS
from tests.integration.api.builders import make_user, session_token

# The voice route's body is the recording itself, sent as bytes like any binary body.
for _audio_type in AUDIO_EXTENSIONS:
    schemathesis.serializer.alias(_audio_type, "application/octet-stream")

schema = schemathesis.openapi.from_asgi("/api/tutor/openapi.json", load_function("tutor_chat").app)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def learner_cookie(engine: Engine, fake_llm: FakeLLM) -> str:
    with engine.begin() as conn:
        learner = make_user(conn, "Property Learner")
    return f"session={session_token(learner)}"


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_tutor_operation_answers_within_its_documented_contract(
    case: Any, learner_cookie: str
) -> None:
    case.call_and_validate(
        base_url="https://testserver", headers={"Cookie": learner_cookie}, checks=CHECKS
    )
