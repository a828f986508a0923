"""The Google Calendar client against the fake Calendar v3 server."""

from __future__ import annotations

from datetime import UTC, datetime

import httplib2
import pytest

from roundtable.config import SettingsError
from roundtable.sync.calendar import (
    CalendarApiError,
    EventWrite,
    GoogleCalendarClient,
    SyncTokenExpiredError,
    build_service,
    get_calendar_client,
)
from tests.fakes.google_calendar import (
    FakeGoogleCalendar,
    google_error,
    rate_limited,
    server_error,
)

EVENTS = r"/calendar/v3/calendars/primary/events"
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def _body(**extra: object) -> dict:
    return {
        "summary": "Group 1",
        "start": {"dateTime": "2026-03-04T18:00:00", "timeZone": "Europe/London"},
        "end": {"dateTime": "2026-03-04T19:00:00", "timeZone": "Europe/London"},
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
        "attendees": [{"email": "Ada@Example.com"}],
        **extra,
    }


@pytest.fixture
def client(calendar: FakeGoogleCalendar, waits: list[float]) -> GoogleCalendarClient:
    service = build_service(calendar.base_url_for_client, httplib2.Http(timeout=10))
    return GoogleCalendarClient(service, "primary", sleep=waits.append, base_delay=0.01)


def test_many_inserts_travel_in_batches_of_fifty(
    calendar: FakeGoogleCalendar, client: GoogleCalendarClient
) -> None:
    writes = [EventWrite(f"event{n:05d}", _body()) for n in range(120)]

    outcomes = client.insert_events(writes)

    assert all(not isinstance(o, CalendarApiError) for o in outcomes.values())
    assert len(calendar.live_events()) == 120
    assert len(calendar.http_requests()) == 3 and len(calendar.api_calls()) == 120


def test_a_duplicate_id_answers_409_to_the_caller_instead_of_a_second_event(
    calendar: FakeGoogleCalendar, client: GoogleCalendarClient
) -> None:
    client.insert_events([EventWrite("rtabc1g1", _body())])

    outcome = client.insert_events([EventWrite("rtabc1g1", _body())])["rtabc1g1"]

    assert isinstance(outcome, CalendarApiError) and outcome.status == 409
    assert len(calendar.live_events()) == 1


def test_an_id_outside_base32hex_is_refused_by_google(
    calendar: FakeGoogleCalendar, client: GoogleCalendarClient
) -> None:
    outcome = client.insert_events([EventWrite("Group-1!", _body())])["Group-1!"]

    assert isinstance(outcome, CalendarApiError)
    assert (outcome.status, outcome.message) == (400, "Invalid resource id value.")
    [violation] = calendar.take_violations()  # sent on purpose: Google refuses it
    assert violation.problems == ("id: Invalid resource id value.",)


@pytest.mark.parametrize(
    "fault",
    [rate_limited("403"), rate_limited("user"), rate_limited("429"), server_error(500)],
    ids=["rateLimitExceeded", "userRateLimitExceeded", "429", "500"],
)
def test_rate_limits_and_server_errors_are_retried_with_growing_waits(
    fault: object,
    calendar: FakeGoogleCalendar,
    client: GoogleCalendarClient,
    waits: list[float],
) -> None:
    calendar.fail_next("GET", EVENTS, fault, times=3)  # type: ignore[arg-type]

    changes = client.list_changes(None, time_min=SINCE)

    assert changes.next_sync_token and len(waits) == 3
    assert waits == sorted(waits)


def test_a_plain_403_is_not_retried(
    calendar: FakeGoogleCalendar, client: GoogleCalendarClient, waits: list[float]
) -> None:
    calendar.fail_next("GET", EVENTS, google_error(403, "forbidden", "Forbidden"))

    with pytest.raises(CalendarApiError, match=r"403 \(forbidden\)"):
        client.list_changes(None, time_min=SINCE)
    assert waits == []


def test_retries_stop_after_the_limit_with_the_last_error(
    calendar: FakeGoogleCalendar, client: GoogleCalendarClient, waits: list[float]
) -> None:
    calendar.fail_next("GET", EVENTS, server_error(503), times=50)

    with pytest.raises(CalendarApiError, match="503"):
        client.list_changes(None, time_min=SINCE)
    assert len(waits) == client.max_retries


def test_a_sync_token_google_no_longer_knows_raises_a_specific_error(
    calendar: FakeGoogleCalendar, client: GoogleCalendarClient
) -> None:
    token = client.list_changes(None, time_min=SINCE).next_sync_token
    calendar.expire_sync_tokens()

    with pytest.raises(SyncTokenExpiredError):
        client.list_changes(token, time_min=SINCE)


def test_listing_follows_page_tokens_to_the_sync_token(
    calendar: FakeGoogleCalendar, client: GoogleCalendarClient
) -> None:
    client.insert_events([EventWrite(f"event{n:05d}", _body(recurrence=[])) for n in range(3)])
    client.insert_events(
        [EventWrite("series01", _body(recurrence=["RRULE:FREQ=WEEKLY;COUNT=2600"]))]
    )
    calendar.clear_log()

    changes = client.list_changes(None, time_min=SINCE)

    assert len(changes.items) == 2603 and changes.next_sync_token
    assert len(calendar.api_calls()) == 2  # 2500 per page


def test_get_events_answers_none_for_unknown_ids_and_cancelled_events_as_they_are(
    calendar: FakeGoogleCalendar, client: GoogleCalendarClient
) -> None:
    client.insert_events([EventWrite("found1", _body())])
    calendar.delete_event("found1")

    found = client.get_events(["found1", "absent1"])

    assert found["absent1"] is None
    assert found["found1"] is not None and found["found1"]["status"] == "cancelled"


def test_a_service_account_needs_the_user_it_acts_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_SERVICE_ACCOUNT_JSON", '{"type": "service_account"}')
    monkeypatch.delenv("GOOGLE_DELEGATED_USER", raising=False)

    with pytest.raises(SettingsError, match="GOOGLE_DELEGATED_USER"):
        get_calendar_client()


def test_a_deployed_stack_without_calendar_credentials_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROUNDTABLE_STAGE", "deployed")
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "false")
    monkeypatch.delenv("GOOGLE_SERVICE_ACCOUNT_JSON", raising=False)
    monkeypatch.delenv("GOOGLE_CALENDAR_BASE", raising=False)

    with pytest.raises(SettingsError, match="GOOGLE_SERVICE_ACCOUNT_JSON"):
        get_calendar_client()
