""".ics invitations sent group by group: one SendGrid request carries the group's file to
every member owed it (the fake SendGrid holds each request to SendGrid's v3 contract:
at most 1,000 personalizations, each address once, substitutions as strings; it
expands each recipient's mail with substitutions in subject and content only, never
in attachments, as SendGrid does). Real Postgres, real sync."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast

import icalendar
import pytest
import recurring_ical_events
from sqlalchemy import Engine, select, update

from roundtable.cohorts.catalog import update_cohort
from roundtable.db.tables import calendar_invitations, group_members, groups
from roundtable.notifications.delivery import SendGridEmailSender
from roundtable.sync.calendars import CalendarServices
from roundtable.sync.invitations import Organiser, group_uid, invitation_uid
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, sync_groups
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.fakes.sendgrid import Delivered, FakeSendGrid
from tests.integration.sync.conftest import NAMESPACE
from tests.integration.sync.world import Person, add_cohort, add_person, add_preview_group, join

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 18, 18, 0, tzinfo=UTC)
World = dict[str, Any]


@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    fake = FakeSendGrid()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def calendars(services: Services, sendgrid: FakeSendGrid) -> CalendarServices:
    services.calendars = CalendarServices(
        default=services.calendar,
        email=SendGridEmailSender(sendgrid.api_key, sendgrid.base_url, "Roundtable <rt@rt.test>"),
        sender=Organiser("rt@rt.test", "Roundtable"),
    )
    return services.calendars


@pytest.fixture
def cohort(engine: Engine, guild: FakeDiscordGuild, calendars: CalendarServices) -> World:
    """An .ics cohort of three groups: 4, 3 and 2 members (a facilitator in the first)."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Summer", meetings=4)
        update_cohort(conn, cohort_id, {"calendar_invitations": "ics"}, now=NOW)
        people = [add_person(conn, f"P{k}") for k in range(10)]
        ids = [
            add_preview_group(conn, cohort_id, "Group 1", first=FIRST, facilitator=people[0],
                              learners=people[1:4]),
            add_preview_group(conn, cohort_id, "Group 2", first=FIRST, learners=people[4:7]),
            add_preview_group(conn, cohort_id, "Group 3", first=FIRST, learners=people[7:9]),
        ]  # fmt: skip
    for person in people:
        assert person.discord_id is not None
        guild.add_member(person.discord_id)
    return {"id": cohort_id, "groups": ids, "people": people}


def _event(mail: Delivered) -> icalendar.Event:
    (attachment,) = mail.attachments
    (event,) = icalendar.Calendar.from_ical(attachment.content).walk("VEVENT")
    return cast(icalendar.Event, event)


def _by_request(sendgrid: FakeSendGrid) -> list[list[str]]:
    return [[p["to"][0]["email"] for p in body["personalizations"]] for body in sendgrid.accepted]


def test_publishing_sends_one_request_per_group_and_a_second_run_none(
    engine: Engine, sendgrid: FakeSendGrid, services: Services, cohort: World
) -> None:
    publish_cohort(engine, cohort["id"], services, now=NOW)

    assert [len(r) for r in _by_request(sendgrid)] == [4, 3, 2]  # 9 members, 3 requests
    for body, group_id in zip(sendgrid.accepted, cohort["groups"], strict=True):
        (attachment,) = body["attachments"]  # one file for the whole request
        assert attachment["type"] == "text/calendar; method=REQUEST"
        assert all(set(p["substitutions"]) == {"%rt_invitation_page%",
                                               "%rt_invitation_page_html%"}
                   for p in body["personalizations"])  # fmt: skip
        uids = {str(_event(d)["UID"]) for d in sendgrid.delivered if d.message_id}
        assert group_uid(NAMESPACE, group_id) in uids
    with engine.connect() as conn:
        rows = conn.execute(select(calendar_invitations)).all()
    assert len(rows) == 9 and {r.sequence for r in rows} == {0}

    sent = len(sendgrid.accepted)
    assert sync_groups(engine, cohort["groups"], services, now=NOW).failures == {}
    assert len(sendgrid.accepted) == sent


