"""Calendar invitations by e-mail (.ics through the fake SendGrid), several organisers, and
Google's quotaExceeded (the fake's invitation limit): real Postgres, real sync."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httplib2
import icalendar
import pytest
import recurring_ical_events
import vobject
from sqlalchemy import Engine, select, update

from roundtable.cohorts.catalog import update_cohort
from roundtable.cohorts.status import cohort_status
from roundtable.db.tables import (
    attendances,
    calendar_invitations,
    calendar_quota_blocks,
    group_members,
    groups,
    outbox,
)
from roundtable.errors import ConflictError, ValidationError
from roundtable.jobs import enqueue, get_job, run_job
from roundtable.notifications.delivery import SendGridEmailSender
from roundtable.people.actors import Actor
from roundtable.sync.calendar import GoogleCalendarClient, build_service
from roundtable.sync.calendars import CalendarServices, sync_rsvps_everywhere
from roundtable.sync.invitations import Organiser
from roundtable.sync.organisers import cohort_calendar_state
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, sync_groups
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.sendgrid import Delivered, FakeSendGrid
from tests.integration.sync.conftest import NAMESPACE
from tests.integration.sync.world import add_cohort, add_person, add_preview_group, meeting_rows

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADMIN = Actor(user_id=None, is_admin=True)
LONDON = ZoneInfo("Europe/London")
# Wednesdays 18:00 London from 18 March 2026: the clocks go forward on 29 March.
FIRST = datetime(2026, 3, 18, 18, 0, tzinfo=UTC)


@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    fake = FakeSendGrid().start()
    yield fake
    fake.stop()


def _client(calendar: FakeGoogleCalendar, calendar_id: str) -> GoogleCalendarClient:
    service = build_service(calendar.base_url_for_client, httplib2.Http(timeout=30))
    return GoogleCalendarClient(service, calendar_id, sleep=lambda _: None, base_delay=0.01)


@pytest.fixture
def calendars(
    services: Services, calendar: FakeGoogleCalendar, sendgrid: FakeSendGrid
) -> CalendarServices:
    """The services' calendar as "default", the fake SendGrid, two more organisers."""
    services.calendars = CalendarServices(
        default=services.calendar,
        email=SendGridEmailSender(sendgrid.api_key, sendgrid.base_url, "Roundtable <rt@rt.test>"),
        sender=Organiser("rt@rt.test", "Roundtable"),
        make_client=lambda organiser: _client(calendar, organiser),
    )
    return services.calendars


def _world(engine: Engine, guild: FakeDiscordGuild, *, ics: bool) -> dict:
    """A cohort of one group: Ada facilitates Bo and Cy, meeting 4 times across the change."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Spring 2026", meetings=4)
        if ics:
            update_cohort(conn, cohort_id, {"calendar_invitations": "ics"}, now=NOW)
        people = [add_person(conn, name) for name in ("Ada", "Bo", "Cy")]
        group_id = add_preview_group(
            conn, cohort_id, "Group 1", first=FIRST, facilitator=people[0], learners=people[1:]
        )
    for person in people:
        guild.add_member(person.discord_id)
    return {"cohort": cohort_id, "group": group_id, "people": people}


@pytest.fixture
def published(
    engine: Engine, guild: FakeDiscordGuild, services: Services, calendars: CalendarServices
) -> dict:
    """The world's cohort with .ics invitations, published: each member was invited."""
    world = _world(engine, guild, ics=True)
    publish_cohort(engine, world["cohort"], services, now=NOW)
    return world


def _ics(mail: Delivered) -> icalendar.Calendar:
    (attachment,) = mail.attachments
    assert (attachment.filename, attachment.disposition) == ("invite.ics", "attachment")
    method = icalendar.Calendar.from_ical(attachment.content)["METHOD"]
    assert attachment.content_type == f"text/calendar; method={method}"
    return icalendar.Calendar.from_ical(attachment.content)


def _event(mail: Delivered) -> icalendar.Event:
    (event,) = _ics(mail).walk("VEVENT")
    return event


