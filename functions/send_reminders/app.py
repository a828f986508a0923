"""Every 5 minutes (EventBridge Scheduler): send what is due, and retry due jobs."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from roundtable.config import get_settings
from roundtable.db.engine import get_engine
from roundtable.events import EventError, parse_scheduled_event
from roundtable.jobs import retry_due_jobs

logger = Logger(service="send_reminders")
NEEDED_SECRETS = ("DISCORD_BOT_TOKEN", "SENDGRID_API_KEY")


@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: Any) -> dict[str, Any]:
    get_settings().check_deployable(NEEDED_SECRETS)
    try:
        scheduled = parse_scheduled_event(event)
    except EventError as exc:
        logger.error("rejected scheduled event", extra={"error": str(exc)})
        return {"status": "rejected", "error": str(exc)}
    summary: dict[str, Any] = {"event_id": scheduled.id, "scheduled_for": scheduled.time}
    summary["jobs"] = retry_due_jobs(get_engine())
    logger.info("send_reminders run finished", extra={"summary": summary})
    return {"status": "ok", **summary, "scheduled_for": scheduled.time.isoformat()}
