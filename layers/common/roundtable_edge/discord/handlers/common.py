"""Who is asking, and what they named: shared by every handler.

Users are matched by their linked Discord id. Admin means the linked user's
`is_admin` or the configured admin role among the member's roles (such a
member need not have linked an account); the payload's permissions are never
trusted alone. The role counts only in our own server (DISCORD_GUILD_ID): a
role id means nothing in another server, whose owner can make any role. The
router already refuses other servers; this holds even if a handler is reached
another way. The services check the permission: handlers only say who asks.
Ids typed or clicked (options, custom_ids) are checked to be possible ids
before any lookup (`database_id`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from roundtable.cohorts.status import CohortRef, find_cohort
from roundtable.config import get_settings
from roundtable.db.engine import transaction
from roundtable.errors import NotFoundError
from roundtable.groups.lookup import GroupRef, find_group
from roundtable.people.actors import Actor
from roundtable.people.profiles import Viewer, viewer_by_discord_id
from roundtable_edge.discord.interactions import (
    Context,
    Interaction,
    configured_guild,
    database_id,
)

# A database connection, passed through to the services untouched. Typed loosely on
# purpose: handlers import nothing of SQLAlchemy, not even its types (import contract).
Connection = Any


@contextmanager
def connect(context: Context) -> Iterator[Connection]:
    """A transaction on the context's engine (or the process-wide one)."""
    with transaction(context.engine) as conn:
        yield conn


def find_user(conn: Connection, interaction: Interaction) -> Viewer | None:
    """The Roundtable user who linked this Discord account, if any."""
    if interaction.user_id is None:
        return None
    return viewer_by_discord_id(conn, interaction.user_id)


def require_user(conn: Connection, interaction: Interaction) -> Viewer:
    """The Roundtable user behind this Discord account; a clear error when unlinked."""
    user = find_user(conn, interaction)
    if user is None:
        base = get_settings().public_base_url
        raise NotFoundError(
            "Your Discord account is not linked to Roundtable yet. Sign in once with Discord "
            f"at {base}/ and try again."
        )
    return user


def is_admin(user: Viewer | None, interaction: Interaction) -> bool:
    """A Roundtable admin, or a member holding the admin role in our configured server."""
    if user is not None and user.is_admin:
        return True
    role, ours = get_settings().discord_admin_role_id, configured_guild()
    if not role or ours is None or interaction.guild_id != ours:
        return False
    return role in interaction.roles


def actor_for(conn: Connection, interaction: Interaction) -> Actor:
    """Who is asking, as every service takes it (the linked user may be missing)."""
    user = find_user(conn, interaction)
    return Actor(
        user_id=user.id if user is not None else None,
        is_admin=is_admin(user, interaction),
        door="discord",
    )


def require_admin(conn: Connection, interaction: Interaction) -> Actor:
    """The asking admin; PermissionDeniedError (worded as at every door) for anyone else."""
    return actor_for(conn, interaction).require_admin()


def resolve_cohort(conn: Connection, actor: Actor, value: Any) -> CohortRef:
    """A cohort by id (what autocomplete sends) or by name (what someone typed); admins only."""
    typed = str(value if value is not None else "").strip()
    if typed.isdigit() or isinstance(value, int) or typed.lstrip("-").isdigit():
        return find_cohort(conn, actor, database_id(typed, "cohort"))
    return find_cohort(conn, actor, typed)


def resolve_group(conn: Connection, value: Any) -> GroupRef:
    """A group by id; a clear error when it does not exist."""
    return find_group(conn, database_id(value, "group"))
