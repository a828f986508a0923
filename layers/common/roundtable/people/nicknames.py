"""The name a person sets in the web app becomes their nickname on the course's servers.

Changing one's display name (`profiles.update_profile`) queues a `sync_nickname`
job in the same transaction; the job sets the nickname on the default server
(DISCORD_GUILD_ID) and on every server one of their live groups is on
(PATCH /guilds/{guild}/members/{user} with `nick`, at most 32 characters, as
Discord allows).

Discord refuses when the bot's highest role is not above the member's (and
always for the server's owner): 403, code 50013. That refusal is logged and
reported in the job's result, never a failure — the name is only cosmetic, and
retrying cannot change the role order. A member not (yet) on a server is
skipped the same way (404, code 10007). Rate limits and outages raise, so the
job is retried.

The predecessor also copied nickname changes made in Discord back to the web
profile; that needs the gateway's member-update events, which a serverless bot
does not receive. Here the web profile is the source of truth.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from roundtable.db.tables import users
from roundtable.discord.client import DiscordApiError
from roundtable.errors import ValidationError
from roundtable.jobs import enqueue
from roundtable.jobs.registry import JobContext, JobResult, job_handler

logger = logging.getLogger(__name__)

KIND = "sync_nickname"
MAX_NICK = 32  # Discord's limit for a guild nickname
MISSING_PERMISSIONS, UNKNOWN_MEMBER = 50013, 10007


def queue_nickname_sync(conn: Connection, user_id: int) -> int | None:
    """Queue the nickname sync of a person with a Discord account (in conn's transaction)."""
    discord_id = conn.scalar(select(users.c.discord_id).where(users.c.id == user_id))
    if discord_id is None:
        return None
    return enqueue(conn, KIND, {"user_id": user_id}, dedup_key=f"{KIND}:{user_id}")


def nickname_for(display_name: str) -> str:
    """The display name cut to Discord's 32 characters (at a word when one fits)."""
    name = display_name.strip()
    if len(name) <= MAX_NICK:
        return name
    cut = name[: MAX_NICK - 1].rsplit(" ", 1)[0].rstrip()
    return (cut if len(cut) >= MAX_NICK // 2 else name[: MAX_NICK - 1]) + "…"


@dataclass(frozen=True)
class NicknameOutcome:
    user_id: int
    nickname: str
    set_on: tuple[str, ...]
    refused: dict[str, str]  # guild id -> why Discord said no

    def as_record(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "nickname": self.nickname,
            "set_on": list(self.set_on),
            "refused": dict(self.refused),
        }


def sync_nickname(
    client: Any, conn: Connection, user_id: int, default_guild: str | None
) -> NicknameOutcome:
    """Set the person's nickname on each of their servers; refusals are reported, not raised."""
    from roundtable.sync.desired import role_ids_for_user

    person = conn.execute(
        select(users.c.discord_id, users.c.display_name).where(users.c.id == user_id)
    ).first()
    if person is None or person.discord_id is None:
        return NicknameOutcome(user_id, "", (), {})
    nickname = nickname_for(person.display_name)
    guilds = {g or default_guild for g in role_ids_for_user(conn, user_id)} | {default_guild}
    set_on: list[str] = []
    refused: dict[str, str] = {}
    for guild in sorted(g for g in guilds if g):
        try:
            client.request(
                "PATCH",
                f"/guilds/{guild}/members/{person.discord_id}",
                json={"nick": nickname},
                reason="Roundtable: the name set in the web app",
            )
        except DiscordApiError as exc:
            if exc.code not in (MISSING_PERMISSIONS, UNKNOWN_MEMBER):
                raise
            refused[guild] = _refusal(exc.code)
            logger.warning(
                "nickname not set on a server",
                extra={"user_id": user_id, "guild_id": guild, "reason": refused[guild]},
            )
            continue
        set_on.append(guild)
    return NicknameOutcome(user_id, nickname, tuple(set_on), refused)


def _refusal(code: int | None) -> str:
    if code == UNKNOWN_MEMBER:
        return "not a member of this server (yet)"
    return "the bot's role is not above theirs (or they own the server)"


@job_handler(KIND)
def sync_nickname_job(ctx: JobContext) -> JobResult:
    from roundtable.config import get_settings
    from roundtable.discord.rest import get_discord_client

    user_id = ctx.payload.get("user_id")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id < 1:
        raise ValidationError(
            f"{KIND} needs a positive integer user_id, got {user_id!r}", field="user_id"
        )
    client = get_discord_client(ctx.engine)
    with ctx.engine.connect() as conn:
        return sync_nickname(client, conn, user_id, get_settings().discord_guild_id)
