"""Saving a scheduling run: one short transaction after the solve.

Under a lock on the cohort row (publishing takes the same lock), in order:
refuse if a published group or a placed person changed while the solver ran;
delete the cohort's previous preview groups (their members cascade); insert
the run (with its proposed joins into published groups), the new preview
groups under names unique in the cohort, and their members; set or clear
every scheduled person's unplaced reason. Any failure rolls all of it back,
so the previous preview stays exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import JSONB

from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts, group_members, groups, scheduling_runs, signups
from roundtable.errors import ConflictError, NotFoundError
from roundtable.scheduling.model import Group, ScheduleResult, Stats, Unplaced
from roundtable.scheduling.published import published_groups
from roundtable.scheduling.timegrid import series_datetimes

if TYPE_CHECKING:
    from roundtable.scheduling.cohort_problem import CohortProblem


@dataclass(frozen=True)
class SavedRun:
    run_id: int
    group_ids: list[int]  # the new preview groups, in the result's order
    names: list[str]  # their names as stored (unique in the cohort)
    joins: list[dict[str, Any]]  # proposed joins: {"user_id", "group_id", "group_name"}


def save_run(
    engine: Engine,
    problem: CohortProblem,
    result: ScheduleResult,
    *,
    run_params: dict[str, Any],
    notes: list[str],
    job_id: int | None,
    now: datetime | None = None,
) -> SavedRun:
    """Replace the cohort's preview with this run's, in one transaction. Its members join
    their groups `now` (the run's time; the database's clock when None)."""
    joins = proposed_joins(problem, result)
    with transaction(engine) as conn:
        _lock_cohort(conn, problem.cohort_id)
        _refuse_if_changed(conn, problem, result)
        conn.execute(
            delete(groups).where(
                groups.c.cohort_id == problem.cohort_id, groups.c.status == "preview"
            )
        )
        run_id = _insert_run(conn, problem, result, run_params, notes, joins, job_id)
        ids, names = _insert_groups(conn, problem, result, run_id, now)
        _record_reasons(conn, problem, result, joins, run_id)
    return SavedRun(run_id, ids, names, joins)


def proposed_joins(problem: CohortProblem, result: ScheduleResult) -> list[dict[str, Any]]:
    """Newcomers the run puts into published groups (applied only when publishing)."""
    before = {group.name: set(group.learners) for group in problem.existing}
    return [
        {
            "user_id": int(member),
            "group_id": problem.existing_ids[group.name],
            "group_name": group.name,
        }
        for group in result.groups
        if group.existing
        for member in group.learners
        if member not in before[group.name]
    ]


def _lock_cohort(conn: Connection, cohort_id: int) -> None:
    found = conn.scalar(select(cohorts.c.id).where(cohorts.c.id == cohort_id).with_for_update())
    if found is None:
        raise NotFoundError(f"cohort {cohort_id} was deleted while it was being scheduled")


def _refuse_if_changed(conn: Connection, problem: CohortProblem, result: ScheduleResult) -> None:
    """A stale answer could break a published group or seat someone who left: run again."""
    if published_groups(conn, problem.cohort_id) != problem.published:
        raise ConflictError(
            f"the published groups of {problem.cohort_name} changed while the scheduler ran; "
            "run scheduling again"
        )
    placed = {m for g in result.groups for m in (*g.facilitators, *g.learners)}
    newcomers = {int(m) for m in placed - problem.grouped}
    still = set(
        conn.scalars(
            select(signups.c.user_id).where(
                signups.c.cohort_id == problem.cohort_id,
                signups.c.withdrawn_at.is_(None),
                signups.c.user_id.in_(newcomers),
            )
        )
    )
    gone = sorted(newcomers - still)
    if gone:
        raise ConflictError(
            f"user(s) {', '.join(map(str, gone))} withdrew from {problem.cohort_name} while "
            "the scheduler ran; run scheduling again"
        )


def _insert_run(
    conn: Connection,
    problem: CohortProblem,
    result: ScheduleResult,
    run_params: dict[str, Any],
    notes: list[str],
    joins: list[dict[str, Any]],
    job_id: int | None,
) -> int:
    stats = {
        **stats_document(result.stats),
        "groups": sum(not g.existing for g in result.groups),
        "proposed_joins": joins,
    }
    return int(
        conn.scalar(
            insert(scheduling_runs)
            .values(
                cohort_id=problem.cohort_id,
                job_id=job_id,
                params=run_params,
                stats=stats,
                notes=notes,
            )
            .returning(scheduling_runs.c.id)
        )
    )


def stats_document(stats: Stats) -> dict[str, Any]:
    """The solver's statistics as JSON."""
    return {
        "learners": stats.learners,
        "placed": stats.placed,
        "upper_bound": stats.upper_bound,
        "gap": round(stats.gap, 6),
        "seconds": stats.seconds,
        "method": stats.method,
        "heuristic_placed": stats.heuristic_placed,
        "phases": list(stats.phases),
        "placement_seconds": stats.placement_seconds,
    }


