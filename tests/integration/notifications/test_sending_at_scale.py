"""Sending at scale: the DM channel cache, concurrent sends within Discord's limits,
one email body for many recipients, and the fan-out through SQS (moto), exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sqlalchemy import Engine, func, select

from roundtable.config import get_settings, reset_settings
from roundtable.db.tables import notifications, users
from roundtable.discord.rest import reset_discord_clients
from roundtable.notifications import default_providers, sweep
from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.fanout import ReminderBatch, SqsDispatcher
from roundtable.notifications.sweep import DeliveryOptions, deliver_batch
from roundtable.notifications.timefmt import format_local
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.notifications.world import MEETING_AT, World, study_group

DUE_24H = MEETING_AT - timedelta(hours=24) + timedelta(minutes=1)
DUE_1H = MEETING_AT - timedelta(hours=1) + timedelta(minutes=1)
DM_OPEN = "POST /users/@me/channels"


@pytest.fixture(autouse=True)
def _no_low_attendance_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOW_ATTENDANCE_THRESHOLD", "0")


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """An SQS queue in moto: (client, queue URL)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        url = client.create_queue(QueueName="reminder-batches")["QueueUrl"]
        yield client, url


def _receive_all(client: Any, url: str) -> list[str]:
    bodies: list[str] = []
    while True:
        answer = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = answer.get("Messages") or []
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _statuses(engine: Engine, kind: str) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(notifications.c.status, func.count())
            .where(notifications.c.kind == kind)
            .group_by(notifications.c.status)
        ).all()
    return Counter({str(status): int(n) for status, n in rows})


def _messages_with(fake: FakeDiscord, text: str) -> Counter[str]:
    """Channel id -> how many messages containing `text` it got."""
    return Counter(
        channel
        for channel, messages in fake.channel_messages.items()
        for m in messages
        if text in m["content"]
    )


def _calls(fake: FakeDiscord, route: str) -> int:
    return sum(1 for call, status in fake.answers if call == route and status == 200)


def _time_budget_for_fan_out() -> int:
    # Just over the sweep's reserve: too little time to send anything inline.
    return 30_500


