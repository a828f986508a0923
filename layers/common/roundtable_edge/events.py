"""Parsing of the non-HTTP events our functions receive (EventBridge, async invokes).

Anything malformed is an EventError naming the bad field, never another
exception: ids are checked against their column's range (jobs.id is a
Postgres bigint) before they reach a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# jobs.id is a Postgres bigint.
MAX_JOB_ID = 2**63 - 1


class EventError(ValueError):
    """An event is not the shape this function expects."""


@dataclass(frozen=True)
class ScheduledEvent:
    """An EventBridge (Scheduler or rule) invocation."""

    id: str
    time: datetime
    source: str


def parse_scheduled_event(event: Any) -> ScheduledEvent:
    """Validate an EventBridge scheduled event; raise EventError naming the bad field."""
    if not isinstance(event, dict):
        raise EventError(f"expected an EventBridge event object, got {type(event).__name__}")
    for key in ("id", "time", "source"):
        if not isinstance(event.get(key), str) or not event[key]:
            raise EventError(f"EventBridge event field {key!r} is missing or not a string")
    try:
        when = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise EventError(f"EventBridge event time {event['time']!r} is not ISO 8601") from None
    if when.tzinfo is None:
        raise EventError(f"EventBridge event time {event['time']!r} has no time zone")
    return ScheduledEvent(id=event["id"], time=when, source=event["source"])


def parse_job_invoke(event: Any) -> int:
    """The job id of an async invoke of the worker: {"job_id": <positive int>}."""
    if not isinstance(event, dict) or "job_id" not in event:
        raise EventError('worker events must be {"job_id": <id>}')
    job_id = event["job_id"]
    if isinstance(job_id, bool) or not isinstance(job_id, int) or not 1 <= job_id <= MAX_JOB_ID:
        raise EventError(f"job_id must be an integer from 1 to {MAX_JOB_ID}, got {job_id!r}")
    return job_id
