"""Admin requests for long work on a cohort or group, and discarding a scheduling run.

Scheduling, publishing and syncing are jobs: each function here checks who
asks and the state, enqueues the job and says which job it is and what it is
about; GET /api/jobs/{id} (or the Discord reply) follows it. Every door calls
these, so the web and Discord refuse and accept the same requests alike.

`reply_to` is opaque here: whatever the asking door needs to be answered when
the job ends (Discord passes its interaction webhook). It is stored in the
job payload under "reply_to" and read by the job's reply port.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, func, select

from roundtable.cohorts.admin import cohort_row, group_row
from roundtable.cohorts.lifecycle import require_phase
from roundtable.cohorts.options import SchedulingOptions, check_options
from roundtable.db.tables import groups, jobs, scheduling_runs
from roundtable.errors import ConflictError, NotFoundError
from roundtable.jobs import enqueue
from roundtable.people.actors import Actor
from roundtable.scheduling.proposals import discard_proposed_joins, pending_proposed_joins

ReplyTo = Mapping[str, str] | None
# A failed scheduling run is retried once: a second failure is a bug or bad data,
# and the admin, told of it, decides whether to run it again.
SCHEDULING_ATTEMPTS = 2
_ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class SchedulingRequested:
    job_id: int
    cohort_id: int
    cohort_name: str
    options: SchedulingOptions


@dataclass(frozen=True)
class PublishRequested:
    job_id: int
    cohort_id: int
    cohort_name: str
    run_id: int | None  # the run whose summary asked (Discord's button); None: the cohort's preview
    preview_groups: int
    proposed_joins: int


@dataclass(frozen=True)
class SyncRequested:
    job_id: int
    kind: Literal["sync_group", "sync_cohort"]
    target_id: int
    target_name: str  # the group's or the cohort's name


@dataclass(frozen=True)
class RunDiscarded:
    cohort_id: int
    cohort_name: str
    run_id: int
    groups_removed: int
    joins_voided: int


def request_scheduling(
    conn: Connection,
    actor: Actor,
    cohort_id: int,
    options: SchedulingOptions | None = None,
    *,
    reply_to: ReplyTo = None,
) -> SchedulingRequested:
    """Queue the scheduler for the cohort; its result becomes the cohort's preview."""
    actor.require_admin()
    cohort = cohort_row(conn, cohort_id, lock=True)  # the lock orders racing requests
    require_phase(conn, cohort.id, "schedule")  # completed, cancelled (and draft) are refused
    checked = check_options(
        options or SchedulingOptions(),
        cohort_min=cohort.min_group_size,
        cohort_max=cohort.max_group_size,
    )
    key = f"schedule_cohort:{cohort.id}"
    _refuse_if_active(conn, key, f"Scheduling {cohort.name}")
    job_id = enqueue(
        conn,
        "schedule_cohort",
        _payload({"cohort_id": cohort.id, "params": checked.as_params()}, reply_to),
        dedup_key=key,
        created_by=actor.user_id,
        max_attempts=SCHEDULING_ATTEMPTS,
    )
    return SchedulingRequested(job_id, cohort.id, cohort.name, checked)


def request_publish(
    conn: Connection,
    actor: Actor,
    cohort_id: int,
    *,
    run_id: int | None = None,
    reply_to: ReplyTo = None,
) -> PublishRequested:
    """Queue publishing the cohort's preview groups and proposed joins.

    With `run_id` (a run's summary asked), only while that run is the cohort's latest.
    """
    actor.require_admin()
    cohort = cohort_row(conn, cohort_id, lock=True)
    require_phase(conn, cohort.id, "publish")
    if run_id is not None:
        _check_latest_run(conn, cohort, run_id)
    previews = _preview_groups(conn, cohort.id)
    joins = pending_proposed_joins(conn, cohort.id)
    if not previews and not joins:
        raise ConflictError(
            f"{cohort.name} has no preview groups or proposed joins to publish; "
            "run scheduling first."
        )
    key = f"publish_cohort:{cohort.id}"
    _refuse_if_active(conn, key, f"Publishing {cohort.name}")
    payload: dict[str, Any] = {"cohort_id": cohort.id}
    if run_id is not None:
        payload["run_id"] = run_id
    job_id = enqueue(
        conn, "publish_cohort", _payload(payload, reply_to), dedup_key=key, created_by=actor.user_id
    )
    return PublishRequested(job_id, cohort.id, cohort.name, run_id, previews, joins)


