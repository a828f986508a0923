"""The unsubscribe link from an email, through the real http_api handler."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import users
from roundtable.discord.rest import reset_discord_clients
from roundtable.notifications import default_providers, sweep
from roundtable.notifications.unsubscribe import make_unsubscribe_token, unsubscribe_key
from tests.fakes.sendgrid import FakeSendGrid, start_fake_sendgrid
from tests.functions.conftest import http_event
from tests.integration.notifications.world import World, study_group


@pytest.fixture
def fake_sendgrid(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSendGrid]:
    fake = start_fake_sendgrid(monkeypatch)
    for name in ("DISCORD_BOT_TOKEN", "LOW_ATTENDANCE_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    reset_discord_clients()
    yield fake
    fake.stop()


def _email_on(engine: Engine, user_id: int) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(select(users.c.email_notifications).where(users.c.id == user_id)))


def _call(function: Any, context: Any, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    parts = urlsplit(url)
    event = http_event(method, parts.path, query=parts.query, **kwargs)
    return dict(function("http_api").handler(event, context))


def test_one_click_unsubscribe_from_a_sent_reminder_turns_email_off(
    engine: Engine, fake_sendgrid: FakeSendGrid, function: Any, lambda_context: Any
) -> None:
    world = World(engine)
    meeting_at = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
    group = study_group(world, meeting_at=meeting_at)
    sweep(engine, meeting_at - timedelta(minutes=59), providers=default_providers(engine))
    [email] = [
        e for e in fake_sendgrid.delivered if e.name == "Ada Group Ada" and "hour" in e.subject
    ]
    link = email.headers["List-Unsubscribe"].strip("<>")

    response = _call(
        function,
        lambda_context,
        "POST",
        link,
        body="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "unsubscribed", "kind": "meeting_reminder_1h"}
    assert _email_on(engine, group.ada) is False
    assert _email_on(engine, group.bo) is True


def test_opening_the_link_asks_for_confirmation_and_changes_nothing(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    ada = World(engine).user("Ada")
    token = make_unsubscribe_token(ada, "welcome", unsubscribe_key())

    response = _call(function, lambda_context, "GET", f"/api/unsubscribe?token={token}")

    assert response["statusCode"] == 200
    assert response["headers"]["content-type"].startswith("text/html")
    assert '<form method="post"' in response["body"] and "welcome" in response["body"]
    assert _email_on(engine, ada) is True


def test_the_confirmation_button_answers_with_a_page(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    ada = World(engine).user("Ada")
    token = make_unsubscribe_token(ada, "welcome", unsubscribe_key())
    response = _call(
        function,
        lambda_context,
        "POST",
        f"/api/unsubscribe?token={token}",
        headers={"accept": "text/html"},
    )
    assert response["statusCode"] == 200
    assert "won't get Roundtable notification emails" in response["body"]
    assert _email_on(engine, ada) is False


def test_a_forged_token_is_refused_and_changes_nothing(
    engine: Engine, function: Any, lambda_context: Any
) -> None:
    ada = World(engine).user("Ada")
    forged = make_unsubscribe_token(ada, "welcome", b"not the key" * 3)
    response = _call(function, lambda_context, "POST", f"/api/unsubscribe?token={forged}")
    assert response["statusCode"] == 422
    assert json.loads(response["body"])["error"]["code"] == "invalid_request"
    assert _email_on(engine, ada) is True
