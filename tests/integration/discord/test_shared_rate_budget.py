"""One Discord rate budget per bot: workers, each with its own client (as separate Lambda
environments would be), take their permits from Postgres; the fake Discord enforces the
global limit and per-route buckets and counts invalid requests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import discord_rate_buckets, discord_rate_budget
from roundtable.discord.budget import SharedRateBudget, bot_key
from roundtable.discord.rest import (
    DiscordApiError,
    DiscordErrorBudgetError,
    DiscordRestClient,
    get_discord_client,
    reset_discord_clients,
)
from tests.fakes.discord import BOT_TOKEN, FakeDiscord

CHANNEL = "400000000000000001"
# The pace for a global limit of 20: 60%, as the shared machine running the tests wakes
# threads and serves requests late (deployed: 45 of 50, docs/discord.md "One rate budget
# per bot"). Six workers at 12 a second each would still be 72 a second without it.
RATE = 12


def _shared_client(
    fake: FakeDiscord, engine: Engine, *, rate: float = 45.0, **options: Any
) -> DiscordRestClient:
    limit = options.pop("limit", 500)
    budget = SharedRateBudget(engine, bot_key(BOT_TOKEN), global_rate=rate, limit=limit)
    return DiscordRestClient(fake.base_url, BOT_TOKEN, shared_budget=budget, **options)


def _local_client(fake: FakeDiscord, *, rate: float = 45.0, **options: Any) -> DiscordRestClient:
    return DiscordRestClient(fake.base_url, BOT_TOKEN, global_rate=rate, **options)


Work = Callable[[int, DiscordRestClient], None]


def _run_workers(clients: list[DiscordRestClient], work: Work) -> list[BaseException]:
    """Run `work` on a thread per client at once; the exceptions they ended with."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(clients))

    def run(index: int, client: DiscordRestClient) -> None:
        start.wait()
        try:
            work(index, client)
        except BaseException as exc:  # collected for the test to judge
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _post_to_own_channels(calls: int) -> Work:
    def work(index: int, client: DiscordRestClient) -> None:
        for n in range(calls):
            channel = str(400_000_000_000_000_000 + index * 1000 + n)
            client.send_message(channel, {"content": f"{index}-{n}"})

    return work


def _statuses(fake: FakeDiscord, status: int) -> int:
    return sum(1 for arrival in fake.arrivals if arrival.status == status)


def test_concurrent_workers_together_stay_within_the_global_limit(
    fake_discord: FakeDiscord, engine: Engine
) -> None:
    fake_discord.global_limit = 20
    workers = [_shared_client(fake_discord, engine, rate=RATE) for _ in range(6)]
    errors = _run_workers(workers, _post_to_own_channels(8))
    assert errors == []
    assert len(fake_discord.arrivals) == 48
    assert _statuses(fake_discord, 429) == 0
    assert fake_discord.most_in_any_second() <= 20


def test_workers_each_with_their_own_budget_overrun_the_global_limit(
    fake_discord: FakeDiscord,
) -> None:
    """The situation the shared budget replaces: six workers pacing at 18 a second each."""
    fake_discord.global_limit = 20
    workers = [_local_client(fake_discord, rate=18) for _ in range(6)]
    _run_workers(workers, _post_to_own_channels(8))
    assert _statuses(fake_discord, 429) > 0


def test_workers_share_a_route_bucket_learnt_from_the_headers(
    fake_discord: FakeDiscord, engine: Engine
) -> None:
    fake_discord.bucket_limit, fake_discord.bucket_window = 4, 1.0
    _shared_client(fake_discord, engine).send_message(CHANNEL, {"content": "first"})
    workers = [_shared_client(fake_discord, engine) for _ in range(4)]

    def work(index: int, client: DiscordRestClient) -> None:
        for n in range(3):
            client.send_message(CHANNEL, {"content": f"{index}-{n}"})

    assert _run_workers(workers, work) == []
    bucket = f"POST /channels/{{id}}/messages|{CHANNEL}"
    assert len(fake_discord.channel_messages[CHANNEL]) == 13
    assert _statuses(fake_discord, 429) == 0
    assert fake_discord.most_in_any_second(bucket) <= 4
    with engine.connect() as conn:
        row = conn.execute(select(discord_rate_buckets)).one()
    assert (row.major, row.bucket_limit) == (CHANNEL, 4)


