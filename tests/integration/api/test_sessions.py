"""Sessions: cookies, refresh rotation, reuse detection, logout, dev login."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from roundtable.auth import dev_login, purge_expired_refresh_tokens, start_session
from roundtable.auth.sessions import hash_token
from roundtable.config import SettingsError, get_settings, load_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import refresh_tokens, users
from roundtable.errors import NotFoundError
from tests.integration.api.builders import make_user


def _dev_login(client: TestClient, name: str = "Grace", **extra: object) -> dict[str, object]:
    response = client.post("/auth/dev-login", json={"display_name": name, **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _set_cookies(response: object) -> dict[str, str]:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return {h.split("=", 1)[0]: h for h in headers}


def test_dev_login_sets_a_session_and_a_refresh_cookie_scoped_to_auth(
    client: TestClient,
) -> None:
    response = client.post("/auth/dev-login", json={"display_name": "Grace"})
    cookies = _set_cookies(response)
    session, refresh = cookies["session"], cookies["refresh_token"]
    for header in (session, refresh):
        assert "HttpOnly" in header and "Secure" in header and "SameSite=lax" in header
    assert "Path=/;" in session and "Max-Age=900" in session
    assert "Path=/auth/" in refresh and f"Max-Age={30 * 24 * 3600}" in refresh
    assert client.get("/api/users/me").json()["display_name"] == "Grace"


def test_the_web_app_gets_a_script_readable_hint_living_and_dying_with_the_session(
    client: TestClient,
) -> None:
    hint = _set_cookies(client.post("/auth/dev-login", json={"display_name": "Grace"}))["signed_in"]
    # Readable by the SPA (not HttpOnly), as long as the refresh token, and no secret in it.
    assert hint.startswith("signed_in=1;") and "HttpOnly" not in hint
    assert "Path=/;" in hint and f"Max-Age={30 * 24 * 3600}" in hint
    assert "SameSite=lax" in hint and "Secure" in hint

    cleared = _set_cookies(client.post("/auth/logout"))["signed_in"]
    assert "Max-Age=0" in cleared and "Path=/;" in cleared


def test_the_hint_alone_signs_nobody_in(client: TestClient) -> None:
    client.cookies.set("signed_in", "1")
    assert client.get("/api/users/me").status_code == 401
    refused = client.post("/auth/refresh")
    assert refused.status_code == 401
    # A failed refresh clears the hint too, so the app stops asking.
    assert "Max-Age=0" in _set_cookies(refused)["signed_in"]


def test_dev_login_by_the_same_name_is_the_same_person_and_can_make_an_admin(
    client: TestClient,
) -> None:
    first = _dev_login(client, "Grace")
    second = _dev_login(client, "grace", as_admin=True)
    assert first["user_id"] == second["user_id"]
    assert client.get("/api/users/me").json()["is_admin"] is True


def test_dev_login_is_404_when_disabled(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "false")
    response = client.post("/auth/dev-login", json={"display_name": "Mallory"})
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}
    assert "set-cookie" not in response.headers


def test_a_deployed_stack_cannot_enable_dev_login(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = get_settings()
    monkeypatch.setenv("ROUNDTABLE_STAGE", "deployed")
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "true")
    with pytest.raises(SettingsError, match="DEV_LOGIN_ENABLED"):
        load_settings()
    # Even settings forced into that state (bypassing validation) mint nothing.
    forced = dataclasses.replace(local, stage="deployed", dev_login_enabled=True)
    with transaction(engine) as conn, pytest.raises(NotFoundError):
        dev_login(conn, forced, display_name="Mallory", as_admin=True, now=datetime.now(UTC))


def test_refresh_rotates_the_refresh_token_and_renews_the_session(
    client: TestClient, engine: Engine
) -> None:
    _dev_login(client)
    old = client.cookies.get("refresh_token")
    response = client.post("/auth/refresh")
    assert response.status_code == 200
    assert response.json()["status"] == "refreshed"
    new = client.cookies.get("refresh_token")
    assert new and new != old
    with engine.connect() as conn:
        rows = {r.token_hash: r for r in conn.execute(select(refresh_tokens))}
    assert rows[hash_token(old)].revoked_at is not None
    assert rows[hash_token(new)].revoked_at is None
    assert rows[hash_token(old)].family_id == rows[hash_token(new)].family_id


def test_presenting_a_rotated_token_again_revokes_the_whole_family(
    client: TestClient, app: object, engine: Engine
) -> None:
    _dev_login(client)
    stolen = client.cookies.get("refresh_token")
    assert client.post("/auth/refresh").status_code == 200  # the rightful owner rotates
    thief = TestClient(client.app, base_url="https://testserver")
    thief.cookies.set("refresh_token", stolen, path="/auth/")
    reuse = thief.post("/auth/refresh")
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "unauthenticated"
    assert 'refresh_token=""' in _set_cookies(reuse)["refresh_token"]  # cleared
    # The owner's current token died with the family.
    assert client.post("/auth/refresh").status_code == 401
    with engine.connect() as conn:
        assert conn.execute(select(refresh_tokens.c.revoked_at.is_(None))).scalars().all() == [
            False,
            False,
        ]


def test_an_expired_refresh_token_is_refused(client: TestClient, engine: Engine) -> None:
    _dev_login(client)
    with engine.begin() as conn:
        conn.execute(update(refresh_tokens).values(expires_at=datetime.now(UTC) - timedelta(1)))
    assert client.post("/auth/refresh").status_code == 401


def test_refresh_without_a_cookie_is_401(client: TestClient) -> None:
    response = client.post("/auth/refresh")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "no session to refresh; sign in"


def test_logout_revokes_the_family_and_clears_both_cookies(
    client: TestClient, engine: Engine
) -> None:
    _dev_login(client)
    token = client.cookies.get("refresh_token")
    response = client.post("/auth/logout")
    cookies = _set_cookies(response)
    assert response.json() == {"status": "logged_out"}
    assert "Max-Age=0" in cookies["session"] and "Max-Age=0" in cookies["refresh_token"]
    again = TestClient(client.app, base_url="https://testserver")
    again.cookies.set("refresh_token", token, path="/auth/")
    assert again.post("/auth/refresh").status_code == 401


def test_an_expired_or_forged_session_cookie_is_401(client: TestClient, engine: Engine) -> None:
    from roundtable.auth import issue_access_token, jwt_secret

    with transaction(engine) as conn:
        user_id = make_user(conn, "Hedy")
    old = issue_access_token(user_id, datetime.now(UTC) - timedelta(minutes=16), jwt_secret())
    forged = issue_access_token(
        user_id, datetime.now(UTC), "not-the-secret-but-long-enough-for-hs256!"
    )
    for token, message in ((old, "expired"), (forged, "invalid")):
        client.cookies.set("session", token)
        response = client.get("/api/users/me")
        assert response.status_code == 401
        assert message in response.json()["error"]["message"]


def test_purging_deletes_only_expired_refresh_tokens(engine: Engine) -> None:
    now = datetime.now(UTC)
    with transaction(engine) as conn:
        user_id = make_user(conn, "Purge")
        start_session(conn, user_id, now - timedelta(days=31))  # expired yesterday
        kept = start_session(conn, user_id, now)
        assert purge_expired_refresh_tokens(conn, now) == 1
        left = conn.execute(select(refresh_tokens.c.token_hash)).scalars().all()
    assert left == [hash_token(kept.refresh_token)]


def test_a_session_for_a_deleted_user_is_401(client: TestClient, engine: Engine) -> None:
    _dev_login(client, "Gone")
    with engine.begin() as conn:
        conn.execute(users.delete())
    assert client.get("/api/users/me").status_code == 401
