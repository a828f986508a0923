"""Cancelled groups leave Discord and the calendar cleanly (real Postgres, fakes over HTTP).

Two ways a published group is cancelled: a regroup dissolves it, or an admin
cancels its cohort. Either way, after the queued `sync_group` jobs: its role is
deleted (so the people who were in it hold it no more), its channels are in the
cohort's archive category, readable by those people and closed to new messages,
its calendar series ends after the last meeting held (or is deleted when none
was), nothing is reminded for its meetings, and a second sync changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update

from roundtable.cohorts.catalog import update_cohort
from roundtable.config import reset_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import (
    attendances,
    group_members,
    guest_visits,
    jobs,
    notification_attempts,
    notifications,
    outbox,
    users,
)
from roundtable.groups.cancellation import cancel_groups
from roundtable.groups.regroup import apply_regroup, request_regroup_proposal
from roundtable.jobs import run_job
from roundtable.notifications import default_providers, sweep
from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.due import queue_due
from roundtable.people.actors import Actor
from roundtable.sync.desired import ARCHIVE_READ, SEND_MESSAGES
from roundtable.sync.lifecycle import complete_finished_groups
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, default_services, sync_groups
from tests import builders
from tests.fakes.discord_guild import CATEGORY, FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.sendgrid import start_fake_sendgrid
from tests.integration.scheduling import world as scheduling
from tests.integration.sync.world import (
    FIRST_MEETING,
    Person,
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    meeting_rows,
)

ADMIN = Actor(user_id=None, is_admin=True, door="web")
EVENING = [("18:00", "19:00")]


# -- shared checks ------------------------------------------------------------------------
def _queued(engine: Engine, kind: str, after_id: int = 0) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(jobs.c.id, jobs.c.payload)
            .where(jobs.c.kind == kind, jobs.c.id > after_id)
            .order_by(jobs.c.id)
        ).all()
    return [{"id": row.id, **row.payload} for row in rows]


def _last_job_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(jobs.c.id).order_by(jobs.c.id.desc()).limit(1)) or 0)


def _run_all(engine: Engine, queued: list[dict[str, Any]]) -> None:
    for job in queued:
        outcome = run_job(engine, job["id"])
        assert outcome is not None and outcome["status"] == "succeeded", outcome


def _assert_archived_for(
    guild: FakeDiscordGuild, row: Any, cohort_name: str, readers: list[Person]
) -> None:
    """Channels kept in the archive category, read-only for `readers`; no role any more."""
    assert row.status == "cancelled" and row.discord_role_id is None
    assert row.archived_at is not None
    text = guild.channels[row.discord_text_channel_id]
    voice = guild.channels[row.discord_voice_channel_id]
    archive = guild.channels[text["parent_id"]]
    assert (archive["type"], archive["name"]) == (CATEGORY, f"{cohort_name} (archive)")
    assert voice["parent_id"] == archive["id"]
    members = {
        (o["id"], o["allow"], o["deny"]) for o in text["permission_overwrites"] if o["type"] == 1
    }
    for person in readers:
        assert (person.discord_id, str(ARCHIVE_READ), str(SEND_MESSAGES)) in members


def _assert_second_sync_changes_nothing(
    engine: Engine,
    services: Services,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    group_ids: list[int],
    now: datetime,
) -> None:
    guild.clear_log()
    calendar.clear_log()
    report = sync_groups(engine, group_ids, services, now=now)
    assert report.failures == {}
    assert guild.mutating_requests() == []
    assert calendar.mutating_requests() == []
    # Nothing is left for the hourly sweep either.
    swept = complete_finished_groups(engine, services, now=now)
    assert swept["groups_archived"] == [] and guild.mutating_requests() == []


def _link(engine: Engine, guild: FakeDiscordGuild, name: str, user_id: int) -> Person:
    """Give a scheduling-world person a Discord account in the guild and an email."""
    person = Person(user_id, str(500_000_000_000_000_000 + user_id), f"{name.lower()}@example.com")
    with transaction(engine) as conn:
        conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(discord_id=person.discord_id, email=person.email)
        )
    guild.add_member(person.discord_id)
    return person


# -- a regroup dissolves a group -------------------------------------------------------------
# Weekly from Tuesday 2 March 2027; published in February; regrouped on Saturday 20
# March, after three meetings of Group 1 (2, 9 and 16 March). Group 1 is its
# facilitator and Ana only, below the minimum of 4; Ana can make Group 3
# (Wednesdays 18:00 Lisbon time) on every remaining date: she moves, Group 1 is dissolved.
PUBLISHED_AT = datetime(2027, 2, 20, 12, 0, tzinfo=UTC)
REGROUPED_AT = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
FIRST_TUESDAY = datetime(2027, 3, 2, 18, 0, tzinfo=UTC)


@pytest.fixture
def regrouped(engine: Engine, guild: FakeDiscordGuild, services: Services) -> dict[str, Any]:
    people: dict[str, Person] = {}
    with transaction(engine) as conn:
        cohort = scheduling.add_cohort(
            conn, "Running Spring", start_date=FIRST_TUESDAY.date(), min_group_size=4,
            max_group_size=6,
        )  # fmt: skip
        ids = {
            "Ana": scheduling.add_person(
                conn, cohort, "Europe/Lisbon", {"Wednesday": EVENING}, name="Ana"
            ),
            "Fay": scheduling.add_person(
                conn, cohort, "UTC", {"Tuesday": [("00:00", "24:00")]}, role="facilitator",
                name="Fay",
            ),
            "Flo": scheduling.add_person(
                conn, cohort, "UTC", {"Wednesday": [("00:00", "24:00")]}, role="facilitator",
                name="Flo",
            ),
            **{
                f"Cy{k}": scheduling.add_person(
                    conn, cohort, "Europe/Lisbon", {"Wednesday": EVENING}, name=f"Cy{k}"
                )
                for k in range(3)
            },
        }  # fmt: skip
        g1 = scheduling.add_group(
            conn, cohort, "Group 1", weekday=1, at=time(18), first_meeting_at=FIRST_TUESDAY,
            members=[(ids["Fay"], "facilitator"), (ids["Ana"], "learner")], status="preview",
        )  # fmt: skip
        g3 = scheduling.add_group(
            conn, cohort, "Group 3", weekday=2, at=time(18), anchor="Europe/Lisbon",
            first_meeting_at=datetime(2027, 3, 3, 18, 0, tzinfo=UTC),
            members=[(ids["Flo"], "facilitator")]
            + [(ids[f"Cy{k}"], "learner") for k in range(3)],
            status="preview",
        )  # fmt: skip
    for name, user_id in ids.items():
        people[name] = _link(engine, guild, name, user_id)
    published = publish_cohort(engine, cohort, services, now=PUBLISHED_AT)
    assert published["failures"] == {}
    return {"cohort": cohort, "g1": g1, "g3": g3, "people": people}


def test_a_dissolved_group_is_archived_its_role_deleted_and_its_series_ended(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    regrouped: dict[str, Any],
) -> None:
    g1, g3, people = regrouped["g1"], regrouped["g3"], regrouped["people"]
    ana, fay = people["Ana"], people["Fay"]
    before = group_row(engine, g1)
    new_role = group_row(engine, g3).discord_role_id
    assert ana.discord_id in guild.holders(before.discord_role_id)
    with transaction(engine) as conn:
        proposal = request_regroup_proposal(conn, ADMIN, regrouped["cohort"], REGROUPED_AT)
    assert (run_job(engine, proposal.job_id) or {}).get("status") == "succeeded"
    mark = _last_job_id(engine)

    with transaction(engine) as conn:
        applied = apply_regroup(conn, ADMIN, proposal.job_id, REGROUPED_AT)

    assert applied.dissolved_group_ids == [g1]
    queued = _queued(engine, "sync_group", mark)
    assert sorted(job["group_id"] for job in queued) == sorted([g1, g3])
    calendar.sent.clear()
    _run_all(engine, queued)

    after = group_row(engine, g1)
    # Discord: the old role is gone (Ana and Fay lose it), Ana holds only Group 3's, which
    # also opens the cohort's channel to her (no cohort role where groups have roles).
    assert before.discord_role_id not in guild.roles
    assert not [r for r in guild.roles.values() if r["name"].endswith("(cohort)")]
    assert guild.members[ana.discord_id]["roles"] == [new_role]
    assert guild.members[fay.discord_id]["roles"] == []
    _assert_archived_for(guild, after, "Running Spring", [ana, fay])
    # Calendar: three meetings were held (2, 9, 16 March); the series ends with the third,
    # kept with its attendees; everyone is told the rest is off.
    event = calendar.event(before.gcal_event_id)
    assert event["status"] == "confirmed"
    assert event["recurrence"] == ["RRULE:FREQ=WEEKLY;UNTIL=20270316T180000Z"]
    starts = [i["start"]["dateTime"] for i in calendar.instances(before.gcal_event_id)]
    assert len(starts) == 3 and starts[-1].startswith("2027-03-16T18:00")
    told = {(s["email"], s["kind"]) for s in calendar.sent if s["event"] == before.gcal_event_id}
    assert told == {(ana.email, "update"), (fay.email, "update")}
    # Meetings rows: the held ones are history, nothing is reminded for the rest.
    assert len(meeting_rows(engine, g1)) == 8
    next_meeting = datetime(2027, 3, 23, 18, 0, tzinfo=UTC)
    with transaction(engine) as conn:
        queue_due(conn, next_meeting - timedelta(minutes=30), load_catalogue())
        about = conn.execute(
            select(notifications.c.payload["group_id"].as_integer()).where(
                notifications.c.reference_type == "meeting"
            )
        ).scalars()
        assert g1 not in set(about)
    # The jobs ran at the wall clock; at REGROUPED_AT Group 3's first meetings are over,
    # so its scheduled events move on to the next ones first (test_meeting_events.py).
    sync_groups(engine, [g3], services, now=REGROUPED_AT)
    _assert_second_sync_changes_nothing(engine, services, guild, calendar, [g1, g3], REGROUPED_AT)


# -- a cohort cancelled by hand ------------------------------------------------------------
# Group A meets Wednesdays from 4 March 2026, Group B Thursdays from 12 March; the
# admin cancels the cohort on Tuesday 10 March at 19:00, when Group A has met once
# and its second meeting's 24-hour reminder was already queued.
CANCELLED_AT = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)


@pytest.fixture
def running(engine: Engine, guild: FakeDiscordGuild, services: Services) -> dict[str, Any]:
    with engine.begin() as conn:
        cohort = add_cohort(conn, "Autumn", meetings=4)
        ada, bo, cy, dee, eve = (add_person(conn, n) for n in ("Ada", "Bo", "Cy", "Dee", "Eve"))
        first = add_preview_group(conn, cohort, "Group A", facilitator=ada, learners=[bo, cy])
        second = add_preview_group(
            conn, cohort, "Group B", weekday=3, first=FIRST_MEETING + timedelta(days=8),
            facilitator=dee, learners=[eve],
        )  # fmt: skip
    for person in (ada, bo, cy, dee, eve):
        guild.add_member(person.discord_id)
    assert (
        publish_cohort(engine, cohort, services, now=FIRST_MEETING - timedelta(days=7))["failures"]
        == {}
    )
    with engine.begin() as conn:  # scheduled again for late joiners: a preview waits
        late = add_preview_group(conn, cohort, "Group C", learners=[add_person(conn, "Fen")])
    return {
        "cohort": cohort,
        "a": first,
        "b": second,
        "c": late,
        "a_people": [ada, bo, cy],
        "b_people": [dee, eve],
    }


def test_a_cohort_cancelled_by_hand_cancels_and_cleans_up_every_group(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    running: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = group_row(engine, running["a"]), group_row(engine, running["b"])
    sendgrid = start_fake_sendgrid(monkeypatch)
    reset_settings()  # read again, with SendGrid pointed at the fake
    try:
        providers = default_providers(engine)
        second_meeting = meeting_rows(engine, running["a"])[1]
        with transaction(engine) as conn:  # the 24-hour reminders of A's second meeting
            queued_before = queue_due(conn, CANCELLED_AT - timedelta(hours=1), load_catalogue())
        assert queued_before["meeting_reminder_24h"] > 0
        mark = _last_job_id(engine)

        with transaction(engine) as conn:
            update_cohort(conn, running["cohort"], {"status": "cancelled"}, now=CANCELLED_AT)

        syncs = _queued(engine, "sync_group", mark)
        told = _queued(engine, "send_notification", mark)
        assert sorted(job["group_id"] for job in syncs) == sorted([a.id, b.id])  # not C's
        assert sorted((j["kind"], j["group_id"]) for j in told) == [
            ("group_cancelled", a.id),
            ("group_cancelled", b.id),
        ]
        preview = group_row(engine, running["c"])
        assert (preview.status, preview.archived_at) == ("cancelled", CANCELLED_AT)
        calendar.sent.clear()
        _run_all(engine, syncs + told)

        # The queued reminder is skipped at send time; none is queued any more.
        sweep(engine, CANCELLED_AT + timedelta(minutes=5), providers=providers)
        with engine.connect() as conn:
            reminders = conn.execute(
                select(notifications.c.status, notification_attempts.c.error)
                .join(
                    notification_attempts,
                    notification_attempts.c.notification_id == notifications.c.id,
                )
                .where(
                    notifications.c.reference_type == "meeting",
                    notifications.c.reference_id == second_meeting.id,
                )
            ).all()
        assert reminders and {r.status for r in reminders} == {"skipped"}
        # Personal ones: their membership ended; the channel's post: the group is over.
        assert {r.error for r in reminders} == {
            "no longer a member of the group",
            "the group is cancelled, not active",
        }
        subjects = [e.subject for e in sendgrid.delivered_to("bo@example.com")]
        assert subjects == ["Group A has been cancelled"]  # and no reminder
        with transaction(engine) as conn:
            later = queue_due(conn, second_meeting.starts_at - timedelta(minutes=30),
                              load_catalogue())  # fmt: skip
        assert sum(later.values()) == 0
    finally:
        sendgrid.stop()

    # Everyone who was in a group was told, once, that it was cancelled.
    with engine.connect() as conn:
        cancelled_news = conn.execute(
            select(notifications.c.recipient).where(
                notifications.c.kind == "group_cancelled", notifications.c.channel == "email"
            )
        ).scalars()
        assert sorted(cancelled_news) == sorted(
            str(p.id) for p in running["a_people"] + running["b_people"]
        )
        still_active = conn.scalar(
            select(group_members.c.id).where(
                group_members.c.cohort_id == running["cohort"], group_members.c.status == "active"
            )
        )
    assert still_active is None
    # Discord: both roles deleted, both groups archived for their people.
    assert a.discord_role_id not in guild.roles and b.discord_role_id not in guild.roles
    _assert_archived_for(guild, group_row(engine, a.id), "Autumn", running["a_people"])
    _assert_archived_for(guild, group_row(engine, b.id), "Autumn", running["b_people"])
    # Calendar: A met once, so its series ends with that meeting; B never met: deleted,
    # and Google sends its people a cancellation.
    assert calendar.event(a.gcal_event_id)["recurrence"] == [
        "RRULE:FREQ=WEEKLY;UNTIL=20260304T180000Z"
    ]
    assert len(calendar.instances(a.gcal_event_id)) == 1
    assert calendar.event(b.gcal_event_id)["status"] == "cancelled"
    cancellations = {s["email"] for s in calendar.sent if s["kind"] == "cancellation"}
    assert cancellations == {p.email for p in running["b_people"]}
    _assert_second_sync_changes_nothing(
        engine, services, guild, calendar, [a.id, b.id, running["c"]], CANCELLED_AT
    )


def test_a_failed_clean_up_is_retried_by_the_hourly_sweep(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    running: dict[str, Any],
) -> None:
    a = group_row(engine, running["a"])
    with transaction(engine) as conn:
        update_cohort(conn, running["cohort"], {"status": "cancelled"}, now=CANCELLED_AT)
    calendar.fail_next("PATCH", r".*/events/.*", _forbidden(), times=1)

    first = sync_groups(engine, [a.id], services, now=CANCELLED_AT)

    assert set(first.failures) == {a.id} and group_row(engine, a.id).archived_at is None
    swept = complete_finished_groups(engine, services, now=CANCELLED_AT + timedelta(hours=1))
    assert running["a"] in swept["groups_archived"] and swept["failures"] == {}
    assert group_row(engine, a.id).archived_at is not None
    assert calendar.event(a.gcal_event_id)["recurrence"] == [
        "RRULE:FREQ=WEEKLY;UNTIL=20260304T180000Z"
    ]


def _forbidden() -> Any:
    from tests.fakes.google_calendar import google_error

    return google_error(403, "forbidden", "The caller does not have permission")


def test_a_guest_booked_into_a_cancelled_group_loses_access_and_invitation(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    running: dict[str, Any],
) -> None:
    bo = running["a_people"][1]
    own, host = meeting_rows(engine, running["a"])[1], meeting_rows(engine, running["b"])[0]
    with transaction(engine) as conn:
        visit = builders.insert_row(
            conn, guest_visits, user_id=bo.id, host_meeting_id=host.id, own_meeting_id=own.id
        )
    sync_groups(engine, [running["b"]], services, now=CANCELLED_AT - timedelta(hours=1))
    b = group_row(engine, running["b"])
    with engine.connect() as conn:
        event_id = conn.scalar(
            select(guest_visits.c.gcal_event_id).where(guest_visits.c.id == visit)
        )
    assert [a["email"] for a in calendar.event(event_id)["attendees"]] == [bo.email]
    assert any(o["id"] == bo.discord_id for o in guild.channels[b.discord_text_channel_id][
        "permission_overwrites"
    ])  # fmt: skip
    with transaction(engine) as conn:
        update_cohort(conn, running["cohort"], {"status": "cancelled"}, now=CANCELLED_AT)
    calendar.sent.clear()

    report = sync_groups(engine, [running["b"]], services, now=CANCELLED_AT)

    assert report.failures == {}
    assert calendar.event(event_id).get("attendees", []) == []
    assert {(s["email"], s["kind"]) for s in calendar.sent if s["event"] == event_id} == {
        (bo.email, "cancellation")
    }
    overwrites = guild.channels[b.discord_text_channel_id]["permission_overwrites"]
    assert all(o["id"] != bo.discord_id for o in overwrites)
    with engine.connect() as conn:
        status = conn.scalar(select(guest_visits.c.status).where(guest_visits.c.id == visit))
    assert status == "cancelled"  # the visit ended with the group: Bo's own meeting is his again


def test_a_guest_whose_host_group_is_cancelled_gets_their_own_meeting_back(
    engine: Engine, running: dict[str, Any]
) -> None:
    bo = running["a_people"][1]
    own, host = meeting_rows(engine, running["a"])[1], meeting_rows(engine, running["b"])[0]
    with transaction(engine) as conn:
        booked_at = CANCELLED_AT - timedelta(days=1)
        visit = builders.insert_row(
            conn,
            guest_visits,
            user_id=bo.id,
            host_meeting_id=host.id,
            own_meeting_id=own.id,
            created_at=booked_at,
        )
        conn.execute(
            insert(attendances).values(
                meeting_id=own.id,
                user_id=bo.id,
                rsvp="not_attending",
                rsvp_at=booked_at,
                rsvp_source="web",
            )
        )
        cancel_groups(
            conn,
            [running["b"]],
            now=CANCELLED_AT,
            reason="test",
            created_by=None,
            tell_members=False,
        )
    with engine.connect() as conn:
        status = conn.scalar(select(guest_visits.c.status).where(guest_visits.c.id == visit))
        rsvp = conn.scalar(
            select(attendances.c.rsvp).where(
                attendances.c.meeting_id == own.id, attendances.c.user_id == bo.id
            )
        )
    assert (status, rsvp) == ("cancelled", "pending")


def test_in_outbox_mode_a_cancelled_group_is_cleaned_up_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISCORD_BOT_TOKEN", "GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_CALENDAR_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCORD_GUILD_ID", "300000000000000001")
    reset_settings()
    with engine.begin() as conn:
        cohort = add_cohort(conn, "Local", meetings=2)
        group = add_preview_group(conn, cohort, "Group 1", learners=[add_person(conn, "Ada")])
    services = default_services(engine)
    before_start = FIRST_MEETING - timedelta(days=2)
    assert publish_cohort(engine, cohort, services, now=before_start)["failures"] == {}
    with transaction(engine) as conn:
        update_cohort(conn, cohort, {"status": "cancelled"}, now=before_start)
        mark = int(conn.scalar(select(func.max(outbox.c.id))) or 0)

    first = sync_groups(engine, [group], services, now=before_start)
    again = sync_groups(engine, [group], services, now=before_start)

    assert first.failures == {} and again.failures == {} and first.archived == [group]
    with engine.connect() as conn:
        recorded = conn.execute(
            select(outbox.c.service, outbox.c.operation).where(outbox.c.id > mark)
        ).all()
    operations = [(service, op.split(" ")[0]) for service, op in recorded]
    assert operations.count(("google_calendar", "events.delete")) == 1  # no meeting was held
    # the group's role and the two meetings' scheduled events, each once (no cohort role:
    # the group's role opened the cohort's channel)
    assert operations.count(("discord", "DELETE")) == 3