def test_a_global_429_makes_every_worker_wait_its_retry_after(
    fake_discord: FakeDiscord, engine: Engine
) -> None:
    workers = [_shared_client(fake_discord, engine, rate=40) for _ in range(4)]
    fake_discord.global_rate_limit_next(retry_after=0.8)
    errors = _run_workers(workers, _post_to_own_channels(6))
    assert errors == []
    (limited,) = [a for a in fake_discord.arrivals if a.status == 429]
    # Calls that held a slot before the 429 was known may still arrive just after it;
    # then nobody calls until retry_after has passed.
    quiet = [a for a in fake_discord.arrivals if limited.at + 0.3 <= a.at < limited.at + 0.75]
    assert quiet == []
    assert _statuses(fake_discord, 200) == 24
    with engine.connect() as conn:
        next_slot = conn.execute(select(discord_rate_budget.c.next_slot)).scalar_one()
    assert next_slot > 0


def test_the_invalid_request_guard_halts_every_worker_long_before_discords_ban(
    fake_discord: FakeDiscord, engine: Engine
) -> None:
    fake_discord.invalid_request_limit = 40  # Discord's 10,000, scaled down with the guard
    closed = [str(300_000_000_000_000_000 + n) for n in range(4)]
    fake_discord.dms_closed.update(closed)
    dm_channels = [fake_discord.open_dm_channel(user) for user in closed]
    workers = [_shared_client(fake_discord, engine, limit=6) for _ in range(4)]

    def work(index: int, client: DiscordRestClient) -> None:
        for _ in range(10):
            try:
                client.send_message(dm_channels[index], {"content": "hello"})
            except DiscordErrorBudgetError:
                raise
            except DiscordApiError as exc:
                assert exc.status == 403

    errors = _run_workers(workers, work)
    assert len(errors) == 4 and all(isinstance(e, DiscordErrorBudgetError) for e in errors)
    # Calls already past their permit when the guard tripped still count: one a worker.
    assert 6 <= fake_discord.invalid_requests <= 6 + len(workers) - 1
    assert not fake_discord.banned
    # A worker started afterwards is refused before it calls Discord.
    before = len(fake_discord.requests)
    with pytest.raises(DiscordErrorBudgetError, match="401/403/429"):
        _shared_client(fake_discord, engine, limit=6).send_message(CHANNEL, {"content": "x"})
    assert len(fake_discord.requests) == before


def test_workers_each_with_their_own_guard_get_the_client_banned(fake_discord: FakeDiscord) -> None:
    """Without the shared count, four guards of 6 let 24 invalid requests through."""
    fake_discord.invalid_request_limit = 20
    closed = [str(300_000_000_000_000_000 + n) for n in range(4)]
    fake_discord.dms_closed.update(closed)
    dm_channels = [fake_discord.open_dm_channel(user) for user in closed]
    workers = [_local_client(fake_discord, error_budget=6) for _ in range(4)]

    def work(index: int, client: DiscordRestClient) -> None:
        for _ in range(6):
            try:
                client.send_message(dm_channels[index], {"content": "hello"})
            except DiscordApiError:
                pass

    _run_workers(workers, work)
    assert fake_discord.banned


def test_deployed_settings_give_clients_the_shared_budget(
    fake_discord: FakeDiscord, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roundtable.config import reset_settings

    monkeypatch.setenv("DISCORD_RATE_BUDGET", "shared")
    monkeypatch.setenv("DISCORD_INVALID_REQUEST_BUDGET", "7")
    reset_settings()
    reset_discord_clients()
    client = get_discord_client(engine)
    assert isinstance(client.limiter, SharedRateBudget)
    assert client.limiter.limit == 7
    client.send_message(CHANNEL, {"content": "hi"})
    with engine.connect() as conn:
        assert conn.execute(select(discord_rate_budget.c.bot)).scalar_one() == bot_key(BOT_TOKEN)
