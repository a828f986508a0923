"""Google Calendar client: events of one calendar, batched, with backoff.

Built on google-api-python-client from the discovery document bundled with
the library (no network at import or build time), imported lazily so only
the functions that talk to Google pay for it. The base URL is a setting
(GOOGLE_CALENDAR_BASE) so tests point it at tests/fakes/google_calendar.py.

Credentials, in order:
- GOOGLE_SERVICE_ACCOUNT_JSON set: a service account acting for
  GOOGLE_DELEGATED_USER (domain-wide delegation; a service account cannot
  invite attendees on its own).
- unset, base URL not Google's (a fake): plain HTTP without auth.
- unset, Google's base URL, outside a deployed stack: outbox mode, each
  mutating call is recorded in the `outbox` table (service "google_calendar").

Retries: 403 rateLimitExceeded / userRateLimitExceeded, 429 and 5xx (and
transport errors) are retried with exponential backoff and jitter. 403
quotaExceeded is not retried here (the calendar stays read-only for hours):
the sync blocks the organiser and retries later (sync/organisers.py). Inserts
carry a client-generated id, so a retried insert answers 409 instead of
creating a second event; callers treat 409 as "already there".
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from roundtable import telemetry
from roundtable.sync.calendar_api import (
    DEFAULT_ORGANISER,
    CalendarApiError,
    CalendarClient,
    ChangeSet,
    EventWrite,
    Outcome,
    SyncTokenExpiredError,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

__all__ = [
    "CalendarApiError",
    "CalendarClient",
    "ChangeSet",
    "EventWrite",
    "GoogleCalendarClient",
    "Outcome",
    "SyncTokenExpiredError",
    "build_service",
    "get_calendar_client",
]

GOOGLE_BASE = "https://www.googleapis.com/calendar/v3"
SCOPE = "https://www.googleapis.com/auth/calendar"
SERVICE = "google_calendar"  # the Service dimension of its metrics
BATCH_SIZE = 50  # Google allows 1000 per batch; each inner call still counts against quota
_HTTP_TIMEOUT_SECONDS = 30


class GoogleCalendarClient:
    """The real client (also used against the fake server)."""

    outbox = False

    def __init__(
        self,
        service: Any,
        calendar_id: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 32.0,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._service = service
        self.calendar_id = calendar_id
        self._sleep = sleep
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.batch_size = batch_size
        self.delays: list[float] = []  # backoff waits so far (reported by jobs and benches)

    # -- reads ------------------------------------------------------------------------
    def get_events(self, event_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """The events by id (cancelled ones included); None for ids Google does not know."""
        events = self._service.events()
        calls = {
            event_id: _bind(events.get, calendarId=self.calendar_id, eventId=event_id)
            for event_id in event_ids
        }
        found: dict[str, dict[str, Any] | None] = {}
        for event_id, outcome in self._run_batch(calls, "events.get").items():
            if isinstance(outcome, CalendarApiError):
                if outcome.status not in (404, 410):
                    raise outcome
                found[event_id] = None
            else:
                found[event_id] = outcome
        return found

    def list_changes(self, sync_token: str | None, *, time_min: datetime) -> ChangeSet:
        """Event occurrences changed since the token (all from time_min when it is None)."""
        params: dict[str, Any] = {
            "calendarId": self.calendar_id,
            "singleEvents": True,
            "maxResults": 2500,
        }
        if sync_token:
            params["syncToken"] = sync_token
        else:
            params["timeMin"] = _rfc3339(time_min)
        changes = ChangeSet(full=sync_token is None)
        page_token = None
        while True:
            call = _bind(self._service.events().list, **params, pageToken=page_token)
            try:
                page = self._execute(call, "events.list")
            except CalendarApiError as exc:
                if exc.status == 410:
                    raise SyncTokenExpiredError(410, exc.reason, exc.message) from exc
                raise
            changes.items.extend(page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                changes.next_sync_token = page.get("nextSyncToken")
                return changes

    def list_instances(self, event_id: str) -> list[dict[str, Any]]:
        """Every occurrence of a recurring event (one call per 2500)."""
        items: list[dict[str, Any]] = []
        page_token = None
        while True:
            call = _bind(
                self._service.events().instances,
                calendarId=self.calendar_id,
                eventId=event_id,
                maxResults=2500,
                pageToken=page_token,
            )
            page = self._execute(call, "events.instances")
            items.extend(page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                return items

    # -- writes -----------------------------------------------------------------------
    def insert_events(self, writes: Iterable[EventWrite]) -> dict[str, Outcome]:
        """Insert events with their client ids; a 409 comes back as an error for the caller."""
        events = self._service.events()
        calls = {
            w.event_id: _bind(
                events.insert,
                calendarId=self.calendar_id,
                body={**w.body, "id": w.event_id},
                sendUpdates=w.send_updates,
                conferenceDataVersion=w.conference_data_version,
            )
            for w in writes
        }
        return self._run_batch(calls, "events.insert")

    def patch_events(self, writes: Iterable[EventWrite]) -> dict[str, Outcome]:
        """Patch events (arrays in the body replace the event's arrays)."""
        events = self._service.events()
        calls = {
            w.event_id: _bind(
                events.patch,
                calendarId=self.calendar_id,
                eventId=w.event_id,
                body=w.body,
                sendUpdates=w.send_updates,
                conferenceDataVersion=w.conference_data_version,
            )
            for w in writes
        }
        return self._run_batch(calls, "events.patch")

    def delete_events(self, event_ids: Iterable[str], *, send_updates: str) -> dict[str, Outcome]:
        """Delete events (Google keeps them as `cancelled`); a 410 means deleted already."""
        events = self._service.events()
        calls = {
            event_id: _bind(
                events.delete,
                calendarId=self.calendar_id,
                eventId=event_id,
                sendUpdates=send_updates,
            )
            for event_id in event_ids
        }
        outcomes = self._run_batch(calls, "events.delete")
        # Google answers 204 with no body: an empty event stands for "done".
        return {k: v if isinstance(v, CalendarApiError) else {} for k, v in outcomes.items()}

    # -- plumbing ---------------------------------------------------------------------
    def _execute(self, call: Callable[[], Any], operation: str) -> Any:
        for attempt in range(self.max_retries + 1):
            telemetry.count("ExternalCalls", Service=SERVICE)
            try:
                return call().execute(num_retries=0)
            except Exception as exc:  # noqa: BLE001 - converted, then retried or raised
                error = _as_api_error(exc, operation)
                if not error.retry_soon or attempt == self.max_retries:
                    raise error from exc
                self._backoff(attempt, error)
        raise AssertionError("unreachable")  # pragma: no cover

    def _run_batch(self, calls: dict[str, Callable[[], Any]], operation: str) -> dict[str, Outcome]:
        """Run calls in batches; retry the retryable failures with backoff."""
        outcomes: dict[str, Outcome] = {}
        pending = dict(calls)
        for attempt in range(self.max_retries + 1):
            failed: dict[str, CalendarApiError] = {}
            keys = list(pending)
            for start in range(0, len(keys), self.batch_size):
                chunk = {k: pending[k] for k in keys[start : start + self.batch_size]}
                for key, outcome in self._one_batch(chunk, operation).items():
                    if isinstance(outcome, CalendarApiError) and outcome.retry_soon:
                        failed[key] = outcome
                    outcomes[key] = outcome
            if not failed or attempt == self.max_retries:
                return outcomes
            self._backoff(attempt, next(iter(failed.values())))
            pending = {k: calls[k] for k in failed}
        return outcomes  # pragma: no cover

    def _one_batch(self, calls: dict[str, Callable[[], Any]], operation: str) -> dict[str, Outcome]:
        telemetry.count("ExternalCalls", len(calls), Service=SERVICE)  # Google counts each item
        if len(calls) == 1:
            ((key, call),) = calls.items()
            try:
                return {key: call().execute(num_retries=0)}
            except Exception as exc:  # noqa: BLE001 - reported per item
                return {key: _as_api_error(exc, operation)}
        results: dict[str, Outcome] = {}

        def collect(request_id: str, response: Any, exception: Exception | None) -> None:
            results[request_id] = (
                _as_api_error(exception, operation) if exception is not None else response
            )

        batch = self._service.new_batch_http_request(callback=collect)
        for key, call in calls.items():
            batch.add(call(), request_id=key)
        try:
            batch.execute()
        except Exception as exc:  # noqa: BLE001 - the whole batch failed: every item did
            error = _as_api_error(exc, f"{operation} (batch)")
            return dict.fromkeys(calls, error)
        return results

    def _backoff(self, attempt: int, error: CalendarApiError) -> None:
        delay = min(self.base_delay * 2**attempt, self.max_delay)
        delay += random.uniform(0, self.base_delay)  # jitter spreads concurrent retries
        logger.warning("Google Calendar %s; retrying in %.2f s", error, delay)
        self.delays.append(delay)
        self._sleep(delay)


def _bind(method: Callable[..., Any], **params: Any) -> Callable[[], Any]:
    """A factory for a fresh request object (a batch retry needs new ones)."""
    clean = {k: v for k, v in params.items() if v is not None}
    return lambda: method(**clean)


def _as_api_error(exc: BaseException, operation: str) -> CalendarApiError:
    from googleapiclient.errors import HttpError

    if isinstance(exc, CalendarApiError):
        return exc
    if isinstance(exc, HttpError):
        reason, message = _error_details(exc.content)
        return _counted(CalendarApiError(exc.resp.status, reason, message, operation=operation))
    if isinstance(exc, OSError | TimeoutError) or type(exc).__module__.startswith("httplib2"):
        return _counted(
            CalendarApiError(0, "transport", str(exc) or type(exc).__name__, operation=operation)
        )
    raise exc


def _counted(error: CalendarApiError) -> CalendarApiError:
    """A failed call (an error the caller may expect too: 404, 409), as a metric."""
    limited = error.rate_limited or error.quota_exceeded
    telemetry.count("ExternalRateLimited" if limited else "ExternalErrors", Service=SERVICE)
    return error


def _error_details(content: bytes | str | None) -> tuple[str, str]:
    try:
        error = json.loads(content or b"{}").get("error", {})
    except (ValueError, AttributeError):
        return "unknown", str(content)[:200]
    details = (error.get("errors") or [{}])[0]
    return str(details.get("reason") or error.get("status") or "unknown"), str(
        error.get("message") or details.get("message") or "no message"
    )


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# -- building clients ------------------------------------------------------------------
def build_service(base_url: str, http: Any) -> Any:
    """A Calendar v3 service from the bundled discovery document, rooted at base_url."""
    from googleapiclient import discovery_cache
    from googleapiclient.discovery import build_from_document

    document = json.loads(discovery_cache.get_static_doc("calendar", "v3") or "{}")
    if not document:
        raise RuntimeError("google-api-python-client has no bundled calendar v3 document")
    parts = urlsplit(base_url.rstrip("/"))
    root = f"{parts.scheme}://{parts.netloc}/"
    service_path = parts.path.strip("/") + "/"
    document.update(
        rootUrl=root,
        servicePath=service_path,
        baseUrl=root + service_path,
        batchPath="batch/calendar/v3",
    )
    return build_from_document(document, http=http)


def _authorised_http(service_account_json: str, delegated_user: str | None) -> Any:
    import google_auth_httplib2
    import httplib2
    from google.oauth2 import service_account

    from roundtable.config import SettingsError

    if not delegated_user:
        raise SettingsError(
            "GOOGLE_DELEGATED_USER must name the Workspace user the service account acts for"
        )
    try:
        info = json.loads(service_account_json)
    except ValueError:
        raise SettingsError("GOOGLE_SERVICE_ACCOUNT_JSON is not valid JSON") from None
    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        info, scopes=[SCOPE], subject=delegated_user
    )
    return google_auth_httplib2.AuthorizedHttp(
        credentials, http=httplib2.Http(timeout=_HTTP_TIMEOUT_SECONDS)
    )


