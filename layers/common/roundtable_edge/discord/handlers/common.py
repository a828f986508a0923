"""Who is asking, and what they may do: shared by every handler.

Users are matched by `users.discord_id` = the interaction's user id. Admin
means `users.is_admin` or the configured admin role among the member's roles;
the payload's permissions are never trusted alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, and_, func, select

from roundtable.config import get_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts, group_members, groups, users
from roundtable.errors import NotFoundError, PermissionDeniedError, ValidationError
from roundtable_edge.discord.interactions import Context, Interaction


@contextmanager
def connect(context: Context) -> Iterator[Connection]:
    """A transaction on the context's engine (or the process-wide one)."""
    with transaction(context.engine) as conn:
        yield conn


def find_user(conn: Connection, interaction: Interaction) -> Any:
    if interaction.user_id is None:
        return None
    return conn.execute(select(users).where(users.c.discord_id == interaction.user_id)).first()


def require_user(conn: Connection, interaction: Interaction) -> Any:
    """The Roundtable user behind this Discord account; a clear error when unlinked."""
    user = find_user(conn, interaction)
    if user is None:
        base = get_settings().public_base_url
        raise NotFoundError(
            "Your Discord account is not linked to Roundtable yet. Sign in once with Discord "
            f"at {base}/ and try again."
        )
    return user


def is_admin(user: Any, interaction: Interaction) -> bool:
    if user is not None and user.is_admin:
        return True
    role = get_settings().discord_admin_role_id
    return bool(role) and role in interaction.roles


def require_admin(conn: Connection, interaction: Interaction) -> Any:
    """The admin's user row (None for an unlinked member of the admin role)."""
    user = find_user(conn, interaction)
    if not is_admin(user, interaction):
        raise PermissionDeniedError("Only Roundtable admins can use this.")
    return user


def resolve_cohort(conn: Connection, value: Any) -> Any:
    """A cohort by id (what autocomplete sends) or by name (what someone typed)."""
    text = str(value or "").strip()
    query = select(cohorts)
    if text.isdigit():
        row = conn.execute(query.where(cohorts.c.id == int(text))).first()
    else:
        row = conn.execute(query.where(func.lower(cohorts.c.name) == text.lower())).first()
    if row is None:
        raise NotFoundError(f"There is no cohort {text!r}. Pick one from the list.")
    return row


def resolve_group(conn: Connection, value: Any) -> Any:
    """A group by id; a clear error when it does not exist."""
    try:
        group_id = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{value!r} is not a group; pick one from the list.") from None
    row = conn.execute(select(groups).where(groups.c.id == group_id)).first()
    if row is None:
        raise NotFoundError(f"There is no group {group_id}.")
    return row


def active_groups(conn: Connection, user_id: int, *, role: str | None = None) -> list[Any]:
    """The groups the user is an active member of (optionally in one role), newest first."""
    query = (
        select(groups, cohorts.c.name.label("cohort_name"), group_members.c.role)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .join(
            group_members,
            and_(group_members.c.group_id == groups.c.id, group_members.c.status == "active"),
        )
        .where(group_members.c.user_id == user_id, groups.c.status != "cancelled")
        .order_by(groups.c.first_meeting_at.desc())
    )
    if role is not None:
        query = query.where(group_members.c.role == role)
    return list(conn.execute(query).all())


def group_members_of(conn: Connection, group_id: int) -> list[Any]:
    """Active members of a group: user id, display name, role; facilitators first."""
    return list(
        conn.execute(
            select(users.c.id, users.c.display_name, users.c.discord_id, group_members.c.role)
            .join(group_members, group_members.c.user_id == users.c.id)
            .where(group_members.c.group_id == group_id, group_members.c.status == "active")
            .order_by(group_members.c.role.desc(), users.c.display_name)
        ).all()
    )


def like(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, with wildcards in it escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
