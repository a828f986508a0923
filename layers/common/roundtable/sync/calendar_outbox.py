"""Outbox mode for Google Calendar: the local stack without credentials.

Each insert, patch and delete is recorded in the `outbox` table (service
"google_calendar", operation "events.insert" / "events.patch" /
"events.delete", the request as JSON) instead of being sent. Reads replay the
outbox, so an event the local stack "created" (or deleted) reads back as it
would from Google, and a second publish records nothing. No attendee ever
answers; nothing changes remotely.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from roundtable.db.engine import transaction
from roundtable.db.tables import outbox
from roundtable.sync.calendar_api import ChangeSet, EventWrite, Outcome

if TYPE_CHECKING:
    from sqlalchemy import Engine

SERVICE = "google_calendar"


class OutboxCalendarClient:
    """Records calendar writes in the outbox; see the module docstring."""

    outbox = True

    def __init__(self, engine: Engine | None, calendar_id: str) -> None:
        self._engine = engine
        self.calendar_id = calendar_id

    def get_events(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """The events as the outbox says they would be."""
        wanted = set(event_ids)
        events: dict[str, dict[str, Any]] = {}
        with transaction(self._engine) as conn:
            rows = conn.execute(
                select(outbox.c.request).where(outbox.c.service == SERVICE).order_by(outbox.c.id)
            ).scalars()
            for request in rows:
                event_id = request.get("eventId")
                if event_id in wanted:
                    events[event_id] = _apply(events.get(event_id), request["body"], event_id)
        return {event_id: events.get(event_id) for event_id in wanted}

    def insert_events(self, writes: Iterable[EventWrite]) -> dict[str, Outcome]:
        return self._record("events.insert", writes)

    def patch_events(self, writes: Iterable[EventWrite]) -> dict[str, Outcome]:
        return self._record("events.patch", writes)

    def delete_events(self, event_ids: Iterable[str], *, send_updates: str) -> dict[str, Outcome]:
        # Replayed as a cancelled event, as Google keeps a deleted one.
        writes = [EventWrite(e, {"status": "cancelled"}, send_updates) for e in event_ids]
        return self._record("events.delete", writes)

    def list_changes(self, sync_token: str | None, *, time_min: datetime) -> ChangeSet:
        return ChangeSet(items=[], next_sync_token="outbox", full=sync_token is None)

    def list_instances(self, event_id: str) -> list[dict[str, Any]]:
        return []

    def _record(self, operation: str, writes: Iterable[EventWrite]) -> dict[str, Outcome]:
        results: dict[str, Outcome] = {}
        with transaction(self._engine) as conn:
            for write in writes:
                request = {
                    "calendarId": self.calendar_id,
                    "eventId": write.event_id,
                    "sendUpdates": write.send_updates,
                    "body": write.body,
                }
                conn.execute(
                    outbox.insert().values(service=SERVICE, operation=operation, request=request)
                )
                results[write.event_id] = {
                    **write.body,
                    "id": write.event_id,
                    "status": "confirmed",
                }
        return results


def _apply(event: dict[str, Any] | None, body: dict[str, Any], event_id: str) -> dict[str, Any]:
    merged = {**(event or {"status": "confirmed"}), **body, "id": event_id}
    merged["attendees"] = [
        {"responseStatus": "needsAction", **a} for a in merged.get("attendees", [])
    ]
    return merged
