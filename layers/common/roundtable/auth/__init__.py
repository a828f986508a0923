"""Authentication: Discord login, sessions with rotating refresh tokens, dev login."""

from roundtable.auth.accounts import claim_anonymous_work, upsert_discord_user
from roundtable.auth.dev import dev_login, dev_login_allowed
from roundtable.auth.discord import DiscordOAuthClient, DiscordOAuthError
from roundtable.auth.oauth import (
    LoginFailedError,
    LoginUnavailableError,
    begin_discord_login,
    complete_discord_login,
    purge_expired_oauth_states,
)
from roundtable.auth.sessions import (
    Session,
    authenticate,
    check_session,
    end_session,
    purge_expired_refresh_tokens,
    refresh_session,
    start_session,
)
from roundtable.auth.tokens import (
    ACCESS_TOKEN_TTL,
    AccessClaims,
    issue_access_token,
    jwt_secret,
    read_access_claims,
    read_access_token,
)

__all__ = [
    "ACCESS_TOKEN_TTL",
    "AccessClaims",
    "DiscordOAuthClient",
    "DiscordOAuthError",
    "LoginFailedError",
    "LoginUnavailableError",
    "Session",
    "authenticate",
    "check_session",
    "begin_discord_login",
    "claim_anonymous_work",
    "complete_discord_login",
    "dev_login",
    "dev_login_allowed",
    "end_session",
    "issue_access_token",
    "jwt_secret",
    "read_access_claims",
    "purge_expired_oauth_states",
    "purge_expired_refresh_tokens",
    "read_access_token",
    "refresh_session",
    "start_session",
    "upsert_discord_user",
]
