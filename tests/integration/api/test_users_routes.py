"""The signed-in user's profile, availability and facilitator application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from roundtable.db.engine import transaction
from roundtable.db.tables import availability_blocks, users
from tests.integration.api.builders import make_user


@pytest.fixture
def me(engine: Engine, client_for: Callable[[int | None], TestClient]) -> TestClient:
    with transaction(engine) as conn:
        user_id = make_user(conn, "Lin", email="lin@example.org")
        conn.execute(users.update().values(email_verified_at=users.c.created_at))
    return client_for(user_id)


def test_reading_my_profile_shows_defaults_and_no_enrollments(me: TestClient) -> None:
    body = me.get("/api/users/me").json()
    assert body["display_name"] == "Lin"
    assert body["timezone"] == "UTC"
    assert body["email_notifications"] is body["dm_notifications"] is True
    assert body["facilitator"] is None and body["enrollments"] == []


def test_anonymous_callers_get_the_one_error_shape(client: TestClient) -> None:
    response = client.get("/api/users/me")
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "unauthenticated", "message": "sign in first"}}


def test_updating_my_profile_changes_only_what_was_sent(me: TestClient) -> None:
    body = me.patch(
        "/api/users/me",
        json={"display_name": "  Lin   Dao ", "timezone": "Asia/Tokyo", "dm_notifications": False},
    ).json()
    assert body["display_name"] == "Lin Dao"
    assert body["timezone"] == "Asia/Tokyo"
    assert body["dm_notifications"] is False and body["email_notifications"] is True
    assert body["email"] == "lin@example.org" and body["email_verified"] is True


def test_a_new_email_is_no_longer_verified(me: TestClient) -> None:
    body = me.patch("/api/users/me", json={"email": "lin@new.example"}).json()
    assert body["email"] == "lin@new.example" and body["email_verified"] is False


def test_accepting_the_terms_stamps_the_first_acceptance_only(me: TestClient) -> None:
    first = me.patch("/api/users/me", json={"tos_accepted": True}).json()["tos_accepted_at"]
    again = me.patch("/api/users/me", json={"tos_accepted": True}).json()["tos_accepted_at"]
    assert first is not None and first == again


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (
            {"timezone": "Mars/Olympus"},
            "timezone",
            "is not an IANA region time zone",
        ),
        ({"email": "not-an-address"}, "email", "'not-an-address' is not an email address"),
        ({"display_name": "   "}, "display_name", "1 to 80 printable characters"),
        ({"tos_accepted": False}, "tos_accepted", "tos_accepted"),
    ],
)
def test_bad_profile_input_gets_a_specific_error_and_changes_nothing(
    me: TestClient, change: dict[str, Any], field: str, fragment: str
) -> None:
    response = me.patch("/api/users/me", json={**change, "dm_notifications": False})
    error = response.json()["error"]
    assert response.status_code == 422
    assert error["field"] == field and fragment in error["message"]
    assert me.get("/api/users/me").json()["dm_notifications"] is True


def test_availability_round_trips_merging_touching_intervals(
    me: TestClient, engine: Engine
) -> None:
    intervals = [
        {"weekday": 1, "start": "18:00", "end": "19:00"},
        {"weekday": 1, "start": "19:00", "end": "21:30"},
        {"weekday": 5, "start": "09:00", "end": "12:00", "kind": "if_needed"},
        {"weekday": 6, "start": "22:00", "end": "24:00"},
    ]
    response = me.put(
        "/api/users/me/availability", json={"timezone": "Europe/Berlin", "intervals": intervals}
    )
    assert response.status_code == 200, response.text
    body = me.get("/api/users/me/availability").json()
    assert body["timezone"] == "Europe/Berlin" and body["updated_at"] is not None
    assert body["intervals"] == [
        {"weekday": 1, "start": "18:00", "end": "21:30", "kind": "available"},
        {"weekday": 5, "start": "09:00", "end": "12:00", "kind": "if_needed"},
        {"weekday": 6, "start": "22:00", "end": "24:00", "kind": "available"},
    ]
    assert me.get("/api/users/me").json()["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize(
    ("intervals", "field", "message"),
    [
        (
            [{"weekday": 2, "start": "09:15", "end": "10:00"}],
            "intervals.0.start",
            "intervals[0] (Wednesday 09:15–10:00): 09:15 is not on the half hour",
        ),
        (
            [{"weekday": 4, "start": "22:00", "end": "01:00"}],
            "intervals.0.end",
            "intervals[0] (Friday 22:00–01:00): the end must be after the start, within the "
            "same day (split an evening that runs past midnight into two intervals)",
        ),
        (
            [
                {"weekday": 0, "start": "09:00", "end": "12:00"},
                {"weekday": 0, "start": "11:30", "end": "13:00", "kind": "if_needed"},
            ],
            "intervals.1",
            "intervals[1] (Monday 11:30–13:00) overlaps intervals[0] (Monday 09:00–12:00)",
        ),
        (
            [{"weekday": 3, "start": "25:00", "end": "26:00"}],
            "intervals.0.start",
            "intervals[0] (Thursday 25:00–26:00): '25:00' is not a time from 00:00 to 24:00",
        ),
        (
            [{"weekday": 7, "start": "09:00", "end": "10:00"}],
            "intervals.0.weekday",
            "intervals.0.weekday: Input should be less than or equal to 6",
        ),
    ],
)
def test_bad_availability_is_refused_naming_the_interval_and_keeps_the_old(
    me: TestClient, engine: Engine, intervals: list[dict[str, Any]], field: str, message: str
) -> None:
    good = [{"weekday": 0, "start": "08:00", "end": "09:00"}]
    assert me.put("/api/users/me/availability", json={"intervals": good}).status_code == 200
    response = me.put("/api/users/me/availability", json={"intervals": intervals})
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_request",
        "message": message,
        "field": field,
    }
    with engine.connect() as conn:
        assert conn.execute(select(availability_blocks.c.start_minute)).scalars().all() == [480]


def test_applying_to_facilitate_is_idempotent_and_shows_on_my_profile(me: TestClient) -> None:
    first = me.post("/api/users/me/facilitator-application", json={"note": "I ran a reading group"})
    second = me.post("/api/users/me/facilitator-application", json={})
    assert first.status_code == second.status_code == 200
    assert first.json()["applied_at"] == second.json()["applied_at"]
    assert second.json()["is_certified"] is False
    assert me.get("/api/users/me").json()["facilitator"]["is_certified"] is False