def test_ics_invitations_go_once_to_each_member_and_expand_to_the_meetings_across_dst(
    engine: Engine,
    calendar: FakeGoogleCalendar,
    sendgrid: FakeSendGrid,
    services: Services,
    published: dict,
) -> None:
    world = published

    assert calendar.live_events() == []  # no Google series for an .ics cohort
    assert sorted(d.to for d in sendgrid.delivered) == [
        "ada@example.com",
        "bo@example.com",
        "cy@example.com",
    ]
    meetings = [m.starts_at for m in meeting_rows(engine, world["group"])]
    # Local 18:00 each week; the UTC instant moves an hour when London's clocks go forward.
    assert [m.astimezone(LONDON).hour for m in meetings] == [18, 18, 18, 18]
    assert [m.hour for m in meetings] == [18, 18, 17, 17]
    uids = set()
    # One request for the group: one file, a personalization per member.
    (request,) = sendgrid.accepted
    assert [p["to"][0]["email"] for p in request["personalizations"]] == [
        "ada@example.com",
        "bo@example.com",
        "cy@example.com",
    ]
    for mail in sendgrid.delivered:
        calendar_file = _ics(mail)
        event = _event(mail)
        assert calendar_file["METHOD"] == "REQUEST" and event["SEQUENCE"] == 0
        # The group's file names no member: its attendee is the group as a whole.
        assert event["ATTENDEE"] == f"mailto:group-{world['group']}@rt.test"
        assert event["ATTENDEE"].params["CUTYPE"] == "GROUP"
        assert event["ATTENDEE"].params["RSVP"] == "FALSE"
        assert b"example.com" not in mail.attachments[0].content
        assert event["URL"] == f"{NAMESPACE}/group"
        # Each member's own page in the e-mail (a substitution): the facilitator's page.
        page = (
            f"{NAMESPACE}/facilitator/groups/{world['group']}"
            if mail.to == "ada@example.com"
            else f"{NAMESPACE}/group"
        )
        assert f"in Roundtable: {page}" in mail.text and f"in Roundtable: {page}" in mail.html
        assert "%rt_" not in mail.text + mail.html + mail.subject
        uids.add(str(event["UID"]))
        expanded = recurring_ical_events.of(calendar_file).between(FIRST, FIRST + timedelta(90))
        starts = [e["DTSTART"].dt for e in expanded]
        assert [s.astimezone(UTC) for s in starts] == meetings
        assert all((s.hour, s.minute) == (18, 0) for s in starts)
        assert {e["DTEND"].dt - e["DTSTART"].dt for e in expanded} == {timedelta(minutes=60)}
        # vobject expands with a pytz zone, whose arithmetic keeps the first offset: compare
        # its wall-clock dates and times, placed in the event's zone.
        parsed = vobject.readOne(mail.attachments[0].content.decode())
        walls = [s.replace(tzinfo=LONDON) for s in parsed.vevent.getrruleset()]
        assert [w.astimezone(UTC) for w in walls] == meetings
    assert len(uids) == 1  # the group's UID

    sent = len(sendgrid.accepted)
    report = sync_groups(engine, [world["group"]], services, now=NOW)
    assert report.failures == {}
    assert len(sendgrid.accepted) == sent  # a second sync sends nothing


def test_a_moved_time_sends_an_update_with_the_next_sequence_and_the_same_uid(
    engine: Engine, sendgrid: FakeSendGrid, services: Services, published: dict
) -> None:
    world = published
    first_uids = {d.to: str(_event(d)["UID"]) for d in sendgrid.delivered}
    sendgrid.delivered.clear()
    with engine.begin() as conn:
        conn.execute(
            update(groups).where(groups.c.id == world["group"]).values(local_time=time(19, 30))
        )

    report = sync_groups(engine, [world["group"]], services, now=NOW)

    assert report.calendar.email_updates == 3 and report.failures == {}
    for mail in sendgrid.delivered:
        event = _event(mail)
        assert mail.subject.startswith("Updated invitation")
        assert (str(event["UID"]), event["SEQUENCE"]) == (first_uids[mail.to], 1)
        expanded = recurring_ical_events.of(_ics(mail)).between(FIRST, FIRST + timedelta(90))
        assert [(e["DTSTART"].dt.hour, e["DTSTART"].dt.minute) for e in expanded] == [(19, 30)] * 4
    with engine.connect() as conn:
        sequences = set(conn.scalars(select(calendar_invitations.c.sequence)))
    assert sequences == {1}


