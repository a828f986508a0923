"""A cohort in the real database for the scheduling tests, and an independent check of it.

`check_preview` rebuilds a cohort-scheduling-instance/v1 document and a result
document from the stored rows and runs the unit tests' independent validator on
them, so stored times are checked with zoneinfo arithmetic the scheduler does not share.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from roundtable.db.tables import (
    availability_blocks,
    cohorts,
    facilitators,
    group_members,
    groups,
    scheduling_runs,
    signups,
    users,
)
from tests import builders
from tests.unit.scheduling.validator import DAYS, validate

START = date(2027, 3, 1)  # a Monday; 8 weeks span the US (14 Mar) and EU (28 Mar) changes
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
_names = itertools.count(1)


def add_cohort(conn: Connection, name: str = "Spring 2027", **values: Any) -> int:
    values = {"start_date": START, "number_of_meetings": 8, **values}
    return builders.add_cohort(conn, name, **values)


def add_person(
    conn: Connection,
    cohort_id: int | None,
    zone: str,
    times: dict[str, list[tuple[str, str]]] | None = None,
    *,
    role: str = "learner",
    name: str | None = None,
    certified: bool | None = None,
    max_groups: int = 2,
    if_needed: dict[str, list[tuple[str, str]]] | None = None,
) -> int:
    """A user with weekly availability, signed up to the cohort (unless cohort_id is None).

    certified: None = no facilitators row; True/False = a row, certified or not.
    """
    user_id = builders.add_user(conn, name or f"Person {next(_names)}", timezone=zone)
    for kind, blocks in (("available", times or {}), ("if_needed", if_needed or {})):
        for day, intervals in blocks.items():
            for start, end in intervals:
                builders.add_availability(conn, user_id, DAYS.index(day), start, end, kind)
    if certified is not None:
        builders.add_facilitator(
            conn, user_id, certified_at=NOW if certified else None, max_active_groups=max_groups
        )
    if cohort_id is not None:
        builders.add_signup(conn, user_id, cohort_id, role)
    return user_id


def add_facilitator(conn: Connection, cohort_id: int, zone: str, times: Any, **kw: Any) -> int:
    kw.setdefault("certified", True)
    return add_person(conn, cohort_id, zone, times, role="facilitator", **kw)


def add_group(
    conn: Connection,
    cohort_id: int,
    name: str,
    *,
    weekday: int,
    at: time,
    members: list[tuple[int, str]],
    status: str = "active",
    anchor: str = "UTC",
    first_meeting_at: datetime | None = None,
) -> int:
    group_id = builders.add_group(
        conn,
        cohort_id,
        name,
        first_meeting_at=first_meeting_at or datetime(2027, 3, 2, 18, tzinfo=UTC),
        status=status,
        anchor_timezone=anchor,
        weekday=weekday,
        local_time=at,
    )
    for user_id, role in members:
        builders.add_member(conn, group_id, user_id, cohort_id, role)
    return group_id


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@contextmanager
def refusing_member_inserts(engine: Engine) -> Iterator[None]:
    """A real database error midway through a save: inserting group members fails."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION refuse_members() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'members are refused today'; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse_members BEFORE INSERT ON group_members "
                "FOR EACH ROW EXECUTE FUNCTION refuse_members()"
            )
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse_members ON group_members"))
            conn.execute(text("DROP FUNCTION refuse_members()"))


