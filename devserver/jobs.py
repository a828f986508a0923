"""Async invokes of the worker, in-process: what InvocationType=Event does in AWS."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from devserver.invoke import InvocationError, Invoker

logger = logging.getLogger("devserver")


class WorkerPool:
    """Runs the worker function on {"job_id": N} in background threads."""

    def __init__(self, invoker: Invoker, worker: str, threads: int = 4) -> None:
        self._invoker = invoker
        self._worker = worker
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="worker")

    def dispatch(self, job_id: int) -> None:
        """Queue an invoke and return at once, like an async Lambda invoke."""
        self._pool.submit(self._run, job_id)

    def _run(self, job_id: int) -> None:
        try:
            self._invoker.invoke(self._worker, {"job_id": job_id}, f"async invoke job {job_id}")
        except InvocationError:
            pass  # logged by the invoker; the job row records the failure for retry

    def shutdown(self) -> None:
        """Stop taking invokes; queued ones are dropped (their jobs stay queued in the table)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
