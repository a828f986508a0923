"""Job kind `schedule_cohort`: schedule a cohort into preview groups.

Payload:

    {"cohort_id": 3,
     "params": {"meeting_minutes": 90, "min_group_size": 4, "max_group_size": 7,
                "target_group_size": 6, "use_if_needed": true, "require_facilitator": true,
                "anchor_timezone": "per_group", "anchor_candidates": [...],
                "time_limit_seconds": 90, "seed": 0},          (every key optional)
     "reply_to": {...}}   (optional, opaque: who asked; see roundtable.jobs.listeners)

Progress goes on the job row at each stage (loading, solving, saving, done).
The outcome is the run's `ScheduleSummary`: the job row stores its record,
and the job's listeners (e.g. the Discord reply to a deferred /schedule) get
the summary itself, or on the last failure the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from roundtable import telemetry
from roundtable.errors import ValidationError
from roundtable.jobs.registry import JobContext, job_handler
from roundtable.scheduling.service import DEFAULT_TIME_LIMIT, run_scheduling
from roundtable.scheduling.summary import ScheduleSummary

_RUN_OPTIONS = ("time_limit_seconds", "seed")


@job_handler("schedule_cohort")
def schedule_cohort_job(ctx: JobContext) -> ScheduleSummary:
    """Run the scheduler for the payload's cohort; the summary is the outcome."""
    cohort_id = _cohort_id(ctx.payload)
    overrides, seed, time_limit = _split_params(ctx.payload.get("params"))
    summary = run_scheduling(
        ctx.engine,
        cohort_id,
        overrides,
        seed=seed,
        time_limit=time_limit,
        progress=ctx.report_progress,
        job_id=ctx.job_id,
    )
    telemetry.measure("SchedulingSeconds", summary.seconds, "Seconds")
    telemetry.measure("SchedulingGap", summary.gap * 100, "Percent")
    ctx.report_progress({"stage": "done", "cohort_id": cohort_id, "run_id": summary.run_id})
    return summary


def _cohort_id(payload: Mapping[str, Any]) -> int:
    value = payload.get("cohort_id")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValidationError(f"cohort_id must be a positive integer, got {value!r}")
    return value


def _split_params(raw: Any) -> tuple[dict[str, Any], int, float]:
    """(model overrides, seed, time limit) from the payload's params."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ValidationError(f"params must be an object, got {raw!r}", field="params")
    overrides = {k: v for k, v in raw.items() if k not in _RUN_OPTIONS}
    seed = raw.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValidationError(f"params.seed must be a whole number >= 0, got {seed!r}")
    limit = raw.get("time_limit_seconds", DEFAULT_TIME_LIMIT)
    if not isinstance(limit, int | float) or isinstance(limit, bool):
        raise ValidationError(f"params.time_limit_seconds must be a number, got {limit!r}")
    return overrides, seed, float(limit)
