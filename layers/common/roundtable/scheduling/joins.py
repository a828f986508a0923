"""Proposed joins into published groups: recorded by a run, applied when publishing.

A scheduling run never changes a published group. It records on the run
(`scheduling_runs.stats["proposed_joins"]`) the newcomers who fit a published
group's time and room; publishing the cohort applies the latest run's
proposals once (the run notes `joins_applied_at`; a run an admin discarded
notes `joins_discarded_at` and is never applied), inside the publishing
transaction, each checked again: the group is still
published and has room, the person is still signed up as a learner and in no
group of the cohort, and still free at every remaining meeting. A proposal that
no longer holds is skipped; that person waits for the next run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from roundtable.db.tables import cohorts, groups, scheduling_runs, signups, users
from roundtable.errors import ConflictError
from roundtable.groups.learners import meeting_intervals
from roundtable.groups.memberships import active_learner_group, add_membership, count_active_members
from roundtable.people.availability import load_availability
from roundtable.scheduling.feasibility import person_can_attend
from roundtable.scheduling.proposals import proposals_settled


def apply_proposed_joins(conn: Connection, cohort_id: int, *, now: datetime) -> list[int]:
    """Add the latest run's proposed joiners to their published groups; the groups changed."""
    run = conn.execute(
        select(scheduling_runs.c.id, scheduling_runs.c.stats, scheduling_runs.c.params)
        .where(scheduling_runs.c.cohort_id == cohort_id)
        .order_by(scheduling_runs.c.id.desc())
        .limit(1)
    ).first()
    # Once only: a retried publish must not put back someone who left meanwhile;
    # never after an admin discarded the run.
    if run is None or proposals_settled(run.stats):
        return []
    applied = {**(run.stats or {}), "joins_applied_at": now.isoformat()}
    conn.execute(
        update(scheduling_runs).where(scheduling_runs.c.id == run.id).values(stats=applied)
    )
    changed = set()
    for proposal in (run.stats or {}).get("proposed_joins", []):
        user_id, group_id = int(proposal["user_id"]), int(proposal["group_id"])
        if not _still_fits(conn, cohort_id, user_id, group_id, run.params or {}, now):
            continue
        try:
            add_membership(conn, user_id, group_id, cohort_id, "learner", now)
        except ConflictError:  # someone placed them meanwhile; the savepoint undid ours
            continue
        changed.add(group_id)
    return sorted(changed)


def _still_fits(
    conn: Connection,
    cohort_id: int,
    user_id: int,
    group_id: int,
    params: Mapping[str, Any],
    now: datetime,
) -> bool:
    group = conn.execute(
        select(groups, cohorts.c.number_of_meetings, cohorts.c.max_group_size)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(groups.c.id == group_id, groups.c.cohort_id == cohort_id)
        .with_for_update(of=groups)  # the same lock self-service joins take: room holds
    ).first()
    if group is None or group.status != "active":
        return False
    capacity = int(params.get("max_group_size") or group.max_group_size)
    if count_active_members(conn, group_id) >= capacity:
        return False
    if not _signed_up_learner(conn, cohort_id, user_id):
        return False
    if active_learner_group(conn, user_id, cohort_id) is not None:
        return False
    return _free_for_the_rest(conn, group, user_id, bool(params.get("use_if_needed", True)), now)


def _signed_up_learner(conn: Connection, cohort_id: int, user_id: int) -> bool:
    role = conn.scalar(
        select(signups.c.role).where(
            signups.c.cohort_id == cohort_id,
            signups.c.user_id == user_id,
            signups.c.withdrawn_at.is_(None),
        )
    )
    return role == "learner"


def _free_for_the_rest(
    conn: Connection, group: Any, user_id: int, use_if_needed: bool, now: datetime
) -> bool:
    """Availability may have changed since the run: check the meetings still to come."""
    remaining = [
        start
        for start, _end in meeting_intervals(conn, group, group.number_of_meetings)
        if start >= now
    ]
    timezone = conn.scalar(select(users.c.timezone).where(users.c.id == user_id))
    blocks = [
        interval
        for interval in load_availability(conn, [user_id])[user_id]
        if use_if_needed or interval.kind == "available"
    ]
    try:
        return person_can_attend(blocks, str(timezone), remaining, group.meeting_minutes)
    except ValueError:  # an unknown zone (InvalidInputError): cannot show they fit
        return False
