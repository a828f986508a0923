"""Admin routes: a cohort's Discord servers (usage before publishing) and its group space."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Admin, AdminWriter, Id, web_actor
from api.schemas.common import errors
from api.schemas.discord import DiscordCapacityPublic, GroupSpacePublic, GroupSpaceUpdate
from roundtable.db.engine import get_engine
from roundtable.sync import servers

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=errors(400, 401, 403, 422))


@router.get(
    "/cohorts/{cohort_id}/discord",
    response_model=DiscordCapacityPublic,
    responses=errors(404, 502),
)
def read_discord_capacity(cohort_id: Id, user: Admin) -> dict[str, Any]:
    """Each Discord server's roles and channels in use against its limits, and what
    publishing the cohort would add where (read from Discord: two calls per server)."""
    engine = get_engine()
    ops = servers.default_guild_ops(engine)
    return servers.cohort_discord_capacity(engine, web_actor(user), ops, cohort_id).as_dict()


@router.put(
    "/cohorts/{cohort_id}/discord/space",
    response_model=GroupSpacePublic,
    responses=errors(404, 409),
)
def update_group_space(cohort_id: Id, body: GroupSpaceUpdate, user: AdminWriter) -> dict[str, Any]:
    """Choose how the cohort's groups meet on Discord; 409 once groups are published."""
    space = servers.set_group_space(get_engine(), web_actor(user), cohort_id, body.space)
    return {"cohort_id": cohort_id, "space": space}
