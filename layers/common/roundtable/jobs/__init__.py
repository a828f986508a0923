"""Durable jobs: a row first, then an async invoke of the worker (DESIGN.md).

A job kind is a function registered with `job_handler`; the worker claims a
job with a row lock, runs it and records status, result, error and attempts.
"""

from roundtable.jobs.queue import (
    JobError,
    claim_job,
    enqueue,
    get_job,
    retry_due_jobs,
    run_job,
    submit,
)
from roundtable.jobs.registry import JobContext, job_handler, registered_kinds

__all__ = [
    "JobContext",
    "JobError",
    "claim_job",
    "enqueue",
    "get_job",
    "job_handler",
    "registered_kinds",
    "retry_due_jobs",
    "run_job",
    "submit",
]
