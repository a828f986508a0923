"""Every 5 minutes (EventBridge Scheduler): send the notifications that are due, retry due jobs.

The sweep computes what is due from the meetings table on every run, so a
duplicated or late event is harmless: anything already sent is not sent again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from roundtable_edge.discord.replies import install_discord_replies
from roundtable_edge.events import ScheduledEvent
from roundtable_edge.scheduled import scheduled_function

from roundtable.db.engine import get_engine
from roundtable.jobs import retry_due_jobs
from roundtable.notifications import default_providers, sweep
from roundtable.notifications.content import live_modules_due
from roundtable.notifications.fanout import sqs_dispatcher_from_settings

# Sweeping jobs can end one for good (its worker died too often): Discord is told.
install_discord_replies()
NEEDED_SECRETS = ("DISCORD_BOT_TOKEN", "SENDGRID_API_KEY")


@scheduled_function("send_reminders", secrets=NEEDED_SECRETS)
def handler(scheduled: ScheduledEvent, context: Any) -> dict[str, Any]:
    engine = get_engine()
    jobs = retry_due_jobs(engine)
    # The real clock, not the event's time: a late or repeated event sends what is due now.
    notifications = sweep(
        engine,
        datetime.now(UTC),
        providers=default_providers(engine),
        modules_due=live_modules_due(engine),
        remaining_ms=context.get_remaining_time_in_millis,
        # More than this run can send: batches for send_batch (no queue locally: inline).
        dispatcher=sqs_dispatcher_from_settings(),
    )
    return {"status": "ok", "jobs": jobs, "notifications": notifications}
