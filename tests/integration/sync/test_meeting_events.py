"""A Discord scheduled event per group meeting (issue 21): made at publish for the next
meetings, moved with the meeting, deleted when it is over or its group cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, update

from roundtable.db.tables import cohorts, groups
from roundtable.groups.cancellation import cancel_groups
from roundtable.people.actors import SYSTEM
from roundtable.sync.discord_events import EVENTS_PER_GROUP
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, groups_needing_sync, sync_groups
from roundtable.sync.servers import set_group_space
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.integration.sync.world import (
    FIRST_MEETING,
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    meeting_rows,
)

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(engine: Engine, guild: FakeDiscordGuild) -> dict:
    """One preview group of two learners (four meetings, Wednesdays 18:00 London)."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Autumn 2026", meetings=4)
        people = [add_person(conn, name) for name in ("Ann", "Ben")]
        group_id = add_preview_group(conn, cohort_id, "Group 1", learners=people)
    for person in people:
        guild.add_member(person.discord_id)
    return {"id": cohort_id, "group": group_id}


def _events_by_meeting(engine: Engine, guild: FakeDiscordGuild, group_id: int) -> dict:
    rows = meeting_rows(engine, group_id)
    return {
        row.meeting_number: guild.guild(guild.guild_id).scheduled_events[row.discord_event_id]
        for row in rows
        if row.discord_event_id is not None
    }


def _start(event: dict) -> datetime:
    return datetime.fromisoformat(event["scheduled_start_time"])


def test_publishing_makes_an_event_for_each_of_the_next_meetings_in_the_voice_channel(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    result = publish_cohort(engine, world["id"], services, now=NOW)

    assert result["failures"] == {}
    events = _events_by_meeting(engine, guild, world["group"])
    assert sorted(events) == list(range(1, EVENTS_PER_GROUP + 1))
    voice = group_row(engine, world["group"]).discord_voice_channel_id
    first = events[1]
    assert (first["entity_type"], first["channel_id"], first["privacy_level"]) == (2, voice, 2)
    assert first["name"] == "Group 1 · meeting 1"
    assert _start(first) == FIRST_MEETING
    assert datetime.fromisoformat(first["scheduled_end_time"]) == FIRST_MEETING + timedelta(hours=1)
    assert len(guild.guild(guild.guild_id).scheduled_events) == EVENTS_PER_GROUP

    guild.clear_log()
    again = sync_groups(engine, [world["group"]], services, now=NOW)
    assert again.events.mutations == 0 and not guild.mutating_requests()


def test_a_moved_meeting_moves_its_event(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    publish_cohort(engine, world["id"], services, now=NOW)
    before = _events_by_meeting(engine, guild, world["group"])
    ids = {n: e["id"] for n, e in before.items()}

    with engine.begin() as conn:  # the group now meets an hour later
        conn.execute(
            update(groups).where(groups.c.id == world["group"]).values(local_time=time(19, 0))
        )
    report = sync_groups(engine, [world["group"]], services, now=NOW)

    after = _events_by_meeting(engine, guild, world["group"])
    assert {n: e["id"] for n, e in after.items()} == ids  # the same events, moved
    assert _start(after[1]) == FIRST_MEETING + timedelta(hours=1)
    assert report.events.moved == EVENTS_PER_GROUP and report.events.created == 0


def test_a_meeting_over_gives_its_place_to_the_next_one(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    publish_cohort(engine, world["id"], services, now=NOW)
    first_event = _events_by_meeting(engine, guild, world["group"])[1]["id"]
    after_first = FIRST_MEETING + timedelta(hours=2)

    assert world["group"] in groups_needing_sync(engine, now=after_first)
    report = sync_groups(engine, [world["group"]], services, now=after_first)

    events = _events_by_meeting(engine, guild, world["group"])
    assert sorted(events) == [2, 3]
    assert first_event not in guild.guild(guild.guild_id).scheduled_events
    assert (report.events.deleted, report.events.created) == (1, 1)
    assert world["group"] not in groups_needing_sync(engine, now=after_first)


def test_a_cancelled_group_deletes_its_events(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    publish_cohort(engine, world["id"], services, now=NOW)
    with engine.begin() as conn:
        cancel_groups(
            conn, [world["group"]], now=NOW, reason="test", created_by=None, tell_members=False
        )

    report = sync_groups(engine, [world["group"]], services, now=NOW)

    assert guild.guild(guild.guild_id).scheduled_events == {}
    assert all(row.discord_event_id is None for row in meeting_rows(engine, world["group"]))
    assert report.events.deleted == EVENTS_PER_GROUP


def test_an_event_deleted_by_hand_is_made_again(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    publish_cohort(engine, world["id"], services, now=NOW)
    events = guild.guild(guild.guild_id).scheduled_events
    events.pop(_events_by_meeting(engine, guild, world["group"])[1]["id"])

    report = sync_groups(engine, [world["group"]], services, now=NOW)

    assert report.events.created == 1
    assert sorted(_events_by_meeting(engine, guild, world["group"])) == [1, 2]


def test_a_group_without_a_voice_channel_gets_external_events(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "thread_no_voice")

    publish_cohort(engine, world["id"], services, now=NOW)

    first = _events_by_meeting(engine, guild, world["group"])[1]
    assert (first["entity_type"], first["channel_id"]) == (3, None)
    assert first["entity_metadata"] == {"location": "The Group 1 thread on Discord"}
    guild.clear_log()
    sync_groups(engine, [world["group"]], services, now=NOW)
    assert not guild.mutating_requests()


def test_a_server_at_discords_limit_gets_the_earliest_meetings_first(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    events = guild.guild(guild.guild_id).scheduled_events
    for number in range(99):  # the server's own events: room for one more
        events[str(900 + number)] = _admins_event(str(900 + number), guild.guild_id)

    publish_cohort(engine, world["id"], services, now=NOW)
    report = sync_groups(engine, [world["group"]], services, now=NOW)

    assert sorted(_events_by_meeting(engine, guild, world["group"])) == [1]
    assert len(report.events.over_limit) == 1 and report.events.failures == {}
    assert len(events) == 100


def _admins_event(event_id: str, guild_id: str) -> dict:
    return {
        "id": event_id,
        "guild_id": guild_id,
        "name": "Town hall",
        "description": None,
        "channel_id": None,
        "creator_id": "1",
        "image": None,
        "scheduled_start_time": "2026-05-01T10:00:00+00:00",
        "scheduled_end_time": "2026-05-01T11:00:00+00:00",
        "status": 1,
        "entity_type": 3,
        "entity_id": None,
        "recurrence_rule": None,
        "privacy_level": 2,
        "guild_scheduled_event_exceptions": [],
        "entity_metadata": {"location": "The main hall"},
    }


def test_a_meeting_dropped_from_the_cohort_loses_its_event(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    publish_cohort(engine, world["id"], services, now=NOW)
    second = _events_by_meeting(engine, guild, world["group"])[2]["id"]
    with engine.begin() as conn:  # the course is cut to one meeting: the rows of 2-4 go
        conn.execute(
            update(cohorts).where(cohorts.c.id == world["id"]).values(number_of_meetings=1)
        )

    report = sync_groups(engine, [world["group"]], services, now=NOW)

    assert [row.meeting_number for row in meeting_rows(engine, world["group"])] == [1]
    assert second not in guild.guild(guild.guild_id).scheduled_events
    assert sorted(_events_by_meeting(engine, guild, world["group"])) == [1]
    assert report.events.deleted == 1 and report.events.failures == {}
    guild.clear_log()
    sync_groups(engine, [world["group"]], services, now=NOW)
    assert not guild.mutating_requests()
