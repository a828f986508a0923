"""Verify that a request really comes from Discord (Ed25519 over timestamp + raw body).

Discord sends requests with bad signatures on purpose and removes endpoints
that accept them, so every request is verified before anything else. The
body must be the raw bytes as sent: re-serialised JSON would not verify.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Mapping

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

# Discord's interaction payloads are a few KB; anything far larger is not one.
MAX_BODY_BYTES = 128 * 1024
# A captured request replayed later is refused (clock skew allowed: 5 minutes).
MAX_TIMESTAMP_SKEW_SECONDS = 300


class RequestRejectedError(Exception):
    """The request is not a valid Discord interaction; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def raw_body(body: str | None, *, is_base64: bool) -> bytes:
    """The request body bytes from an API Gateway event's body field."""
    if not body:
        return b""
    if not is_base64:
        encoded = body.encode()
        _check_size(len(encoded))
        return encoded
    _check_size(len(body) * 3 // 4)
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise RequestRejectedError(400, "request body is not valid base64") from None


def verify_request(
    public_key_hex: str, headers: Mapping[str, str], body: bytes, *, now: float
) -> None:
    """Raise RequestRejectedError (401) unless Discord signed this body recently."""
    _check_size(len(body))
    lowered = {name.lower(): value for name, value in headers.items()}
    signature = lowered.get("x-signature-ed25519")
    timestamp = lowered.get("x-signature-timestamp")
    if not signature or not timestamp:
        raise RequestRejectedError(401, "missing X-Signature-Ed25519 or X-Signature-Timestamp")
    try:
        _verify_key(public_key_hex).verify(timestamp.encode() + body, bytes.fromhex(signature))
    except (BadSignatureError, ValueError):
        raise RequestRejectedError(401, "invalid request signature") from None
    _check_fresh(timestamp, now)


def _check_size(size: int) -> None:
    if size > MAX_BODY_BYTES:
        raise RequestRejectedError(
            413, f"request body of {size} bytes is over the {MAX_BODY_BYTES}-byte limit"
        )


def _check_fresh(timestamp: str, now: float) -> None:
    try:
        sent = int(timestamp)
    except ValueError:
        raise RequestRejectedError(401, f"malformed signature timestamp {timestamp!r}") from None
    if abs(now - sent) > MAX_TIMESTAMP_SKEW_SECONDS:
        raise RequestRejectedError(
            401, f"stale request: signed {int(now - sent)} s away from now (limit 300 s)"
        )


@functools.lru_cache(maxsize=4)
def _verify_key(public_key_hex: str) -> VerifyKey:
    try:
        return VerifyKey(bytes.fromhex(public_key_hex))
    except (ValueError, TypeError) as exc:
        # A misconfiguration, not bad input: fail loudly so it is fixed.
        raise RuntimeError("DISCORD_PUBLIC_KEY is not a 32-byte hex Ed25519 public key") from exc
