"""send_batch answers real SQS events: sends a fanned-out batch, reports only failed records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import notifications, users
from roundtable.discord.rest import reset_discord_clients
from roundtable.notifications import default_providers, sweep
from roundtable.notifications.fanout import ReminderBatch
from tests.fakes.discord import FakeDiscord, start_fake_discord
from tests.fakes.sendgrid import FakeSendGrid, start_fake_sendgrid
from tests.functions.conftest import LambdaContext
from tests.integration.notifications.world import World, study_group


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSendGrid, FakeDiscord]]:
    monkeypatch.setenv("LOW_ATTENDANCE_THRESHOLD", "0")
    sendgrid = start_fake_sendgrid(monkeypatch)
    discord = start_fake_discord(monkeypatch)
    reset_discord_clients()
    yield sendgrid, discord
    sendgrid.stop()
    discord.stop()
    reset_discord_clients()


class Collecting:
    """A dispatcher that keeps the batches (the queue itself is tested with moto)."""

    def __init__(self) -> None:
        self.batches: list[ReminderBatch] = []

    def dispatch(self, batches: Sequence[ReminderBatch]) -> list[ReminderBatch]:
        self.batches.extend(batches)
        return []


def _sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"059f36b4-87a3-44ab-83d2-66197952810{n}",
                "receiptHandle": f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{n}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1545082649183",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082649185",
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:reminder-batches",
                "awsRegion": "us-east-1",
            }
            for n, body in enumerate(bodies)
        ]
    }


def _fanned_out(engine: Engine, world: World) -> tuple[Any, list[ReminderBatch]]:
    # Real clock: the handler sends at the time it runs.
    starts = (datetime.now(UTC) + timedelta(minutes=40)).replace(second=0, microsecond=0)
    group = study_group(world, meeting_at=starts)
    dispatcher = Collecting()
    summary = sweep(
        engine,
        datetime.now(UTC),
        providers=default_providers(engine),
        remaining_ms=lambda: 30_050,  # no time to send inline: everything fans out
        dispatcher=dispatcher,
    )
    assert summary["fanned_out"] >= 9 and summary["batches_queued"] == 1
    return group, dispatcher.batches


def test_a_batch_is_sent_and_a_send_that_fails_is_recorded_not_reported(
    engine: Engine,
    fakes: tuple[FakeSendGrid, FakeDiscord],
    function: Any,
    lambda_context: LambdaContext,
) -> None:
    sendgrid, discord = fakes
    group, (batch,) = _fanned_out(engine, World(engine))
    with engine.connect() as conn:
        bo = conn.scalar(select(users.c.discord_id).where(users.c.id == group.bo))
    discord.dms_closed.add(str(bo))  # Bo's DM fails for good (403)
    discord.open_dm_channel(str(bo))

    answer = function("send_batch").handler(_sqs_event(batch.to_json()), lambda_context)

    assert answer == {"batchItemFailures": []}
    with engine.connect() as conn:
        rows = conn.execute(
            select(notifications.c.status, notifications.c.user_id).where(
                notifications.c.kind == "meeting_reminder_1h"
            )
        ).all()
    failed = [user for status, user in rows if status == "failed"]
    assert failed == [group.bo]
    assert sum(1 for status, _ in rows if status == "sent") == 8
    assert len([e for e in sendgrid.delivered if "meets in an hour" in e.subject]) == 4


def test_only_the_records_that_could_not_be_handled_are_reported_failed(
    engine: Engine,
    fakes: tuple[FakeSendGrid, FakeDiscord],
    function: Any,
    lambda_context: LambdaContext,
) -> None:
    sendgrid, _ = fakes
    _, (batch,) = _fanned_out(engine, World(engine))
    event = _sqs_event(batch.to_json(), '{"ids": "not a batch"}', batch.to_json())

    answer = function("send_batch").handler(event, lambda_context)

    malformed = event["Records"][1]["messageId"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": malformed}]}
    # The third record repeats the first (SQS delivers at least once): nothing twice.
    assert len([e for e in sendgrid.delivered if "meets in an hour" in e.subject]) == 4
