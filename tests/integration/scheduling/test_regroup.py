"""Regrouping a running cohort on the real database: propose (a job), read the diff, apply.

The cohort: weekly meetings from Tuesday 2 March 2027, eight of them; it is
now Saturday 20 March, so five remain (23 March to 20 April), across the EU
clock change of 28 March. Sizes count the facilitator: 4 to 6.

- Group 1 (Tuesdays 18:00 UTC): facilitator + Ana only (dropouts) → below the minimum.
- Group 2 (Thursdays 18:00 UTC): facilitator + 3 learners.
- Group 3 (Wednesdays 18:00 Europe/Lisbon): facilitator + 3 learners.

Ana (Lisbon) is free Wednesdays and Thursdays 18:00–19:00 her time. Group 2's
18:00 UTC is 18:00 in Lisbon until 28 March, then 19:00: she would miss its
last four meetings, so it is no candidate; Group 3 keeps 18:00 Lisbon time on
every date. Refilling Group 1 is impossible (nobody else can make Tuesdays).
The least disruptive answer: Ana moves to Group 3 and Group 1 is dissolved.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, select, update

from roundtable.db.engine import transaction
from roundtable.db.tables import availability_blocks, cohorts, group_members, groups, jobs
from roundtable.errors import ConflictError, NotFoundError, PermissionDeniedError
from roundtable.groups.regroup import (
    apply_regroup,
    get_regroup_proposal,
    request_regroup_proposal,
)
from roundtable.jobs import run_job
from roundtable.people.actors import Actor
from tests.integration.scheduling.world import add_cohort, add_group, add_person, members_of
from tests.unit.scheduling.validator import _attends

NOW = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
FIRST_TUESDAY = datetime(2027, 3, 2, 18, 0, tzinfo=UTC)
ADMIN = Actor(user_id=None, is_admin=True, door="web")
LEARNER = Actor(user_id=None, is_admin=False, door="web")
EVENING = [("18:00", "19:00")]


def _build(engine: Engine) -> dict[str, Any]:
    with transaction(engine) as conn:
        cohort = add_cohort(
            conn,
            "Running Spring",
            start_date=FIRST_TUESDAY.date(),
            status="running",
            min_group_size=4,
            max_group_size=6,
        )
        people: dict[str, int] = {}

        def person(name: str, zone: str, times: dict[str, list[tuple[str, str]]]) -> int:
            people[name] = add_person(conn, cohort, zone, times, name=name)
            return people[name]

        def facilitator(name: str, day: str) -> int:
            people[name] = add_person(
                conn, cohort, "UTC", {day: [("00:00", "24:00")]}, role="facilitator", name=name
            )
            return people[name]

        ana = person("Ana", "Europe/Lisbon", {"Wednesday": EVENING, "Thursday": EVENING})
        g1 = add_group(
            conn,
            cohort,
            "Group 1",
            weekday=1,
            at=time(18),
            first_meeting_at=FIRST_TUESDAY,
            members=[(facilitator("Fay", "Tuesday"), "facilitator"), (ana, "learner")],
        )
        thursday = [person(f"Bo {k}", "UTC", {"Thursday": EVENING}) for k in range(3)]
        g2 = add_group(
            conn,
            cohort,
            "Group 2",
            weekday=3,
            at=time(18),
            first_meeting_at=FIRST_TUESDAY + timedelta(days=2),
            members=[(facilitator("Finn", "Thursday"), "facilitator")]
            + [(u, "learner") for u in thursday],
        )
        wednesday = [person(f"Cy {k}", "Europe/Lisbon", {"Wednesday": EVENING}) for k in range(3)]
        g3 = add_group(
            conn,
            cohort,
            "Group 3",
            weekday=2,
            at=time(18),
            anchor="Europe/Lisbon",
            first_meeting_at=datetime(2027, 3, 3, 18, 0, tzinfo=UTC),  # 18:00 WET
            members=[(facilitator("Flo", "Wednesday"), "facilitator")]
            + [(u, "learner") for u in wednesday],
        )
    return {"cohort": cohort, "g1": g1, "g2": g2, "g3": g3, **people}


def _propose(engine: Engine, cohort: int) -> int:
    with transaction(engine) as conn:
        job_id = request_regroup_proposal(conn, ADMIN, cohort, NOW).job_id
    outcome = run_job(engine, job_id)
    assert outcome is not None and outcome["status"] == "succeeded", outcome
    return job_id


def _remaining(engine: Engine, group_id: int) -> list[datetime]:
    """The group's remaining meetings, recomputed with zoneinfo from its stored weekly time."""
    with engine.connect() as conn:
        group = conn.execute(select(groups).where(groups.c.id == group_id)).one()
    anchor = ZoneInfo(group.anchor_timezone)
    first = group.first_meeting_at.astimezone(anchor).date()
    starts = [
        datetime.combine(first + timedelta(weeks=k), group.local_time, anchor).astimezone(UTC)
        for k in range(8)
    ]
    return [start for start in starts if start > NOW]


