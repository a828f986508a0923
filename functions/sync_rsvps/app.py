"""Hourly (EventBridge Scheduler): RSVPs, role reconciliation, end of cohort, job retries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from roundtable_edge.discord.replies import install_discord_replies
from roundtable_edge.events import EventError, parse_scheduled_event
from roundtable_edge.observability import observed, scheduled_event_ids, service_logger

from roundtable.config import get_settings
from roundtable.db.engine import get_engine
from roundtable.housekeeping import HOURLY_PURGES
from roundtable.sync.hourly import run_hourly_sync
from roundtable.sync.reconcile import default_services

logger = service_logger("sync_rsvps")
# Sweeping jobs can end one for good (its worker died too often): Discord is told.
install_discord_replies()
NEEDED_SECRETS = ("DISCORD_BOT_TOKEN", "GOOGLE_SERVICE_ACCOUNT_JSON")


@observed(service="sync_rsvps", correlation=scheduled_event_ids)
def handler(event: Any, context: Any) -> dict[str, Any]:
    get_settings().check_deployable(NEEDED_SECRETS)
    try:
        scheduled = parse_scheduled_event(event)
    except EventError as exc:
        logger.error("rejected scheduled event", extra={"error": str(exc)})
        return {"status": "rejected", "error": str(exc)}
    engine = get_engine()
    summary = run_hourly_sync(
        engine, lambda: default_services(engine), now=datetime.now(UTC), purges=HOURLY_PURGES
    )
    status = "partial" if _has_failures(summary) else "ok"
    logger.info("sync_rsvps run finished", extra={"summary": summary})
    return {
        "status": status,
        "event_id": scheduled.id,
        **summary,
        "scheduled_for": scheduled.time.isoformat(),
    }


def _has_failures(summary: dict[str, Any]) -> bool:
    steps = [summary] + [v for v in summary.values() if isinstance(v, dict)]
    return any(step.get("failures") for step in steps)
