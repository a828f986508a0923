"""Guest visits in Discord and Google Calendar: access for the week only, a one-off invite.

Fake Discord guild and fake Google Calendar over HTTP; the clock is passed in,
and the meetings are in 2027 so the database's own clock is before all of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import guest_visits, meetings
from roundtable.meetings.guests import book_guest_visit, cancel_guest_visit
from roundtable.people.profiles import Viewer
from roundtable.sync.desired import GUEST_ACCESS_GRACE, ROLE_TEXT, ROLE_VOICE, guest_event_id
from roundtable.sync.hourly import run_hourly_sync
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, sync_groups
from tests.builders import add_availability
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.integration.sync.conftest import NAMESPACE
from tests.integration.sync.world import (
    Person,
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
)

OWLS_FIRST = datetime(2027, 3, 16, 18, 0, tzinfo=UTC)  # Tuesdays 18:00 London
LARKS_FIRST = datetime(2027, 3, 18, 18, 0, tzinfo=UTC)  # Thursdays 18:00 London
NOW = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def live(engine: Engine, guild: FakeDiscordGuild, services: Services) -> dict[str, Any]:
    with engine.begin() as conn:
        cohort = add_cohort(conn, "Spring 2027", meetings=4)
        ana, ben, cy, fay, hal = (add_person(conn, n) for n in ("Ana", "Ben", "Cy", "Fay", "Hal"))
        owls = add_preview_group(
            conn, cohort, "Tuesday Owls", weekday=1, at=time(18, 0), first=OWLS_FIRST,
            learners=[ana, ben], facilitator=fay,
        )  # fmt: skip
        larks = add_preview_group(
            conn, cohort, "Thursday Larks", weekday=3, at=time(18, 0), first=LARKS_FIRST,
            learners=[cy], facilitator=hal,
        )  # fmt: skip
        add_availability(conn, ana.id, 3, "17:00", "20:00")  # Thursdays, in UTC (her zone)
    for person in (ana, ben, cy, fay, hal):
        guild.add_member(str(person.discord_id))
    publish_cohort(engine, cohort, services, now=NOW)
    return {"owls": owls, "larks": larks, "ana": ana, "cy": cy}


def _meeting(engine: Engine, group: int, number: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(meetings).where(
                meetings.c.group_id == group, meetings.c.meeting_number == number
            )
        ).one()


def _book(engine: Engine, live: dict[str, Any]) -> int:
    ana: Person = live["ana"]
    viewer = Viewer(ana.id, "Ana", False, "UTC")
    own, host = _meeting(engine, live["owls"], 2), _meeting(engine, live["larks"], 2)
    with engine.begin() as conn:
        return book_guest_visit(conn, viewer, own.id, host.id, NOW).id


def _member_overwrites(guild: FakeDiscordGuild, channel_id: str, user: str) -> list[str]:
    return [
        str(o["allow"])
        for o in guild.channels[channel_id]["permission_overwrites"]
        if str(o["id"]) == user
    ]


def test_a_guest_sees_the_host_channels_for_that_week_only(
    engine: Engine, guild: FakeDiscordGuild, services: Services, live: dict[str, Any]
) -> None:
    ana = str(live["ana"].discord_id)
    larks = group_row(engine, live["larks"])
    owls = group_row(engine, live["owls"])
    _book(engine, live)
    sync_groups(engine, [live["larks"]], services, now=NOW)

    text, voice = larks.discord_text_channel_id, larks.discord_voice_channel_id
    assert _member_overwrites(guild, text, ana) == [str(ROLE_TEXT)]
    assert _member_overwrites(guild, voice, ana) == [str(ROLE_VOICE)]
    assert ana not in guild.holders(larks.discord_role_id)  # a guest, not a member
    assert ana in guild.holders(owls.discord_role_id)

    calls = len(guild.mutating_requests())
    sync_groups(engine, [live["larks"]], services, now=NOW + timedelta(days=1))
    assert len(guild.mutating_requests()) == calls  # a second run applies nothing

    host = _meeting(engine, live["larks"], 2)
    after = host.ends_at + GUEST_ACCESS_GRACE + timedelta(minutes=5)
    summary = run_hourly_sync(engine, lambda: services, now=after)
    assert live["larks"] in summary["members"]["groups"]
    assert _member_overwrites(guild, text, ana) == []
    assert _member_overwrites(guild, voice, ana) == []


def test_a_guest_is_invited_to_that_meeting_alone_and_uninvited_on_cancelling(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    live: dict[str, Any],
) -> None:
    email = live["ana"].email
    visit_id = _book(engine, live)
    sync_groups(engine, [live["larks"]], services, now=NOW)

    event = calendar.event(guest_event_id(NAMESPACE, visit_id))
    assert [a["email"] for a in event["attendees"]] == [email]
    assert event["start"]["timeZone"] == "Europe/London"
    assert event["start"]["dateTime"].startswith("2027-03-25T18:00:00")
    assert "recurrence" not in event  # one occurrence, not a series
    series = calendar.event(group_row(engine, live["larks"]).gcal_event_id)
    assert email not in {a["email"] for a in series["attendees"]}
    invitations = [s for s in calendar.sent if s["email"] == email and s["kind"] == "invitation"]
    sent_for = {s["event"] for s in invitations}
    assert event["id"] in sent_for and series["id"] not in sent_for  # not the host's series
    with engine.connect() as conn:
        stored = conn.scalar(
            select(guest_visits.c.gcal_event_id).where(guest_visits.c.id == visit_id)
        )
    assert stored == event["id"]

    writes = len(calendar.mutating_requests())
    sync_groups(engine, [live["larks"]], services, now=NOW)
    assert len(calendar.mutating_requests()) == writes

    viewer = Viewer(live["ana"].id, "Ana", False, "UTC")
    with engine.begin() as conn:
        cancel_guest_visit(conn, viewer, visit_id, NOW + timedelta(hours=1))
    sync_groups(engine, [live["larks"]], services, now=NOW + timedelta(hours=1))
    assert calendar.event(event["id"]).get("attendees") == []
    assert {"event": event["id"], "email": email, "kind": "cancellation"} in calendar.sent
    text = group_row(engine, live["larks"]).discord_text_channel_id
    assert _member_overwrites(guild, text, str(live["ana"].discord_id)) == []