def discard_run(
    conn: Connection, actor: Actor, cohort_id: int, run_id: int, now: datetime
) -> RunDiscarded:
    """Drop the cohort's latest run: delete its preview groups and void its proposed joins.

    Published groups are never touched; the people placed in the deleted
    groups are waiting again. Refused while the cohort is being published.
    """
    actor.require_admin()
    cohort = cohort_row(conn, cohort_id, lock=True)
    _check_latest_run(conn, cohort, run_id)
    _refuse_if_active(
        conn,
        f"publish_cohort:{cohort.id}",
        f"Publishing {cohort.name}",
        then="wait for it to finish before discarding",
    )
    removed = conn.execute(
        delete(groups).where(
            groups.c.cohort_id == cohort.id,
            groups.c.scheduling_run_id == run_id,
            groups.c.status == "preview",
        )
    ).rowcount
    voided = discard_proposed_joins(conn, run_id, now)
    return RunDiscarded(cohort.id, cohort.name, run_id, int(removed or 0), voided)


def request_group_sync(
    conn: Connection, actor: Actor, group_id: int, *, reply_to: ReplyTo = None
) -> SyncRequested:
    """Queue reconciling a published group's Discord and calendar state with the database."""
    actor.require_admin()
    group = group_row(conn, group_id)
    if group.status == "preview":
        raise ConflictError(f"{group.name} is a preview; publish it before syncing.")
    # A sync already queued for the group does the same work: it is returned, not refused.
    job_id = enqueue(
        conn,
        "sync_group",
        _payload({"group_id": group.id}, reply_to),
        dedup_key=f"sync_group:{group.id}",
        created_by=actor.user_id,
    )
    return SyncRequested(job_id, "sync_group", group.id, group.name)


def request_cohort_sync(
    conn: Connection, actor: Actor, cohort_id: int, *, reply_to: ReplyTo = None
) -> SyncRequested:
    """Queue reconciling every published group of the cohort."""
    actor.require_admin()
    cohort = cohort_row(conn, cohort_id)
    job_id = enqueue(
        conn,
        "sync_cohort",
        _payload({"cohort_id": cohort.id}, reply_to),
        dedup_key=f"sync_cohort:{cohort.id}",
        created_by=actor.user_id,
    )
    return SyncRequested(job_id, "sync_cohort", cohort.id, cohort.name)


def _payload(payload: dict[str, Any], reply_to: ReplyTo) -> dict[str, Any]:
    if reply_to is not None:
        payload["reply_to"] = dict(reply_to)
    return payload


def _check_latest_run(conn: Connection, cohort: Any, run_id: int) -> None:
    """Only the cohort's latest run may be published or discarded (ids from a door are claims)."""
    known = conn.scalar(
        select(scheduling_runs.c.id).where(
            scheduling_runs.c.id == run_id, scheduling_runs.c.cohort_id == cohort.id
        )
    )
    if known is None:
        raise NotFoundError(f"Scheduling run {run_id} of {cohort.name} does not exist.")
    latest = conn.scalar(
        select(func.max(scheduling_runs.c.id)).where(scheduling_runs.c.cohort_id == cohort.id)
    )
    if run_id != latest:
        raise ConflictError(
            f"Scheduling run {run_id} is out of date: {cohort.name} was scheduled again "
            f"(run {latest})."
        )


def _preview_groups(conn: Connection, cohort_id: int) -> int:
    count = conn.scalar(
        select(func.count()).where(groups.c.cohort_id == cohort_id, groups.c.status == "preview")
    )
    return int(count or 0)


def _refuse_if_active(
    conn: Connection, dedup_key: str, what: str, *, then: str = "follow that job"
) -> None:
    """ConflictError naming the job when one under this key is queued or running."""
    active = conn.scalar(
        select(jobs.c.id).where(jobs.c.dedup_key == dedup_key, jobs.c.status.in_(_ACTIVE))
    )
    if active is not None:
        raise ConflictError(f"{what} is already in progress (job #{active}); {then}.")
