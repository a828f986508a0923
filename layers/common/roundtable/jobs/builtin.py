"""A trivial job kind used to check the worker end to end (`roundtable jobs echo`)."""

from __future__ import annotations

from roundtable.jobs.registry import JobContext, JobResult, job_handler


@job_handler("echo")
def echo(ctx: JobContext) -> JobResult:
    """Return the payload; fail on request, to exercise retries."""
    if ctx.payload.get("fail_attempts", 0) >= ctx.attempt:
        raise RuntimeError(f"echo asked to fail on attempt {ctx.attempt}")
    return {"echo": ctx.payload.get("message"), "attempt": ctx.attempt}
