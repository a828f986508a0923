"""send_reminders answers real EventBridge events: sends what is due, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import outbox
from roundtable.discord.rest import reset_discord_clients
from tests.conftest import load_event
from tests.fakes.discord import FakeDiscord, start_fake_discord
from tests.fakes.sendgrid import FakeSendGrid, start_fake_sendgrid
from tests.functions.conftest import LambdaContext
from tests.integration.notifications.world import World, study_group


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSendGrid, FakeDiscord]]:
    sendgrid = start_fake_sendgrid(monkeypatch)
    discord = start_fake_discord(monkeypatch)
    reset_discord_clients()
    yield sendgrid, discord
    sendgrid.stop()
    discord.stop()
    reset_discord_clients()


def _meeting_in(world: World, minutes: int) -> Any:
    # Real clock: the handler sweeps at the time it runs.
    starts = (datetime.now(UTC) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    return study_group(world, meeting_at=starts)


def _reminder_emails(fake: FakeSendGrid) -> list[str]:
    return sorted(e.to for e in fake.delivered if "meets in an hour" in e.subject)


def test_a_scheduled_event_sends_the_due_reminders_and_summarises(
    engine: Engine,
    fakes: tuple[FakeSendGrid, FakeDiscord],
    function: Any,
    lambda_context: LambdaContext,
) -> None:
    sendgrid, _ = fakes
    _meeting_in(World(engine), 40)

    result = function("send_reminders").handler(
        load_event("eventBridgeScheduledEvent.json"), lambda_context
    )

    assert result["status"] == "ok"
    notifications = result["notifications"]
    assert notifications["queued"]["meeting_reminder_1h"] == 9
    assert notifications["sent"] >= 9 and notifications["failed"] == 0
    assert len(_reminder_emails(sendgrid)) == 4


def test_a_duplicated_event_sends_nothing_twice(
    engine: Engine,
    fakes: tuple[FakeSendGrid, FakeDiscord],
    function: Any,
    lambda_context: LambdaContext,
) -> None:
    sendgrid, discord = fakes
    _meeting_in(World(engine), 40)
    event = load_event("eventBridgeScheduledEvent.json")

    function("send_reminders").handler(event, lambda_context)
    calls = len(sendgrid.accepted), len(discord.mutating_requests())
    again = function("send_reminders").handler(event, lambda_context)

    assert again["notifications"]["claimed"] == 0
    assert (len(sendgrid.accepted), len(discord.mutating_requests())) == calls
    assert len(_reminder_emails(sendgrid)) == 4


def test_with_too_little_time_left_the_run_leaves_the_work_for_the_next(
    engine: Engine,
    fakes: tuple[FakeSendGrid, FakeDiscord],
    function: Any,
) -> None:
    sendgrid, _ = fakes
    _meeting_in(World(engine), 40)

    class AlmostOutOfTime(LambdaContext):
        def get_remaining_time_in_millis(self) -> int:
            return 2_000

    result = function("send_reminders").handler(
        load_event("eventBridgeScheduledEvent.json"), AlmostOutOfTime()
    )

    assert result["notifications"]["stopped_early"] is True
    assert result["notifications"]["claimed"] == 0
    assert sendgrid.accepted == []
    later = function("send_reminders").handler(
        load_event("eventBridgeScheduledEvent.json"), LambdaContext()
    )
    assert later["notifications"]["sent"] >= 9


def test_in_the_local_stack_without_credentials_reminders_land_in_the_outbox(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    function: Any,
    lambda_context: LambdaContext,
) -> None:
    monkeypatch.setenv("ROUNDTABLE_STAGE", "local")
    for name in ("SENDGRID_API_KEY", "DISCORD_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    reset_discord_clients()
    _meeting_in(World(engine), 40)

    function("send_reminders").handler(load_event("eventBridgeScheduledEvent.json"), lambda_context)

    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.service, outbox.c.operation, outbox.c.request)).all()
    emails = [r.request for r in rows if r.service == "sendgrid"]
    reminders = [e for e in emails if e["subject"] == "Group Ada meets in an hour"]
    assert sorted(e["to"]["name"] for e in reminders) == [
        "Ada Group Ada",
        "Bo Group Ada",
        "Cy Group Ada",
        "Fay Group Ada",
    ]
    ada = next(e for e in reminders if e["to"]["name"] == "Ada Group Ada")
    assert ada["text"].startswith("Hi Ada Group Ada,") and "%rt_" not in ada["html"]
    assert any(r.service == "discord" and "/messages" in r.operation for r in rows)
