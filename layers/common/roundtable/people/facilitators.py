"""Admin work on facilitators: who applied, certifying them, how many groups they may lead.

The scheduler only places certified facilitators, up to `max_active_groups`
active groups each (counting groups they lead in other cohorts), so these are
the levers an admin pulls before scheduling a cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Label, Select, func, select, update

from roundtable.db.tables import facilitators, group_members, groups, users
from roundtable.errors import NotFoundError, ValidationError

MAX_GROUPS_LIMIT = 10
FacilitatorFilter = Literal["all", "applicants", "certified"]


@dataclass(frozen=True)
class FacilitatorView:
    user_id: int
    display_name: str
    discord_username: str | None
    email: str | None
    timezone: str
    applied_at: datetime
    application_note: str | None
    certified_at: datetime | None
    max_active_groups: int
    active_groups: int

    @property
    def is_certified(self) -> bool:
        return self.certified_at is not None


def _active_groups() -> Label[int]:
    """How many active groups each facilitator leads now (a correlated count)."""
    return (
        select(func.count())
        .select_from(group_members.join(groups, groups.c.id == group_members.c.group_id))
        .where(
            group_members.c.user_id == facilitators.c.user_id,
            group_members.c.role == "facilitator",
            group_members.c.status == "active",
            groups.c.status == "active",
        )
        .scalar_subquery()
        .label("active_groups")
    )


def _query() -> Select[Any]:
    return select(
        facilitators,
        users.c.display_name,
        users.c.discord_username,
        users.c.email,
        users.c.timezone,
        _active_groups(),
    ).join(users, users.c.id == facilitators.c.user_id)


def _view(row: Any) -> FacilitatorView:
    return FacilitatorView(
        user_id=row.user_id,
        display_name=row.display_name,
        discord_username=row.discord_username,
        email=row.email,
        timezone=row.timezone,
        applied_at=row.applied_at,
        application_note=row.application_note,
        certified_at=row.certified_at,
        max_active_groups=row.max_active_groups,
        active_groups=int(row.active_groups),
    )


def list_facilitators(conn: Connection, which: FacilitatorFilter = "all") -> list[FacilitatorView]:
    """Everyone who applied to facilitate: applicants awaiting certification first."""
    query = _query()
    if which == "applicants":
        query = query.where(facilitators.c.certified_at.is_(None))
    elif which == "certified":
        query = query.where(facilitators.c.certified_at.is_not(None))
    query = query.order_by(
        facilitators.c.certified_at.is_not(None), facilitators.c.applied_at, users.c.display_name
    )
    return [_view(row) for row in conn.execute(query)]


def get_facilitator(conn: Connection, user_id: int) -> FacilitatorView:
    """One facilitator; NotFoundError when the user never applied."""
    row = conn.execute(_query().where(facilitators.c.user_id == user_id)).first()
    if row is None:
        raise NotFoundError(f"user {user_id} has not applied to facilitate")
    return _view(row)


def _change(conn: Connection, user_id: int, **values: object) -> FacilitatorView:
    changed = conn.execute(
        update(facilitators).where(facilitators.c.user_id == user_id).values(**values)
    ).rowcount
    if not changed:
        raise NotFoundError(f"user {user_id} has not applied to facilitate")
    return get_facilitator(conn, user_id)


def certify(conn: Connection, user_id: int, now: datetime) -> FacilitatorView:
    """Certify an applicant (idempotent: an earlier certification date is kept)."""
    return _change(conn, user_id, certified_at=func.coalesce(facilitators.c.certified_at, now))


def uncertify(conn: Connection, user_id: int) -> FacilitatorView:
    """Withdraw certification: future scheduling runs stop placing them; groups stay."""
    return _change(conn, user_id, certified_at=None)


def set_max_active_groups(conn: Connection, user_id: int, value: int) -> FacilitatorView:
    """How many active groups they may lead at once (0 to MAX_GROUPS_LIMIT)."""
    if not 0 <= value <= MAX_GROUPS_LIMIT:
        raise ValidationError(
            f"max_active_groups must be between 0 and {MAX_GROUPS_LIMIT}, not {value}",
            field="max_active_groups",
        )
    return _change(conn, user_id, max_active_groups=value)