# -- reading back ------------------------------------------------------------------------
def preview_groups(engine: Engine, cohort_id: int) -> list[dict[str, Any]]:
    """Preview groups with members, in name order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(groups)
            .where(groups.c.cohort_id == cohort_id, groups.c.status == "preview")
            .order_by(groups.c.name)
        ).all()
        found = []
        for row in rows:
            members = conn.execute(
                select(group_members.c.user_id, group_members.c.role, group_members.c.cohort_id)
                .where(group_members.c.group_id == row.id, group_members.c.status == "active")
                .order_by(group_members.c.user_id)
            ).all()
            found.append({**row._asdict(), "members": [tuple(m) for m in members]})
        return found


def members_of(engine: Engine, group_id: int) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(group_members.c.user_id, group_members.c.role)
            .where(group_members.c.group_id == group_id, group_members.c.status == "active")
            .order_by(group_members.c.user_id)
        )
        return [(r.user_id, str(r.role)) for r in rows]


def reasons(engine: Engine, cohort_id: int) -> dict[int, tuple[str | None, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(signups.c.user_id, signups.c.unplaced_reason, signups.c.unplaced_detail).where(
                signups.c.cohort_id == cohort_id
            )
        )
        return {r.user_id: (r.unplaced_reason, r.unplaced_detail) for r in rows}


def runs(engine: Engine, cohort_id: int) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            select(scheduling_runs)
            .where(scheduling_runs.c.cohort_id == cohort_id)
            .order_by(scheduling_runs.c.id)
        ).all()


# -- independent check ----------------------------------------------------------------------
def check_preview(engine: Engine, cohort_id: int, earliest: date = START) -> list[str]:
    """The validator's complaints about the stored preview (empty when every rule holds)."""
    with engine.connect() as conn:
        cohort = conn.execute(select(cohorts).where(cohorts.c.id == cohort_id)).one()
        people = [_person_document(conn, row) for row in _signed_up(conn, cohort_id)]
        unplaced = [
            {"id": str(r.user_id), "reason": r.unplaced_reason}
            for r in conn.execute(
                select(signups).where(
                    signups.c.cohort_id == cohort_id, signups.c.unplaced_reason.is_not(None)
                )
            )
        ]
    stored = preview_groups(engine, cohort_id)
    placed = sum(role == "learner" for g in stored for _, role, _ in g["members"])
    instance = {
        "params": {
            "meeting_minutes": cohort.meeting_minutes,
            "min_group_size": cohort.min_group_size,
            "max_group_size": cohort.max_group_size,
            "cohort_start_date": earliest.isoformat(),
            "number_of_meetings": cohort.number_of_meetings,
        },
        "people": people,
    }
    result = {
        "groups": [_group_document(g) for g in stored],
        "unplaced": unplaced,
        "stats": {"placed": placed, "upper_bound": placed},
    }
    return validate(instance, result)


def _signed_up(conn: Connection, cohort_id: int) -> list[Any]:
    return conn.execute(
        select(
            signups.c.user_id,
            signups.c.role,
            users.c.timezone,
            facilitators.c.max_active_groups,
            facilitators.c.certified_at,
        )
        .join(users, users.c.id == signups.c.user_id)
        .outerjoin(facilitators, facilitators.c.user_id == signups.c.user_id)
        .where(signups.c.cohort_id == cohort_id, signups.c.withdrawn_at.is_(None))
    ).all()


def _person_document(conn: Connection, row: Any) -> dict[str, Any]:
    blocks: dict[str, dict[str, list[list[str]]]] = {"available": {}, "if_needed": {}}
    for block in conn.execute(
        select(availability_blocks).where(availability_blocks.c.user_id == row.user_id)
    ):
        day = blocks[str(block.kind)].setdefault(DAYS[block.weekday], [])
        day.append([_clock(block.start_minute), _clock(block.end_minute)])
    return {
        "id": str(row.user_id),
        "role": str(row.role),
        "timezone": row.timezone,
        "availability_local": blocks["available"],
        "if_needed_local": blocks["if_needed"],
        "max_groups": row.max_active_groups or 0,
        "certified": row.certified_at is not None,
    }


def _group_document(group: dict[str, Any]) -> dict[str, Any]:
    first = group["first_meeting_at"].astimezone(UTC)
    return {
        "name": group["name"],
        "facilitators": [str(u) for u, role, _ in group["members"] if role == "facilitator"],
        "learners": [str(u) for u, role, _ in group["members"] if role == "learner"],
        "weekday": DAYS[group["weekday"]],
        "local_time": group["local_time"].strftime("%H:%M"),
        "anchor_timezone": group["anchor_timezone"],
        "first_meeting_utc": first.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_minute": first.weekday() * 1440 + first.hour * 60 + first.minute,
    }
