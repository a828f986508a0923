"""The worker: runs one durable job, named by an async invoke {"job_id": N}.

Heavy work (the scheduler's solver, publishing to Discord and Google) happens
here, never in a request. Each job kind loads only the modules it needs.
"""

from __future__ import annotations

from typing import Any

from roundtable_edge.discord.replies import install_discord_replies
from roundtable_edge.events import EventError, parse_job_invoke
from roundtable_edge.observability import job_invoke_ids, observed, service_logger

from roundtable.config import get_settings
from roundtable.db.engine import get_engine
from roundtable.jobs import run_job

logger = service_logger("schedule_cohort")
# A job from a deferred Discord command answers it when it ends (the reply port).
install_discord_replies()
NEEDED_SECRETS = ("DISCORD_BOT_TOKEN",)


@observed(service="schedule_cohort", correlation=job_invoke_ids)
def handler(event: Any, context: Any) -> dict[str, Any]:
    get_settings().check_deployable(NEEDED_SECRETS)
    try:
        job_id = parse_job_invoke(event)
    except EventError as exc:
        # A malformed event can never succeed: report and do not let Lambda retry it.
        logger.error("rejected worker event", extra={"error": str(exc)})
        return {"status": "rejected", "error": str(exc)}
    outcome = run_job(get_engine(), job_id)
    if outcome is None:
        logger.info("job not runnable (already taken, finished or not due)", extra={"job": job_id})
        return {"status": "skipped", "job_id": job_id}
    logger.info("job finished", extra=outcome)
    return outcome
