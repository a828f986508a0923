"""Test data for the web API: people, cohorts, groups, meetings, sessions.

Rows are written directly (the API under test reads them); names say what they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from roundtable_edge.web.cookies import SESSION_COOKIE  # noqa: F401  (for the API tests)
from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

from roundtable.db.engine import transaction
from roundtable.meetings.times import WeeklySlot, first_meeting_at, series_starts
from tests.builders import (  # add_member, session_token: for the API tests too
    add_availability,
    add_cohort,
    add_facilitator,
    add_group,
    add_meeting,
    add_member,  # noqa: F401
    add_signup,
    add_user,
    session_token,  # noqa: F401
)

make_user = add_user

# The `client_for` fixture: a TestClient signed in as the user (None: anonymous).
ClientFor = Callable[[int | None], "TestClient"]


def make_facilitator(conn: Connection, user_id: int, *, certified: bool = True) -> None:
    add_facilitator(conn, user_id, certified_at=datetime.now(UTC) if certified else None)


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
    return add_cohort(
        conn,
        name,
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
    """A group and its first `meeting_count` meetings, on its weekly slot."""
    slot = WeeklySlot(anchor_timezone, weekday, local_time, minutes)
    first = first_meeting or first_meeting_at(slot, date.today() + timedelta(days=14))
    group_id = add_group(
        conn,
        cohort_id,
        name,
        first_meeting_at=first,
        status=status,
        anchor_timezone=anchor_timezone,
        weekday=weekday,
        local_time=local_time,
        minutes=minutes,
        discord_text_channel_id=text_channel_id,
    )
    for number, start in enumerate(series_starts(slot, first, meeting_count), start=1):
        add_meeting(conn, group_id, cohort_id, number, start, minutes=minutes)
    return group_id


def enroll(conn: Connection, user_id: int, cohort_id: int, role: str = "learner") -> None:
    add_signup(conn, user_id, cohort_id, role)


def give_availability(
    conn: Connection, user_id: int, *blocks: tuple[int, str, str], kind: str = "available"
) -> None:
    for weekday, start, end in blocks:
        add_availability(conn, user_id, weekday, start, end, kind)


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
