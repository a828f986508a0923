"""Access tokens, the JWT secret, and the login's redirect rules."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from roundtable.auth import issue_access_token, jwt_secret, read_access_token
from roundtable.auth.discord import authorize_base
from roundtable.auth.oauth import parse_anonymous_token, safe_next
from roundtable.config import SettingsError, get_settings
from roundtable.errors import AuthenticationError

SECRET = "a-test-secret-that-is-at-least-32-bytes-long"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_an_access_token_names_its_user_until_it_expires() -> None:
    token = issue_access_token(42, NOW, SECRET)
    assert read_access_token(token, NOW + timedelta(minutes=14), SECRET) == 42
    with pytest.raises(AuthenticationError, match="expired"):
        read_access_token(token, NOW + timedelta(minutes=15), SECRET)


def test_tokens_signed_otherwise_or_of_another_type_are_refused() -> None:
    with pytest.raises(AuthenticationError, match="invalid"):
        read_access_token(issue_access_token(42, NOW, SECRET + "x"), NOW, SECRET)
    other = jwt.encode({"sub": "42", "typ": "refresh", "exp": 2**40}, SECRET, algorithm="HS256")
    with pytest.raises(AuthenticationError, match="invalid"):
        read_access_token(other, NOW, SECRET)
    unsigned = jwt.encode({"sub": "42", "typ": "access", "exp": 2**40}, None, algorithm="none")
    with pytest.raises(AuthenticationError, match="invalid"):
        read_access_token(unsigned, NOW, SECRET)


def test_the_jwt_secret_comes_from_the_setting_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", SECRET)
    assert jwt_secret() == SECRET


def test_without_a_jwt_secret_a_local_stack_uses_one_per_process_and_warns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from roundtable.auth import tokens

    monkeypatch.delenv("JWT_SECRET", raising=False)
    tokens._process_secret.cache_clear()
    tokens._make_process_secret.cache_clear()
    with caplog.at_level(logging.WARNING):
        first, second = jwt_secret(), jwt_secret()
    assert first == second and len(first) >= 32
    assert [r.message for r in caplog.records if "JWT_SECRET" in r.message]


def test_threads_asking_for_the_first_time_at_once_share_one_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from roundtable.auth import tokens

    monkeypatch.delenv("JWT_SECRET", raising=False)
    tokens._process_secret.cache_clear()
    tokens._make_process_secret.cache_clear()
    start, seen = threading.Barrier(8), set()

    def ask() -> None:
        start.wait()
        seen.add(jwt_secret())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 1


def test_a_deployed_stack_without_a_jwt_secret_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    deployed = dataclasses.replace(get_settings(), stage="deployed", dev_login_enabled=False)
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        jwt_secret(deployed)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/course/unit-2?tab=notes", "/course/unit-2?tab=notes"),
        (None, "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_only_same_site_paths_are_returned_to_after_login(given: str | None, kept: str) -> None:
    assert safe_next(given) == kept


def test_anonymous_tokens_must_be_uuids() -> None:
    assert parse_anonymous_token("not-a-uuid") is None
    assert str(parse_anonymous_token("1b4e28ba-2fa1-11d2-883f-0016d3cca427")).startswith("1b4e")


def test_browsers_approve_on_the_site_root_not_the_versioned_api() -> None:
    assert authorize_base("https://discord.com/api/v10") == "https://discord.com/oauth2/authorize"
    assert authorize_base("http://127.0.0.1:9000") == "http://127.0.0.1:9000/oauth2/authorize"
