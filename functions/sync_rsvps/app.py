"""Hourly (EventBridge Scheduler): RSVPs, role reconciliation, end of cohort, job retries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from roundtable_edge.discord.replies import install_discord_replies
from roundtable_edge.events import ScheduledEvent
from roundtable_edge.scheduled import scheduled_function

from roundtable.db.engine import get_engine
from roundtable.housekeeping import HOURLY_PURGES
from roundtable.sync.hourly import run_hourly_sync
from roundtable.sync.reconcile import default_services

# Sweeping jobs can end one for good (its worker died too often): Discord is told.
install_discord_replies()
NEEDED_SECRETS = ("DISCORD_BOT_TOKEN", "GOOGLE_SERVICE_ACCOUNT_JSON")


@scheduled_function("sync_rsvps", secrets=NEEDED_SECRETS)
def handler(scheduled: ScheduledEvent, context: Any) -> dict[str, Any]:
    engine = get_engine()
    summary = run_hourly_sync(
        engine, lambda: default_services(engine), now=datetime.now(UTC), purges=HOURLY_PURGES
    )
    return {"status": "partial" if _has_failures(summary) else "ok", **summary}


def _has_failures(summary: dict[str, Any]) -> bool:
    steps = [summary] + [v for v in summary.values() if isinstance(v, dict)]
    return any(step.get("failures") for step in steps)
