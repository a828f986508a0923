"""Discord's signed HTTP interactions endpoint (POST /discord/interactions).

Light path only: the standard library, PyNaCl and settings. Verification
comes first; Discord removes endpoints that accept bad signatures.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from roundtable.config import get_settings

PING, PONG = 1, 1
NEEDED_SECRETS = ("DISCORD_PUBLIC_KEY",)


def _respond(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def _raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()


def _verified(event: dict[str, Any], body: bytes) -> bool:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    signature, timestamp = headers.get("x-signature-ed25519"), headers.get("x-signature-timestamp")
    if not signature or not timestamp:
        return False
    key = VerifyKey(bytes.fromhex(get_settings().require_secret("DISCORD_PUBLIC_KEY")))
    try:
        key.verify(timestamp.encode() + body, bytes.fromhex(signature))
    except (BadSignatureError, ValueError):
        return False
    return True


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    get_settings().check_deployable(NEEDED_SECRETS)
    body = _raw_body(event)
    if not _verified(event, body):
        return _respond(401, {"error": "invalid request signature"})
    interaction = json.loads(body)
    if interaction.get("type") == PING:
        return _respond(200, {"type": PONG})
    return _respond(400, {"error": f"unsupported interaction type {interaction.get('type')!r}"})
