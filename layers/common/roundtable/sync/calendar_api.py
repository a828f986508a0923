"""What the sync needs from a calendar: the client protocol, its values and errors.

Both clients build on this module: the Google one (calendar.py) and the outbox
one (calendar_outbox.py), so neither imports the other's module at import time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# The organiser of GOOGLE_CALENDAR_ID as GOOGLE_DELEGATED_USER (sync/organisers.py).
DEFAULT_ORGANISER = "default"
_RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
# Google's "Calendar usage limits exceeded": the organiser's calendar is read-only for
# hours to days (too many invitations); only a much later attempt can succeed.
_QUOTA_REASONS = {"quotaExceeded"}


class CalendarApiError(Exception):
    """Google Calendar refused or failed a call; carries status and Google's reason."""

    def __init__(self, status: int, reason: str, message: str, *, operation: str = "") -> None:
        where = f"{operation} " if operation else ""
        super().__init__(f"Google Calendar {where}failed with {status} ({reason}): {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.operation = operation

    @property
    def retryable(self) -> bool:
        """Whether a later attempt may succeed (a quota block: hours later)."""
        return self.retry_soon or self.quota_exceeded

    @property
    def retry_soon(self) -> bool:
        """Worth retrying within seconds, with backoff: rate limits, 5xx, transport errors."""
        if self.status == 403:
            return self.reason in _RATE_LIMIT_REASONS
        return self.status in (0, 429) or self.status >= 500

    @property
    def quota_exceeded(self) -> bool:
        """403 quotaExceeded: retrying now only adds to the count; see sync/organisers.py."""
        return self.status == 403 and self.reason in _QUOTA_REASONS

    @property
    def rate_limited(self) -> bool:
        """429, or Google's 403 rateLimitExceeded / userRateLimitExceeded."""
        return self.status == 429 or (self.status == 403 and self.reason in _RATE_LIMIT_REASONS)


class SyncTokenExpiredError(CalendarApiError):
    """410 Gone: the sync token is no longer valid; a full sync is needed."""


@dataclass
class EventWrite:
    """One insert or patch: the event id, the body and who Google should email."""

    event_id: str
    body: dict[str, Any]
    send_updates: str = "none"  # "all" | "externalOnly" | "none"
    # 1 when the body sets conferenceData (Google ignores it without this parameter).
    conference_data_version: int | None = None


@dataclass
class ChangeSet:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_sync_token: str | None = None
    full: bool = False


Outcome = dict[str, Any] | CalendarApiError


class CalendarClient(Protocol):
    """What the sync needs from a calendar; the Google and outbox clients implement it."""

    outbox: bool

    def get_events(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]: ...

    def insert_events(self, writes: Iterable[EventWrite]) -> dict[str, Outcome]: ...

    def patch_events(self, writes: Iterable[EventWrite]) -> dict[str, Outcome]: ...

    def delete_events(
        self, event_ids: Iterable[str], *, send_updates: str
    ) -> dict[str, Outcome]: ...

    def list_changes(self, sync_token: str | None, *, time_min: datetime) -> ChangeSet: ...

    def list_instances(self, event_id: str) -> list[dict[str, Any]]: ...
