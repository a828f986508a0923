from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import Engine, select

from roundtable.cohorts.lifecycle import cohort_phase
from roundtable.db.tables import groups
from roundtable.sync.desired import (
    BOT_TEXT,
    BOT_VOICE,
    ROLE_TEXT,
    ROLE_VOICE,
    VIEW_CHANNEL,
)
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, sync_groups
from roundtable.sync.series import SeriesError
from tests.fakes.discord import APPLICATION_ID
from tests.fakes.discord_guild import CATEGORY, GUILD_ID, TEXT, VOICE, FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.integration.sync.world import (
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    meeting_rows,
)

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


def _overwrites(channel: dict) -> set[tuple[str, int, str, str]]:
    return {(o["id"], o["type"], o["allow"], o["deny"]) for o in channel["permission_overwrites"]}


@pytest.fixture
def cohort(engine: Engine, guild: FakeDiscordGuild) -> dict:
    """Two preview groups: Ada (facilitator) with Bo and Cy; Di with Ed."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Spring 2026", meetings=4)
        ada, bo = add_person(conn, "Ada"), add_person(conn, "Bo", email="Bo.Mixed@Example.COM")
        cy, di, ed = add_person(conn, "Cy"), add_person(conn, "Di"), add_person(conn, "Ed")
        first = add_preview_group(conn, cohort_id, "Group 1", facilitator=ada, learners=[bo, cy])
        second = add_preview_group(
            conn,
            cohort_id,
            "Group 2",
            zone="America/New_York",
            weekday=0,
            at=time(9, 30),
            learners=[di, ed],
        )
    for person in (ada, bo, cy, di, ed):
        guild.add_member(person.discord_id)
    return {"id": cohort_id, "groups": [first, second], "people": [ada, bo, cy, di, ed]}


def test_publishing_creates_exactly_the_expected_channels_roles_and_overwrites(
    engine: Engine, guild: FakeDiscordGuild, services: Services, cohort: dict
) -> None:
    result = publish_cohort(engine, cohort["id"], services, now=NOW)

    assert result["activated"] == cohort["groups"] and result["failures"] == {}
    categories = [c for c in guild.channels.values() if c["type"] == CATEGORY]
    assert [c["name"] for c in categories] == ["Spring 2026"]
    roles = {r["name"]: r for r in guild.roles.values() if r["id"] != GUILD_ID}
    # The groups' roles also open the cohort's channel: no cohort role (test_publish_calls.py).
    assert set(roles) == {"Spring 2026 · Group 1", "Spring 2026 · Group 2"}
    first = group_row(engine, cohort["groups"][0])
    role_id, ada = first.discord_role_id, cohort["people"][0]
    text, voice = (
        guild.channels[first.discord_text_channel_id],
        guild.channels[first.discord_voice_channel_id],
    )
    assert (text["type"], text["name"], text["parent_id"]) == (TEXT, "group-1", categories[0]["id"])
    assert (voice["type"], voice["name"]) == (VOICE, "Group 1 voice")
    assert _overwrites(text) == {
        (GUILD_ID, 0, "0", str(VIEW_CHANNEL)),
        (APPLICATION_ID, 1, str(BOT_TEXT), "0"),
        (role_id, 0, str(ROLE_TEXT), "0"),
    }
    assert _overwrites(voice) == {
        (GUILD_ID, 0, "0", str(VIEW_CHANNEL)),
        (APPLICATION_ID, 1, str(BOT_VOICE), "0"),
        (role_id, 0, str(ROLE_VOICE), "0"),
        (ada.discord_id, 1, str(ROLE_VOICE), "0"),  # the facilitator keeps voice access
    }
    assert guild.holders(role_id) == {p.discord_id for p in cohort["people"][:3]}
    # two per group and the cohort's own (test_cohort_space.py)
    assert len([c for c in guild.channels.values() if c["type"] in (TEXT, VOICE)]) == 5
    welcome = guild.channel_messages[text["id"]]
    assert len(welcome) == 1 and "Welcome to Group 1" in welcome[0]["content"]


def test_publishing_creates_one_weekly_series_per_group_in_its_anchor_zone(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, cohort: dict
) -> None:
    publish_cohort(engine, cohort["id"], services, now=NOW)

    second = group_row(engine, cohort["groups"][1])
    event = calendar.event(second.gcal_event_id)
    assert event["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=4"]
    assert event["start"] == {
        "dateTime": "2026-03-09T09:30:00-04:00",
        "timeZone": "America/New_York",
    }
    assert {a["email"] for a in event["attendees"]} == {"di@example.com", "ed@example.com"}
    first = calendar.event(group_row(engine, cohort["groups"][0]).gcal_event_id)
    assert {a["email"] for a in first["attendees"]} == {
        "ada@example.com",
        "bo.mixed@example.com",
        "cy@example.com",
    }
    assert len(calendar.live_events()) == 2
    invited = sorted(s["email"] for s in calendar.sent if s["kind"] == "invitation")
    assert len(invited) == 5 and [s for s in calendar.sent if s["kind"] != "invitation"] == []


def test_publishing_writes_a_meeting_row_per_occurrence_of_the_series(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, cohort: dict
) -> None:
    publish_cohort(engine, cohort["id"], services, now=NOW)

    for group_id in cohort["groups"]:
        row = group_row(engine, group_id)
        starts = [m.starts_at for m in meeting_rows(engine, group_id)]
        occurrences = [
            datetime.fromisoformat(i["start"]["dateTime"])
            for i in calendar.instances(row.gcal_event_id)
        ]
        assert row.status == "active" and len(starts) == 4
        assert starts == occurrences


def test_publishing_twice_and_syncing_again_make_no_mutating_call(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    cohort: dict,
) -> None:
    publish_cohort(engine, cohort["id"], services, now=NOW)
    guild.clear_log()
    calendar.clear_log()

    again = publish_cohort(engine, cohort["id"], services, now=NOW)
    synced = sync_groups(engine, cohort["groups"], services, now=NOW)

    assert again["activated"] == [] and synced.synced == cohort["groups"]
    assert guild.mutating_requests() == []
    assert calendar.mutating_requests() == []


def test_a_preview_group_without_members_stays_in_preview(
    engine: Engine, services: Services, cohort: dict
) -> None:
    with engine.begin() as conn:
        empty = add_preview_group(conn, cohort["id"], "Nobody")

    result = publish_cohort(engine, cohort["id"], services, now=NOW)

    assert result["left_in_preview"] == [empty]
    assert group_row(engine, empty).status == "preview"


def test_a_group_with_an_unknown_zone_stops_the_publish_before_anything_is_written(
    engine: Engine, guild: FakeDiscordGuild, services: Services, cohort: dict
) -> None:
    with engine.begin() as conn:
        person = add_person(conn, "Zed")
        add_preview_group(conn, cohort["id"], "Mars", zone="Mars/Olympus_Mons", learners=[person])

    with pytest.raises(SeriesError, match="Mars/Olympus_Mons"):
        publish_cohort(engine, cohort["id"], services, now=NOW)

    with engine.connect() as conn:
        statuses = set(conn.scalars(select(groups.c.status)))
    assert statuses == {"preview"}
    assert all(meeting_rows(engine, g) == [] for g in cohort["groups"])
    assert guild.mutating_requests() == []


def test_members_not_in_the_guild_get_their_role_once_they_join(
    engine: Engine, guild: FakeDiscordGuild, services: Services, cohort: dict
) -> None:
    late = cohort["people"][4]
    del guild.members[late.discord_id]

    result = publish_cohort(engine, cohort["id"], services, now=NOW)
    second = group_row(engine, cohort["groups"][1])
    assert result["discord"]["not_in_guild"] == [late.discord_id]
    assert second.synced_at is None  # still pending: the hourly sweep picks it up

    guild.add_member(late.discord_id)
    again = sync_groups(engine, [second.id], services, now=NOW)

    assert late.discord_id in guild.holders(second.discord_role_id)
    assert again.synced == [second.id]


def test_a_member_added_to_the_guild_at_login_joins_with_their_group_role(
    engine: Engine, guild: FakeDiscordGuild, services: Services, cohort: dict
) -> None:
    from roundtable.sync.desired import role_ids_for_user

    late = cohort["people"][4]
    del guild.members[late.discord_id]
    publish_cohort(engine, cohort["id"], services, now=NOW)
    with engine.connect() as conn:
        roles = role_ids_for_user(conn, late.id)[GUILD_ID]

    added = services.discord.add_guild_member(late.discord_id, "oauth-access-token", roles)
    again = services.discord.add_guild_member(late.discord_id, "oauth-access-token", roles)

    assert roles == [group_row(engine, cohort["groups"][1]).discord_role_id]
    assert added is not None and added["roles"] == roles
    assert again is None  # already a member: Discord answers 204
    assert late.discord_id in guild.holders(roles[0])


def test_publishing_makes_the_cohort_running(
    engine: Engine, services: Services, cohort: dict
) -> None:
    with engine.begin() as conn:
        before = cohort_phase(conn, cohort["id"])
    assert (before.status, before.phase) == ("open", "scheduled")

    publish_cohort(engine, cohort["id"], services, now=NOW)

    with engine.begin() as conn:
        after = cohort_phase(conn, cohort["id"])
    assert (after.status, after.phase) == ("running", "running")


def test_a_publish_that_stops_before_writing_leaves_the_cohort_open(
    engine: Engine, services: Services, cohort: dict
) -> None:
    with engine.begin() as conn:
        person = add_person(conn, "Zed")
        add_preview_group(conn, cohort["id"], "Mars", zone="Mars/Olympus_Mons", learners=[person])

    with pytest.raises(SeriesError):
        publish_cohort(engine, cohort["id"], services, now=NOW)

    with engine.begin() as conn:
        assert cohort_phase(conn, cohort["id"]).status == "open"
