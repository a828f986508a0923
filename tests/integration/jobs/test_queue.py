"""The durable job queue on real Postgres."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from roundtable.db.engine import transaction
from roundtable.db.tables import jobs
from roundtable.errors import NotFoundError, UpstreamError
from roundtable.jobs import (
    JobContext,
    claim_job,
    enqueue,
    get_job,
    job_handler,
    retry_due_jobs,
    run_job,
)
from roundtable.jobs import dispatch as job_dispatch
from roundtable.jobs.listeners import (
    ClaimedJob,
    add_job_listener,
    remove_job_listener,
    reply_address,
)
from roundtable.jobs.queue import backoff_delay

RUNS: list[int] = []
RUN_LOCK = threading.Lock()
START = threading.Barrier(2)


@job_handler("test_count_runs")
def _count_runs(ctx: JobContext) -> dict[str, Any]:
    with RUN_LOCK:
        RUNS.append(ctx.job_id)
    return {"ran": ctx.job_id}


HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


@job_handler("test_refuse")
def _refuse(ctx: JobContext) -> dict[str, Any]:
    if ctx.payload["error"] == "not_found":
        raise NotFoundError("no cohort with id 9")
    raise UpstreamError("the calendar is down")


@dataclass(frozen=True)
class _Typed:
    n: int

    def as_record(self) -> dict[str, Any]:
        return {"n": self.n}


@job_handler("test_typed")
def _typed(ctx: JobContext) -> _Typed:
    return _Typed(3)


@dataclass
class _Recorder:
    """A job listener that writes down what it hears."""

    heard: list[tuple[Any, ...]]

    def finished(self, job: ClaimedJob, outcome: object) -> None:
        self.heard.append(("finished", job.id, outcome))

    def failed(self, job: ClaimedJob, message: str, final: bool) -> None:
        self.heard.append(("failed", job.id, message, final))


@pytest.fixture
def heard() -> Iterator[list[tuple[Any, ...]]]:
    recorder = _Recorder([])
    add_job_listener(recorder)
    yield recorder.heard
    remove_job_listener(recorder)


def _crash(engine: Engine, job_id: int, *, attempts: int) -> None:
    """Leave the job as a worker that died during its attempt would."""
    with engine.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(status="running", attempts=attempts, locked_at=HOUR_AGO)
        )


def _row(engine: Engine, job_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job is not None
    return job


def _make_due(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(jobs).values(run_after=datetime.now(UTC) - timedelta(seconds=1)))


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
    engine: Engine, dispatched: list[int], heard: list[tuple[Any, ...]]
) -> None:
    with transaction(engine) as conn:
        crashed = enqueue(conn, "echo", {})
        waiting = enqueue(conn, "echo", {})
    dispatched.clear()
    _crash(engine, crashed, attempts=1)
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == waiting).values(created_at=HOUR_AGO))

    summary = retry_due_jobs(engine)

    assert summary == {
        "requeued_stale": 1,
        "failed_stale": 0,
        "failed_exhausted": 0,
        "dispatched": 2,
    }
    assert sorted(dispatched) == [crashed, waiting]
    job = _row(engine, crashed)
    assert job["status"] == "queued" and job["error"] == "worker stopped 1 time before finishing"
    assert heard == [("failed", crashed, "worker stopped 1 time before finishing", False)]


def test_a_job_whose_worker_keeps_dying_fails_once_its_attempts_are_used(
    engine: Engine, dispatched: list[int], heard: list[tuple[Any, ...]]
) -> None:
    with transaction(engine) as conn:
        job_id = enqueue(conn, "echo", {}, max_attempts=2)
    for attempt in (1, 2):
        claimed = claim_job(engine, job_id)
        assert claimed is not None and claimed.attempt == attempt
        _crash(engine, job_id, attempts=attempt)
        retry_due_jobs(engine)

    job = _row(engine, job_id)
    assert (job["status"], job["attempts"]) == ("failed", 2)
    assert job["error"] == "worker stopped 2 times before finishing"
    assert job["finished_at"] is not None
    assert heard[-1] == ("failed", job_id, "worker stopped 2 times before finishing", True)
    assert claim_job(engine, job_id) is None
    assert retry_due_jobs(engine)["failed_stale"] == 0  # ended once, not again


def test_claim_never_runs_a_job_past_its_attempts_and_the_sweep_fails_it(
    engine: Engine, heard: list[tuple[Any, ...]]
) -> None:
    """Rows left by older code (8 attempts of 5 were seen) are not run again but ended."""
    with transaction(engine) as conn:
        job_id = enqueue(conn, "echo", {}, max_attempts=5)
    with engine.begin() as conn:
        conn.execute(
            update(jobs).where(jobs.c.id == job_id).values(attempts=8, error="RuntimeError: x")
        )

    assert run_job(engine, job_id) is None
    assert retry_due_jobs(engine)["failed_exhausted"] == 1

    job = _row(engine, job_id)
    assert (job["status"], job["attempts"], job["error"]) == ("failed", 8, "RuntimeError: x")
    assert heard == [("failed", job_id, "RuntimeError: x", True)]


def test_a_non_retryable_error_fails_the_job_at_once_and_tells_listeners_once(
    engine: Engine, heard: list[tuple[Any, ...]]
) -> None:
    with transaction(engine) as conn:
        job_id = enqueue(conn, "test_refuse", {"error": "not_found"}, max_attempts=5)

    outcome = run_job(engine, job_id)

    assert outcome is not None and outcome["status"] == "failed"
    assert outcome["error"] == "NotFoundError: no cohort with id 9"
    job = _row(engine, job_id)
    assert (job["status"], job["attempts"]) == ("failed", 1)
    assert heard == [("failed", job_id, "no cohort with id 9", True)]


def test_a_retryable_error_is_retried_and_listeners_hear_which_failure_is_final(
    engine: Engine, heard: list[tuple[Any, ...]]
) -> None:
    with transaction(engine) as conn:
        job_id = enqueue(conn, "test_refuse", {"error": "upstream"}, max_attempts=2)

    first = run_job(engine, job_id)
    _make_due(engine)
    second = run_job(engine, job_id)

    assert first is not None and first["status"] == "queued"
    assert second is not None and second["status"] == "failed"
    assert heard == [
        ("failed", job_id, "the calendar is down", False),
        ("failed", job_id, "the calendar is down", True),
    ]


def test_listeners_get_the_typed_outcome_and_the_row_its_record(
    engine: Engine, heard: list[tuple[Any, ...]]
) -> None:
    with transaction(engine) as conn:
        job_id = enqueue(conn, "test_typed", {"reply_to": {"anything": "opaque"}})

    outcome = run_job(engine, job_id)

    assert outcome is not None and outcome["result"] == {"n": 3}
    assert _row(engine, job_id)["result"] == {"n": 3}
    assert heard == [("finished", job_id, _Typed(3))]


def test_a_failing_listener_does_not_fail_the_job(engine: Engine) -> None:
    class Broken:
        def finished(self, job: ClaimedJob, outcome: object) -> None:
            raise RuntimeError("listener bug")

        def failed(self, job: ClaimedJob, message: str, final: bool) -> None:
            raise RuntimeError("listener bug")

    broken = Broken()
    add_job_listener(broken)
    try:
        with transaction(engine) as conn:
            job_id = enqueue(conn, "echo", {"message": "hi"})
        outcome = run_job(engine, job_id)
    finally:
        remove_job_listener(broken)
    assert outcome is not None and outcome["status"] == "succeeded"


def test_a_reply_address_is_reply_to_or_the_legacy_interaction_key() -> None:
    address = {"application_id": "1", "token": "t"}
    assert reply_address({"reply_to": address}) == address
    assert reply_address({"interaction": address}) == address
    assert reply_address({"reply_to": "nope"}) is None
    assert reply_address({}) is None


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
