"""Every 5 minutes (EventBridge Scheduler): send the notifications that are due, retry due jobs.

The sweep computes what is due from the meetings table on every run, so a
duplicated or late event is harmless: anything already sent is not sent again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from roundtable_edge.discord.replies import install_discord_replies
from roundtable_edge.events import EventError, parse_scheduled_event
from roundtable_edge.observability import observed, scheduled_event_ids, service_logger

from roundtable.config import get_settings
from roundtable.db.engine import get_engine
from roundtable.jobs import retry_due_jobs
from roundtable.notifications import default_providers, sweep
from roundtable.notifications.content import live_modules_due
from roundtable.notifications.fanout import sqs_dispatcher_from_settings

logger = service_logger("send_reminders")
# Sweeping jobs can end one for good (its worker died too often): Discord is told.
install_discord_replies()
NEEDED_SECRETS = ("DISCORD_BOT_TOKEN", "SENDGRID_API_KEY")


@observed(service="send_reminders", correlation=scheduled_event_ids)
def handler(event: Any, context: Any) -> dict[str, Any]:
    get_settings().check_deployable(NEEDED_SECRETS)
    try:
        scheduled = parse_scheduled_event(event)
    except EventError as exc:
        logger.error("rejected scheduled event", extra={"error": str(exc)})
        return {"status": "rejected", "error": str(exc)}
    engine = get_engine()
    summary: dict[str, Any] = {"event_id": scheduled.id, "jobs": retry_due_jobs(engine)}
    # The real clock, not the event's time: a late or repeated event sends what is due now.
    summary["notifications"] = sweep(
        engine,
        datetime.now(UTC),
        providers=default_providers(engine),
        modules_due=live_modules_due(engine),
        remaining_ms=context.get_remaining_time_in_millis,
        # More than this run can send: batches for send_batch (no queue locally: inline).
        dispatcher=sqs_dispatcher_from_settings(),
    )
    logger.info("send_reminders run finished", extra={"summary": summary})
    return {"status": "ok", **summary, "scheduled_for": scheduled.time.isoformat()}
