"""Regrouping a running cohort: ask for a proposal, read it as a diff, apply it when accepted.

A proposal is computed by the `propose_regroup` job (regroup_job.py) from the
cohort's live groups (the model: roundtable.scheduling.regroup): fewest groups
left below the minimum, then fewest people moved, each move only to a group
whose every remaining meeting the person can make in their own zone. Nothing
changes until an admin applies it; applying checks that the memberships are
still the ones the proposal was computed from (a fingerprint) and that every
moved person can still make their new group's remaining meetings, then moves
everyone in one transaction through `groups.memberships` (so the people moved
are told, and Discord and the calendar are synced), and cancels the groups
the proposal dissolves (their facilitators are freed and told; `groups.cancellation`:
the sync archives their channels, deletes their roles and ends their calendar series).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from roundtable.cohorts.admin import cohort_row
from roundtable.cohorts.lifecycle import require_phase
from roundtable.db.tables import jobs
from roundtable.errors import ConflictError, NotFoundError
from roundtable.groups.cancellation import cancel_groups
from roundtable.groups.memberships import add_membership, enqueue_group_syncs, soft_remove
from roundtable.groups.regroup_job import KIND, ProposalRecord, read_record
from roundtable.groups.regroup_load import groups_ahead, load_regroup, memberships_fingerprint
from roundtable.jobs import enqueue
from roundtable.meetings.times import WeeklySlot, describe_series
from roundtable.people.actors import Actor
from roundtable.scheduling.published import published_groups
from roundtable.scheduling.regroup import can_join

# A failed solve is retried once; a second failure is reported to the admin.
PROPOSAL_ATTEMPTS = 2
MOVED_REASON = "regrouped"
DISSOLVED_REASON = "group dissolved in a regroup"
CHANGED = "The groups changed since this proposal; ask for a new one."


@dataclass(frozen=True)
class RegroupRequested:
    job_id: int
    cohort_id: int
    cohort_name: str


@dataclass(frozen=True)
class MoveView:
    user_id: int
    name: str
    timezone: str
    from_group_id: int
    from_group: str
    to_group_id: int
    to_group: str
    # The target group's weekly time in the person's zone, at its next remaining meeting.
    weekday: str  # "Tuesday"
    local_time: str  # "18:00"
    time_note: str | None  # when their local time shifts over the remaining dates (DST)
    summary: str  # "Ana: Group 3 → Group 5, Tuesdays 18:00 your time (Europe/Lisbon)"


@dataclass(frozen=True)
class GroupChange:
    group_id: int
    name: str
    facilitators: int
    learners_before: int
    learners_after: int
    size_before: int
    size_after: int
    below_min_before: bool
    below_min_after: bool
    dissolved: bool


@dataclass(frozen=True)
class PhaseView:
    name: str  # "undersized", "moves", "dissolved"
    value: int
    bound: int
    proven: bool


@dataclass(frozen=True)
class ProposalView:
    as_of: datetime
    min_size: int
    max_size: int
    moves: list[MoveView]
    groups: list[GroupChange]
    moves_count: int
    below_min_before: int
    below_min_after: int
    dissolved: int
    proven_optimal: bool
    optimality: str  # "proven optimal: 0 below the minimum, 1 moved, 1 dissolved (highs)"
    phases: list[PhaseView]
    solve_seconds: float
    applied_at: datetime | None


@dataclass(frozen=True)
class RegroupProposal:
    """A proposal job: its status while it runs, the proposal once it succeeded."""

    job_id: int
    cohort_id: int
    status: str  # queued, running, succeeded, failed
    error: str | None
    proposal: ProposalView | None


@dataclass(frozen=True)
class RegroupApplied:
    job_id: int
    cohort_id: int
    moved: int
    dissolved_group_ids: list[int]
    sync_job_ids: list[int]


def request_regroup_proposal(
    conn: Connection, actor: Actor, cohort_id: int, now: datetime
) -> RegroupRequested:
    """Queue a proposal for a running cohort (one at a time per cohort); nothing changes."""
    actor.require_admin()
    cohort = cohort_row(conn, cohort_id, lock=True)
    require_phase(conn, cohort.id, "regroup")
    if not groups_ahead(conn, cohort, now):
        raise ConflictError(
            f"{cohort.name} has no published group with meetings ahead; "
            "there is nothing to regroup."
        )
    job_id = enqueue(
        conn,
        KIND,
        {"cohort_id": cohort.id, "as_of": now.isoformat()},
        dedup_key=f"{KIND}:{cohort.id}",
        created_by=actor.user_id,
        max_attempts=PROPOSAL_ATTEMPTS,
    )
    return RegroupRequested(job_id, cohort.id, cohort.name)


def get_regroup_proposal(
    conn: Connection, actor: Actor, job_id: int, *, cohort_id: int | None = None
) -> RegroupProposal:
    """The proposal as a diff, or the job's status while it is being computed."""
    actor.require_admin()
    job = _job(conn, job_id, cohort_id)
    if job.status != "succeeded":
        return RegroupProposal(job.id, job.payload["cohort_id"], job.status, job.error, None)
    record = read_record(job.result)
    return RegroupProposal(job.id, record.cohort_id, job.status, None, _view(record))


