"""Signed Discord requests for the interactions function (a generated key, never a stub)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from nacl.signing import SigningKey

from tests.fakes.contracts import interaction_response_problems
from tests.fakes.fixtures import fake_discord  # noqa: F401  (fixture)
from tests.functions.conftest import http_event


@pytest.fixture
def discord_key(monkeypatch: pytest.MonkeyPatch) -> SigningKey:
    key = SigningKey.generate()
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", key.verify_key.encode().hex())
    return key


def signed_event(
    key: SigningKey,
    body: str | bytes,
    *,
    timestamp: str | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An API Gateway v2 event for POST /discord/interactions, signed like Discord signs."""
    raw = body.encode() if isinstance(body, str) else body
    timestamp = timestamp or str(int(time.time()))
    signature = key.sign(timestamp.encode() + raw).signature.hex()
    event = http_event(
        "POST",
        "/discord/interactions",
        body=raw.decode(errors="replace"),
        headers={"x-signature-ed25519": signature, "x-signature-timestamp": timestamp},
    )
    if base64_body:
        event["body"] = base64.b64encode(raw).decode()
        event["isBase64Encoded"] = True
    return event


Call = Callable[[dict[str, Any]], tuple[int, Any]]


@pytest.fixture
def call(discord_key: SigningKey, function: Any, lambda_context: Any) -> Call:
    """Sign an interaction payload, run the handler; (status, parsed body).

    Every 200 answer is held to Discord's interaction response contract (its OpenAPI
    schema for the callback, 2,000-character content, 25 choices, custom_id <= 100...).
    """

    def run(payload: dict[str, Any]) -> tuple[int, Any]:
        event = signed_event(discord_key, json.dumps(payload))
        response = function("discord_interactions").handler(event, lambda_context)
        status, body = response["statusCode"], json.loads(response["body"])
        if status == 200:
            problems = interaction_response_problems(body)
            assert not problems, f"Discord would refuse this interaction response: {problems}"
        return status, body

    return run


@pytest.fixture
def call_raw(discord_key: SigningKey, function: Any, lambda_context: Any) -> Any:
    """Sign a raw body (any text, not necessarily JSON), run the handler; (status, parsed body)."""

    def run(body: str) -> tuple[int, Any]:
        response = function("discord_interactions").handler(
            signed_event(discord_key, body), lambda_context
        )
        return response["statusCode"], json.loads(response["body"])

    return run