def test_two_sweeps_and_the_batch_senders_at_once_send_each_notification_exactly_once(
    engine: Engine,
    world: World,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
    queue: tuple[Any, str],
) -> None:
    client, url = queue
    for n in range(6):
        study_group(world, name=f"Group {n}")
    start = threading.Barrier(2)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def run(fan_out: bool) -> None:
        try:
            start.wait()
            summary = sweep(
                engine,
                DUE_1H,
                providers=default_providers(engine),  # each run its own, as each Lambda
                batch_size=7,
                remaining_ms=_time_budget_for_fan_out if fan_out else None,
                dispatcher=SqsDispatcher(url, lambda: client) if fan_out else None,
            )
            results.append(summary)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    sweeps = [threading.Thread(target=run, args=(fan_out,)) for fan_out in (True, False)]
    for thread in sweeps:
        thread.start()
    for thread in sweeps:
        thread.join()
    assert errors == []

    # Every message delivered twice (SQS is at-least-once), to two senders at once.
    batches = [ReminderBatch.from_json(body) for body in _receive_all(client, url)]
    options = DeliveryOptions(default_providers(engine), load_catalogue(), get_settings())
    sent: list[dict[str, Any]] = []

    def consume(share: list[ReminderBatch]) -> None:
        for batch in share:
            sent.append(deliver_batch(engine, DUE_1H + timedelta(seconds=5), options, batch))

    senders = [threading.Thread(target=consume, args=(batches,)) for _ in range(2)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()

    # (The 24-hour reminders are due too, and skipped as too late, wherever they go.)
    fanned_out = sum(r.get("fanned_out", 0) for r in results)
    assert fanned_out > 0 and any("fanned_out" not in r for r in results)
    assert sum(s["claimed"] for s in sent) == fanned_out
    assert sum(s["not_taken"] for s in sent) == fanned_out  # each duplicate took nothing
    assert _statuses(engine, "meeting_reminder_1h") == Counter(sent=6 * 9)
    emails = Counter(e.to for e in fake_sendgrid.delivered if "meets in an hour" in e.subject)
    assert len(emails) == 6 * 4 and set(emails.values()) == {1}
    per_channel = _messages_with(fake_discord, "in an hour")
    assert len(per_channel) == 6 * 4 and set(per_channel.values()) == {1}  # the DMs


def test_a_dm_is_one_call_once_the_channel_is_known_and_a_forgotten_one_is_reopened_once(
    engine: Engine, world: World, providers: Any, fake_discord: FakeDiscord
) -> None:
    group = study_group(world)
    sweep(engine, DUE_24H, providers=providers)
    assert _calls(fake_discord, DM_OPEN) == 4  # first DMs: each channel opened once
    with engine.connect() as conn:
        ada = conn.execute(select(users).where(users.c.id == group.ada)).one()
    assert ada.discord_dm_channel_id == fake_discord.dm_channels[ada.discord_id]["id"]

    forgotten = fake_discord.forget_dm_channel(ada.discord_id)
    reset_discord_clients()  # a new Lambda environment: only the database remembers
    fake_discord.answers.clear()
    summary = sweep(engine, DUE_1H, providers=default_providers(engine))

    assert summary["failed"] == 0
    assert _statuses(engine, "meeting_reminder_1h") == Counter(sent=9)
    answers = Counter(fake_discord.answers)
    assert answers[(f"POST /channels/{forgotten}/messages", 404)] == 1
    assert _calls(fake_discord, DM_OPEN) == 1  # Ada's only: the others' channels are cached
    reopened = fake_discord.dm_channels[ada.discord_id]["id"]
    assert reopened != forgotten
    assert _messages_with(fake_discord, "in an hour")[reopened] == 1
    with engine.connect() as conn:
        cached = conn.scalar(select(users.c.discord_dm_channel_id).where(users.c.id == group.ada))
    assert cached == reopened


def test_global_and_per_route_429s_are_waited_out_and_nothing_is_sent_twice(
    engine: Engine, world: World, providers: Any, fake_discord: FakeDiscord
) -> None:
    for n in range(3):
        study_group(world, name=f"Group {n}")
    fake_discord.global_rate_limit_next(retry_after=0.3, times=2)
    fake_discord.rate_limit_next("POST", r"/channels/\d+/messages", retry_after=0.2, times=3)

    sweep(engine, DUE_1H, providers=providers)

    assert _statuses(engine, "meeting_reminder_1h") == Counter(sent=3 * 9)
    statuses = fake_discord.statuses()
    assert statuses.count(429) == 5
    per_channel = _messages_with(fake_discord, "in an hour")
    assert len(per_channel) == 3 * 4 and set(per_channel.values()) == {1}


def test_concurrent_senders_keep_under_discords_global_limit_without_a_429(
    engine: Engine,
    world: World,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fake enforces a global limit of 10 a second; a client pacing at 6 (at most 8
    in any second) never meets it, however many threads send."""
    fake_discord.global_limit = 10
    monkeypatch.setenv("DISCORD_GLOBAL_RATE", "6")
    reset_settings()
    reset_discord_clients()
    for n in range(3):
        study_group(world, name=f"Group {n}")

    sweep(engine, DUE_1H, providers=default_providers(engine), senders=8)

    assert _statuses(engine, "meeting_reminder_1h") == Counter(sent=3 * 9)
    assert 429 not in fake_discord.statuses()
    assert len(_messages_with(fake_discord, "in an hour")) == 3 * 4


def test_a_fake_over_its_global_limit_answers_a_global_429_the_client_waits_out(
    engine: Engine,
    world: World,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client that paces faster than the limit (another process shares it) gets global
    429s with retry_after, waits them out, and still sends each message once."""
    fake_discord.global_limit = 5
    monkeypatch.setenv("DISCORD_GLOBAL_RATE", "20")
    reset_settings()
    reset_discord_clients()
    for n in range(2):
        study_group(world, name=f"Group {n}")

    sweep(engine, DUE_1H, providers=default_providers(engine))
    sweep(engine, DUE_1H + timedelta(minutes=5), providers=default_providers(engine))

    assert 429 in fake_discord.statuses()
    assert _statuses(engine, "meeting_reminder_1h") == Counter(sent=2 * 9)
    per_channel = _messages_with(fake_discord, "in an hour")
    assert len(per_channel) == 2 * 4 and set(per_channel.values()) == {1}


def test_one_email_request_carries_every_recipient_with_their_own_substitutions(
    engine: Engine, world: World, providers: Any, fake_sendgrid: FakeSendGrid
) -> None:
    groups = [study_group(world, name=f"Group {n}") for n in range(3)]

    sweep(engine, DUE_24H, providers=providers)

    reminders = [body for body in fake_sendgrid.accepted if "%rt_" in body["subject"]]
    assert len(reminders) == 1  # three groups, four zones: one body
    assert len(reminders[0]["personalizations"]) == 3 * 4
    with engine.connect() as conn:
        people = {r.id: r for r in conn.execute(select(users)).all()}
    for n, group in enumerate(groups):
        for member in (group.facilitator, group.ada, group.bo, group.cy):
            person = people[member]
            (email,) = fake_sendgrid.delivered_to(person.email)
            assert f"Group {n}" in email.subject
            assert person.display_name in email.text
            assert format_local(MEETING_AT, person.timezone) in email.text
            assert "%rt_" not in email.text + email.html + email.subject
            others = {f"Group {m}" for m in range(3)} - {f"Group {n}"}
            assert not any(other in email.text for other in others)
