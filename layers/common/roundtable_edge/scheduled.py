"""What every EventBridge-scheduled function shares, around the body that does its run.

    @scheduled_function("sync_rsvps", secrets=("DISCORD_BOT_TOKEN", ...))
    def handler(scheduled: ScheduledEvent, context) -> dict: ...

The wrapper observes the invocation (logs keyed by the event's id, metrics),
refuses to run a deployed stack without its secrets, and answers a malformed
event with `{"status": "rejected", "error": ...}` (logged, never raised:
EventBridge would only retry the same event). A run's answer is stamped with
the event's id and the time it was scheduled for, and logged as
"<service> run finished", the line operators search for (docs/operations.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from roundtable.config import get_settings
from roundtable_edge.events import EventError, ScheduledEvent, parse_scheduled_event
from roundtable_edge.observability import (
    LambdaHandler,
    observed,
    scheduled_event_ids,
    service_logger,
)

ScheduledBody = Callable[[ScheduledEvent, Any], dict[str, Any]]


def scheduled_function(
    service: str, *, secrets: tuple[str, ...]
) -> Callable[[ScheduledBody], LambdaHandler]:
    """Turn `body(scheduled_event, context) -> summary` into the function's Lambda handler."""
    log = service_logger(service)

    def decorate(body: ScheduledBody) -> LambdaHandler:
        @observed(service=service, correlation=scheduled_event_ids)
        @functools.wraps(body)
        def handler(event: Any, context: Any) -> dict[str, Any]:
            get_settings().check_deployable(secrets)
            try:
                scheduled = parse_scheduled_event(event)
            except EventError as exc:
                log.error("rejected scheduled event", extra={"error": str(exc)})
                return {"status": "rejected", "error": str(exc)}
            answer = {
                "event_id": scheduled.id,
                **body(scheduled, context),
                "scheduled_for": scheduled.time.isoformat(),
            }
            log.info(f"{service} run finished", extra={"summary": answer})
            return answer

        return handler

    return decorate