def _person_document(conn: Connection, user_id: int, zone: str) -> dict[str, Any]:
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    local: dict[str, list[tuple[str, str]]] = {}
    for row in conn.execute(
        select(availability_blocks).where(availability_blocks.c.user_id == user_id)
    ):
        local.setdefault(days[row.weekday], []).append(
            (f"{row.start_minute // 60:02d}:00", f"{row.end_minute // 60:02d}:00")
        )
    return {"timezone": zone, "availability_local": local}


def _jobs(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(jobs.c.kind, jobs.c.payload).order_by(jobs.c.id)).all()
    return [(row.kind, dict(row.payload)) for row in rows]


def test_the_proposal_moves_the_fewest_people_to_times_they_can_make_on_every_date(
    engine: Engine,
) -> None:
    world = _build(engine)
    before = {g: members_of(engine, world[g]) for g in ("g1", "g2", "g3")}

    job_id = _propose(engine, world["cohort"])
    with engine.connect() as conn:
        found = get_regroup_proposal(conn, ADMIN, job_id, cohort_id=world["cohort"])

    proposal = found.proposal
    assert found.status == "succeeded" and proposal is not None
    assert [(m.name, m.from_group, m.to_group) for m in proposal.moves] == [
        ("Ana", "Group 1", "Group 3")
    ]
    assert proposal.moves[0].summary == (
        "Ana: Group 1 → Group 3, Wednesdays 18:00 your time (Europe/Lisbon)"
    )
    sizes = {g.name: (g.size_before, g.size_after, g.dissolved) for g in proposal.groups}
    assert sizes == {
        "Group 1": (2, 0, True),
        "Group 2": (4, 4, False),
        "Group 3": (4, 5, False),
    }
    assert (proposal.below_min_before, proposal.below_min_after) == (1, 0)
    assert proposal.moves_count == 1 and proposal.proven_optimal
    assert [(p.name, p.value, p.bound) for p in proposal.phases] == [
        ("undersized", 0, 0),
        ("moves", 1, 1),
        ("dissolved", 1, 1),
    ]
    # Checked independently (the unit validator's minute-by-minute zoneinfo arithmetic):
    # Ana makes every remaining meeting of Group 3, and would miss some of Group 2's.
    with engine.connect() as conn:
        ana = _person_document(conn, world["Ana"], "Europe/Lisbon")
    assert _attends(ana, _remaining(engine, world["g3"]), 60, True)
    assert not _attends(ana, _remaining(engine, world["g2"]), 60, True)
    # Nothing changed: memberships are as they were, and no sync or message was queued.
    assert {g: members_of(engine, world[g]) for g in ("g1", "g2", "g3")} == before
    assert [kind for kind, _ in _jobs(engine)] == ["propose_regroup"]


