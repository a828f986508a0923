"""The jobs table as a queue: enqueue, claim with a row lock, run, retry, end.

Every job ends: an error that says a retry cannot help (`retryable` False:
bad input, a missing cohort, a 403 from Discord) fails the job at once; any
other error is retried with backoff while attempts < max_attempts, and a
worker that died mid-job counts as an attempt. No path runs a job more than
max_attempts times. Listeners (listeners.py) hear each success and failure.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert

from roundtable import telemetry
from roundtable.db.engine import after_commit, transaction
from roundtable.db.tables import jobs
from roundtable.errors import is_retryable
from roundtable.jobs import dispatch
from roundtable.jobs.listeners import ClaimedJob, notify_failed, notify_finished
from roundtable.jobs.registry import JobContext, handler_for, split_result

logger = logging.getLogger(__name__)

# A Lambda runs at most 15 minutes: a job "running" longer than this crashed.
STALE_AFTER = timedelta(minutes=16)
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP = timedelta(hours=1)
_ACTIVE = ("queued", "running")
_JOB_COLUMNS = (jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.attempts, jobs.c.max_attempts)


class JobError(RuntimeError):
    """A job could not be enqueued or run."""


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
            return enqueue(
                conn,
                kind,
                payload,
                dedup_key=dedup_key,
                created_by=created_by,
                max_attempts=max_attempts,
            )
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
    none), and the status change means nobody else starts it afterwards. A
    job that used up its attempts is never claimed (the sweep fails it).
    """
    query = (
        select(*_JOB_COLUMNS)
        .where(
            jobs.c.status == "queued",
            jobs.c.run_after <= text("now()"),
            jobs.c.attempts < jobs.c.max_attempts,
        )
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
    """Claim and run one job; record its outcome and tell the listeners. None when idle."""
    job = claim_job(engine, job_id)
    if job is None:
        return None
    # Every log line of the run names the job (and its cohort, when it has one).
    with telemetry.bind(job_id=job.id, job_kind=job.kind, cohort_id=job.payload.get("cohort_id")):
        return _run_claimed(engine, job)


def _run_claimed(engine: Engine, job: ClaimedJob) -> dict[str, Any]:
    context = JobContext(job.id, job.kind, job.payload, engine, job.attempt)
    try:
        record, outcome = split_result(handler_for(job.kind)(context))
    except Exception as exc:  # any failure is recorded on the job, never lost
        logger.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempt)
        return _record_failure(engine, job, exc)
    with engine.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job.id)
            .values(
                status="succeeded",
                result=record,
                error=None,
                finished_at=text("now()"),
                locked_at=None,
            )
        )
    telemetry.count("JobsSucceeded", Kind=job.kind)
    notify_finished(job, outcome)
    return {"job_id": job.id, "kind": job.kind, "status": "succeeded", "result": record}


def backoff_delay(attempt: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, … capped at an hour."""
    return min(timedelta(seconds=BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)), BACKOFF_CAP)


def _record_failure(engine: Engine, job: ClaimedJob, exc: Exception) -> dict[str, Any]:
    """Fail the job for good (no retry can help, or none is left) or queue it with backoff."""
    error = f"{type(exc).__name__}: {exc}"
    final = not is_retryable(exc) or job.attempt >= job.max_attempts
    values: dict[str, Any] = {"error": error, "locked_at": None}
    if final:
        values.update(status="failed", finished_at=text("now()"))
    else:
        values.update(status="queued", run_after=datetime.now(UTC) + backoff_delay(job.attempt))
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job.id).values(**values))
    telemetry.count("JobsFailed", int(final), Kind=job.kind)
    notify_failed(job, str(exc) or type(exc).__name__, final=final)
    return {"job_id": job.id, "kind": job.kind, "status": values["status"], "error": error}


def retry_due_jobs(engine: Engine, *, limit: int = 50) -> dict[str, int]:
    """End or requeue jobs whose worker died, and invoke the worker for due jobs.

    Called by the periodic functions, so a lost invoke or a frozen Lambda
    delays a job by at most one schedule interval. A job whose worker died
    used an attempt: it is requeued while attempts < max_attempts, and failed
    (listeners told) once they are used up.
    """
    with engine.begin() as conn:
        stale = conn.execute(
            select(*_JOB_COLUMNS, jobs.c.error)
            .where(jobs.c.status == "running", jobs.c.locked_at < datetime.now(UTC) - STALE_AFTER)
            .with_for_update(skip_locked=True)
        ).all()
        ended = [_end_stale(conn, row) for row in stale]
        exhausted = _fail_exhausted(conn)
        due = conn.scalars(
            select(jobs.c.id)
            .where(
                jobs.c.status == "queued",
                jobs.c.run_after <= text("now()"),
                jobs.c.attempts < jobs.c.max_attempts,
                or_(jobs.c.attempts > 0, jobs.c.created_at < text("now() - interval '1 minute'")),
            )
            .order_by(jobs.c.run_after)
            .limit(limit)
        ).all()
    for job, message, final in [*ended, *exhausted]:  # after commit: the rows say it first
        telemetry.count("JobsFailed", int(final), Kind=job.kind)
        notify_failed(job, message, final=final)
    for job_id in due:
        dispatch.dispatch(int(job_id))
    failed = sum(final for _, _, final in ended)
    return {
        "requeued_stale": len(ended) - failed,
        "failed_stale": failed,
        "failed_exhausted": len(exhausted),
        "dispatched": len(due),
    }


_STOPS = re.compile(r"^worker stopped (\d+) times? before finishing")


def _end_stale(conn: Connection, row: Any) -> tuple[ClaimedJob, str, bool]:
    """Requeue a job whose worker died, or fail it when that was its last attempt."""
    previous = _STOPS.match(row.error or "")
    stops = int(previous.group(1)) + 1 if previous else 1
    message = f"worker stopped {stops} {'time' if stops == 1 else 'times'} before finishing"
    final = row.attempts >= row.max_attempts
    values: dict[str, Any] = {"error": message, "locked_at": None}
    if final:
        values.update(status="failed", finished_at=text("now()"))
    else:
        values.update(status="queued")
    conn.execute(update(jobs).where(jobs.c.id == row.id).values(**values))
    return _claimed(row), message, final


def _fail_exhausted(conn: Connection) -> list[tuple[ClaimedJob, str, bool]]:
    """Fail queued jobs that already used every attempt (left by older code); keep their error."""
    rows = conn.execute(
        update(jobs)
        .where(jobs.c.status == "queued", jobs.c.attempts >= jobs.c.max_attempts)
        .values(
            status="failed",
            finished_at=text("now()"),
            error=func.coalesce(jobs.c.error, "no attempts left"),
        )
        .returning(*_JOB_COLUMNS, jobs.c.error)
    ).all()
    return [(_claimed(row), row.error, True) for row in rows]


def _claimed(row: Any) -> ClaimedJob:
    return ClaimedJob(row.id, row.kind, row.payload, row.attempts, row.max_attempts)


def _worker_id() -> str:
    return os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME") or f"{socket.gethostname()}:{os.getpid()}"
