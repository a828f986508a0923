"""Finding groups from what a door was given: an id, or text an admin typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from roundtable.cohorts.admin import contains_pattern
from roundtable.db.tables import cohorts, groups
from roundtable.errors import NotFoundError, ValidationError
from roundtable.people.actors import Actor

MAX_CHOICES = 25


@dataclass(frozen=True)
class GroupRef:
    id: int
    name: str
    status: str
    cohort_id: int
    cohort_name: str


def _query() -> Any:
    return select(
        groups.c.id,
        groups.c.name,
        groups.c.status,
        groups.c.cohort_id,
        cohorts.c.name.label("cohort_name"),
    ).join(cohorts, cohorts.c.id == groups.c.cohort_id)


def find_group(conn: Connection, value: Any) -> GroupRef:
    """A group by id (what autocomplete sends); who may act on it is the caller's service's rule."""
    try:
        group_id = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{value!r} is not a group; pick one from the list.") from None
    row = conn.execute(_query().where(groups.c.id == group_id)).first()
    if row is None:
        raise NotFoundError(f"There is no group {group_id}.")
    return GroupRef(row.id, row.name, row.status, row.cohort_id, row.cohort_name)


def search_groups(
    conn: Connection, actor: Actor, typed: str, *, limit: int = MAX_CHOICES
) -> list[GroupRef]:
    """Groups (not cancelled) whose name contains the text, latest first meeting first (admins)."""
    actor.require_admin()
    rows = conn.execute(
        _query()
        .where(groups.c.name.ilike(contains_pattern(typed.strip())), groups.c.status != "cancelled")
        .order_by(groups.c.first_meeting_at.desc(), groups.c.id.desc())
        .limit(max(1, min(limit, MAX_CHOICES)))
    ).all()
    return [GroupRef(r.id, r.name, r.status, r.cohort_id, r.cohort_name) for r in rows]
