"""Signed one-click unsubscribe links: the token names the user and the kind of email.

Token: base64url("<user_id>:<kind>") "." base64url(HMAC-SHA256). The key is
derived from JWT_SECRET for this one purpose, so an unsubscribe token can never
pass as a session token or the other way round. Tokens do not expire: a link in
an old email must keep working (RFC 8058 one-click unsubscribe).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from urllib.parse import quote

from sqlalchemy import Connection, update

from roundtable.config import Settings, get_settings
from roundtable.db.tables import users
from roundtable.errors import ValidationError

_PURPOSE = b"roundtable/unsubscribe/v1"
# Outside a deployed stack without JWT_SECRET (local stack, tests) links are
# signed with this fixed key; a deployed stack refuses to run without the secret.
_LOCAL_ONLY_SECRET = "roundtable-local-stack-unsubscribe-key"


class UnsubscribeTokenError(ValidationError):
    """An unsubscribe token is malformed or its signature does not match."""


def unsubscribe_key(settings: Settings | None = None) -> bytes:
    """The HMAC key for unsubscribe tokens, derived from JWT_SECRET."""
    settings = settings or get_settings()
    secret = settings.secret("JWT_SECRET")
    if not secret:
        secret = (
            settings.require_secret("JWT_SECRET") if settings.is_deployed else _LOCAL_ONLY_SECRET
        )
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def make_unsubscribe_token(user_id: int, kind: str, key: bytes) -> str:
    """A token that unsubscribes `user_id` from emails of `kind`."""
    body = f"{user_id}:{kind}".encode()
    return f"{_b64(body)}.{_b64(_sign(body, key))}"


def unsubscribe_url(base_url: str, user_id: int, kind: str, key: bytes) -> str:
    """The link (and List-Unsubscribe target) for one recipient of one kind."""
    token = make_unsubscribe_token(user_id, kind, key)
    return f"{base_url.rstrip('/')}/api/unsubscribe?token={quote(token)}"


def verify_unsubscribe(token: str, key: bytes | None = None) -> tuple[int, str]:
    """(user_id, kind) named by a valid token; UnsubscribeTokenError otherwise."""
    key = key or unsubscribe_key()
    body_part, _, signature_part = (token or "").strip().partition(".")
    try:
        body = _unb64(body_part)
        signature = _unb64(signature_part)
    except (binascii.Error, ValueError):
        raise UnsubscribeTokenError(f"unsubscribe token {token[:40]!r} is malformed") from None
    # compare_digest: a timing difference must not reveal how much of a forgery matched.
    if not signature_part or not hmac.compare_digest(signature, _sign(body, key)):
        raise UnsubscribeTokenError("unsubscribe token signature does not match")
    user_part, _, kind = body.decode(errors="replace").partition(":")
    if not user_part.isdigit() or not kind:
        raise UnsubscribeTokenError(f"unsubscribe token names no user and kind: {body!r}")
    return int(user_part), kind


def apply_unsubscribe(conn: Connection, user_id: int, kind: str) -> bool:
    """Stop emails for the user; False when the user does not exist.

    The schema has one email switch per user, so any kind's link turns off all
    notification email (per-kind preferences need a table we do not have yet).
    """
    result = conn.execute(
        update(users).where(users.c.id == user_id).values(email_notifications=False)
    )
    return bool(result.rowcount)


def _sign(body: bytes, key: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
