"""Job kind `schedule_cohort`: schedule a cohort into preview groups and report back.

Payload:

    {"cohort_id": 3,
     "params": {"meeting_minutes": 90, "min_group_size": 4, "max_group_size": 7,
                "target_group_size": 6, "use_if_needed": true, "require_facilitator": true,
                "anchor_timezone": "per_group", "anchor_candidates": [...],
                "time_limit_seconds": 90, "seed": 0},          (every key optional)
     "interaction": {"application_id": "...", "token": "..."}}  (optional: a deferred /schedule)

Progress goes on the job row at each stage (loading, solving, saving, done);
the run's summary is the job's result. With an interaction, the original
Discord response is edited into the summary, or on failure into the error
(which is then re-raised so the job row records it and the queue may retry).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from roundtable.discord.deferred import edit_schedule_summary, reports_failure
from roundtable.discord.rest import DiscordApiError, DiscordRestClient
from roundtable.errors import ValidationError
from roundtable.jobs.registry import JobContext, JobResult, job_handler
from roundtable.scheduling.service import DEFAULT_TIME_LIMIT, run_scheduling

logger = logging.getLogger(__name__)
_RUN_OPTIONS = ("time_limit_seconds", "seed")


def _discord_client() -> DiscordRestClient:
    from roundtable.discord.rest import get_discord_client

    return get_discord_client()


@job_handler("schedule_cohort")
@reports_failure("Scheduling", _discord_client)
def schedule_cohort_job(ctx: JobContext) -> JobResult:
    """Run the scheduler for the payload's cohort; the summary is the result."""
    cohort_id = _cohort_id(ctx.payload)
    overrides, seed, time_limit = _split_params(ctx.payload.get("params"))
    interaction = _interaction(ctx.payload)
    summary = run_scheduling(
        ctx.engine,
        cohort_id,
        overrides,
        seed=seed,
        time_limit=time_limit,
        progress=ctx.report_progress,
        job_id=ctx.job_id,
    )
    ctx.report_progress({"stage": "done", "cohort_id": cohort_id, "run_id": summary["run_id"]})
    if interaction is not None:
        summary = {**summary, **_edit_discord(interaction, summary)}
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


def _interaction(payload: Mapping[str, Any]) -> dict[str, str] | None:
    interaction = payload.get("interaction")
    if interaction is None:
        return None
    if not (
        isinstance(interaction, Mapping)
        and isinstance(interaction.get("application_id"), str)
        and isinstance(interaction.get("token"), str)
    ):
        raise ValidationError("interaction must be {application_id, token} strings")
    return {"application_id": interaction["application_id"], "token": interaction["token"]}


def _edit_discord(interaction: dict[str, str], summary: dict[str, Any]) -> dict[str, Any]:
    """Show the summary on Discord. The run is saved either way: a lost edit is only noted."""
    try:
        edit_schedule_summary(_discord_client(), interaction, summary)
    except DiscordApiError as exc:
        # An expired token (15 minutes) must not fail, and so re-run, a saved schedule.
        logger.exception(
            "could not edit the /schedule response for cohort %s", summary["cohort_id"]
        )
        return {"discord_error": str(exc)}
    return {}