def get_calendar_client(
    engine: Engine | None = None, *, organiser: str = DEFAULT_ORGANISER, **options: Any
) -> CalendarClient:
    """The client for an organiser's calendar; see the module docstring for the modes.

    "default" is GOOGLE_CALENDAR_ID as GOOGLE_DELEGATED_USER; any other organiser
    (GOOGLE_CALENDAR_ORGANISERS, sync/organisers.py) is a Workspace user acting on
    their own primary calendar, whose id is their address."""
    from roundtable.config import get_settings

    settings = get_settings()
    base = settings.google_calendar_base.rstrip("/")
    account = settings.secret("GOOGLE_SERVICE_ACCOUNT_JSON")
    own = organiser != DEFAULT_ORGANISER
    calendar_id = organiser if own else settings.google_calendar_id
    if account:
        http = _authorised_http(account, organiser if own else settings.google_delegated_user)
    elif base != GOOGLE_BASE:
        import httplib2

        http = httplib2.Http(timeout=_HTTP_TIMEOUT_SECONDS)  # a fake server: no auth
    else:
        if settings.is_deployed:
            settings.require_secret("GOOGLE_SERVICE_ACCOUNT_JSON")  # raises, naming it
        from roundtable.sync.calendar_outbox import OutboxCalendarClient

        return OutboxCalendarClient(engine, calendar_id)
    return GoogleCalendarClient(build_service(base, http), calendar_id, **options)
