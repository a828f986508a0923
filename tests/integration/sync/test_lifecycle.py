from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import cohorts, group_members
from roundtable.sync.desired import ARCHIVE_READ, SEND_MESSAGES, VIEW_CHANNEL
from roundtable.sync.lifecycle import GRACE_PERIOD, complete_finished_groups
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services
from tests.fakes.discord_guild import CATEGORY, GUILD_ID, FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.integration.sync.world import (
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    meeting_rows,
)

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def finished(engine: Engine, guild: FakeDiscordGuild, services: Services) -> dict:
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Winter", meetings=2)
        ada, bo = add_person(conn, "Ada"), add_person(conn, "Bo")
        group_id = add_preview_group(conn, cohort_id, "Group 1", facilitator=ada, learners=[bo])
    for person in (ada, bo):
        guild.add_member(person.discord_id)
    publish_cohort(engine, cohort_id, services, now=NOW)
    last_end = meeting_rows(engine, group_id)[-1].ends_at
    return {"cohort": cohort_id, "group": group_id, "people": [ada, bo], "last_end": last_end}


def test_groups_are_left_alone_until_the_grace_period_after_their_last_meeting(
    engine: Engine, guild: FakeDiscordGuild, services: Services, finished: dict
) -> None:
    guild.clear_log()

    result = complete_finished_groups(
        engine, services, now=finished["last_end"] + GRACE_PERIOD - timedelta(minutes=1)
    )

    assert result["groups_completed"] == [] and guild.mutating_requests() == []
    assert group_row(engine, finished["group"]).status == "active"


def test_finished_groups_are_completed_and_archived_read_only_with_nothing_deleted(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    finished: dict,
) -> None:
    before = group_row(engine, finished["group"])
    channels_before = set(guild.channels)

    result = complete_finished_groups(engine, services, now=finished["last_end"] + GRACE_PERIOD)

    after = group_row(engine, finished["group"])
    assert result["groups_completed"] == [after.id] and result["cohorts_completed"] == [
        finished["cohort"]
    ]
    assert (after.status, after.discord_role_id) == ("completed", None)
    assert after.archived_at is not None
    assert before.discord_role_id not in guild.roles  # frees one of the guild's 250 roles
    assert channels_before <= set(guild.channels)  # no channel deleted: history stays
    archive = guild.channels[guild.channels[after.discord_text_channel_id]["parent_id"]]
    assert (archive["type"], archive["name"]) == (CATEGORY, "Winter (archive)")
    text = guild.channels[after.discord_text_channel_id]
    readers = {
        (o["id"], o["allow"], o["deny"]) for o in text["permission_overwrites"] if o["type"] == 1
    }
    for person in finished["people"]:
        assert (person.discord_id, str(ARCHIVE_READ), str(SEND_MESSAGES)) in readers
    everyone = next(o for o in text["permission_overwrites"] if o["id"] == GUILD_ID)
    assert everyone["deny"] == str(VIEW_CHANNEL)
    assert calendar.event(after.gcal_event_id)["status"] == "confirmed"  # the series ended by COUNT
    with engine.connect() as conn:
        assert set(conn.scalars(select(group_members.c.status))) == {"completed"}
        assert conn.scalar(select(cohorts.c.status)) == "completed"


def test_completing_again_changes_nothing(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    finished: dict,
) -> None:
    later = finished["last_end"] + GRACE_PERIOD
    complete_finished_groups(engine, services, now=later)
    guild.clear_log()
    calendar.clear_log()

    result = complete_finished_groups(engine, services, now=later + timedelta(days=1))

    assert result["groups_completed"] == [] and result["groups_archived"] == []
    assert guild.requests == [] and calendar.requests == []