def test_a_newcomer_gets_the_group_s_file_and_an_update_reaches_everyone_in_one_request(
    engine: Engine, sendgrid: FakeSendGrid, services: Services, cohort: World
) -> None:
    publish_cohort(engine, cohort["id"], services, now=NOW)
    group_id = cohort["groups"][2]
    newcomer = cohort["people"][9]
    with engine.begin() as conn:
        join(conn, newcomer, group_id, cohort["id"])
    sendgrid.accepted.clear()
    sendgrid.delivered.clear()

    sync_groups(engine, [group_id], services, now=NOW)
    (mail,) = sendgrid.delivered
    event = _event(mail)
    assert mail.to == newcomer.email
    assert (str(event["UID"]), event["SEQUENCE"]) == (group_uid(NAMESPACE, group_id), 0)

    sendgrid.accepted.clear()
    sendgrid.delivered.clear()
    with engine.begin() as conn:
        conn.execute(update(groups).where(groups.c.id == group_id).values(local_time=time(20)))
    report = sync_groups(engine, [group_id], services, now=NOW)

    assert report.calendar.email_updates == 3 and len(sendgrid.accepted) == 1
    assert sorted(d.to for d in sendgrid.delivered) == sorted(
        p.email or "" for p in [*cohort["people"][7:9], newcomer]
    )
    for mail in sendgrid.delivered:
        event = _event(mail)
        assert (str(event["UID"]), event["SEQUENCE"]) == (group_uid(NAMESPACE, group_id), 1)
        assert mail.subject.startswith("Updated invitation")
        calendar_file = icalendar.Calendar.from_ical(mail.attachments[0].content)
        expanded = recurring_ical_events.of(calendar_file).between(FIRST, FIRST + timedelta(60))
        assert {e["DTSTART"].dt.hour for e in expanded} == {20}


def test_a_leaver_is_cancelled_alone_and_on_coming_back_gets_a_file_of_their_own(
    engine: Engine, sendgrid: FakeSendGrid, services: Services, cohort: World
) -> None:
    publish_cohort(engine, cohort["id"], services, now=NOW)
    group_id = cohort["groups"][1]
    leaver: Person = cohort["people"][4]
    shared = group_uid(NAMESPACE, group_id)

    def set_status(status: str) -> None:
        with engine.begin() as conn:
            conn.execute(
                update(group_members)
                .where(group_members.c.user_id == leaver.id)
                .values(status=status, left_at=NOW if status == "removed" else None)
            )

    sendgrid.delivered.clear()
    set_status("removed")
    sync_groups(engine, [group_id], services, now=NOW)
    (cancelled,) = sendgrid.delivered
    assert (cancelled.to, str(_event(cancelled)["UID"])) == (leaver.email, shared)
    assert _event(cancelled)["SEQUENCE"] == 1 and _event(cancelled)["STATUS"] == "CANCELLED"

    sendgrid.delivered.clear()
    set_status("active")
    sync_groups(engine, [group_id], services, now=NOW)
    (back,) = sendgrid.delivered
    event = _event(back)
    assert back.to == leaver.email and str(event["UID"]) not in (shared, "")
    assert event["ATTENDEE"] == f"mailto:{leaver.email}"  # their own file
    assert event["SEQUENCE"] == 0

    sendgrid.delivered.clear()
    assert sync_groups(engine, [group_id], services, now=NOW).failures == {}
    assert sendgrid.delivered == []


def test_invitations_of_a_member_s_own_from_before_are_updated_one_by_one(
    engine: Engine, sendgrid: FakeSendGrid, services: Services, cohort: World
) -> None:
    publish_cohort(engine, cohort["id"], services, now=NOW)
    group_id = cohort["groups"][2]
    members = cohort["people"][7:9]
    with engine.begin() as conn:  # as sent before invitations were group-wide
        for person in members:
            conn.execute(
                update(calendar_invitations)
                .where(calendar_invitations.c.user_id == person.id)
                .values(uid=invitation_uid(NAMESPACE, group_id, person.id), fingerprint="old")
            )
    sendgrid.accepted.clear()
    sendgrid.delivered.clear()

    report = sync_groups(engine, [group_id], services, now=NOW)

    assert report.calendar.email_updates == 2 and len(sendgrid.accepted) == 2
    for mail in sendgrid.delivered:
        event = _event(mail)
        person = next(p for p in members if p.email == mail.to)
        assert str(event["UID"]) == invitation_uid(NAMESPACE, group_id, person.id)
        assert event["SEQUENCE"] == 1 and event["ATTENDEE"] == f"mailto:{mail.to}"
