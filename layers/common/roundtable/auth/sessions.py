"""Sessions: an access token plus a rotating refresh token of a token family.

A login starts a family. Each refresh revokes the presented token and issues
a new one in the same family. A revoked token presented again means someone
kept a copy (reuse): the whole family is revoked, signing out every holder.
Only SHA-256 hashes of refresh tokens are stored.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update

from roundtable.auth.tokens import issue_access_token, jwt_secret
from roundtable.db.engine import transaction
from roundtable.db.tables import refresh_tokens
from roundtable.errors import AuthenticationError

REFRESH_TOKEN_TTL = timedelta(days=30)


@dataclass(frozen=True)
class Session:
    """What the browser gets: both tokens, raw (only hashes are stored)."""

    user_id: int
    access_token: str
    refresh_token: str
    family_id: uuid.UUID


def hash_token(raw: str) -> str:
    """The stored form of a refresh token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(conn: Connection, user_id: int, now: datetime) -> Session:
    """Start a new token family for the user (a login)."""
    return _issue(conn, user_id, uuid.uuid4(), now)


def _issue(conn: Connection, user_id: int, family_id: uuid.UUID, now: datetime) -> Session:
    raw = secrets.token_urlsafe(32)
    conn.execute(
        insert(refresh_tokens).values(
            token_hash=hash_token(raw),
            user_id=user_id,
            family_id=family_id,
            expires_at=now + REFRESH_TOKEN_TTL,
        )
    )
    access = issue_access_token(user_id, now, jwt_secret())
    return Session(user_id, access, raw, family_id)


def refresh_session(engine: Engine, raw: str, now: datetime) -> Session:
    """Rotate a refresh token; AuthenticationError when it is unknown, expired or reused.

    Revocations are committed before the error is raised, so a detected reuse
    stays detected.
    """
    with transaction(engine) as conn:
        outcome = _rotate(conn, raw, now)
    if isinstance(outcome, str):
        raise AuthenticationError(outcome)
    return outcome


def _rotate(conn: Connection, raw: str, now: datetime) -> Session | str:
    row = conn.execute(
        select(refresh_tokens)
        .where(refresh_tokens.c.token_hash == hash_token(raw))
        .with_for_update()
    ).first()
    if row is None:
        return "your session is unknown; sign in again"
    if row.revoked_at is not None:
        _revoke_family(conn, row.family_id, now)
        return "this session was already used elsewhere; sign in again"
    if row.expires_at <= now:
        _revoke_family(conn, row.family_id, now)
        return "your session has expired; sign in again"
    conn.execute(update(refresh_tokens).where(refresh_tokens.c.id == row.id).values(revoked_at=now))
    return _issue(conn, row.user_id, row.family_id, now)


def _revoke_family(conn: Connection, family_id: uuid.UUID, now: datetime) -> int:
    result = conn.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount


def end_session(conn: Connection, raw: str, now: datetime) -> bool:
    """Log out: revoke the family of the presented refresh token. False if unknown."""
    family_id = conn.scalar(
        select(refresh_tokens.c.family_id).where(refresh_tokens.c.token_hash == hash_token(raw))
    )
    if family_id is None:
        return False
    _revoke_family(conn, family_id, now)
    return True


def purge_expired_refresh_tokens(conn: Connection, now: datetime) -> int:
    """Delete refresh tokens past their expiry (a periodic task); returns how many."""
    result = conn.execute(delete(refresh_tokens).where(refresh_tokens.c.expires_at < now))
    return result.rowcount
