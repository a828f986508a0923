"""Test data for notifications: people in several zones, a cohort, groups, meetings, RSVPs.

Rows are written directly; names say what they are.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, Table, update

from roundtable.db.tables import (
    attendances,
    cohorts,
    content_progress,
    group_members,
    groups,
    meetings,
    users,
)
from tests.builders import insert_row

# Wednesday 11 March 2026, 15:00 UTC: the meeting most tests are about.
MEETING_AT = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
_snowflakes = itertools.count(300_000_000_000_000_001)


class World:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def user(
        self,
        name: str,
        *,
        tz: str = "UTC",
        email: str | None = "",
        discord_id: str | None = "",
        email_on: bool = True,
        dm_on: bool = True,
    ) -> int:
        """A user; email and Discord id are made up from the name unless given (None: none)."""
        slug = name.lower().replace(" ", ".")
        values = {
            "display_name": name,
            "timezone": tz,
            "email": f"{slug}@example.org" if email == "" else email,
            "discord_id": str(next(_snowflakes)) if discord_id == "" else discord_id,
            "email_notifications": email_on,
            "dm_notifications": dm_on,
        }
        return self._insert(users, values)

    def cohort(self, name: str = "Alignment Spring 2026", *, course: str = "alignment") -> int:
        values = {
            "name": name,
            "course_slug": course,
            "start_date": date(2026, 3, 2),
            "status": "running",
        }
        return self._insert(cohorts, values)

    def group(
        self,
        cohort_id: int,
        name: str = "Group Ada",
        *,
        channel_id: str | None = "",
        status: str = "active",
        first_meeting_at: datetime = MEETING_AT,
    ) -> int:
        values = {
            "cohort_id": cohort_id,
            "name": name,
            "status": status,
            "anchor_timezone": "Europe/Berlin",
            "weekday": first_meeting_at.weekday(),
            "local_time": time(16, 0),
            "meeting_minutes": 60,
            "first_meeting_at": first_meeting_at,
            "discord_text_channel_id": str(next(_snowflakes)) if channel_id == "" else channel_id,
        }
        return self._insert(groups, values)

    def member(self, group_id: int, user_id: int, role: str = "learner") -> int:
        cohort_id = self._cohort_of(group_id)
        values = {"group_id": group_id, "user_id": user_id, "cohort_id": cohort_id, "role": role}
        return self._insert(group_members, values)

    def meeting(self, group_id: int, number: int, starts_at: datetime) -> int:
        values = {
            "group_id": group_id,
            "cohort_id": self._cohort_of(group_id),
            "meeting_number": number,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=1),
        }
        return self._insert(meetings, values)

    def move_meeting(self, meeting_id: int, starts_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(meetings)
                .where(meetings.c.id == meeting_id)
                .values(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
            )

    def rsvp(self, meeting_id: int, user_id: int, status: str) -> None:
        values = {"meeting_id": meeting_id, "user_id": user_id, "rsvp": status}
        self._insert(attendances, values)

    def set_rsvp(self, meeting_id: int, user_id: int, status: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(attendances)
                .where(attendances.c.meeting_id == meeting_id, attendances.c.user_id == user_id)
                .values(rsvp=status)
            )

    def complete_module(self, user_id: int, module_id: str) -> None:
        values = {
            "user_id": user_id,
            "content_id": module_id,
            "content_type": "module",
            "completed_at": MEETING_AT - timedelta(days=10),
        }
        self._insert(content_progress, values)

    def set(self, table_name: str, row_id: int, **values: object) -> None:
        table = {"users": users, "groups": groups, "group_members": group_members}[table_name]
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == row_id).values(**values))

    def _cohort_of(self, group_id: int) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.scalar(
                    groups.select()
                    .with_only_columns(groups.c.cohort_id)
                    .where(groups.c.id == group_id)
                )
            )

    def _insert(self, table: Table, values: dict[str, object]) -> int:
        with self.engine.begin() as conn:
            return insert_row(conn, table, **values)


@dataclass(frozen=True)
class StudyGroup:
    """A published group meeting at MEETING_AT: a facilitator and three learners, in
    Berlin, Kolkata (UTC+5:30), New York and Adelaide (UTC+10:30 in March)."""

    cohort_id: int
    group_id: int
    meeting_id: int
    facilitator: int
    ada: int
    bo: int
    cy: int


def study_group(
    world: World, *, meeting_at: datetime = MEETING_AT, name: str = "Group Ada"
) -> StudyGroup:
    cohort_id = world.cohort(f"Cohort of {name}")
    group_id = world.group(cohort_id, name)
    facilitator = world.user(f"Fay {name}", tz="Australia/Adelaide")
    ada = world.user(f"Ada {name}", tz="Europe/Berlin")
    bo = world.user(f"Bo {name}", tz="Asia/Kolkata")
    cy = world.user(f"Cy {name}", tz="America/New_York")
    world.member(group_id, facilitator, "facilitator")
    for learner in (ada, bo, cy):
        world.member(group_id, learner)
    meeting_id = world.meeting(group_id, 1, meeting_at)
    return StudyGroup(cohort_id, group_id, meeting_id, facilitator, ada, bo, cy)
