"""The interactions function verifies every request before anything else."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest
from nacl.signing import SigningKey

from tests.functions.conftest import http_event
from tests.functions.discord.conftest import signed_event

PING = '{"type":1}'


def _run(function: Any, lambda_context: Any, event: dict[str, Any]) -> tuple[int, Any]:
    response = function("discord_interactions").handler(event, lambda_context)
    return response["statusCode"], json.loads(response["body"])


def test_a_signed_ping_gets_pong(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    assert _run(function, lambda_context, signed_event(discord_key, PING)) == (200, {"type": 1})


def test_a_base64_encoded_body_is_decoded_before_verification(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(discord_key, PING, base64_body=True)
    assert _run(function, lambda_context, event) == (200, {"type": 1})


def test_a_flipped_body_byte_is_401(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(discord_key, PING)
    event["body"] = '{"type":2}'
    status, body = _run(function, lambda_context, event)
    assert (status, body["error"]) == (401, "invalid request signature")


def test_a_flipped_signature_byte_is_401(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(discord_key, PING)
    signature = bytearray(bytes.fromhex(event["headers"]["x-signature-ed25519"]))
    signature[10] ^= 0x01
    event["headers"]["x-signature-ed25519"] = signature.hex()
    assert _run(function, lambda_context, event)[0] == 401


def test_a_request_signed_by_another_key_is_401(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(SigningKey.generate(), PING)
    assert _run(function, lambda_context, event)[0] == 401


def test_a_signature_that_is_not_hex_is_401(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(discord_key, PING)
    event["headers"]["x-signature-ed25519"] = "not-hex"
    assert _run(function, lambda_context, event)[0] == 401


@pytest.mark.parametrize("missing", ["x-signature-ed25519", "x-signature-timestamp"])
def test_missing_signature_headers_are_401(
    missing: str, discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(discord_key, PING)
    del event["headers"][missing]
    status, body = _run(function, lambda_context, event)
    assert status == 401 and "missing" in body["error"]


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_more_than_five_minutes_off_is_401(
    offset: int, discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(discord_key, PING, timestamp=str(int(time.time()) + offset))
    status, body = _run(function, lambda_context, event)
    assert status == 401 and "stale request" in body["error"]


def test_a_timestamp_four_minutes_old_is_accepted(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(discord_key, PING, timestamp=str(int(time.time()) - 240))
    assert _run(function, lambda_context, event)[0] == 200


def test_a_re_serialised_body_does_not_verify(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(discord_key, '{"type": 1}')
    event["body"] = json.dumps(json.loads(event["body"]), separators=(",", ":"))
    assert _run(function, lambda_context, event)[0] == 401


def test_an_oversized_body_is_413_without_verifying(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    body = json.dumps({"type": 1, "padding": "x" * 200_000})
    status, answer = _run(function, lambda_context, signed_event(discord_key, body))
    assert status == 413 and "over the" in answer["error"]


def test_an_invalid_base64_body_is_400(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = signed_event(discord_key, PING, base64_body=True)
    event["body"] = "%%%not base64%%%"
    status, body = _run(function, lambda_context, event)
    assert (status, body["error"]) == (400, "request body is not valid base64")


def test_signed_malformed_json_is_400(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    status, body = _run(function, lambda_context, signed_event(discord_key, "{type: 1"))
    assert (status, body["error"]) == (400, "request body is not valid JSON")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ("[1]", "interaction must be a JSON object"),
        ('{"type":"1"}', "interaction type must be an integer, got '1'"),
        ('{"type":99,"id":"1","application_id":"2","token":"t"}', "unknown interaction type 99"),
        (
            '{"type":5,"id":"1","application_id":"2","token":"t"}',
            "this application shows no modals",
        ),
        ('{"type":2,"id":"1","application_id":"2"}', "interaction is missing 'token'"),
    ],
)
def test_bad_interactions_are_400_with_a_clear_message(
    payload: str, error: str, discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    assert _run(function, lambda_context, signed_event(discord_key, payload)) == (
        400,
        {"error": error},
    )


def test_an_unsigned_event_from_somewhere_else_is_401(
    discord_key: SigningKey, function: Any, lambda_context: Any
) -> None:
    event = http_event("POST", "/discord/interactions", body=PING)
    assert _run(function, lambda_context, event)[0] == 401


def test_answering_a_ping_loads_no_database_or_heavy_packages() -> None:
    # A fresh interpreter: other tests have imported everything into this one.
    script = """
import json, os, sys, time
from nacl.signing import SigningKey
key = SigningKey.generate()
os.environ["DISCORD_PUBLIC_KEY"] = key.verify_key.encode().hex()
os.environ["ROUNDTABLE_STAGE"] = "test"
from devserver.functions import load_function
app = load_function("discord_interactions")
stamp = str(int(time.time()))
signature = key.sign(stamp.encode() + b'{"type":1}').signature.hex()
headers = {"x-signature-ed25519": signature, "x-signature-timestamp": stamp}
answer = app.handler({"body": '{"type":1}', "headers": headers}, None)
print(json.dumps({"answer": answer["body"], "modules": sorted(sys.modules)}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd="."
    )
    outcome = json.loads(result.stdout)
    loaded = set(outcome["modules"])
    assert outcome["answer"] == '{"type": 1}'
    forbidden = {"fastapi", "litellm", "googleapiclient", "highspy", "sqlalchemy", "boto3"}
    assert not {name.split(".")[0] for name in loaded} & forbidden
    assert "nacl.signing" in loaded
    assert not any(name.startswith("roundtable_edge.discord.handlers") for name in loaded)
    assert "roundtable_edge.discord.commands" not in loaded