def test_a_member_who_leaves_gets_a_cancellation_and_the_others_nothing(
    engine: Engine, sendgrid: FakeSendGrid, services: Services, published: dict
) -> None:
    world = published
    uid = next(str(_event(d)["UID"]) for d in sendgrid.delivered if d.to == "cy@example.com")
    sendgrid.delivered.clear()
    cy = world["people"][2]
    with engine.begin() as conn:
        conn.execute(
            update(group_members)
            .where(group_members.c.user_id == cy.id)
            .values(status="removed", left_at=NOW)
        )

    report = sync_groups(engine, [world["group"]], services, now=NOW)

    assert report.calendar.email_cancellations == 1
    (mail,) = sendgrid.delivered
    assert mail.to == "cy@example.com" and mail.subject.startswith("Cancelled")
    event = _event(mail)
    assert _ics(mail)["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert (str(event["UID"]), event["SEQUENCE"]) == (uid, 1)
    sync_groups(engine, [world["group"]], services, now=NOW)
    assert len(sendgrid.delivered) == 1  # cancelled once


def test_the_choice_cannot_change_once_groups_are_published(
    engine: Engine, published: dict
) -> None:
    with engine.begin() as conn, pytest.raises(ConflictError, match="published groups"):
        update_cohort(conn, published["cohort"], {"calendar_invitations": "google"}, now=NOW)


def test_quota_exceeded_blocks_the_organiser_retries_later_and_the_admin_is_told(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    calendars: CalendarServices,
) -> None:
    world = _world(engine, guild, ics=False)
    calendar.invitation_limit = 2  # the group's 3 invitations pass Google's limit

    report = publish_cohort(engine, world["cohort"], services, now=NOW)

    assert "quotaExceeded" in report["failures"][str(world["group"])]
    with engine.connect() as conn:
        (block,) = conn.execute(select(calendar_quota_blocks)).all()
        shown = cohort_status(conn, ADMIN, world["cohort"]).calendar
        as_of_now = cohort_calendar_state(conn, world["cohort"], NOW)
    assert (block.organiser, block.retry_at) == ("default", NOW + timedelta(hours=1))
    assert shown is not None and shown.invitations == "google"
    assert shown.organisers[0].problem == as_of_now.organisers[0].problem
    (organiser,) = as_of_now.organisers
    assert (organiser.organiser, organiser.groups, organiser.blocked) == ("default", 1, True)
    assert organiser.problem is not None and "quotaExceeded" in organiser.problem

    # Before the retry time no write is tried: the group waits, Google is left alone.
    writes = len(calendar.mutating_requests())
    later = sync_groups(engine, [world["group"]], services, now=NOW + timedelta(minutes=30))
    assert "waiting for Google's quota" in later.failures[world["group"]]
    assert len(calendar.mutating_requests()) == writes

    calendar.lift_quota()
    calendar.invitation_limit = 100
    retried = sync_groups(engine, [world["group"]], services, now=NOW + timedelta(hours=2))
    assert retried.failures == {} and retried.calendar.created == 1
    with engine.connect() as conn:
        assert conn.execute(select(calendar_quota_blocks)).all() == []
        shown = cohort_status(conn, ADMIN, world["cohort"]).calendar
    assert shown is not None and [o.problem for o in shown.organisers] == [None]


def test_a_second_hit_doubles_the_wait(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    calendars: CalendarServices,
) -> None:
    world = _world(engine, guild, ics=False)
    calendar.invitation_limit = 0
    publish_cohort(engine, world["cohort"], services, now=NOW)
    again = NOW + timedelta(hours=1, minutes=1)
    sync_groups(engine, [world["group"]], services, now=again)
    with engine.connect() as conn:
        block = conn.execute(select(calendar_quota_blocks)).one()
    assert (block.hits, block.retry_at) == (2, again + timedelta(hours=2))


def test_groups_are_shared_out_across_organisers_and_keep_theirs(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    calendars: CalendarServices,
) -> None:
    calendars.organisers = ("one@org.test", "two@org.test")
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Spring 2026", meetings=4)
        people = [add_person(conn, name) for name in ("Ada", "Bo", "Cy", "Di")]
        first = add_preview_group(conn, cohort_id, "Group 1", learners=people[:2])
        second = add_preview_group(conn, cohort_id, "Group 2", learners=people[2:])
    for person in people:
        guild.add_member(person.discord_id)

    publish_cohort(engine, cohort_id, services, now=NOW)

    assert len(calendar.live_events("one@org.test")) == 1
    assert len(calendar.live_events("two@org.test")) == 1
    with engine.connect() as conn:
        held = {r.id: r.calendar_organiser for r in conn.execute(select(groups))}
    assert held == {first: "one@org.test", second: "two@org.test"}

    calendars.organisers = ("two@org.test",)  # a group keeps its organiser
    report = sync_groups(engine, [first, second], services, now=NOW)
    assert report.failures == {} and report.calendar.mutations == 0

    # Answers come back from each organiser's own calendar.
    (event,) = calendar.live_events("two@org.test")
    calendar.respond(event["id"], "cy@example.com", "declined", calendar="two@org.test")
    rsvps = sync_rsvps_everywhere(engine, calendars, now=NOW)
    assert rsvps.failures == {} and rsvps.groups_synced == 2
    with engine.connect() as conn:
        answers = conn.execute(select(attendances.c.user_id, attendances.c.rsvp)).all()
    assert {(user, str(rsvp)) for user, rsvp in answers} == {(people[2].id, "not_attending")}


def test_the_cli_chooses_ics_and_the_local_stack_records_the_e_mails_in_the_outbox(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from roundtable_edge.cli import main

    for name in (
        "DISCORD_BOT_TOKEN",
        "DISCORD_GUILD_ID",
        "GOOGLE_SERVICE_ACCOUNT_JSON",
        "GOOGLE_CALENDAR_BASE",
        "SENDGRID_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ROUNDTABLE_STAGE", "local")  # e-mail without a key: the outbox
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Cli", meetings=2)
        person = add_person(conn, "Ada")
        add_preview_group(conn, cohort_id, "Group 1", first=FIRST, learners=[person])

    assert main(["sync", "calendar-invitations", str(cohort_id), "ics"]) == 0
    assert main(["sync", "publish", str(cohort_id)]) == 0
    capsys.readouterr()

    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.service, outbox.c.request)).all()
    assert "google_calendar" not in {service for service, _ in rows}
    (mail,) = [request for service, request in rows if service == "sendgrid"]
    assert mail["to"]["email"] == "ada@example.com"
    (attachment,) = mail["attachments"]
    assert (attachment["filename"], attachment["type"]) == (
        "invite.ics",
        "text/calendar; method=REQUEST",
    )
    parsed = icalendar.Calendar.from_ical(base64.b64decode(attachment["content"]))
    assert len(recurring_ical_events.of(parsed).between(FIRST, FIRST + timedelta(30))) == 2


