"""Exactly-once effect: concurrent sweeps, retries after provider failures, time budget, crashes."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from roundtable.db.engine import transaction
from roundtable.db.tables import notification_attempts, notifications
from roundtable.notifications import Providers, default_providers, ledger, sweep
from roundtable.notifications.policy import MAX_ATTEMPTS
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.notifications.world import MEETING_AT, World, study_group

DUE_1H = MEETING_AT - timedelta(hours=1)


@pytest.fixture(autouse=True)
def _no_low_attendance_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOW_ATTENDANCE_THRESHOLD", "0")


def _statuses(engine: Engine, kind: str = "meeting_reminder_1h") -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(notifications.c.status, func.count())
            .where(notifications.c.kind == kind)
            .group_by(notifications.c.status)
        ).all()
    return Counter({str(status): int(n) for status, n in rows})


def _email_recipients(fake: FakeSendGrid) -> Counter[str]:
    return Counter(e.to for e in fake.delivered if "meets in an hour" in e.subject)


def _dm_count(fake: FakeDiscord) -> int:
    dm_channel_ids = {c["id"] for c in fake.dm_channels.values()}
    return sum(
        1
        for channel, messages in fake.channel_messages.items()
        for m in messages
        if channel in dm_channel_ids and "meets in an hour" in m["content"]
    )


def test_two_sweeps_at_the_same_moment_send_each_notification_exactly_once(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
) -> None:
    for n in range(6):
        study_group(world, name=f"Group {n}")
    start = threading.Barrier(2)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            own = default_providers(engine)  # each run has its own, as each Lambda does
            results.append(
                sweep(engine, DUE_1H + timedelta(minutes=1), providers=own, batch_size=7)
            )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sum(r["queued"]["meeting_reminder_1h"] for r in results) == 6 * 9
    emails = _email_recipients(fake_sendgrid)
    assert len(emails) == 6 * 4 and set(emails.values()) == {1}
    assert _dm_count(fake_discord) == 6 * 4
    assert _statuses(engine) == Counter(sent=6 * 9)
    with engine.connect() as conn:
        attempts = conn.scalar(
            select(func.count())
            .select_from(notification_attempts.join(notifications))
            .where(notifications.c.kind == "meeting_reminder_1h")
        )
    assert attempts == 6 * 9


def test_a_provider_5xx_is_retried_on_a_later_run_and_sent_once(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    study_group(world)
    fake_sendgrid.server_error_next(status=500, times=20)
    first = sweep(engine, DUE_1H + timedelta(minutes=1), providers=providers)
    fake_sendgrid.clear_faults()
    second = sweep(engine, DUE_1H + timedelta(minutes=6), providers=providers)

    assert first["retrying"] >= 4
    assert second["sent"] >= 4
    assert set(_email_recipients(fake_sendgrid).values()) == {1}
    assert len(_email_recipients(fake_sendgrid)) == 4
    with engine.connect() as conn:
        log = conn.execute(
            select(notification_attempts.c.outcome, notification_attempts.c.error)
            .join(notifications)
            .where(
                notifications.c.kind == "meeting_reminder_1h", notifications.c.channel == "email"
            )
            .order_by(notification_attempts.c.id)
        ).all()
    assert [o for o, _ in log] == ["failed"] * 4 + ["sent"] * 4
    assert "SendGrid answered 500" in log[0].error


def test_a_retry_waits_for_its_backoff_before_trying_again(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    study_group(world)
    fake_sendgrid.server_error_next(status=502, times=20)
    at = DUE_1H + timedelta(minutes=1)
    sweep(engine, at, providers=providers)
    requests_after_first = len(fake_sendgrid.requests)

    too_soon = sweep(engine, at + timedelta(seconds=10), providers=providers)

    assert too_soon["claimed"] == 0
    assert len(fake_sendgrid.requests) == requests_after_first


def test_sendgrid_429_is_retried_no_sooner_than_its_rate_limit_reset(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    study_group(world)
    fake_sendgrid.rate_limit_next(reset_in=600, times=20)
    at = DUE_1H + timedelta(minutes=1)
    sweep(engine, at, providers=providers)
    with engine.connect() as conn:
        waits = conn.scalars(
            select(notifications.c.next_attempt_at - at).where(
                notifications.c.channel == "email",
                notifications.c.kind == "meeting_reminder_1h",
            )
        ).all()
    assert waits and all(w >= timedelta(seconds=590) for w in waits)


def test_failures_stop_retrying_after_the_attempt_limit(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    cohort = world.cohort()
    group_id = world.group(cohort, channel_id=None)
    world.member(group_id, world.user("Ada", discord_id=None))
    world.meeting(group_id, 1, MEETING_AT + timedelta(days=1))
    fake_sendgrid.server_error_next(times=100)
    at = MEETING_AT + timedelta(minutes=1)  # the 24-hour reminder is due
    for _ in range(MAX_ATTEMPTS + 2):
        sweep(engine, at, providers=providers)
        at += timedelta(hours=1)

    assert _statuses(engine, "meeting_reminder_24h") == Counter(failed=1)
    assert len(fake_sendgrid.requests) == MAX_ATTEMPTS


def test_a_bad_request_is_not_retried(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    cohort = world.cohort()
    group_id = world.group(cohort, channel_id=None)
    world.member(group_id, world.user("Ada", email="not-an-address", discord_id=None))
    world.meeting(group_id, 1, MEETING_AT)

    sweep(engine, DUE_1H + timedelta(minutes=1), providers=providers)

    assert _statuses(engine) == Counter(failed=1)
    with engine.connect() as conn:
        error = conn.scalar(
            select(notifications.c.last_error).where(notifications.c.kind == "meeting_reminder_1h")
        )
    assert "400" in error and "valid address" in error
    [violation] = fake_sendgrid.take_violations()  # sent on purpose: SendGrid refuses it
    assert "personalizations.0.to.0.email" in violation.problems[0]


def test_closed_dms_fail_for_good_while_email_still_goes(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
) -> None:
    cohort = world.cohort()
    group_id = world.group(cohort, channel_id=None)
    world.member(group_id, world.user("Ada", discord_id="400000000000000001"))
    world.meeting(group_id, 1, MEETING_AT)
    fake_discord.dms_closed.add("400000000000000001")

    sweep(engine, DUE_1H + timedelta(minutes=1), providers=providers)

    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                select(notifications.c.channel, notifications.c.status).where(
                    notifications.c.kind == "meeting_reminder_1h"
                )
            ).all()
        )
    assert rows == {"email": "sent", "discord_dm": "failed"}


def test_a_run_short_of_time_stops_claiming_and_the_next_run_continues(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    for n in range(3):
        study_group(world, name=f"Group {n}")
    calls = {"n": 0}

    def remaining_ms() -> int:
        calls["n"] += 1
        return 120_000 if calls["n"] <= 4 else 5_000

    at = DUE_1H + timedelta(minutes=1)
    short = sweep(engine, at, providers=providers, remaining_ms=remaining_ms, batch_size=5)
    rest = sweep(engine, at + timedelta(minutes=5), providers=providers)

    assert short["stopped_early"] is True
    assert 0 < short["sent"] < 27
    assert short["sent"] + rest["sent"] == 27 + 2 * 3  # reminders, plus 3 digests by 2 channels
    assert _statuses(engine) == Counter(sent=27)
    assert set(_email_recipients(fake_sendgrid).values()) == {1}


def test_a_row_claimed_by_a_run_that_died_is_sent_by_a_later_run(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    study_group(world)
    at = DUE_1H + timedelta(minutes=1)
    # A run adds and claims everything, then dies before sending.
    sweep(engine, at, providers=providers, remaining_ms=lambda: 0)
    with transaction(engine) as conn:
        ledger.claim(conn, at, 1000)

    within_lease = sweep(engine, at + timedelta(minutes=10), providers=providers)
    after_lease = sweep(engine, at + timedelta(minutes=17), providers=providers)

    assert within_lease["claimed"] == 0
    assert after_lease["sent"] >= 9
    assert _statuses(engine) == Counter(sent=9)
    with engine.connect() as conn:
        errors = conn.scalars(
            select(notification_attempts.c.error).where(notification_attempts.c.outcome == "failed")
        ).all()
    assert errors and all("stopped before recording" in e for e in errors)
