"""The durable job queue on real Postgres."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from roundtable.db.engine import transaction
from roundtable.db.tables import jobs
from roundtable.jobs import JobContext, enqueue, get_job, job_handler, retry_due_jobs, run_job
from roundtable.jobs import dispatch as job_dispatch
from roundtable.jobs.queue import backoff_delay

RUNS: list[int] = []
RUN_LOCK = threading.Lock()
START = threading.Barrier(2)


@job_handler("test_count_runs")
def _count_runs(ctx: JobContext) -> dict[str, Any]:
    with RUN_LOCK:
        RUNS.append(ctx.job_id)
    return {"ran": ctx.job_id}


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    job_dispatch.set_dispatcher(calls.append)
    yield calls
    job_dispatch.set_dispatcher(None)


def test_two_workers_racing_for_the_same_job_run_it_once(engine: Engine) -> None:
    RUNS.clear()
    with transaction(engine) as conn:
        job_id = enqueue(conn, "test_count_runs", {})
    outcomes: list[Any] = []

    def worker() -> None:
        START.wait()
        outcomes.append(run_job(engine, job_id))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert RUNS == [job_id]
    assert sorted(o is None for o in outcomes) == [False, True]
    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job is not None and job["status"] == "succeeded" and job["attempts"] == 1


def test_the_worker_is_invoked_only_after_the_enqueuing_transaction_commits(
    engine: Engine, dispatched: list[int]
) -> None:
    with pytest.raises(RuntimeError):
        with transaction(engine) as conn:
            enqueue(conn, "echo", {"message": "lost"})
            raise RuntimeError("request failed after enqueue")
    assert dispatched == []
    with engine.connect() as conn:
        assert conn.scalar(select(jobs.c.id)) is None
    with transaction(engine) as conn:
        job_id = enqueue(conn, "echo", {"message": "kept"})
    assert dispatched == [job_id]


def test_a_dedup_key_gives_back_the_active_job_instead_of_a_second_one(engine: Engine) -> None:
    with transaction(engine) as conn:
        first = enqueue(conn, "echo", {}, dedup_key="sync_group:7")
        second = enqueue(conn, "echo", {}, dedup_key="sync_group:7")
    assert first == second
    run_job(engine, first)
    with transaction(engine) as conn:
        third = enqueue(conn, "echo", {}, dedup_key="sync_group:7")
    assert third != first


def test_a_failing_job_is_retried_with_backoff_then_marked_failed(engine: Engine) -> None:
    with transaction(engine) as conn:
        job_id = enqueue(conn, "echo", {"fail_attempts": 9}, max_attempts=2)
    first = run_job(engine, job_id)
    assert first is not None and first["status"] == "queued"
    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job is not None
    assert "echo asked to fail on attempt 1" in job["error"]
    assert job["run_after"] > datetime.now(UTC) + timedelta(seconds=20)
    assert run_job(engine, job_id) is None  # not due yet
    with engine.begin() as conn:
        conn.execute(update(jobs).values(run_after=datetime.now(UTC) - timedelta(seconds=1)))
    second = run_job(engine, job_id)
    assert second is not None and second["status"] == "failed"
    assert "attempt 2" in second["error"]


def test_a_job_that_succeeds_on_retry_records_its_result(engine: Engine) -> None:
    with transaction(engine) as conn:
        job_id = enqueue(conn, "echo", {"fail_attempts": 1, "message": "second time"})
    run_job(engine, job_id)
    with engine.begin() as conn:
        conn.execute(update(jobs).values(run_after=datetime.now(UTC) - timedelta(seconds=1)))
    outcome = run_job(engine, job_id)
    assert outcome is not None and outcome["result"] == {"echo": "second time", "attempt": 2}


def test_an_unknown_job_kind_fails_with_a_clear_error(engine: Engine) -> None:
    with transaction(engine) as conn:
        job_id = enqueue(conn, "no_such_kind", {}, max_attempts=1)
    outcome = run_job(engine, job_id)
    assert outcome is not None and outcome["status"] == "failed"
    assert "no handler registered for job kind 'no_such_kind'" in outcome["error"]


def test_retry_sweep_requeues_crashed_jobs_and_dispatches_due_ones(
    engine: Engine, dispatched: list[int]
) -> None:
    with transaction(engine) as conn:
        crashed = enqueue(conn, "echo", {})
        waiting = enqueue(conn, "echo", {})
    dispatched.clear()
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(
            update(jobs).where(jobs.c.id == crashed).values(status="running", locked_at=long_ago)
        )
        conn.execute(update(jobs).where(jobs.c.id == waiting).values(created_at=long_ago))
    summary = retry_due_jobs(engine)
    assert summary == {"requeued_stale": 1, "dispatched": 1}
    assert dispatched == [waiting]
    with engine.connect() as conn:
        job = get_job(conn, crashed)
    assert job is not None and job["status"] == "queued"
    assert job["error"] == "worker stopped before finishing"


def test_backoff_doubles_and_is_capped_at_an_hour() -> None:
    assert [backoff_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff_delay(20) == timedelta(hours=1)


def test_enqueue_in_aws_async_invokes_the_worker_function(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With moto: the job id reaches the worker as an Event invoke."""
    from moto import mock_aws

    monkeypatch.setenv("WORKER_FUNCTION_NAME", "roundtable-worker")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    invoked: list[dict[str, Any]] = []

    def record(params: Any, **kwargs: Any) -> None:
        invoked.append(params)

    with mock_aws():
        # Observe the call through botocore's own event hooks; the request itself
        # goes to moto (which answers that no such function exists: logged, job kept).
        from botocore.session import Session as CoreSession

        original = CoreSession.create_client

        def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            client.meta.events.register("provide-client-params.lambda.Invoke", record)
            return client

        monkeypatch.setattr(CoreSession, "create_client", create_client)
        with transaction(engine) as conn:
            job_id = enqueue(conn, "echo", {"message": "to aws"})
    assert len(invoked) == 1
    assert invoked[0]["FunctionName"] == "roundtable-worker"
    assert invoked[0]["InvocationType"] == "Event"
    assert invoked[0]["Payload"] == f'{{"job_id": {job_id}}}'.encode()
