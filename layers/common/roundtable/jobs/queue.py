"""The jobs table as a queue: enqueue, claim with a row lock, run, retry."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert

from roundtable.db.engine import after_commit, transaction
from roundtable.db.tables import jobs
from roundtable.jobs import dispatch
from roundtable.jobs.registry import JobContext, handler_for

logger = logging.getLogger(__name__)

# A Lambda runs at most 15 minutes: a job "running" longer than this crashed.
STALE_AFTER = timedelta(minutes=16)
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP = timedelta(hours=1)
_ACTIVE = ("queued", "running")


class JobError(RuntimeError):
    """A job could not be enqueued or run."""


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int


def enqueue(
    conn: Connection,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    dedup_key: str | None = None,
    created_by: int | None = None,
    max_attempts: int = 5,
) -> int:
    """Add a job in conn's transaction; the worker is invoked after commit.

    With a dedup_key, a job already queued or running under that key is
    returned instead of adding a second one.
    """
    statement = (
        insert(jobs)
        .values(
            kind=kind,
            payload=payload or {},
            dedup_key=dedup_key,
            created_by=created_by,
            max_attempts=max_attempts,
        )
        .on_conflict_do_nothing(
            index_elements=[jobs.c.dedup_key],
            index_where=and_(jobs.c.status.in_(_ACTIVE), jobs.c.dedup_key.is_not(None)),
        )
        .returning(jobs.c.id)
    )
    job_id = conn.scalar(statement)
    if job_id is None:
        job_id = conn.scalar(
            select(jobs.c.id).where(jobs.c.dedup_key == dedup_key, jobs.c.status.in_(_ACTIVE))
        )
        if job_id is None:  # finished between our insert and select: add it again
            return enqueue(conn, kind, payload, dedup_key=dedup_key, created_by=created_by)
        return int(job_id)
    after_commit(conn, lambda: dispatch.dispatch(int(job_id)))
    return int(job_id)


def submit(kind: str, payload: dict[str, Any] | None = None, **options: Any) -> int:
    """Enqueue in a transaction of its own and invoke the worker."""
    with transaction() as conn:
        return enqueue(conn, kind, payload, **options)


def get_job(conn: Connection, job_id: int) -> dict[str, Any] | None:
    """The job row as a dict, or None."""
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    return dict(row) if row else None


def claim_job(engine: Engine, job_id: int | None = None) -> ClaimedJob | None:
    """Mark one runnable job running and return it; None when there is none.

    `FOR UPDATE SKIP LOCKED` makes racing workers take different jobs (or
    none), and the status change means nobody else starts it afterwards.
    """
    query = (
        select(jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.attempts, jobs.c.max_attempts)
        .where(jobs.c.status == "queued", jobs.c.run_after <= text("now()"))
        .order_by(jobs.c.run_after, jobs.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if job_id is not None:
        query = query.where(jobs.c.id == job_id)
    with engine.begin() as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        conn.execute(
            update(jobs)
            .where(jobs.c.id == row.id)
            .values(
                status="running",
                attempts=jobs.c.attempts + 1,
                locked_at=text("now()"),
                locked_by=_worker_id(),
            )
        )
    return ClaimedJob(row.id, row.kind, row.payload, row.attempts + 1, row.max_attempts)


def run_job(engine: Engine, job_id: int | None = None) -> dict[str, Any] | None:
    """Claim and run one job; record its outcome. None when nothing was runnable."""
    job = claim_job(engine, job_id)
    if job is None:
        return None
    context = JobContext(job.id, job.kind, job.payload, engine, job.attempt)
    try:
        result = handler_for(job.kind)(context)
    except Exception as exc:  # any failure is recorded on the job, never lost
        logger.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempt)
        return _record_failure(engine, job, f"{type(exc).__name__}: {exc}")
    with engine.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job.id)
            .values(
                status="succeeded",
                result=result,
                error=None,
                finished_at=text("now()"),
                locked_at=None,
            )
        )
    return {"job_id": job.id, "kind": job.kind, "status": "succeeded", "result": result}


def backoff_delay(attempt: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, … capped at an hour."""
    return min(timedelta(seconds=BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)), BACKOFF_CAP)


def _record_failure(engine: Engine, job: ClaimedJob, error: str) -> dict[str, Any]:
    final = job.attempt >= job.max_attempts
    values: dict[str, Any] = {"error": error, "locked_at": None}
    if final:
        values.update(status="failed", finished_at=text("now()"))
    else:
        values.update(status="queued", run_after=datetime.now(UTC) + backoff_delay(job.attempt))
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job.id).values(**values))
    return {"job_id": job.id, "kind": job.kind, "status": values["status"], "error": error}


def retry_due_jobs(engine: Engine, *, limit: int = 50) -> dict[str, int]:
    """Requeue crashed jobs and invoke the worker for jobs whose retry time came.

    Called by the periodic functions, so a lost invoke or a frozen Lambda
    delays a job by at most one schedule interval.
    """
    with engine.begin() as conn:
        stale = conn.execute(
            update(jobs)
            .where(jobs.c.status == "running", jobs.c.locked_at < datetime.now(UTC) - STALE_AFTER)
            .values(status="queued", locked_at=None, error="worker stopped before finishing")
            .returning(jobs.c.id)
        ).all()
        due = conn.scalars(
            select(jobs.c.id)
            .where(
                jobs.c.status == "queued",
                jobs.c.run_after <= text("now()"),
                or_(jobs.c.attempts > 0, jobs.c.created_at < text("now() - interval '1 minute'")),
            )
            .order_by(jobs.c.run_after)
            .limit(limit)
        ).all()
    for job_id in due:
        dispatch.dispatch(int(job_id))
    return {"requeued_stale": len(stale), "dispatched": len(due)}


def _worker_id() -> str:
    return os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME") or f"{socket.gethostname()}:{os.getpid()}"