def _insert_groups(
    conn: Connection,
    problem: CohortProblem,
    result: ScheduleResult,
    run_id: int,
    now: datetime | None,
) -> tuple[list[int], list[str]]:
    # Previews are gone by now, so these are the names of groups that stay.
    taken = set(conn.scalars(select(groups.c.name).where(groups.c.cohort_id == problem.cohort_id)))
    ids, names = [], []
    for group in (g for g in result.groups if not g.existing):
        name = unique_name(group.name, taken)
        taken.add(name)
        ids.append(_insert_group(conn, problem, group, name, run_id, now))
        names.append(name)
    return ids, names


def unique_name(wanted: str, taken: set[str]) -> str:
    """`wanted` if free, else the first free 'Group N'."""
    number = 1
    name = wanted
    while name in taken:
        name = f"Group {number}"
        number += 1
    return name


def _insert_group(
    conn: Connection,
    problem: CohortProblem,
    group: Group,
    name: str,
    run_id: int,
    now: datetime | None,
) -> int:
    params = problem.params
    hours, minutes = divmod(group.start.local_minute, 60)
    group_id = int(
        conn.scalar(
            insert(groups)
            .values(
                cohort_id=problem.cohort_id,
                scheduling_run_id=run_id,
                name=name,
                status="preview",
                anchor_timezone=group.start.anchor,
                weekday=group.start.weekday,
                local_time=time(hours, minutes),
                meeting_minutes=params.meeting_minutes,
                first_meeting_at=series_datetimes(group.start, params)[0],
            )
            .returning(groups.c.id)
        )
    )
    members = [(m, "facilitator") for m in group.facilitators]
    members += [(m, "learner") for m in group.learners]
    joined = {"joined_at": now} if now is not None else {}
    conn.execute(
        insert(group_members),
        [
            {
                "group_id": group_id,
                "user_id": int(m),
                "cohort_id": problem.cohort_id,
                "role": role,
                **joined,
            }
            for m, role in members
        ],
    )
    return group_id


def _record_reasons(
    conn: Connection,
    problem: CohortProblem,
    result: ScheduleResult,
    joins: list[dict[str, Any]],
    run_id: int,
) -> None:
    """Everyone in this run: placed people cleared, the rest told why and what would help."""
    scheduled = [int(p.id) for p in problem.people] + [int(u.person_id) for u in problem.rejected]
    conn.execute(
        update(signups)
        .where(signups.c.cohort_id == problem.cohort_id, signups.c.user_id.in_(scheduled))
        .values(unplaced_reason=None, unplaced_detail=None)
    )
    unplaced = [u for u in result.unplaced if u.person_id not in problem.grouped]
    rows = [_unplaced_row(u, run_id) for u in (*unplaced, *problem.rejected)]
    rows += [
        {
            "b_user": join["user_id"],
            "b_reason": None,
            "b_detail": {"proposed_join": join, "run_id": run_id},
        }
        for join in joins
    ]
    if rows:
        conn.execute(
            update(signups)
            .where(
                signups.c.cohort_id == problem.cohort_id,
                signups.c.user_id == bindparam("b_user"),
            )
            .values(
                unplaced_reason=bindparam("b_reason", type_=signups.c.unplaced_reason.type),
                unplaced_detail=bindparam("b_detail", type_=JSONB),
            ),
            rows,
        )


def _unplaced_row(entry: Unplaced, run_id: int) -> dict[str, Any]:
    detail = {
        "reason": entry.reason.value,
        "detail": entry.detail,
        "suggestions": list(entry.suggestions),
        "run_id": run_id,
    }
    return {"b_user": int(entry.person_id), "b_reason": entry.reason.value, "b_detail": detail}
