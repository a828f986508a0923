"""Test data for the web API: people, cohorts, groups, meetings, sessions.

Rows are written directly (the API under test reads them); names say what they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert

from roundtable.auth import issue_access_token, jwt_secret
from roundtable.db.engine import transaction
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
from roundtable.meetings.times import WeeklySlot, first_meeting_at, series_starts

SESSION_COOKIE = "session"


def session_token(user_id: int, now: datetime | None = None) -> str:
    """A valid access token for the user (what the session cookie holds)."""
    return issue_access_token(user_id, now or datetime.now(UTC), jwt_secret())


def make_user(
    conn: Connection,
    name: str,
    *,
    admin: bool = False,
    timezone: str = "UTC",
    discord_id: str | None = None,
    email: str | None = None,
) -> int:
    return int(
        conn.execute(
            insert(users)
            .values(
                display_name=name,
                is_admin=admin,
                timezone=timezone,
                discord_id=discord_id,
                email=email,
            )
            .returning(users.c.id)
        ).scalar_one()
    )


def make_facilitator(conn: Connection, user_id: int, *, certified: bool = True) -> None:
    conn.execute(
        insert(facilitators).values(
            user_id=user_id, certified_at=datetime.now(UTC) if certified else None
        )
    )


def make_cohort(
    conn: Connection,
    name: str = "Alignment Fundamentals — Spring",
    *,
    start_date: date | None = None,
    status: str = "open",
    anchor_timezone: str = "UTC",
    meetings: int = 8,
    max_group_size: int = 8,
    **values: Any,
) -> int:
    return int(
        conn.execute(
            insert(cohorts)
            .values(
                name=name,
                course_slug="alignment",
                start_date=start_date or date.today() + timedelta(days=14),
                status=status,
                anchor_timezone=anchor_timezone,
                number_of_meetings=meetings,
                max_group_size=max_group_size,
                min_group_size=min(4, max_group_size),
                target_group_size=min(6, max_group_size),
                **values,
            )
            .returning(cohorts.c.id)
        ).scalar_one()
    )


def make_group(
    conn: Connection,
    cohort_id: int,
    name: str,
    *,
    status: str = "active",
    anchor_timezone: str = "UTC",
    weekday: int = 1,
    local_time: time = time(18, 0),
    minutes: int = 60,
    first_meeting: datetime | None = None,
    meeting_count: int = 0,
    text_channel_id: str | None = None,
) -> int:
    slot = WeeklySlot(anchor_timezone, weekday, local_time, minutes)
    first = first_meeting or first_meeting_at(slot, date.today() + timedelta(days=14))
    group_id = int(
        conn.execute(
            insert(groups)
            .values(
                cohort_id=cohort_id,
                name=name,
                status=status,
                anchor_timezone=anchor_timezone,
                weekday=weekday,
                local_time=local_time,
                meeting_minutes=minutes,
                first_meeting_at=first,
                discord_text_channel_id=text_channel_id,
            )
            .returning(groups.c.id)
        ).scalar_one()
    )
    for number, start in enumerate(series_starts(slot, first, meeting_count), start=1):
        conn.execute(
            insert(meetings).values(
                group_id=group_id,
                cohort_id=cohort_id,
                meeting_number=number,
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
            )
        )
    return group_id


def enroll(conn: Connection, user_id: int, cohort_id: int, role: str = "learner") -> None:
    conn.execute(insert(signups).values(user_id=user_id, cohort_id=cohort_id, role=role))


def add_member(
    conn: Connection, group_id: int, user_id: int, cohort_id: int, role: str = "learner"
) -> int:
    return int(
        conn.execute(
            insert(group_members)
            .values(group_id=group_id, user_id=user_id, cohort_id=cohort_id, role=role)
            .returning(group_members.c.id)
        ).scalar_one()
    )


def give_availability(
    conn: Connection, user_id: int, *blocks: tuple[int, str, str], kind: str = "available"
) -> None:
    for weekday, start, end in blocks:
        start_h, start_m = map(int, start.split(":"))
        end_h, end_m = map(int, end.split(":"))
        conn.execute(
            insert(availability_blocks).values(
                user_id=user_id,
                kind=kind,
                weekday=weekday,
                start_minute=start_h * 60 + start_m,
                end_minute=end_h * 60 + end_m,
            )
        )


@dataclass
class World:
    """One cohort with two published groups, for authorization and journey tests.

    Group "Tuesday Owls" (G): facilitator `fac_here`, learner `learner`.
    Group "Thursday Larks" (H): facilitator `fac_other`, learner `other_learner`.
    `admin` runs things; `job` was created by the admin.
    """

    cohort: int
    group: int
    other_group: int
    admin: int
    learner: int
    other_learner: int
    fac_here: int
    fac_other: int
    job: int


def build_world(engine: Engine) -> World:
    from roundtable.jobs import enqueue

    with transaction(engine) as conn:
        cohort = make_cohort(conn)
        group = make_group(conn, cohort, "Tuesday Owls", weekday=1, meeting_count=8)
        other = make_group(conn, cohort, "Thursday Larks", weekday=3, meeting_count=8)
        admin = make_user(conn, "Ada Admin", admin=True)
        learner = make_user(conn, "Lena Learner", timezone="Europe/Berlin")
        other_learner = make_user(conn, "Olli Other")
        fac_here = make_user(conn, "Fay Facilitator")
        fac_other = make_user(conn, "Finn Elsewhere")
        for user, grp, role in (
            (learner, group, "learner"),
            (other_learner, other, "learner"),
            (fac_here, group, "facilitator"),
            (fac_other, other, "facilitator"),
        ):
            if role == "facilitator":
                make_facilitator(conn, user)
            enroll(conn, user, cohort, role)
            add_member(conn, grp, user, cohort, role)
            give_availability(conn, user, *[(d, "00:00", "24:00") for d in range(7)])
        job = enqueue(conn, "echo", {"message": "hi"}, created_by=admin)
    return World(cohort, group, other, admin, learner, other_learner, fac_here, fac_other, job)
