"""Guest visits: options, booking and cancelling, reminders, attendance (real Postgres).

The world: a running cohort in London's zone. "Tuesday Owls" (Ana and Ben,
facilitator Fay) meet Tuesdays 18:00 London; "Thursday Larks" (Cy and Dee,
facilitator Hal) Thursdays 18:00; "Monday Wrens" (Eve, facilitator Gil)
Mondays 18:00. Ana lives in New York and is free on Thursdays and Mondays
14:00–15:00 her time. In March 2027 New York moves its clocks on the 14th and
London on the 28th, so 18:00 London is 14:00 for Ana on 25 March but 13:00 on
1 April: the week after London's change nothing fits her any more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import Connection, Engine, select, update

from roundtable.config import reset_settings
from roundtable.db.tables import attendances, cohorts, jobs, meetings, notifications
from roundtable.errors import ConflictError, NotFoundError, PermissionDeniedError
from roundtable.groups.facilitation import attendance
from roundtable.meetings.activity import absences
from roundtable.meetings.attendance import check_in, rsvp
from roundtable.meetings.guests import (
    book_guest_visit,
    cancel_guest_visit,
    guest_options,
    my_guest_visits,
)
from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.due import queue_due
from roundtable.notifications.oneoff import queue_notification
from roundtable.people.profiles import Viewer
from tests.integration.api.builders import (
    add_member,
    give_availability,
    make_cohort,
    make_group,
    make_user,
)

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
OWLS_FIRST = datetime(2027, 3, 16, 18, 0, tzinfo=UTC)  # Tuesday 16 March, 18:00 GMT
NOW = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    cohort: int
    owls: int
    larks: int
    wrens: int
    ana: Viewer
    ben: Viewer
    cy: Viewer
    hal: int
    fay: int

    def meeting(self, conn: Connection, group: int, number: int) -> int:
        return int(
            conn.scalar(
                select(meetings.c.id).where(
                    meetings.c.group_id == group, meetings.c.meeting_number == number
                )
            )
        )


def _viewer(conn: Connection, name: str, zone: str = LONDON) -> Viewer:
    user_id = make_user(
        conn,
        name,
        timezone=zone,
        email=f"{name.lower()}@example.com",
        discord_id=str(500_000_000_000_000_000 + len(name) * 1000 + ord(name[0])),
    )
    return Viewer(user_id, name, False, zone)


def _group(conn: Connection, cohort: int, name: str, weekday: int, first: datetime) -> int:
    return make_group(
        conn,
        cohort,
        name,
        anchor_timezone=LONDON,
        weekday=weekday,
        local_time=time(18, 0),
        first_meeting=first,
        meeting_count=4,
    )


@pytest.fixture
def world(engine: Engine) -> World:
    with engine.begin() as conn:
        cohort = make_cohort(conn, "Spring 2027", status="running", anchor_timezone=LONDON)
        conn.execute(update(cohorts).where(cohorts.c.id == cohort).values(max_group_size=5))
        owls = _group(conn, cohort, "Tuesday Owls", 1, OWLS_FIRST)
        larks = _group(conn, cohort, "Thursday Larks", 3, OWLS_FIRST + timedelta(days=2))
        wrens = _group(conn, cohort, "Monday Wrens", 0, OWLS_FIRST + timedelta(days=6))
        ana, ben = _viewer(conn, "Ana", NEW_YORK), _viewer(conn, "Ben", NEW_YORK)
        cy, dee, eve = (_viewer(conn, n) for n in ("Cy", "Dee", "Eve"))
        fay, hal, gil = (_viewer(conn, n).id for n in ("Fay", "Hal", "Gil"))
        for group, people, facilitator in (
            (owls, (ana, ben), fay),
            (larks, (cy, dee), hal),
            (wrens, (eve,), gil),
        ):
            add_member(conn, group, facilitator, cohort, "facilitator")
            for person in people:
                add_member(conn, group, person.id, cohort)
        for person in (ana, ben):
            give_availability(conn, person.id, (3, "14:00", "15:00"), (0, "14:00", "15:00"))
    return World(cohort, owls, larks, wrens, ana, ben, cy, hal, fay)


SetCap = Callable[[int], None]


@pytest.fixture
def cap(monkeypatch: pytest.MonkeyPatch) -> Iterator[SetCap]:
    def set_cap(value: int) -> None:
        monkeypatch.setenv("GUEST_CAP_PER_MEETING", str(value))
        reset_settings()

    yield set_cap
    monkeypatch.delenv("GUEST_CAP_PER_MEETING", raising=False)
    reset_settings()


def _book(engine: Engine, w: World, who: Viewer, own: int, host: int, now: datetime = NOW) -> int:
    with engine.begin() as conn:
        visit = book_guest_visit(
            conn, who, w.meeting(conn, w.owls, own), w.meeting(conn, w.larks, host), now
        )
    return visit.id


# -- options ---------------------------------------------------------------------------
def test_options_are_the_other_groups_meetings_that_week_that_fit_on_the_actual_date(
    engine: Engine, world: World
) -> None:
    w = world
    with engine.connect() as conn:
        before_dst = guest_options(conn, w.ana, w.meeting(conn, w.owls, 2), NOW)
        after_dst = guest_options(conn, w.ana, w.meeting(conn, w.owls, 3), NOW)
    # Week 2: Thursday Larks on 25 March is 14:00 in New York (Monday Wrens' 22 March too,
    # but that is the 22nd, within three days of Tuesday the 23rd — and also 14:00).
    assert [(o.group_name, o.meeting_number) for o in before_dst.options] == [
        ("Monday Wrens", 1),
        ("Thursday Larks", 2),
    ]
    assert before_dst.options[1].starts_label == "Thu 25 Mar 2027, 14:00 EDT"
    assert before_dst.options[1].facilitator_names == ("Hal",)
    # Week 3 (after London's clocks moved on the 28th): the same meetings are 13:00 for Ana.
    assert after_dst.options == ()
    with engine.begin() as conn, pytest.raises(ConflictError, match="outside your availability"):
        book_guest_visit(conn, w.ana, w.meeting(conn, w.owls, 3), w.meeting(conn, w.larks, 3), NOW)


def test_a_meeting_with_as_many_guests_as_the_cap_is_no_option(
    engine: Engine, world: World, cap: SetCap
) -> None:
    w = world
    cap(1)
    _book(engine, w, w.ben, 2, 2)
    with engine.connect() as conn:
        options = guest_options(conn, w.ana, w.meeting(conn, w.owls, 2), NOW).options
    assert [o.group_name for o in options] == ["Monday Wrens"]
    with pytest.raises(ConflictError, match=r"already has 1 guests \(at most 1 a meeting\)"):
        _book(engine, w, w.ana, 2, 2)


def test_members_and_guests_together_stay_within_the_cohorts_group_size(
    engine: Engine, world: World
) -> None:
    w = world
    with engine.begin() as conn:
        conn.execute(update(cohorts).where(cohorts.c.id == w.cohort).values(max_group_size=4))
    _book(engine, w, w.ben, 2, 2)  # Hal, Cy, Dee and Ben: four
    with pytest.raises(ConflictError, match="3 members and 1 guests .at most 4 people"):
        _book(engine, w, w.ana, 2, 2)


# -- refusals --------------------------------------------------------------------------
def test_one_visit_per_week(engine: Engine, world: World) -> None:
    w = world
    _book(engine, w, w.ana, 2, 2)
    with pytest.raises(ConflictError, match="already a guest of Thursday Larks"):
        _book(engine, w, w.ana, 2, 2)


def test_a_started_meeting_cannot_be_visited(engine: Engine, world: World) -> None:
    w = world
    during_wrens = datetime(2027, 3, 29, 17, 30, tzinfo=UTC)  # Monday 29th, 18:30 BST
    with engine.begin() as conn, pytest.raises(ConflictError, match="has already started"):
        book_guest_visit(
            conn, w.ana, w.meeting(conn, w.owls, 3), w.meeting(conn, w.wrens, 2), during_wrens
        )


def test_a_visit_is_to_another_group(engine: Engine, world: World) -> None:
    w = world
    with engine.begin() as conn, pytest.raises(ConflictError, match="your own group"):
        book_guest_visit(conn, w.ana, w.meeting(conn, w.owls, 2), w.meeting(conn, w.owls, 3), NOW)


def test_only_a_learner_of_the_group_can_replace_its_meeting(engine: Engine, world: World) -> None:
    w = world
    with engine.begin() as conn, pytest.raises(PermissionDeniedError, match="Only members"):
        book_guest_visit(conn, w.cy, w.meeting(conn, w.owls, 2), w.meeting(conn, w.larks, 2), NOW)
    fay = Viewer(w.fay, "Fay", False, LONDON)
    with engine.begin() as conn, pytest.raises(PermissionDeniedError, match="for learners"):
        guest_options(conn, fay, w.meeting(conn, w.owls, 2), NOW)


def test_guest_visits_are_for_a_running_cohort(engine: Engine, world: World) -> None:
    w = world
    with engine.begin() as conn:
        conn.execute(update(cohorts).where(cohorts.c.id == w.cohort).values(status="completed"))
    with pytest.raises(ConflictError, match="guest visits are for a running cohort"):
        _book(engine, w, w.ana, 2, 2)


# -- what a booking does ----------------------------------------------------------------
def _answer(conn: Connection, meeting_id: int, user_id: int) -> str | None:
    return conn.scalar(
        select(attendances.c.rsvp).where(
            attendances.c.meeting_id == meeting_id, attendances.c.user_id == user_id
        )
    )


def test_booking_answers_both_meetings_and_tells_the_host_facilitator_once(
    engine: Engine, world: World
) -> None:
    w = world
    visit_id = _book(engine, w, w.ana, 2, 2)
    with engine.begin() as conn:
        own, host = w.meeting(conn, w.owls, 2), w.meeting(conn, w.larks, 2)
        assert (_answer(conn, own, w.ana.id), _answer(conn, host, w.ana.id)) == (
            "not_attending",
            "attending",
        )
        payloads = conn.scalars(select(jobs.c.payload).where(jobs.c.kind == "send_notification"))
        assert list(payloads) == [{"kind": "guest_visit_booked", "visit_id": visit_id}]
        sync = conn.scalars(select(jobs.c.dedup_key).where(jobs.c.kind == "sync_group")).all()
        assert sync == [f"sync_group:{w.larks}"]
        catalogue = load_catalogue()
        payload = {"kind": "guest_visit_booked", "visit_id": visit_id}
        first = queue_notification(conn, payload, NOW, catalogue)
        again = queue_notification(conn, payload, NOW, catalogue)
        told = conn.execute(
            select(notifications.c.user_id, notifications.c.channel).where(
                notifications.c.kind == "guest_visit_booked"
            )
        ).all()
    assert len(first) == 2 and again == []
    assert sorted((row.user_id, str(row.channel)) for row in told) == [
        (w.hal, "discord_dm"),
        (w.hal, "email"),
    ]
    with engine.connect() as conn:
        mine = my_guest_visits(conn, w.ana, NOW)
    assert [(v.id, v.host_group_name, v.own_group_name) for v in mine] == [
        (visit_id, "Thursday Larks", "Tuesday Owls")
    ]


def test_the_guest_gets_the_hosts_reminders_and_not_their_own_that_week(
    engine: Engine, world: World
) -> None:
    w = world
    _book(engine, w, w.ana, 2, 2)
    catalogue = load_catalogue()
    with engine.begin() as conn:
        own, host = w.meeting(conn, w.owls, 2), w.meeting(conn, w.larks, 2)
        for meeting_id in (own, host):
            starts_at = conn.scalar(select(meetings.c.starts_at).where(meetings.c.id == meeting_id))
            queue_due(conn, starts_at - timedelta(minutes=30), catalogue)
        reminded = conn.execute(
            select(notifications.c.reference_id, notifications.c.user_id).where(
                notifications.c.kind == "meeting_reminder_1h",
                notifications.c.channel == "email",
            )
        ).all()
    by_meeting = {m: {u for r, u in reminded if r == m} for m in (own, host)}
    assert w.ana.id in by_meeting[host]
    assert w.ana.id not in by_meeting[own]
    assert w.ben.id in by_meeting[own]  # the rest of her group is reminded as usual


def test_a_guest_answers_and_checks_in_at_the_host_meeting_and_it_counts_for_them(
    engine: Engine, world: World
) -> None:
    w = world
    _book(engine, w, w.ana, 2, 2)
    with engine.begin() as conn:
        host = w.meeting(conn, w.larks, 2)
        host_starts = conn.scalar(select(meetings.c.starts_at).where(meetings.c.id == host))
        assert rsvp(conn, w.ana, host, "tentative", "web", NOW).status == "tentative"
        done = check_in(conn, w.ana, host_starts + timedelta(minutes=5))
        assert (done.meeting_id, done.group_name) == (host, "Thursday Larks")
        # Not a guest of week 3's Larks meeting: that is not hers to answer for.
        with pytest.raises(PermissionDeniedError):
            rsvp(conn, w.ana, w.meeting(conn, w.larks, 3), "attending", "web", NOW)
    after_week_two = OWLS_FIRST + timedelta(weeks=1, days=2, hours=3)
    with engine.connect() as conn:
        runs = absences(conn, [w.owls], after_week_two)
        hal = Viewer(w.hal, "Hal", False, LONDON)
        host_list = attendance(conn, hal, w.larks, after_week_two)[1]
    # Week 1 missed by both; week 2 Ana visited the Larks, so her run restarts.
    assert runs[(w.owls, w.ana.id)].missed_in_a_row == 0
    assert runs[(w.owls, w.ben.id)].missed_in_a_row == 2
    guests = [(e.display_name, e.guest_from, e.outcome) for e in host_list.members if e.guest_from]
    assert guests == [("Ana", "Tuesday Owls", "attended")]


def test_cancelling_gives_the_week_back(engine: Engine, world: World) -> None:
    w = world
    visit_id = _book(engine, w, w.ana, 2, 2)
    with engine.begin() as conn:
        cancelled = cancel_guest_visit(conn, w.ana, visit_id, NOW + timedelta(hours=1))
        own, host = w.meeting(conn, w.owls, 2), w.meeting(conn, w.larks, 2)
        assert cancelled.status == "cancelled"
        assert (_answer(conn, own, w.ana.id), _answer(conn, host, w.ana.id)) == ("pending", None)
        kinds = [p.get("kind") for p in conn.scalars(select(jobs.c.payload))]
        assert kinds.count("guest_visit_cancelled") == 1
        assert my_guest_visits(conn, w.ana, NOW) == []
        with pytest.raises(ConflictError, match="already cancelled"):
            cancel_guest_visit(conn, w.ana, visit_id, NOW)
        with pytest.raises(NotFoundError):
            cancel_guest_visit(conn, w.ben, visit_id, NOW)
    # The week is free again: she can book another visit.
    _book(engine, w, w.ana, 2, 2)


def test_a_visit_cannot_be_cancelled_once_the_host_meeting_started(
    engine: Engine, world: World
) -> None:
    w = world
    visit_id = _book(engine, w, w.ana, 2, 2)
    with engine.begin() as conn:
        starts = conn.scalar(
            select(meetings.c.starts_at).where(meetings.c.id == w.meeting(conn, w.larks, 2))
        )
        with pytest.raises(ConflictError, match="already started"):
            cancel_guest_visit(conn, w.ana, visit_id, starts + timedelta(minutes=1))
