"""Test data for the sync: cohorts, preview groups and members inserted directly.

Preview groups are what the scheduler writes (status 'preview', a weekly slot
in an anchor zone, group_members rows); these helpers write the same rows.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, select, update

from roundtable.db.tables import group_members, groups, meetings
from tests import builders

if TYPE_CHECKING:
    from roundtable.sync.reconcile import Services
    from tests.fakes.discord_guild import FakeDiscordGuild

_discord_ids = itertools.count(400_000_000_000_000_001)
FIRST_MEETING = datetime.fromisoformat("2026-03-04T18:00:00+00:00")  # a Wednesday


@dataclass(frozen=True)
class Person:
    id: int
    discord_id: str | None
    email: str | None


def add_cohort(conn: Connection, name: str = "Spring 2026", *, meetings: int = 4) -> int:
    return builders.add_cohort(
        conn, name, course_slug="demo", start_date=date(2026, 3, 2), number_of_meetings=meetings
    )


def add_person(
    conn: Connection, name: str, *, email: str | None = "", discord: bool = True
) -> Person:
    address = f"{name.lower()}@example.com" if email == "" else email
    discord_id = str(next(_discord_ids)) if discord else None
    user_id = builders.add_user(conn, name, email=address, discord_id=discord_id)
    return Person(user_id, discord_id, address)


def add_preview_group(
    conn: Connection,
    cohort_id: int,
    name: str,
    *,
    zone: str = "Europe/London",
    weekday: int = 2,
    at: time = time(18, 0),
    minutes: int = 60,
    first: datetime = FIRST_MEETING,
    learners: tuple[Person, ...] | list[Person] = (),
    facilitator: Person | None = None,
) -> int:
    group_id = builders.add_group(
        conn,
        cohort_id,
        name,
        first_meeting_at=first,
        status="preview",
        anchor_timezone=zone,
        weekday=weekday,
        local_time=at,
        minutes=minutes,
    )
    if facilitator is not None:
        join(conn, facilitator, group_id, cohort_id, role="facilitator")
    for person in learners:
        join(conn, person, group_id, cohort_id)
    return group_id


def join(
    conn: Connection, person: Person, group_id: int, cohort_id: int, *, role: str = "learner"
) -> None:
    builders.add_member(conn, group_id, person.id, cohort_id, role)


def switch_group(engine: Engine, person: Person, old: int, new: int, now: datetime) -> None:
    """What the memberships code does: old membership removed, new one added, both touched."""
    with engine.begin() as conn:
        cohort_id = conn.scalar(select(groups.c.cohort_id).where(groups.c.id == new))
        conn.execute(
            update(group_members)
            .where(group_members.c.group_id == old, group_members.c.user_id == person.id)
            .values(status="removed", left_at=now)
        )
        join(conn, person, new, int(cohort_id))
        conn.execute(
            update(groups).where(groups.c.id.in_([old, new])).values(members_changed_at=now)
        )


def group_row(engine: Engine, group_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(groups).where(groups.c.id == group_id)).one()


def meeting_rows(engine: Engine, group_id: int) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            select(meetings)
            .where(meetings.c.group_id == group_id)
            .order_by(meetings.c.meeting_number)
        ).all()


def publish_twice(
    engine: Engine,
    services: Services,
    guild: FakeDiscordGuild,
    world: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Publish the cohort `world["id"]` cleanly, then sync its `world["groups"]` again:
    nothing is left to change on Discord."""
    from roundtable.sync.publish import publish_cohort
    from roundtable.sync.reconcile import sync_groups

    result = publish_cohort(engine, world["id"], services, now=now)
    assert result["failures"] == {}
    guild.clear_log()
    again = sync_groups(engine, world["groups"], services, now=now)
    assert again.discord.mutations == 0 and not guild.mutating_requests()
    return result
