"""Incremental runs: published groups never move; newcomers who fit are proposed, then join
when the cohort is published."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from roundtable.db.tables import groups, jobs, signups
from roundtable.groups.memberships import soft_remove
from roundtable.scheduling.proposals import discard_proposed_joins, pending_proposed_joins
from roundtable.scheduling.service import run_scheduling
from roundtable.sync.publish import activate_preview_groups
from tests.integration.scheduling.world import (
    NOW,
    add_cohort,
    add_facilitator,
    add_group,
    add_person,
    members_of,
    preview_groups,
    reasons,
    runs,
)

TUESDAY = {"Tuesday": [("18:00", "19:00")]}
WEDNESDAY = {"Wednesday": [("18:00", "19:00")]}
THURSDAY = {"Thursday": [("18:00", "19:00")]}


@pytest.fixture
def cohort(engine: Engine) -> dict[str, Any]:
    """A published Tuesday group with room, a full Thursday group, and newcomers."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Autumn 2027")
        free_week = {**TUESDAY, **WEDNESDAY}
        ada = add_facilitator(conn, cohort_id, "UTC", free_week, max_groups=1)
        regulars = [add_person(conn, cohort_id, "UTC", TUESDAY) for _ in range(3)]
        tuesday = add_group(
            conn,
            cohort_id,
            "Tuesday Group",
            weekday=1,
            at=time(18, 0),
            members=[(ada, "facilitator"), *[(r, "learner") for r in regulars]],
        )
        bo = add_facilitator(conn, cohort_id, "UTC", THURSDAY, max_groups=1)
        full = add_group(
            conn,
            cohort_id,
            "Thursday Group",
            weekday=3,
            at=time(18, 0),
            members=[
                (bo, "facilitator"),
                *[(add_person(conn, cohort_id, "UTC", THURSDAY), "learner") for _ in range(7)],
            ],
        )
        newcomers = [
            add_person(conn, cohort_id, "UTC", TUESDAY),
            # Lisbon moves to UTC+1 on 28 March: 18:00 UTC is 18:00, then 19:00 local.
            add_person(conn, cohort_id, "Europe/Lisbon", {"Tuesday": [("18:00", "20:00")]}),
        ]
        # Free only 18:00-19:00 Lisbon time: the group's 18:00 UTC leaves them from 30 March.
        summer_gap = add_person(conn, cohort_id, "Europe/Lisbon", TUESDAY)
        wednesday = [add_person(conn, cohort_id, "UTC", WEDNESDAY) for _ in range(3)]
        late_for_full = add_person(conn, cohort_id, "UTC", THURSDAY)
    return {
        "id": cohort_id,
        "tuesday": tuesday,
        "full": full,
        "newcomers": newcomers,
        "summer_gap": summer_gap,
        "wednesday": wednesday,
        "late_for_full": late_for_full,
    }


def _group_rows(engine: Engine, cohort_id: int) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            select(groups).where(groups.c.cohort_id == cohort_id).order_by(groups.c.id)
        ).all()


def _schedule(engine: Engine, cohort_id: int) -> dict[str, Any]:
    return run_scheduling(engine, cohort_id, now=NOW, time_limit=10.0).as_record()


def test_a_run_changes_no_published_group_and_proposes_newcomers_who_fit(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    before = _group_rows(engine, cohort["id"])
    members_before = {g: members_of(engine, g) for g in (cohort["tuesday"], cohort["full"])}

    summary = _schedule(engine, cohort["id"])

    assert _group_rows(engine, cohort["id"]) == before
    assert {g: members_of(engine, g) for g in members_before} == members_before
    assert preview_groups(engine, cohort["id"]) == []
    proposals = runs(engine, cohort["id"])[-1].stats["proposed_joins"]
    assert proposals == [
        {"user_id": user, "group_id": cohort["tuesday"], "group_name": "Tuesday Group"}
        for user in cohort["newcomers"]
    ]
    assert (summary["proposed_joins"], summary["placed"]) == (2, 12)
    stored = reasons(engine, cohort["id"])
    for user, proposal in zip(cohort["newcomers"], proposals, strict=True):
        assert stored[user] == (None, {"proposed_join": proposal, "run_id": summary["run_id"]})
    assert stored[cohort["summer_gap"]][0] is not None
    # Ada could lead Wednesday, but her one group is taken; Thursday is full.
    assert {stored[u][0] for u in cohort["wednesday"]} == {"facilitator_capacity"}
    assert stored[cohort["late_for_full"]][0] == "too_few_learners"


def test_publishing_applies_the_proposed_joins_once(engine: Engine, cohort: dict[str, Any]) -> None:
    _schedule(engine, cohort["id"])
    before = members_of(engine, cohort["tuesday"])

    activate_preview_groups(engine, cohort["id"], now=NOW)

    joined = [(user, "learner") for user in cohort["newcomers"]]
    assert members_of(engine, cohort["tuesday"]) == sorted(before + joined)
    stored = reasons(engine, cohort["id"])
    assert all(stored[user] == (None, None) for user in cohort["newcomers"])
    assert runs(engine, cohort["id"])[-1].stats["joins_applied_at"] == NOW.isoformat()
    # The group was announced at its own publish; each joiner is told on their own.
    with engine.connect() as conn:
        told = conn.scalars(select(jobs.c.payload).where(jobs.c.kind == "send_notification"))
        assigned = {p["user_id"] for p in told if p["kind"] == "group_assigned"}
    assert assigned == set(cohort["newcomers"])
    # Someone who leaves afterwards is not put back by a retried publish.
    with engine.begin() as conn:
        soft_remove(conn, cohort["newcomers"][0], cohort["tuesday"], "moved away", NOW)
    activate_preview_groups(engine, cohort["id"], now=NOW)
    assert cohort["newcomers"][0] not in [u for u, _ in members_of(engine, cohort["tuesday"])]


def test_a_discarded_runs_proposals_are_never_applied(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    _schedule(engine, cohort["id"])
    before = members_of(engine, cohort["tuesday"])
    run_id = runs(engine, cohort["id"])[-1].id
    with engine.begin() as conn:
        assert pending_proposed_joins(conn, cohort["id"]) == 2
        assert discard_proposed_joins(conn, run_id, NOW) == 2
        assert pending_proposed_joins(conn, cohort["id"]) == 0

    activate_preview_groups(engine, cohort["id"], now=NOW)

    assert members_of(engine, cohort["tuesday"]) == before


def test_a_proposal_that_no_longer_holds_at_publishing_is_skipped(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    _schedule(engine, cohort["id"])
    first, second = cohort["newcomers"]
    with engine.begin() as conn:
        conn.execute(update(signups).where(signups.c.user_id == first).values(withdrawn_at=NOW))

    activate_preview_groups(engine, cohort["id"], now=NOW)

    learners = [u for u, role in members_of(engine, cohort["tuesday"]) if role == "learner"]
    assert first not in learners and second in learners


def test_newcomers_fill_a_published_group_before_new_groups_form(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        add_facilitator(conn, cohort["id"], "UTC", TUESDAY, max_groups=1)
        more = [add_person(conn, cohort["id"], "UTC", TUESDAY) for _ in range(2)]

    summary = _schedule(engine, cohort["id"])

    # Four newcomers fit Tuesday, enough for a new group with the free facilitator, and
    # the published group has room for exactly four: they join it instead.
    proposals = runs(engine, cohort["id"])[-1].stats["proposed_joins"]
    assert sorted(p["user_id"] for p in proposals) == sorted([*cohort["newcomers"], *more])
    assert all(g["time"] != "Tuesday 18:00 UTC" for g in summary["groups"])