def test_apply_moves_people_tells_them_once_syncs_and_cancels_the_dissolved_group(
    engine: Engine,
) -> None:
    world = _build(engine)
    job_id = _propose(engine, world["cohort"])

    with transaction(engine) as conn:
        applied = apply_regroup(conn, ADMIN, job_id, NOW, cohort_id=world["cohort"])

    assert (applied.moved, applied.dissolved_group_ids) == (1, [world["g1"]])
    assert members_of(engine, world["g1"]) == []
    assert (world["Ana"], "learner") in members_of(engine, world["g3"])
    with engine.connect() as conn:
        status = conn.scalar(select(groups.c.status).where(groups.c.id == world["g1"]))
        reasons = dict(
            conn.execute(
                select(group_members.c.user_id, group_members.c.reason_for_leaving).where(
                    group_members.c.group_id == world["g1"]
                )
            ).all()
        )
    assert status == "cancelled"
    assert reasons == {world["Ana"]: "regrouped", world["Fay"]: "group dissolved in a regroup"}
    queued = _jobs(engine)[1:]
    syncs = sorted(p["group_id"] for kind, p in queued if kind == "sync_group")
    assert syncs == sorted([world["g1"], world["g3"]])
    notes = sorted(
        (p["kind"], p["user_id"], p["group_id"])
        for kind, p in queued
        if kind == "send_notification"
    )
    assert notes == sorted(
        [
            ("removed_from_group", world["Ana"], world["g1"]),
            ("group_assigned", world["Ana"], world["g3"]),
            ("member_joined", world["Ana"], world["g3"]),
            ("removed_from_group", world["Fay"], world["g1"]),
        ]
    )
    # Applied once: a second apply is refused and queues nothing.
    with pytest.raises(ConflictError, match="was applied"), transaction(engine) as conn:
        apply_regroup(conn, ADMIN, job_id, NOW)
    assert len(_jobs(engine)) == 1 + len(queued)
    with engine.connect() as conn:
        shown = get_regroup_proposal(conn, ADMIN, job_id).proposal
    assert shown is not None and shown.applied_at == NOW


def test_apply_is_refused_when_the_groups_changed_since_the_proposal(engine: Engine) -> None:
    world = _build(engine)
    job_id = _propose(engine, world["cohort"])
    with transaction(engine) as conn:  # someone else removes a learner of Group 2
        conn.execute(
            update(group_members)
            .where(group_members.c.user_id == world["Bo 0"])
            .values(status="removed")
        )

    with pytest.raises(ConflictError, match="changed since this proposal"):
        with transaction(engine) as conn:
            apply_regroup(conn, ADMIN, job_id, NOW)

    assert (world["Ana"], "learner") in members_of(engine, world["g1"])


def test_apply_is_refused_when_a_moved_person_can_no_longer_make_it(engine: Engine) -> None:
    world = _build(engine)
    job_id = _propose(engine, world["cohort"])
    with transaction(engine) as conn:  # Ana drops her Wednesdays
        conn.execute(
            availability_blocks.delete().where(
                availability_blocks.c.user_id == world["Ana"], availability_blocks.c.weekday == 2
            )
        )

    with pytest.raises(ConflictError, match="Ana can no longer make"):
        with transaction(engine) as conn:
            apply_regroup(conn, ADMIN, job_id, NOW)


def test_non_admins_are_refused_everywhere(engine: Engine) -> None:
    world = _build(engine)
    job_id = _propose(engine, world["cohort"])
    with transaction(engine) as conn:
        with pytest.raises(PermissionDeniedError):
            request_regroup_proposal(conn, LEARNER, world["cohort"], NOW)
        with pytest.raises(PermissionDeniedError):
            get_regroup_proposal(conn, LEARNER, job_id)
        with pytest.raises(PermissionDeniedError):
            apply_regroup(conn, LEARNER, job_id, NOW)


def test_a_cohort_without_meetings_ahead_or_not_running_is_refused(engine: Engine) -> None:
    world = _build(engine)
    after_the_end = datetime(2027, 5, 1, tzinfo=UTC)
    with pytest.raises(ConflictError, match="no published group with meetings ahead"):
        with transaction(engine) as conn:
            request_regroup_proposal(conn, ADMIN, world["cohort"], after_the_end)
    with transaction(engine) as conn:
        conn.execute(update(cohorts).values(status="open"))
    with pytest.raises(ConflictError, match="regrouping is for a running cohort"):
        with transaction(engine) as conn:
            request_regroup_proposal(conn, ADMIN, world["cohort"], NOW)


def test_a_proposal_still_being_computed_shows_its_status_and_cannot_be_applied(
    engine: Engine,
) -> None:
    world = _build(engine)
    with transaction(engine) as conn:
        job_id = request_regroup_proposal(conn, ADMIN, world["cohort"], NOW).job_id

    with engine.connect() as conn:
        found = get_regroup_proposal(conn, ADMIN, job_id)
    assert (found.status, found.proposal) == ("queued", None)
    with pytest.raises(ConflictError, match="not ready"), transaction(engine) as conn:
        apply_regroup(conn, ADMIN, job_id, NOW)
    with pytest.raises(NotFoundError), engine.connect() as conn:
        get_regroup_proposal(conn, ADMIN, job_id, cohort_id=world["cohort"] + 1)
