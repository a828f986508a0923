"""The live cohort page: groups, members, inactive learners, attendance, RSVPs, sync state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select, update

from roundtable.cohorts.live import LiveCohort, LiveCounts, live_cohort
from roundtable.db.tables import attendances, group_members, groups, guest_visits, jobs, meetings
from roundtable.errors import PermissionDeniedError, ValidationError
from roundtable.people.actors import Actor
from tests.integration.api.builders import (
    add_member,
    make_cohort,
    make_facilitator,
    make_group,
    make_user,
)

FIRST = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)  # a Tuesday; London is on GMT until 29 March
NOW = FIRST + timedelta(weeks=3, hours=2)  # Tuesday meetings 1-4 held, Thursday 1-3
ADMIN = Actor(user_id=None, is_admin=True)


def _meeting(conn: Any, group: int, number: int) -> int:
    return int(
        conn.scalar(
            select(meetings.c.id).where(
                meetings.c.group_id == group, meetings.c.meeting_number == number
            )
        )
    )


def _world(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        cohort = make_cohort(
            conn, "Spring", status="running", start_date=date(2026, 3, 2), meetings=6
        )
        owls = make_group(
            conn,
            cohort,
            "Tuesday Owls",
            anchor_timezone="Europe/London",
            weekday=1,
            local_time=time(18, 0),
            first_meeting=FIRST,
            meeting_count=6,
        )
        larks = make_group(
            conn,
            cohort,
            "Thursday Larks",
            weekday=3,
            first_meeting=FIRST + timedelta(days=2),
            meeting_count=6,
        )
        make_group(conn, cohort, "Preview Sundays", status="preview", weekday=6)
        people = {
            name: make_user(conn, name, timezone="Europe/Lisbon")
            for name in ("Ana", "Ben", "Cy", "Dee", "Eve", "Fay", "Finn")
        }
        for name in ("Ana", "Ben", "Cy", "Eve"):
            add_member(conn, owls, people[name], cohort)
        add_member(conn, larks, people["Dee"], cohort)
        for name, group in (("Fay", owls), ("Finn", larks)):
            make_facilitator(conn, people[name])
            add_member(conn, group, people[name], cohort, "facilitator")
        conn.execute(update(group_members).values(joined_at=FIRST - timedelta(days=7)))
        # Eve left the evening of meeting 2: she counts for meetings 1 and 2 only.
        conn.execute(
            update(group_members)
            .where(group_members.c.user_id == people["Eve"])
            .values(status="removed", left_at=FIRST + timedelta(weeks=1, hours=3))
        )
        checked_in = {"Ana": (1, 2, 3, 4), "Ben": (1,), "Eve": (1,), "Dee": (1, 2, 3)}
        for name, numbers in checked_in.items():
            group = larks if name == "Dee" else owls
            for number in numbers:
                conn.execute(
                    insert(attendances).values(
                        meeting_id=_meeting(conn, group, number),
                        user_id=people[name],
                        checked_in_at=FIRST,
                    )
                )
        fifth = _meeting(conn, owls, 5)
        for name, rsvp in (("Ana", "attending"), ("Ben", "not_attending"), ("Fay", "tentative")):
            conn.execute(
                insert(attendances).values(meeting_id=fifth, user_id=people[name], rsvp=rsvp)
            )
        # Owls: synced once, members changed since, and the latest sync failed.
        conn.execute(
            update(groups)
            .where(groups.c.id == owls)
            .values(synced_at=FIRST, members_changed_at=FIRST + timedelta(weeks=1))
        )
        conn.execute(update(groups).where(groups.c.id == larks).values(synced_at=NOW))
        for group, status, error in (
            (owls, "succeeded", None),
            (owls, "failed", "Discord answered 403: Missing Permissions"),
            (larks, "failed", "calendar timed out"),
            (larks, "succeeded", None),  # the latest one for the Larks
        ):
            conn.execute(
                insert(jobs).values(
                    kind="sync_group", payload={"group_id": group}, status=status, error=error
                )
            )
    return {"cohort": cohort, "owls": owls, "larks": larks, **people}


def _live(engine: Engine, cohort: int, zone: str = "Europe/Berlin") -> LiveCohort:
    with engine.connect() as conn:
        return live_cohort(conn, ADMIN, cohort, zone, NOW)


def test_the_live_page_shows_each_published_group_as_it_runs(engine: Engine) -> None:
    w = _world(engine)
    live = _live(engine, w["cohort"])

    assert (live.phase, live.name) == ("running", "Spring")
    assert [g.name for g in live.groups] == ["Thursday Larks", "Tuesday Owls"]  # not the preview
    owls = live.groups[1]
    assert owls.facilitator_names == ["Fay"]
    members = {m.display_name: m for m in owls.members}
    assert list(members) == ["Fay", "Ana", "Ben", "Cy"]  # facilitators first; Eve left
    assert {n: (m.missed_in_a_row, m.inactive) for n, m in members.items()} == {
        "Fay": (0, False),
        "Ana": (0, False),
        "Ben": (3, True),
        "Cy": (4, True),
    }
    # Three learners and Fay make four: the minimum, counted as the scheduler counts.
    assert (owls.learner_count, owls.inactive_count, owls.below_min) == (3, 2, False)
    # Weekly time in the admin's zone and in the anchor zone, at the next meeting (after the
    # clocks went forward on 29 March: still 18:00 in London, 19:00 in Berlin).
    assert owls.weekly_time.local.label == "Tuesday 19:00 CEST"
    assert owls.anchor_time.local.label == "Tuesday 18:00 BST"
    assert owls.anchor_label == "Tuesday 18:00 (Europe/London)"


def test_next_meeting_rsvps_and_attendance_so_far(engine: Engine) -> None:
    w = _world(engine)
    owls = _live(engine, w["cohort"]).groups[1]

    assert owls.next_meeting is not None
    next_meeting = (owls.next_meeting.number, owls.next_meeting.starts_at)
    assert next_meeting == (5, datetime(2026, 3, 31, 17, 0, tzinfo=UTC))  # 18:00 BST
    rsvps = {m.display_name: m.next_rsvp for m in owls.members}
    assert rsvps == {
        "Fay": "tentative",
        "Ana": "attending",
        "Ben": "not_attending",
        "Cy": "pending",
    }
    assert owls.rsvps is not None
    assert (owls.rsvps.attending, owls.rsvps.tentative) == (1, 1)
    assert (owls.rsvps.not_attending, owls.rsvps.pending) == (1, 1)
    # Learners who checked in, of those who were members when each meeting started.
    assert [(h.number, h.attended, h.expected) for h in owls.attendance] == [
        (1, 3, 4),
        (2, 1, 4),
        (3, 1, 3),
        (4, 1, 3),
    ]
    assert (owls.meetings_held, owls.meetings_total) == (4, 6)


def test_sync_state_reports_the_latest_sync_job_failure(engine: Engine) -> None:
    w = _world(engine)
    live = _live(engine, w["cohort"])
    larks, owls = live.groups

    assert owls.sync.out_of_date and owls.sync.synced_at == FIRST
    assert owls.sync.last_job is not None and owls.sync.last_job.status == "failed"
    assert owls.sync.problem == "Discord answered 403: Missing Permissions"
    # The Larks' failure was followed by a success: no problem now.
    assert larks.sync.problem is None and not larks.sync.out_of_date
    assert larks.sync.last_job is not None and larks.sync.last_job.status == "succeeded"
    assert live.counts.groups_with_sync_problems == 1
    assert (live.counts.groups, live.counts.learners, live.counts.facilitators) == (2, 4, 2)
    assert (live.counts.inactive_learners, live.counts.groups_below_min) == (2, 1)  # the Larks
    assert live.counts.meetings_ahead == 2 + 3


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_page_reads_as_many_statements_for_many_groups_as_for_two(engine: Engine) -> None:
    w = _world(engine)
    with _statements(engine) as few:
        _live(engine, w["cohort"])
    with engine.begin() as conn:
        for day in range(4):
            group = make_group(
                conn, w["cohort"], f"Extra {day}", weekday=day, first_meeting=FIRST, meeting_count=6
            )
            add_member(conn, group, make_user(conn, f"Extra learner {day}"), w["cohort"])
    with _statements(engine) as many:
        live = _live(engine, w["cohort"])
    assert len(live.groups) == 6
    assert len(many) == len(few)


def test_only_admins_and_known_zones(engine: Engine) -> None:
    w = _world(engine)
    with engine.connect() as conn:
        with pytest.raises(PermissionDeniedError):
            live_cohort(conn, Actor(user_id=w["Ana"], is_admin=False), w["cohort"], "UTC", NOW)
        with pytest.raises(ValidationError) as refused:
            live_cohort(conn, ADMIN, w["cohort"], "Mars/Olympus", NOW)
    assert refused.value.field == "zone"


def _richer_world(engine: Engine) -> dict[str, int]:
    """The world above and the cases the whole-cohort counts must get right: a learner
    who joined late, one whose guest visit replaced a missed meeting, a member who left a
    completed group early, a completed group, an empty active group, a group without
    meetings yet, and a failed sync being retried."""
    w = _world(engine)
    cohort = w["cohort"]
    with engine.begin() as conn:
        wrens = make_group(
            conn, cohort, "Wednesday Wrens", weekday=2, first_meeting=FIRST, meeting_count=6
        )
        done = make_group(
            conn,
            cohort,
            "Done Doves",
            status="completed",
            weekday=4,
            first_meeting=FIRST,
            meeting_count=4,
        )
        make_group(conn, cohort, "Empty Egrets", weekday=5)  # no members, no meetings
        late, guest, gone, stays = (
            make_user(conn, name) for name in ("Lou Late", "Gus Guest", "Gil Gone", "Sal Stays")
        )
        for user in (late, guest):
            add_member(conn, wrens, user, cohort)
        for user in (gone, stays):
            add_member(conn, done, user, cohort)
        conn.execute(
            update(group_members)
            .where(group_members.c.group_id == wrens)
            .values(joined_at=FIRST - timedelta(days=7))
        )
        # Lou joined after meeting 2: meetings 3 and 4 missed, not inactive at 3.
        conn.execute(
            update(group_members)
            .where(group_members.c.user_id == late)
            .values(joined_at=FIRST + timedelta(weeks=2) - timedelta(hours=1))
        )
        # Gus came to meeting 1, missed 2 and 3, and visited the Owls' 4 instead of his 4th.
        conn.execute(
            insert(attendances).values(
                meeting_id=_meeting(conn, wrens, 1), user_id=guest, checked_in_at=FIRST
            )
        )
        host = _meeting(conn, w["owls"], 4)
        conn.execute(
            insert(guest_visits).values(
                user_id=guest, host_meeting_id=host, own_meeting_id=_meeting(conn, wrens, 4)
            )
        )
        conn.execute(insert(attendances).values(meeting_id=host, user_id=guest, checked_in_at=NOW))
        conn.execute(
            update(group_members)
            .where(group_members.c.user_id.in_((gone, stays)))
            .values(status="completed")
        )
        conn.execute(
            update(group_members)
            .where(group_members.c.user_id == gone)
            .values(left_at=FIRST + timedelta(weeks=1))
        )
        conn.execute(
            insert(jobs).values(
                kind="sync_group",
                payload={"group_id": wrens},
                status="queued",
                error="Discord answered 502",
            )
        )
    return {**w, "wrens": wrens, "done": done}


def test_the_whole_cohort_counts_are_the_sums_of_every_page(engine: Engine) -> None:
    w = _richer_world(engine)
    pages, cursor = [], None
    with engine.connect() as conn:
        while True:
            page = live_cohort(conn, ADMIN, w["cohort"], "UTC", NOW, cursor=cursor, limit=2)
            pages.append(page)
            if (cursor := page.next_cursor) is None:
                break
    every = [g for page in pages for g in page.groups]
    counts = pages[0].counts
    assert counts is not None and len(pages) == 3
    assert counts == LiveCounts(
        groups=len(every),
        learners=sum(g.learner_count for g in every),
        facilitators=len({m.user_id for g in every for m in g.members if m.role == "facilitator"}),
        inactive_learners=sum(g.inactive_count for g in every),
        groups_below_min=sum(g.below_min for g in every),
        groups_with_sync_problems=sum(g.sync.problem is not None for g in every),
        meetings_ahead=sum(
            g.meetings_total - g.meetings_held for g in every if g.status == "active"
        ),
    )
    # What each case contributes, so a sum of wrong tallies cannot pass: the Owls' Ben and
    # Cy are inactive; Lou (joined late: 2 missed) and Gus (his 4th a guest visit) are not.
    assert counts.inactive_learners == 2
    assert (counts.groups, counts.learners, counts.facilitators) == (5, 7, 2)
    assert counts.groups_below_min == 3  # Larks, Wrens, Empty Egrets; not the completed Doves
    assert counts.groups_with_sync_problems == 2  # the Owls' failure, the Wrens' retry
    assert counts.meetings_ahead == 2 + 3 + 2 + 6  # Owls, Larks, Wrens; Egrets: the cohort's 6
