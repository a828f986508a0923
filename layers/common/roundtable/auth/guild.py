"""Adding a learner to the course's Discord server at login (the `guilds.join` scope).

The user's OAuth access token is used at once and never stored. Their group
roles go with the request, so a learner placed before they joined arrives
with their channels visible; when they are already a member Discord ignores
the roles and the periodic sync grants them. A failure here never fails the
login: it is logged, and the sync's "not in guild" report shows it.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from roundtable.auth.discord import DiscordGrant
from roundtable.config import Settings

logger = logging.getLogger(__name__)

JOIN_SCOPE = "guilds.join"


def join_course_guild(
    engine: Engine, settings: Settings, user_id: int, discord_id: str, grant: DiscordGrant
) -> str:
    """Add the user to the guild with their roles; says what happened (added, skipped, ...)."""
    if not settings.discord_guild_id or JOIN_SCOPE not in grant.scope.split():
        return "skipped"
    # Imported here: only logins that join a guild need the REST client and the sync's view.
    from roundtable.discord.rest import get_discord_client
    from roundtable.sync.desired import role_ids_for_user
    from roundtable.sync.discord_ops import GuildOps

    try:
        with engine.connect() as conn:
            roles = role_ids_for_user(conn, user_id)
        ops = GuildOps(get_discord_client(engine), settings.discord_guild_id)
        added = ops.add_guild_member(discord_id, grant.access_token, roles)
    except Exception:  # the login itself succeeded; the hourly sync will see them missing
        logger.exception("could not add user %s to the Discord guild", user_id)
        return "failed"
    return "added" if added is not None else "already_member"
