"""Each function answers its real event shape end to end."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from nacl.signing import SigningKey
from sqlalchemy import Engine

from roundtable.jobs import submit
from tests.conftest import load_event
from tests.functions.conftest import http_event


def test_http_api_health_reports_database_and_migration_head(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    response = function("http_api").handler(http_event("GET", "/api/health"), lambda_context)
    body = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert body["database"] == {"ok": True}
    assert body["migrations"]["up_to_date"] is True
    assert body["migrations"]["head"] == body["migrations"]["current"] is not None


def test_http_api_health_is_503_when_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch, function: Any, lambda_context: Any
) -> None:
    from roundtable.db.engine import reset_engine

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    reset_engine()
    try:
        response = function("http_api").handler(http_event("GET", "/api/health"), lambda_context)
    finally:
        reset_engine()
    assert response["statusCode"] == 503
    assert json.loads(response["body"])["database"]["ok"] is False


def _signed(key: SigningKey, body: str, timestamp: str | None = None) -> dict[str, Any]:
    timestamp = timestamp or str(int(time.time()))
    signature = key.sign(timestamp.encode() + body.encode()).signature.hex()
    return http_event(
        "POST",
        "/discord/interactions",
        body=body,
        headers={"x-signature-ed25519": signature, "x-signature-timestamp": timestamp},
    )


@pytest.fixture
def discord_key(monkeypatch: pytest.MonkeyPatch) -> SigningKey:
    key = SigningKey.generate()
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", key.verify_key.encode().hex())
    return key


def test_discord_signed_ping_gets_pong(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    response = function("discord_interactions").handler(
        _signed(discord_key, '{"type":1}'), lambda_context
    )
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"type": 1}


def test_discord_ping_signed_by_another_key_is_401(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    response = function("discord_interactions").handler(
        _signed(SigningKey.generate(), '{"type":1}'), lambda_context
    )
    assert response["statusCode"] == 401


def test_discord_ping_without_signature_headers_is_401(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = http_event("POST", "/discord/interactions", body='{"type":1}')
    assert function("discord_interactions").handler(event, lambda_context)["statusCode"] == 401


@pytest.mark.parametrize("name", ["send_reminders", "sync_rsvps"])
def test_scheduled_functions_accept_an_eventbridge_event_and_summarise(
    name: str, engine: Engine, function: Any, lambda_context: Any
) -> None:
    result = function(name).handler(load_event("eventBridgeScheduledEvent.json"), lambda_context)
    assert result["status"] == "ok"
    assert result["event_id"] == "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa"
    assert result["jobs"] == {
        "requeued_stale": 0,
        "failed_stale": 0,
        "failed_exhausted": 0,
        "dispatched": 0,
    }


@pytest.mark.parametrize("name", ["send_reminders", "sync_rsvps"])
def test_scheduled_functions_reject_a_malformed_event_without_raising(
    name: str, engine: Engine, function: Any, lambda_context: Any
) -> None:
    result = function(name).handler({"time": "yesterday"}, lambda_context)
    assert result["status"] == "rejected"
    assert "'id'" in result["error"]


def test_worker_runs_the_job_named_by_an_async_invoke(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    job_id = submit("echo", {"message": "hello"})
    result = function("schedule_cohort").handler({"job_id": job_id}, lambda_context)
    assert result["status"] == "succeeded"
    assert result["result"] == {"echo": "hello", "attempt": 1}


def test_worker_rejects_an_event_without_a_job_id(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    result = function("schedule_cohort").handler({"job": 3}, lambda_context)
    assert result == {"status": "rejected", "error": 'worker events must be {"job_id": <id>}'}