def test_a_publish_job_that_meets_google_s_quota_is_queued_again_not_failed(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar
) -> None:
    world = _world(engine, guild, ics=False)
    calendar.invitation_limit = 1
    with engine.begin() as conn:
        job_id = enqueue(conn, "publish_cohort", {"cohort_id": world["cohort"]})

    run_job(engine, job_id)

    with engine.connect() as conn:
        job = get_job(conn, job_id)
        blocks = conn.execute(select(calendar_quota_blocks.c.organiser)).scalars().all()
    assert job is not None and job["status"] == "queued"  # retried with backoff
    assert "quotaExceeded" in job["error"]
    assert blocks == ["default"]


def test_only_known_choices(engine: Engine) -> None:
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Choices", meetings=2)
    with engine.begin() as conn, pytest.raises(ValidationError, match="google, ics"):
        update_cohort(conn, cohort_id, {"calendar_invitations": "outlook"}, now=NOW)


def test_a_cancelled_group_sends_every_member_a_cancellation_once(
    engine: Engine, sendgrid: FakeSendGrid, services: Services, published: dict
) -> None:
    sendgrid.delivered.clear()
    with engine.begin() as conn:
        conn.execute(
            update(groups)
            .where(groups.c.id == published["group"])
            .values(status="cancelled", completed_at=NOW)
        )

    report = sync_groups(engine, [published["group"]], services, now=NOW)
    sync_groups(engine, [published["group"]], services, now=NOW)

    assert report.failures == {} and report.calendar.email_cancellations == 3
    assert len(sendgrid.accepted) == 2  # the invitation, then one cancellation for all
    assert sorted(d.to for d in sendgrid.delivered) == [
        "ada@example.com",
        "bo@example.com",
        "cy@example.com",
    ]
    assert {_ics(d)["METHOD"] for d in sendgrid.delivered} == {"CANCEL"}
    assert {_event(d)["SEQUENCE"] for d in sendgrid.delivered} == {1}
