"""Adding a learner to the course's Discord servers at login (the `guilds.join` scope).

Each server one of their live groups is on (docs/discord.md "Many servers"),
or the configured DISCORD_GUILD_ID when they have no group yet.

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
    """Add the user to their groups' guilds with their roles; says what happened (added,
    already_member: in every one already, skipped, failed)."""
    if not settings.discord_guild_id or JOIN_SCOPE not in grant.scope.split():
        return "skipped"
    # Imported here: only logins that join a guild need the REST client and the sync's view.
    from roundtable.discord.rest import get_discord_client
    from roundtable.sync.desired import role_ids_for_user
    from roundtable.sync.discord_ops import GuildOps

    default = settings.discord_guild_id
    try:
        with engine.connect() as conn:
            by_guild = role_ids_for_user(conn, user_id) or {default: []}
        ops = GuildOps(get_discord_client(engine), default)
        added = [
            ops.for_guild(guild_id or default).add_guild_member(
                discord_id, grant.access_token, roles
            )
            for guild_id, roles in sorted(by_guild.items(), key=lambda item: item[0] or "")
        ]
    except Exception:  # the login itself succeeded; the hourly sync will see them missing
        logger.exception("could not add user %s to the Discord guild", user_id)
        return "failed"
    return "added" if any(answer is not None for answer in added) else "already_member"
