"""Sessions: an access token plus a rotating refresh token of a token family.

A login starts a family. Each refresh revokes the presented token and issues
a new one in the same family. A revoked token presented again means someone
kept a copy (reuse): the whole family is revoked, signing out every holder.
Only SHA-256 hashes of refresh tokens are stored.

Access tokens end with their session: each carries the user's session version,
and logging out or a detected reuse bumps `users.session_version`, so every
access token issued before is refused by `authenticate` (checked on each
request, one primary-key read). Other devices of the user then refresh
quietly: their own refresh-token families still stand.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update

from roundtable.auth.tokens import (
    AccessClaims,
    issue_access_token,
    jwt_secret,
    read_access_claims,
)
from roundtable.db.engine import transaction
from roundtable.db.tables import refresh_tokens, users
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
    version = conn.scalar(select(users.c.session_version).where(users.c.id == user_id))
    if version is None:
        raise AuthenticationError("your account no longer exists; sign in again")
    access = issue_access_token(user_id, now, jwt_secret(), version)
    return Session(user_id, access, raw, family_id)


def authenticate(conn: Connection, token: str, now: datetime) -> int:
    """The user id of a valid access token whose session has not ended; 401 otherwise.

    Refused: a bad signature, an expired token, a subject that names no user
    (deleted, or not a possible id), and a token issued before the user's
    last logout or detected refresh-token reuse.
    """
    return check_session(conn, read_access_claims(token, now, jwt_secret()))


def check_session(conn: Connection, claims: AccessClaims) -> int:
    """The claims' user id if that user exists and the token's session has not ended; 401 otherwise.

    One primary-key read: the per-request cost of ending sessions (docs/api.md).
    """
    version = conn.scalar(select(users.c.session_version).where(users.c.id == claims.user_id))
    if version is None:
        raise AuthenticationError("your account no longer exists; sign in again")
    if claims.session_version != version:
        raise AuthenticationError("you were signed out; sign in again")
    return claims.user_id


def _end_access_tokens(conn: Connection, user_id: int) -> None:
    """Every access token of the user issued until now is refused from now on."""
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(session_version=users.c.session_version + 1)
    )


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
        _end_access_tokens(conn, row.user_id)
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
    """Log out: revoke the family of the presented refresh token and end the user's
    access tokens (every device's: the others refresh with their own family). False if unknown."""
    row = conn.execute(
        select(refresh_tokens.c.family_id, refresh_tokens.c.user_id).where(
            refresh_tokens.c.token_hash == hash_token(raw)
        )
    ).first()
    if row is None:
        return False
    _revoke_family(conn, row.family_id, now)
    _end_access_tokens(conn, row.user_id)
    return True


def purge_expired_refresh_tokens(conn: Connection, now: datetime) -> int:
    """Delete refresh tokens past their expiry (a periodic task); returns how many."""
    result = conn.execute(delete(refresh_tokens).where(refresh_tokens.c.expires_at < now))
    return result.rowcount
