"""Signed one-click unsubscribe tokens."""

from __future__ import annotations

import pytest
from roundtable_edge.web.statuses import http_status

from roundtable.config import SettingsError, get_settings
from roundtable.notifications.unsubscribe import (
    UnsubscribeTokenError,
    make_unsubscribe_token,
    unsubscribe_key,
    unsubscribe_url,
    verify_unsubscribe,
)

KEY = b"k" * 32


def test_a_token_names_the_user_and_the_kind() -> None:
    token = make_unsubscribe_token(42, "meeting_reminder_1h", KEY)
    assert verify_unsubscribe(token, KEY) == (42, "meeting_reminder_1h")


def test_a_token_with_a_changed_user_is_refused() -> None:
    token = make_unsubscribe_token(42, "welcome", KEY)
    forged = make_unsubscribe_token(43, "welcome", b"other" * 8).split(".")[0]
    with pytest.raises(UnsubscribeTokenError, match="signature does not match"):
        verify_unsubscribe(f"{forged}.{token.split('.')[1]}", KEY)


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = make_unsubscribe_token(42, "welcome", b"other" * 8)
    with pytest.raises(UnsubscribeTokenError):
        verify_unsubscribe(token, KEY)


@pytest.mark.parametrize("token", ["", "no-dot", "!!!.???", "abc."])
def test_malformed_tokens_are_refused_with_a_validation_error(token: str) -> None:
    with pytest.raises(UnsubscribeTokenError) as info:
        verify_unsubscribe(token, KEY)
    assert http_status(info.value) == 422  # what the web answers


def test_the_key_comes_from_jwt_secret_so_rotating_it_changes_tokens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JWT_SECRET", "first-secret-value-long-enough")
    first = unsubscribe_key(get_settings())
    monkeypatch.setenv("JWT_SECRET", "second-secret-value-long-enough")
    assert unsubscribe_key(get_settings()) != first
    assert first != b"first-secret-value-long-enough"  # derived, not the secret itself


def test_a_deployed_stack_without_jwt_secret_refuses_to_sign(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROUNDTABLE_STAGE", "deployed")
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "false")
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("JWT_SECRET_PARAM", raising=False)
    from roundtable.config import load_settings

    with pytest.raises(SettingsError, match="JWT_SECRET"):
        unsubscribe_key(load_settings())


def test_the_link_points_at_the_unsubscribe_endpoint() -> None:
    url = unsubscribe_url("https://roundtable.example/", 7, "welcome", KEY)
    assert url.startswith("https://roundtable.example/api/unsubscribe?token=")
    token = url.split("token=")[1]
    assert verify_unsubscribe(token, KEY) == (7, "welcome")
