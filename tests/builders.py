"""Test data, the one place rows are built: users, cohorts, sign-ups, groups, members, meetings.

Rows are written directly (the code under test reads them). Each builder takes
the columns that matter and leaves the rest to the schema's defaults; the
per-area modules (tests/integration/*/world.py, api/builders.py, discord/data.py)
only add their own defaults and shapes on top.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Table, insert

from roundtable.auth import issue_access_token, jwt_secret
from roundtable.db.tables import (
    availability_blocks,
    cohorts,
    facilitators,
    group_members,
    groups,
    meetings,
    signups,
    users,
)


def insert_row(conn: Connection, table: Table, **values: Any) -> int:
    """Insert one row; its id."""
    return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def session_token(user_id: int, now: datetime | None = None) -> str:
    """A valid access token for the user (what the session cookie holds)."""
    return issue_access_token(user_id, now or datetime.now(UTC), jwt_secret())


def add_user(
    conn: Connection,
    name: str,
    *,
    admin: bool = False,
    timezone: str = "UTC",
    discord_id: str | None = None,
    email: str | None = None,
    **values: Any,
) -> int:
    return insert_row(
        conn,
        users,
        display_name=name,
        is_admin=admin,
        timezone=timezone,
        discord_id=discord_id,
        email=email,
        **values,
    )


def add_facilitator(
    conn: Connection,
    user_id: int,
    *,
    certified_at: datetime | None = None,
    max_active_groups: int | None = None,
) -> None:
    """A facilitators row (certified when `certified_at` is given)."""
    extra = {} if max_active_groups is None else {"max_active_groups": max_active_groups}
    conn.execute(insert(facilitators).values(user_id=user_id, certified_at=certified_at, **extra))


def add_cohort(
    conn: Connection, name: str, *, start_date: date, course_slug: str = "intro", **values: Any
) -> int:
    return insert_row(
        conn, cohorts, name=name, course_slug=course_slug, start_date=start_date, **values
    )


def add_signup(
    conn: Connection, user_id: int, cohort_id: int, role: str = "learner", **values: Any
) -> None:
    conn.execute(insert(signups).values(user_id=user_id, cohort_id=cohort_id, role=role, **values))


def add_group(
    conn: Connection,
    cohort_id: int,
    name: str,
    *,
    first_meeting_at: datetime,
    status: str = "active",
    anchor_timezone: str = "UTC",
    weekday: int | None = None,
    local_time: time | None = None,
    minutes: int = 60,
    **values: Any,
) -> int:
    """A group; its weekly slot is the first meeting's (as written) unless given."""
    return insert_row(
        conn,
        groups,
        cohort_id=cohort_id,
        name=name,
        status=status,
        anchor_timezone=anchor_timezone,
        weekday=first_meeting_at.weekday() if weekday is None else weekday,
        local_time=local_time or time(first_meeting_at.hour, first_meeting_at.minute),
        meeting_minutes=minutes,
        first_meeting_at=first_meeting_at,
        **values,
    )


def add_member(
    conn: Connection, group_id: int, user_id: int, cohort_id: int, role: str = "learner"
) -> int:
    return insert_row(
        conn, group_members, group_id=group_id, user_id=user_id, cohort_id=cohort_id, role=role
    )


def add_meeting(
    conn: Connection,
    group_id: int,
    cohort_id: int,
    number: int,
    starts_at: datetime,
    *,
    minutes: int = 60,
) -> int:
    return insert_row(
        conn,
        meetings,
        group_id=group_id,
        cohort_id=cohort_id,
        meeting_number=number,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
    )


def add_availability(
    conn: Connection, user_id: int, weekday: int, start: str, end: str, kind: str = "available"
) -> None:
    """One weekly block, `start` and `end` as "HH:MM" ("24:00" ends the day)."""
    conn.execute(
        insert(availability_blocks).values(
            user_id=user_id,
            kind=kind,
            weekday=weekday,
            start_minute=minute_of(start),
            end_minute=minute_of(end),
        )
    )


def minute_of(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)
