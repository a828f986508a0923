"""Job kind `send_notification`: queue a one-off notification's rows, then send them.

Sending right away means a welcome does not wait for the next sweep; whatever
fails here stays in the ledger and the sweep retries it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from roundtable.config import get_settings
from roundtable.db.engine import transaction
from roundtable.jobs.registry import JobContext, JobResult, job_handler
from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.delivery import default_providers
from roundtable.notifications.oneoff import queue_notification
from roundtable.notifications.sweep import DeliveryOptions, deliver


@job_handler("send_notification")
def send_notification(ctx: JobContext) -> JobResult:
    """Queue the notification the payload describes and deliver what was queued."""
    now = datetime.now(UTC)
    catalogue = load_catalogue()
    with transaction(ctx.engine) as conn:
        ids = queue_notification(conn, ctx.payload, now, catalogue)
    if not ids:
        return {"kind": ctx.payload.get("kind"), "queued": 0}
    options = DeliveryOptions(default_providers(ctx.engine), catalogue, get_settings())
    summary = deliver(ctx.engine, now, options, only=ids)
    return {"kind": ctx.payload.get("kind"), "queued": len(ids), **summary}
