"""The Discord login, done by the backend (authorization-code flow).

The `state` lives in the database (hashed, ten minutes, single use), never in
process memory: the callback may reach another Lambda environment. The raw
state also goes into a cookie scoped to the callback, so a callback is only
accepted in the browser that started the login (login CSRF).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert

from roundtable.auth.accounts import claim_anonymous_work, upsert_discord_user
from roundtable.auth.discord import DiscordOAuthClient, DiscordOAuthError
from roundtable.auth.guild import join_course_guild
from roundtable.auth.sessions import Session, start_session
from roundtable.config import Settings
from roundtable.db.engine import transaction
from roundtable.db.tables import oauth_states
from roundtable.errors import DomainError

logger = logging.getLogger(__name__)

STATE_TTL = timedelta(minutes=10)
DEFAULT_NEXT = "/"


class LoginFailedError(DomainError):
    """The Discord login could not finish; `reason` is a short code for the page."""

    code = "login_failed"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class LoginUnavailableError(DomainError):
    """Discord login is not configured in this stack."""

    code = "login_unavailable"


@dataclass(frozen=True)
class LoginStart:
    state: str
    authorize_url: str


@dataclass(frozen=True)
class LoginResult:
    session: Session
    redirect_to: str
    guild: str  # what joining the course's Discord server did (see auth.guild)


def callback_url(settings: Settings) -> str:
    """The redirect URI registered with Discord."""
    return f"{settings.public_base_url}/auth/discord/callback"


def safe_next(path: str | None) -> str:
    """A same-site path to return to; anything else (other sites, `//host`) is refused."""
    if not path or not path.startswith("/") or path.startswith(("//", "/\\")) or len(path) > 500:
        return DEFAULT_NEXT
    if any(ord(char) < 0x20 for char in path):
        return DEFAULT_NEXT
    return path


def parse_anonymous_token(value: str | None) -> uuid.UUID | None:
    """The anonymous browser id, or None when absent or not a UUID."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def begin_discord_login(
    conn: Connection,
    client: DiscordOAuthClient,
    settings: Settings,
    *,
    next_path: str | None,
    anonymous_token: uuid.UUID | None,
    now: datetime,
) -> LoginStart:
    """Record a fresh state and return where to send the browser."""
    if not client.configured:
        raise LoginUnavailableError(
            "Discord login is not configured here (DISCORD_CLIENT_ID, DISCORD_CLIENT_SECRET)"
        )
    conn.execute(delete(oauth_states).where(oauth_states.c.expires_at < now))
    state = secrets.token_urlsafe(24)
    conn.execute(
        insert(oauth_states).values(
            state_hash=_hash(state),
            redirect_to=safe_next(next_path),
            anonymous_token=anonymous_token,
            expires_at=now + STATE_TTL,
        )
    )
    return LoginStart(state, client.authorize_url(state, callback_url(settings)))


def complete_discord_login(
    engine: Engine,
    client: DiscordOAuthClient,
    settings: Settings,
    *,
    code: str,
    state: str,
    browser_state: str | None,
    now: datetime,
) -> LoginResult:
    """Finish the login: check state, ask Discord who this is, store them, start a session."""
    if browser_state is None or not secrets.compare_digest(browser_state, state):
        raise LoginFailedError("invalid_state", "this login was started in another browser")
    with transaction(engine) as conn:
        stored = conn.execute(
            delete(oauth_states)
            .where(oauth_states.c.state_hash == _hash(state), oauth_states.c.expires_at > now)
            .returning(oauth_states.c.redirect_to, oauth_states.c.anonymous_token)
        ).first()
    if stored is None:
        raise LoginFailedError("invalid_state", "this login link expired or was already used")
    try:  # outside any transaction: Discord may take seconds
        grant = client.exchange_code(code, callback_url(settings))
        profile = client.fetch_profile(grant.access_token)
    except DiscordOAuthError as exc:
        logger.warning("Discord login failed: %s", exc)
        raise LoginFailedError(exc.step, str(exc)) from exc
    with transaction(engine) as conn:
        user_id = upsert_discord_user(conn, profile, now)
        if stored.anonymous_token is not None:
            claim_anonymous_work(conn, user_id, stored.anonymous_token, now)
        session = start_session(conn, user_id, now)
    guild = join_course_guild(engine, settings, user_id, profile.id, grant)
    return LoginResult(session, stored.redirect_to or DEFAULT_NEXT, guild)


def purge_expired_oauth_states(conn: Connection, now: datetime) -> int:
    """Delete login states past their expiry; returns how many."""
    return conn.execute(delete(oauth_states).where(oauth_states.c.expires_at < now)).rowcount
