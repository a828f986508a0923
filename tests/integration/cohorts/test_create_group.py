"""A group made by hand in a live cohort: checked like a move, published at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import cohorts, group_members, groups, jobs, meetings
from roundtable.errors import ConflictError, PermissionDeniedError, ValidationError
from roundtable.groups.creation import GroupCreated, GroupTime, NewGroup, create_group
from roundtable.people.actors import Actor
from tests.integration.api.builders import (
    add_member,
    enroll,
    give_availability,
    make_cohort,
    make_facilitator,
    make_group,
    make_user,
)

START = date(2026, 2, 23)  # a Monday; eight weekly meetings
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # a Sunday: one Tuesday meeting is past
ADMIN = Actor(user_id=None, is_admin=True)
THURSDAY_18_LONDON = GroupTime("Europe/London", 3, time(18, 0))
ALL_WEEK = [(d, "00:00", "24:00") for d in range(7)]


def _world(engine: Engine, *, status: str = "running") -> dict[str, int]:
    with engine.begin() as conn:
        cohort = make_cohort(conn, "Spring", status=status, start_date=START, meetings=8)
        owls = make_group(
            conn,
            cohort,
            "Tuesday Owls",
            anchor_timezone="Europe/London",
            weekday=1,
            first_meeting=datetime(2026, 2, 24, 18, 0, tzinfo=UTC),
            meeting_count=8,
        )
        people = {
            name: make_user(conn, name, timezone=zone)
            for name, zone in (
                ("Ana", "Europe/Lisbon"),
                ("Ben", "Europe/London"),
                ("Cy", "UTC"),
                ("Nora", "America/New_York"),
                ("Gil", "UTC"),
                ("Hal", "UTC"),
                ("Ivy", "UTC"),
            )
        }
        for name in ("Ana", "Ben"):
            enroll(conn, people[name], cohort)
            add_member(conn, owls, people[name], cohort)
        enroll(conn, people["Cy"], cohort)  # signed up, in no group
        make_facilitator(conn, people["Gil"])
        make_facilitator(conn, people["Hal"], certified=False)
        make_facilitator(conn, people["Ivy"])
        add_member(conn, owls, people["Ivy"], cohort, "facilitator")
        for name in ("Ana", "Cy", "Gil", "Hal", "Ivy"):
            give_availability(conn, people[name], *ALL_WEEK)
        give_availability(conn, people["Ben"], (1, "00:00", "24:00"))  # Tuesdays only
        # Thursdays 13:00-14:00 New York time: 18:00 London is 13:00 there until the US
        # changes clocks (8 March), 14:00 until the UK does (29 March), then 13:00 again.
        give_availability(conn, people["Nora"], (3, "13:00", "14:00"))
    return {"cohort": cohort, "owls": owls, **people}


def _create(
    engine: Engine,
    w: dict[str, int],
    members: list[str],
    *,
    facilitator: str = "Gil",
    name: str = "Thursday Herons",
    force: bool = False,
    when: GroupTime = THURSDAY_18_LONDON,
) -> GroupCreated:
    new = NewGroup(w["cohort"], name, w[facilitator], when, [w[m] for m in members])
    with engine.begin() as conn:
        return create_group(conn, ADMIN, new, force=force, viewer_zone="Europe/Berlin", now=NOW)


def _active_group_of(engine: Engine, user_id: int) -> Any:
    with engine.connect() as conn:
        return conn.scalar(
            select(group_members.c.group_id).where(
                group_members.c.user_id == user_id, group_members.c.status == "active"
            )
        )


def test_a_group_made_by_hand_is_published_with_the_cohorts_numbering(engine: Engine) -> None:
    w = _world(engine)
    created = _create(engine, w, ["Ana", "Cy"])

    with engine.connect() as conn:
        group = conn.execute(select(groups).where(groups.c.id == created.group_id)).one()
        numbers = conn.execute(
            select(meetings.c.meeting_number, meetings.c.starts_at)
            .where(meetings.c.group_id == created.group_id)
            .order_by(meetings.c.meeting_number)
        ).all()
        left = conn.execute(
            select(group_members.c.status, group_members.c.reason_for_leaving).where(
                group_members.c.user_id == w["Ana"], group_members.c.group_id == w["owls"]
            )
        ).one()
        queued = conn.execute(select(jobs.c.kind, jobs.c.payload).order_by(jobs.c.id)).all()
    assert group.status == "active" and group.published_at == NOW
    # Meeting 1 (Thursday 26 February) was over before the group existed: meeting 2 is next.
    assert len(numbers) == 8 and numbers[0].starts_at == datetime(2026, 2, 26, 18, 0, tzinfo=UTC)
    assert (created.first_meeting_number, created.meetings_ahead) == (2, 7)
    assert created.first_meeting_at == datetime(2026, 3, 5, 18, 0, tzinfo=UTC)
    assert created.weekly_time.local.label == "Thursday 19:00 CET"
    assert created.anchor_label == "Thursday 18:00 (Europe/London)"
    assert created.forced_despite == []
    # Ana left the Owls (who are told and synced); Cy had no group.
    assert [(m.display_name, m.previous_group_name) for m in created.members] == [
        ("Ana", "Tuesday Owls"),
        ("Cy", None),
    ]
    assert (left.status, left.reason_for_leaving) == (
        "removed",
        "moved by an admin to Thursday Herons",
    )
    assert _active_group_of(engine, w["Cy"]) == created.group_id
    syncs = sorted(p["group_id"] for k, p in queued if k == "sync_group")
    assert syncs == sorted([w["owls"], created.group_id])
    told = [p for k, p in queued if k == "send_notification"]
    assert {"kind": "removed_from_group", "group_id": w["owls"], "user_id": w["Ana"]} in told
    assert {"kind": "group_assigned", "group_id": created.group_id} in told  # everyone, once
    assert not [p for p in told if p["kind"] in ("member_joined",)]


def test_refused_with_the_names_of_who_cannot_come_and_nothing_changes(engine: Engine) -> None:
    w = _world(engine)
    with pytest.raises(ValidationError) as refused:
        _create(engine, w, ["Ana", "Ben"])

    assert str(refused.value).startswith("Ben cannot make 7 of 7 meetings")
    assert refused.value.code == "availability_conflict"
    assert "force" not in str(refused.value)  # each door says how to override
    with engine.connect() as conn:
        assert conn.scalar(select(groups.c.id).where(groups.c.name == "Thursday Herons")) is None
    assert _active_group_of(engine, w["Ana"]) == w["owls"]


def test_daylight_saving_is_checked_on_every_date(engine: Engine) -> None:
    w = _world(engine)
    with pytest.raises(ValidationError) as refused:
        _create(engine, w, ["Nora"])
    # 10, 17 and 24 March fall between the American and the British clock changes.
    assert str(refused.value).startswith(
        "Nora cannot make 3 of 7 meetings (first: Thu 12 Mar 2026, 14:00 EDT)"
    )


def test_a_forced_create_says_who_was_forced_and_why(engine: Engine) -> None:
    w = _world(engine)
    created = _create(engine, w, ["Ana", "Ben"], force=True)

    assert len(created.forced_despite) == 1
    assert created.forced_despite[0].startswith("Ben cannot make 7 of 7 meetings")
    assert _active_group_of(engine, w["Ben"]) == created.group_id


@pytest.mark.parametrize(
    ("facilitator", "error", "words"),
    [
        ("Hal", ValidationError, "Hal is not a certified facilitator"),
        ("Ana", ValidationError, "Ana has not applied to facilitate"),
    ],
)
def test_the_facilitator_must_be_certified(
    engine: Engine, facilitator: str, error: type[Exception], words: str
) -> None:
    w = _world(engine)
    with pytest.raises(error, match=words):
        _create(engine, w, ["Cy"], facilitator=facilitator)


def test_the_facilitator_must_have_room_for_another_group(engine: Engine) -> None:
    w = _world(engine)
    with engine.begin() as conn:
        other = make_cohort(conn, "Autumn", status="running")
        elsewhere = make_group(conn, other, "Elsewhere", weekday=4)
        add_member(conn, elsewhere, w["Ivy"], other, "facilitator")  # Ivy: 2 of 2 now
    with pytest.raises(ConflictError, match="Ivy already leads 2 active group"):
        _create(engine, w, ["Cy"], facilitator="Ivy")


def test_a_facilitator_cannot_also_be_a_learner_of_it(engine: Engine) -> None:
    w = _world(engine)
    with pytest.raises(ValidationError, match="cannot also be one of the group's learners"):
        _create(engine, w, ["Cy", "Gil"])


def test_names_are_unique_in_the_cohort(engine: Engine) -> None:
    w = _world(engine)
    with pytest.raises(ConflictError, match="already has a group named 'Tuesday Owls'"):
        _create(engine, w, ["Cy"], name="  Tuesday   Owls ")


def test_no_group_for_a_finished_cohort_and_only_for_admins(engine: Engine) -> None:
    w = _world(engine, status="completed")
    with pytest.raises(ConflictError, match="Spring is completed: its groups can no longer change"):
        _create(engine, w, ["Cy"])
    new = NewGroup(w["cohort"], "X", w["Gil"], THURSDAY_18_LONDON, [w["Cy"]])
    with engine.begin() as conn, pytest.raises(PermissionDeniedError):
        create_group(
            conn, Actor(w["Gil"], is_admin=False), new, force=False, viewer_zone="UTC", now=NOW
        )


def test_an_open_cohort_becomes_running(engine: Engine) -> None:
    w = _world(engine, status="open")
    _create(engine, w, ["Cy"])
    with engine.connect() as conn:
        assert conn.scalar(select(cohorts.c.status).where(cohorts.c.id == w["cohort"])) == "running"
