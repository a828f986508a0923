"""Google Meet as a group's venue: the calendar sync asks Google for a conference on the
group's series, stores its link for My group and the reminders, and removes it when the
group meets elsewhere (docs/sync.md, "Meeting venues")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from devserver.functions import load_function
from roundtable.cohorts.catalog import update_cohort
from roundtable.db.tables import cohorts
from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.compose import Links, Ready, compose
from roundtable.notifications.facts import load_facts
from roundtable.notifications.ledger import Claimed
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, groups_needing_sync, sync_groups
from roundtable.venues.choice import set_group_venue
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.http import Request
from tests.integration.api.builders import SESSION_COOKIE, session_token
from tests.integration.sync.world import (
    Person,
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    meeting_rows,
)

PUBLISHED_AT = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
LATER = PUBLISHED_AT + timedelta(hours=1)


@pytest.fixture
def world(engine: Engine, guild: FakeDiscordGuild, services: Services) -> dict[str, Any]:
    """A published cohort meeting on Google Meet: one group of Ada (facilitator) and Bo."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Meeters", meetings=3)
        conn.execute(update(cohorts).values(meeting_venue="google_meet"))
        ada, bo = (add_person(conn, name) for name in ("Ada", "Bo"))
        group_id = add_preview_group(conn, cohort_id, "Group 1", facilitator=ada, learners=[bo])
    for person in (ada, bo):
        guild.add_member(person.discord_id)
    publish_cohort(engine, cohort_id, services, now=PUBLISHED_AT)
    return {"cohort": cohort_id, "group": group_id, "bo": bo}


def _series(calendar: FakeGoogleCalendar) -> dict[str, Any]:
    (event,) = calendar.live_events()
    return event


def _conference_writes(calendar: FakeGoogleCalendar) -> list[Request]:
    return [
        r
        for r in calendar.mutating_requests()
        if r.query.get("conferenceDataVersion") == ["1"] and "conferenceData" in (r.json() or {})
    ]


def _join_url(engine: Engine, person: Person) -> Any:
    client = TestClient(load_function("http_api").app, base_url="https://testserver")
    client.cookies.set(SESSION_COOKIE, session_token(person.id))
    (mine,) = client.get("/api/groups/mine").json()["groups"]
    return mine["meeting_venue"], mine["join_url"]


def _reminder_text(engine: Engine, group_id: int, person: Person) -> str:
    first = meeting_rows(engine, group_id)[0]
    due = first.starts_at - timedelta(hours=1)
    row = Claimed(
        1,
        "meeting_reminder_1h",
        "meeting",
        first.id,
        person.id,
        "email",
        "bo@example.com",
        {"meeting_id": first.id, "group_id": group_id},
        0,
        due,
    )
    with engine.connect() as conn:
        facts = load_facts(conn, [row], due)
    ready = compose(row, facts, due, Links("http://roundtable.test", None))
    assert isinstance(ready, Ready)
    return load_catalogue().render("meeting_reminder_1h", "email_text", ready.values, ready.zone)


def test_a_meet_group_gets_its_link_on_my_group_and_in_reminders(
    engine: Engine, calendar: FakeGoogleCalendar, world: dict[str, Any]
) -> None:
    event = _series(calendar)
    link = event["hangoutLink"]
    assert link.startswith("https://meet.google.com/")
    (insert,) = _conference_writes(calendar)
    assert insert.method == "POST"  # asked for on the insert itself, with version 1
    assert event["conferenceData"]["conferenceSolution"]["key"]["type"] == "hangoutsMeet"

    assert group_row(engine, world["group"]).meet_url == link
    assert _join_url(engine, world["bo"]) == ("google_meet", link)
    assert f"Join the meeting: {link}" in _reminder_text(engine, world["group"], world["bo"])


def test_a_second_sync_makes_no_new_conference(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, world: dict[str, Any]
) -> None:
    link = _series(calendar)["hangoutLink"]
    writes = len(calendar.mutating_requests())

    report = sync_groups(engine, [world["group"]], services, now=LATER)

    assert report.calendar.mutations == 0 and report.calendar.unchanged == 1
    assert len(calendar.mutating_requests()) == writes
    assert len(calendar.conferences) == 1
    assert group_row(engine, world["group"]).meet_url == link


def test_a_group_moved_to_discord_loses_its_conference_and_link(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, world: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        set_group_venue(conn, world["group"], "discord")
    assert world["group"] in groups_needing_sync(engine)

    sync_groups(engine, [world["group"]], services, now=LATER)

    event = _series(calendar)
    assert "conferenceData" not in event and "hangoutLink" not in event
    removal = _conference_writes(calendar)[-1]
    assert removal.method == "PATCH" and removal.json()["conferenceData"] is None
    assert group_row(engine, world["group"]).meet_url is None
    assert _join_url(engine, world["bo"]) == ("discord", None)


def test_a_cohort_moved_to_discord_has_its_groups_lose_their_conference(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, world: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        update_cohort(conn, world["cohort"], {"meeting_venue": "discord"}, now=LATER)
    assert groups_needing_sync(engine) == [world["group"]]

    sync_groups(engine, groups_needing_sync(engine), services, now=LATER)

    assert "hangoutLink" not in _series(calendar)
    assert group_row(engine, world["group"]).meet_url is None


def test_a_group_back_on_meet_gets_a_new_conference(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, world: dict[str, Any]
) -> None:
    first = _series(calendar)["hangoutLink"]
    for venue in ("discord", None):
        with engine.begin() as conn:
            set_group_venue(conn, world["group"], venue)
        sync_groups(engine, [world["group"]], services, now=LATER)

    again = _series(calendar)["hangoutLink"]
    assert again != first  # a new requestId: Google would ignore a repeated one
    assert group_row(engine, world["group"]).meet_url == again


def test_a_pending_conference_is_read_again_on_the_next_sync(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, world: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        set_group_venue(conn, world["group"], "discord")
    sync_groups(engine, [world["group"]], services, now=LATER)
    with engine.begin() as conn:
        set_group_venue(conn, world["group"], None)
    calendar.meet_pending = True

    pending = sync_groups(engine, [world["group"]], services, now=LATER)

    assert pending.calendar.meet_pending == {world["group"]}
    assert group_row(engine, world["group"]).meet_url is None
    assert world["group"] in groups_needing_sync(engine)  # not marked synced
    calendar.meet_pending = False
    writes = len(_conference_writes(calendar))

    done = sync_groups(engine, [world["group"]], services, now=LATER)

    assert len(_conference_writes(calendar)) == writes  # read, not asked for again
    assert done.calendar.meet_pending == set()
    assert group_row(engine, world["group"]).meet_url == _series(calendar)["hangoutLink"]


def test_google_ignores_conference_data_without_version_1(
    calendar: FakeGoogleCalendar, services: Services
) -> None:
    from roundtable.sync.calendar import EventWrite
    from roundtable.sync.meet import create_request

    body = {
        "summary": "x",
        "start": {"dateTime": "2026-03-04T18:00:00", "timeZone": "Europe/London"},
        "end": {"dateTime": "2026-03-04T19:00:00", "timeZone": "Europe/London"},
    }
    services.calendar.insert_events(
        [
            EventWrite("plainevent1", {**body, **create_request("plainevent1")}),
            EventWrite("meetevent01", {**body, **create_request("meetevent01")}, "none", 1),
        ]
    )

    assert "conferenceData" not in calendar.event("plainevent1")
    assert calendar.event("meetevent01")["hangoutLink"]
