"""GET /auth/dev-login tells the sign-in page whether the dev login works here."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_the_dev_login_says_it_is_enabled_when_it_is(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "true")

    answer = client.get("/auth/dev-login")

    assert answer.status_code == 200
    assert answer.json() == {"enabled": True}
    assert client.post("/auth/dev-login", json={"display_name": "Grace"}).status_code == 200


def test_the_dev_login_says_it_is_disabled_and_then_refuses(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "false")

    answer = client.get("/auth/dev-login")

    assert answer.status_code == 200
    assert answer.json() == {"enabled": False}
    assert client.post("/auth/dev-login", json={"display_name": "Grace"}).status_code == 404
