"""Issue 16, findings 3 and 4: signing out ends the access token too; a session
naming nobody (an id out of range, a deleted user) is a 401 on every route, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from roundtable.auth import issue_access_token, jwt_secret
from roundtable.db.engine import transaction
from roundtable.db.tables import users
from tests.integration.api.builders import make_user

INT32_MAX = 2_147_483_647


def _login(client: TestClient, name: str = "Grace") -> str:
    response = client.post("/auth/dev-login", json={"display_name": name})
    assert response.status_code == 200, response.text
    token = client.cookies.get("session")
    assert token
    return token


def _holder(client: TestClient, access_token: str) -> TestClient:
    """Someone else holding a copy of the access cookie (another tab, a thief)."""
    other = TestClient(client.app, base_url="https://testserver")
    other.cookies.set("session", access_token)
    return other


def test_logout_ends_the_access_token_too(client: TestClient) -> None:
    copy = _holder(client, _login(client))
    assert copy.get("/api/users/me").status_code == 200
    assert client.post("/auth/logout").status_code == 200
    refused = copy.get("/api/users/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert "signed out" in refused.json()["error"]["message"]


def test_refresh_token_reuse_ends_the_access_tokens_of_the_family(client: TestClient) -> None:
    _login(client)
    stolen_refresh = client.cookies.get("refresh_token")
    assert client.post("/auth/refresh").status_code == 200  # the owner rotates
    owners_access = client.cookies.get("session")
    assert owners_access
    thief = TestClient(client.app, base_url="https://testserver")
    thief.cookies.set("refresh_token", stolen_refresh, path="/auth/")
    assert thief.post("/auth/refresh").status_code == 401  # reuse detected
    assert _holder(client, owners_access).get("/api/users/me").status_code == 401


def test_logout_ends_the_learner_routes_session_too(client: TestClient) -> None:
    copy = _holder(client, _login(client))
    client.post("/auth/logout")
    beat = copy.post("/api/progress/heartbeat", json={"module_slug": "x", "section_id": "y"})
    assert beat.status_code == 401


def test_signing_in_again_after_logout_works(client: TestClient) -> None:
    _login(client)
    client.post("/auth/logout")
    _login(client)
    assert client.get("/api/users/me").status_code == 200


def test_a_refreshed_session_keeps_working_after_another_device_logs_out(
    client: TestClient,
) -> None:
    _login(client)
    laptop = TestClient(client.app, base_url="https://testserver")
    laptop.post("/auth/dev-login", json={"display_name": "Grace"})
    client.post("/auth/logout")  # this device signs out
    assert laptop.get("/api/users/me").status_code == 401  # its access token went too
    assert laptop.post("/auth/refresh").status_code == 200  # its own family still stands
    assert laptop.get("/api/users/me").status_code == 200


ROUTES = [
    ("GET", "/api/users/me", None),
    ("PATCH", "/api/users/me", {"display_name": "X"}),
    ("GET", "/api/groups/mine", None),
    ("POST", "/api/progress/heartbeat", {"module_slug": "m", "section_id": "s"}),
    ("POST", "/api/progress/complete", {"module_slug": "m", "section_id": "s"}),
]


@pytest.mark.parametrize("user_id", [INT32_MAX + 1, 2**62, 987_654])
@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_session_naming_no_user_is_401_on_every_route(
    client: TestClient, user_id: int, method: str, path: str, body: object
) -> None:
    client.cookies.set("session", issue_access_token(user_id, datetime.now(UTC), jwt_secret()))
    response = client.request(method, path, json=body)
    assert response.status_code == 401, (response.status_code, response.text)
    assert response.json()["error"]["code"] == "unauthenticated"


def test_logout_bumps_the_users_session_version(client: TestClient, engine: Engine) -> None:
    _login(client, "Ver")
    with engine.connect() as conn:
        before = conn.scalar(select(users.c.session_version).where(users.c.display_name == "Ver"))
    client.post("/auth/logout")
    with engine.connect() as conn:
        after = conn.scalar(select(users.c.session_version).where(users.c.display_name == "Ver"))
    assert after == before + 1


def test_a_token_of_an_existing_user_still_works(client: TestClient, engine: Engine) -> None:
    with transaction(engine) as conn:
        user_id = make_user(conn, "Kept")
    client.cookies.set("session", issue_access_token(user_id, datetime.now(UTC), jwt_secret()))
    assert client.get("/api/users/me").status_code == 200