def apply_regroup(
    conn: Connection, actor: Actor, job_id: int, now: datetime, *, cohort_id: int | None = None
) -> RegroupApplied:
    """Apply a proposal in one transaction, if the groups are still the ones it was made for."""
    actor.require_admin()
    job = _job(conn, job_id, cohort_id, lock=True)
    if job.status != "succeeded":
        raise ConflictError(f"This proposal is not ready (its job is {job.status}).")
    record = read_record(job.result)
    if record.applied_at is not None:
        raise ConflictError(f"This proposal was applied at {record.applied_at:%Y-%m-%d %H:%M} UTC.")
    cohort_row(conn, record.cohort_id, lock=True)  # publishing and scheduling saves take it too
    require_phase(conn, record.cohort_id, "regroup")
    if memberships_fingerprint(conn, record.cohort_id) != record.fingerprint:
        raise ConflictError(CHANGED)
    _check_moves_still_fit(conn, record, now)
    changed = _move_everyone(conn, record, now)
    changed += _dissolve(conn, record, now, actor.user_id)
    syncs = enqueue_group_syncs(conn, changed, created_by=actor.user_id)
    applied = {**job.result, "applied_at": now.isoformat(), "applied_by": actor.user_id}
    conn.execute(update(jobs).where(jobs.c.id == job.id).values(result=applied))
    return RegroupApplied(
        job.id, record.cohort_id, len(record.plan.moves), list(record.plan.dissolved), syncs
    )


def _job(conn: Connection, job_id: int, cohort_id: int | None, *, lock: bool = False) -> Any:
    query = select(jobs).where(jobs.c.id == job_id)
    job = conn.execute(query.with_for_update() if lock else query).first()
    if job is None or job.kind != KIND:
        raise NotFoundError(f"There is no regroup proposal {job_id}.")
    if cohort_id is not None and job.payload.get("cohort_id") != cohort_id:
        raise NotFoundError(f"There is no regroup proposal {job_id} for cohort {cohort_id}.")
    return job


def _check_moves_still_fit(conn: Connection, record: ProposalRecord, now: datetime) -> None:
    """Availability may have changed since the proposal: every move must still fit, from now."""
    if not record.plan.moves:
        return
    problem = load_regroup(conn, record.cohort_id, now).problem
    learners = {learner.id: learner for learner in problem.learners}
    targets = {group.id: group for group in problem.groups}
    for move in record.plan.moves:
        learner, target = learners.get(move.learner_id), targets.get(move.to_group)
        if learner is None or target is None or not can_join(learner, target):
            name = record.people[move.learner_id].name
            raise ConflictError(
                f"{name} can no longer make every remaining meeting of "
                f"{record.groups[move.to_group].name}; ask for a new proposal."
            )


def _move_everyone(conn: Connection, record: ProposalRecord, now: datetime) -> list[int]:
    """Each move is a removal and an addition, so both groups' people are told and synced."""
    changed = []
    for move in record.plan.moves:
        soft_remove(conn, move.learner_id, move.from_group, MOVED_REASON, now)
        add_membership(conn, move.learner_id, move.to_group, record.cohort_id, "learner", now)
        changed += [move.from_group, move.to_group]
    return changed


def _dissolve(
    conn: Connection, record: ProposalRecord, now: datetime, actor_id: int | None
) -> list[int]:
    """Free the dissolved groups' facilitators (told while the group is live), then cancel."""
    dissolved = list(record.plan.dissolved)
    members = {group.id: group.members for group in published_groups(conn, record.cohort_id)}
    for group_id in dissolved:
        for user_id, _role in members.get(group_id, ()):
            soft_remove(conn, user_id, group_id, DISSOLVED_REASON, now)
    # Everyone was told above; the sync archives the group and ends its calendar series.
    cancel_groups(
        conn, dissolved, now=now, reason=DISSOLVED_REASON, created_by=actor_id, tell_members=False
    )
    return dissolved


def _view(record: ProposalRecord) -> ProposalView:
    plan = record.plan
    outcomes = {group.group_id: group for group in plan.groups}
    moves = [_move_view(record, move, outcomes) for move in plan.moves]
    return ProposalView(
        as_of=record.as_of,
        min_size=plan.min_size,
        max_size=plan.max_size,
        moves=moves,
        groups=[GroupChange(**vars(group)) for group in plan.groups],
        moves_count=len(moves),
        below_min_before=sum(group.below_min_before for group in plan.groups),
        below_min_after=sum(group.below_min_after for group in plan.groups),
        dissolved=len(plan.dissolved),
        proven_optimal=plan.optimality.proven,
        optimality=plan.optimality.text(),
        phases=[PhaseView(**vars(phase)) for phase in plan.optimality.phases],
        solve_seconds=plan.optimality.seconds,
        applied_at=record.applied_at,
    )


def _move_view(record: ProposalRecord, move: Any, outcomes: dict[int, Any]) -> MoveView:
    person = record.people[move.learner_id]
    target = record.groups[move.to_group]
    slot = WeeklySlot(
        target.anchor_timezone, target.weekday, target.local_time, target.meeting_minutes
    )
    seen = describe_series(list(target.remaining), person.timezone, slot, record.as_of)
    source = outcomes[move.from_group].name
    summary = (
        f"{person.name}: {source} → {target.name}, {seen.local.weekday_name}s "
        f"{seen.local.time} your time ({person.timezone})"
    )
    return MoveView(
        user_id=move.learner_id,
        name=person.name,
        timezone=person.timezone,
        from_group_id=move.from_group,
        from_group=source,
        to_group_id=move.to_group,
        to_group=target.name,
        weekday=seen.local.weekday_name,
        local_time=seen.local.time,
        time_note=seen.note,
        summary=summary,
    )
