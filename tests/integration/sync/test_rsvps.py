from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text

from roundtable.db.tables import attendances
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services
from roundtable.sync.rsvps import sync_all_rsvps, sync_group_rsvps
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar, server_error
from tests.integration.sync.world import (
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    meeting_rows,
)

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def published(engine: Engine, guild: FakeDiscordGuild, services: Services) -> dict:
    """Two published groups; Ada's stored email is mixed case."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Spring", meetings=3)
        ada = add_person(conn, "Ada", email="Ada.Lovelace@Example.COM")
        bo, cy = add_person(conn, "Bo"), add_person(conn, "Cy")
        first = add_preview_group(conn, cohort_id, "Group 1", learners=[ada, bo])
        second = add_preview_group(conn, cohort_id, "Group 2", learners=[cy])
    for person in (ada, bo, cy):
        guild.add_member(person.discord_id)
    publish_cohort(engine, cohort_id, services, now=NOW)
    return {"groups": [first, second], "people": {"ada": ada, "bo": bo, "cy": cy}}


def _answers(engine: Engine) -> dict[tuple[int, int], str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(attendances.c.meeting_id, attendances.c.user_id, attendances.c.rsvp)
        )
        return {(r.meeting_id, r.user_id): r.rsvp for r in rows}


def test_answers_from_mixed_case_emails_reach_the_database(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    group = group_row(engine, published["groups"][0])
    ada, bo = published["people"]["ada"], published["people"]["bo"]
    meetings = meeting_rows(engine, group.id)
    calendar.respond(group.gcal_event_id, "ADA.lovelace@example.com", "accepted")
    calendar.respond(
        group.gcal_event_id, "bo@example.com", "declined", occurrence=meetings[1].starts_at
    )

    report = sync_all_rsvps(engine, services.calendar, now=NOW)

    answers = _answers(engine)
    assert [answers[(m.id, ada.id)] for m in meetings] == ["attending"] * 3
    assert answers[(meetings[1].id, bo.id)] == "not_attending"
    assert (meetings[0].id, bo.id) not in answers  # no answer, no row
    assert report.changes == 4 and report.failures == {}


def test_a_quiet_second_sweep_is_one_incremental_call_that_changes_nothing(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    group = group_row(engine, published["groups"][0])
    calendar.respond(group.gcal_event_id, "bo@example.com", "tentative")
    sync_all_rsvps(engine, services.calendar, now=NOW)
    calendar.clear_log()

    report = sync_all_rsvps(engine, services.calendar, now=NOW)

    calls = calendar.api_calls()
    assert len(calls) == 1 and calls[0].query.get("syncToken")
    assert report.changes == 0 and report.groups_synced == 2


def test_only_changes_since_the_last_sweep_are_read_and_recorded(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    first, second = (group_row(engine, g) for g in published["groups"])
    sync_all_rsvps(engine, services.calendar, now=NOW)
    calendar.respond(second.gcal_event_id, "cy@example.com", "accepted")
    calendar.clear_log()

    report = sync_all_rsvps(engine, services.calendar, now=NOW)

    assert report.changes == 3 and report.full_reads == 0
    assert len(calendar.api_calls()) == 1
    assert set(_answers(engine).values()) == {"attending"}


def test_an_expired_sync_token_falls_back_to_a_full_read(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    group = group_row(engine, published["groups"][0])
    sync_all_rsvps(engine, services.calendar, now=NOW)
    calendar.expire_sync_tokens()
    calendar.respond(group.gcal_event_id, "bo@example.com", "accepted")
    calendar.clear_log()

    report = sync_all_rsvps(engine, services.calendar, now=NOW)

    assert report.changes == 3 and report.failures == {}
    listings = [r.query for r in calendar.api_calls()]
    assert [("syncToken" in q, "timeMin" in q) for q in listings] == [(True, False), (False, True)]
    assert group_row(engine, group.id).gcal_sync_token not in (None, "")


def test_one_groups_failure_never_stops_the_others(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    first, second = (group_row(engine, g) for g in published["groups"])
    sync_all_rsvps(engine, services.calendar, now=NOW)
    with engine.begin() as conn:  # the first group must be read in full this time
        conn.execute(
            text("UPDATE groups SET gcal_sync_token = NULL WHERE id = :g"), {"g": first.id}
        )
    calendar.respond(second.gcal_event_id, "cy@example.com", "declined")
    instances = rf"/calendar/v3/calendars/primary/events/{first.gcal_event_id}/instances"
    calendar.fail_next("GET", instances, server_error(500), times=10)

    report = sync_all_rsvps(engine, services.calendar, now=NOW)

    assert list(report.failures) == [first.id] and "500" in report.failures[first.id]
    assert report.groups_synced == 1 and report.changes == 3
    assert group_row(engine, first.id).gcal_sync_token is None  # read in full next time


def test_an_older_calendar_answer_does_not_overwrite_a_newer_answer_from_discord(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    group = group_row(engine, published["groups"][1])
    cy, meeting = published["people"]["cy"], meeting_rows(engine, group.id)[0]
    calendar.respond(group.gcal_event_id, "cy@example.com", "accepted")
    with engine.begin() as conn:
        conn.execute(
            attendances.insert().values(
                meeting_id=meeting.id,
                user_id=cy.id,
                rsvp="not_attending",
                rsvp_at=datetime.now(UTC) + timedelta(hours=1),
                rsvp_source="discord",
            )
        )

    sync_all_rsvps(engine, services.calendar, now=NOW)

    assert _answers(engine)[(meeting.id, cy.id)] == "not_attending"


def test_syncing_one_group_on_demand_reads_its_series_in_full(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    group = group_row(engine, published["groups"][1])
    calendar.respond(group.gcal_event_id, "CY@example.com", "tentative")
    calendar.clear_log()

    report = sync_group_rsvps(engine, services.calendar, group.id, now=NOW)

    assert report.changes == 3 and set(_answers(engine).values()) == {"tentative"}
    assert [r.path.rsplit("/", 1)[-1] for r in calendar.api_calls()] == ["instances"]
