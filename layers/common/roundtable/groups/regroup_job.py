"""Job kind `propose_regroup`: compute a regroup proposal for a running cohort; change nothing.

Payload: `{"cohort_id": 3, "as_of": "2027-03-20T12:00:00+00:00"}` (`as_of`: the
moment the admin asked; meetings after it count as remaining).

Loads the cohort in one short read-only transaction, solves with no
connection held, and returns the proposal as the job's result
(`ProposalRecord.as_record()`): the plan, the fingerprint of the memberships
it was computed from, and what the diff shows (moved people's names and
zones, the target groups' weekly times and remaining meetings), so reading
the proposal later shows what was proposed even if names change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from roundtable.errors import ValidationError
from roundtable.groups.regroup_load import load_regroup
from roundtable.jobs import JobContext, job_handler
from roundtable.jobs.registry import JobResult
from roundtable.scheduling.regroup import RegroupPlan, RegroupProblem, plan_from_record
from roundtable.scheduling.regroup_solve import propose

KIND = "propose_regroup"
TIME_LIMIT_SECONDS = 120.0


@dataclass(frozen=True)
class PersonSnapshot:
    name: str
    timezone: str


@dataclass(frozen=True)
class GroupSnapshot:
    name: str
    anchor_timezone: str
    weekday: int
    local_time: time
    meeting_minutes: int
    remaining: tuple[datetime, ...]


@dataclass(frozen=True)
class ProposalRecord:
    """What a `propose_regroup` job stores as its result."""

    cohort_id: int
    cohort_name: str
    as_of: datetime
    fingerprint: str
    plan: RegroupPlan
    people: dict[int, PersonSnapshot]  # the moved learners
    groups: dict[int, GroupSnapshot]  # the groups someone moves to
    applied_at: datetime | None = None

    def as_record(self) -> dict[str, Any]:
        return {
            "cohort_id": self.cohort_id,
            "cohort_name": self.cohort_name,
            "as_of": self.as_of.isoformat(),
            "fingerprint": self.fingerprint,
            "plan": self.plan.as_record(),
            "people": {str(k): vars(v) for k, v in self.people.items()},
            "groups": {
                str(k): {
                    **vars(v),
                    "local_time": v.local_time.isoformat(),
                    "remaining": [moment.isoformat() for moment in v.remaining],
                }
                for k, v in self.groups.items()
            },
            "applied_at": self.applied_at.isoformat() if self.applied_at else None,
        }


def read_record(record: Mapping[str, Any]) -> ProposalRecord:
    """The proposal a job stored (the inverse of `ProposalRecord.as_record`)."""
    applied = record.get("applied_at")
    return ProposalRecord(
        cohort_id=int(record["cohort_id"]),
        cohort_name=str(record["cohort_name"]),
        as_of=datetime.fromisoformat(record["as_of"]),
        fingerprint=str(record["fingerprint"]),
        plan=plan_from_record(record["plan"]),
        people={int(k): PersonSnapshot(**v) for k, v in record["people"].items()},
        groups={
            int(k): GroupSnapshot(
                name=v["name"],
                anchor_timezone=v["anchor_timezone"],
                weekday=int(v["weekday"]),
                local_time=time.fromisoformat(v["local_time"]),
                meeting_minutes=int(v["meeting_minutes"]),
                remaining=tuple(datetime.fromisoformat(m) for m in v["remaining"]),
            )
            for k, v in record["groups"].items()
        },
        applied_at=datetime.fromisoformat(applied) if applied else None,
    )


def snapshot(
    cohort_id: int,
    cohort_name: str,
    as_of: datetime,
    fingerprint: str,
    problem: RegroupProblem,
    plan: RegroupPlan,
) -> ProposalRecord:
    """The record of a plan, with what its diff needs to be shown."""
    learners = {learner.id: learner for learner in problem.learners}
    groups = {group.id: group for group in problem.groups}
    return ProposalRecord(
        cohort_id=cohort_id,
        cohort_name=cohort_name,
        as_of=as_of,
        fingerprint=fingerprint,
        plan=plan,
        people={
            move.learner_id: PersonSnapshot(
                learners[move.learner_id].name, learners[move.learner_id].timezone
            )
            for move in plan.moves
        },
        groups={
            move.to_group: GroupSnapshot(
                name=groups[move.to_group].name,
                anchor_timezone=groups[move.to_group].anchor_timezone,
                weekday=groups[move.to_group].weekday,
                local_time=groups[move.to_group].local_time,
                meeting_minutes=groups[move.to_group].meeting_minutes,
                remaining=groups[move.to_group].remaining,
            )
            for move in plan.moves
        },
    )


@job_handler(KIND)
def propose_regroup_job(ctx: JobContext) -> JobResult:
    """Load, solve, and return the proposal as the job's result; nothing else changes."""
    cohort_id, as_of = _payload(ctx.payload)
    ctx.report_progress({"stage": "loading", "cohort_id": cohort_id})
    with ctx.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():  # one consistent read: groups, members and availability together
            loaded = load_regroup(conn, cohort_id, as_of)
    ctx.report_progress({"stage": "solving", "cohort_id": cohort_id})
    plan = propose(loaded.problem, time_limit=TIME_LIMIT_SECONDS, seed=0)
    ctx.report_progress({"stage": "done", "cohort_id": cohort_id, "moves": len(plan.moves)})
    record = snapshot(
        loaded.cohort_id, loaded.cohort_name, as_of, loaded.fingerprint, loaded.problem, plan
    )
    return record.as_record()


def _payload(payload: Mapping[str, Any]) -> tuple[int, datetime]:
    cohort_id = payload.get("cohort_id")
    if not isinstance(cohort_id, int) or isinstance(cohort_id, bool) or cohort_id <= 0:
        raise ValidationError(f"cohort_id must be a positive integer, got {cohort_id!r}")
    try:
        as_of = datetime.fromisoformat(str(payload.get("as_of")))
    except ValueError:
        raise ValidationError(
            f"as_of must be an ISO datetime, got {payload.get('as_of')!r}"
        ) from None
    if as_of.tzinfo is None:
        raise ValidationError("as_of must carry a UTC offset")
    return cohort_id, as_of
