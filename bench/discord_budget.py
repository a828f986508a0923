"""Benchmark: N concurrent Discord workers against the fake's limits, before and after
the shared rate budget.

Each worker is a thread with a client of its own, as separate Lambda environments
are (publish's one worker per group, reminders' send_batch instances). They post
messages round-robin over a few channels, with a share of DMs to users who closed
them (403, an invalid request, as a bug or stale data would give), against the fake
Discord over real HTTP: `--latency` per call, the global limit (`--limit` calls in
any second), per-channel buckets (`--bucket-limit` per `--bucket-window`), and
Discord's invalid-request count. Two runs:

- before: each worker keeps its own limits in memory, pacing at `--local-rate`
  (48, today's per-process default);
- after: every worker takes its permits from the shared budget in Postgres
  (roundtable.discord.budget), paced at `--rate` (45) for all together.

Prints, for each: achieved successful calls a second, the most calls the fake saw in
any second against the limit, the same per channel bucket, 429s, invalid requests
(401/403/429), and for the shared budget its database statements per call and the
time one permit statement takes. Real Postgres (DATABASE_URL, or the embedded server
the tests use), in a database of its own that is dropped afterwards.

    .venv/bin/python bench/discord_budget.py [--workers 8] [--calls 60]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLOSED_USER = "300000000000000099"


@dataclass
class Run:
    label: str
    seconds: float
    ok: int
    arrivals: int
    limited: int
    invalid: int
    busiest_second: int
    route_limited: int
    statements: int = 0
    learnt: int = 0
    missed_slots: int = 0
    failed_calls: int = 0


def _fake(args: argparse.Namespace) -> Any:
    from tests.fakes.discord import FakeDiscord

    fake = FakeDiscord()
    fake.global_limit = args.limit
    fake.bucket_limit, fake.bucket_window = args.bucket_limit, args.bucket_window
    fake.latency = args.latency
    fake.dms_closed.add(CLOSED_USER)
    fake.start()
    return fake


def _work(client: Any, index: int, args: argparse.Namespace, closed_channel: str) -> int:
    """One worker's calls; how many failed for good (after the client's retries)."""
    from roundtable.discord.rest import DiscordApiError

    failed = 0
    every = round(1 / args.invalid_share) if args.invalid_share else 0
    for n in range(args.calls):
        if every and n % every == every - 1:
            channel = closed_channel
        else:
            channel = str(400_000_000_000_000_000 + (index + n) % args.channels)
        try:
            client.send_message(channel, {"content": f"worker {index} message {n}"})
        except DiscordApiError:
            failed += 1
    return failed


def _run(label: str, clients: list[Any], args: argparse.Namespace, fake: Any) -> Run:
    closed = fake.open_dm_channel(CLOSED_USER)
    failures: list[int] = []
    start = threading.Barrier(len(clients) + 1)

    def worker(index: int, client: Any) -> None:
        start.wait()
        failures.append(_work(client, index, args, closed))

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return Run(
        label=label,
        seconds=seconds,
        ok=sum(1 for a in fake.arrivals if a.status < 300),
        arrivals=len(fake.arrivals),
        limited=sum(1 for a in fake.arrivals if a.status == 429),
        invalid=fake.invalid_requests,
        busiest_second=fake.most_in_any_second(),
        route_limited=sum(1 for a in fake.arrivals if a.status == 429 and a.scope != "global"),
        failed_calls=sum(failures),
    )


def _before(args: argparse.Namespace) -> Run:
    from roundtable.discord.rest import DiscordRestClient
    from tests.fakes.discord import BOT_TOKEN

    fake = _fake(args)
    try:
        clients = [
            DiscordRestClient(fake.base_url, BOT_TOKEN, global_rate=args.local_rate)
            for _ in range(args.workers)
        ]
        return _run("before: limits per worker", clients, args, fake)
    finally:
        fake.stop()


def _after(args: argparse.Namespace, engine: Any) -> Run:
    from roundtable.discord.budget import SharedRateBudget, bot_key
    from roundtable.discord.rest import DiscordRestClient
    from tests.fakes.discord import BOT_TOKEN

    fake = _fake(args)
    budgets = [
        SharedRateBudget(engine, bot_key(BOT_TOKEN), global_rate=args.rate)
        for _ in range(args.workers)
    ]
    try:
        clients = [DiscordRestClient(fake.base_url, BOT_TOKEN, shared_budget=b) for b in budgets]
        run = _run("after: one shared budget", clients, args, fake)
    finally:
        fake.stop()
    run.statements = sum(b.statements for b in budgets)
    run.learnt = sum(b.learnt for b in budgets)
    run.missed_slots = sum(c.missed_slots for c in clients)
    return run


def _statement_cost(engine: Any, samples: int) -> Cost:
    """(what, median ms, p95 ms) of one permit statement, uncontended, beside a
    `SELECT 1` in a transaction of its own (the same round trips, no work)."""
    from sqlalchemy import text

    from roundtable.discord.budget import SharedRateBudget

    budget = SharedRateBudget(engine, "bench-cost", global_rate=1_000_000)

    def permit(n: int) -> None:
        budget.permit("POST", f"/channels/{400_000_000_000_000_000 + n % 10}/messages")

    def select_one(n: int) -> None:
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))

    found = []
    for what, call in (("permit statement", permit), ("SELECT 1 (baseline)", select_one)):
        times = []
        for n in range(samples):
            began = time.perf_counter()
            call(n)
            times.append((time.perf_counter() - began) * 1000)
        times.sort()
        found.append((what, statistics.median(times), times[int(len(times) * 0.95)]))
    return found


Cost = list[tuple[str, float, float]]


def _print(runs: list[Run], args: argparse.Namespace, cost: Cost) -> None:
    width = 30
    invalid_every = round(1 / args.invalid_share) if args.invalid_share else 0
    print(
        f"{args.workers} workers x {args.calls} calls, {args.latency * 1000:.0f} ms a call, "
        f"{args.channels} channels, 1 in {invalid_every} "
        "to a user who closed DMs"
    )
    print(
        f"fake Discord: global limit {args.limit}/s, channel buckets "
        f"{args.bucket_limit} per {args.bucket_window:g} s\n"
    )
    print(f"{'':{width}}" + "".join(f"{r.label:>30}" for r in runs))
    rows = [
        ("successful calls / s", lambda r: f"{r.ok / r.seconds:.1f}"),
        ("busiest second (all calls)", lambda r: f"{r.busiest_second} (limit {args.limit})"),
        ("429 answers", lambda r: f"{r.limited} of {r.arrivals}"),
        ("  of them, a channel's bucket", lambda r: str(r.route_limited)),
        ("invalid requests (401/403/429)", lambda r: str(r.invalid)),
        ("calls failed after retries", lambda r: str(r.failed_calls)),
        ("wall time", lambda r: f"{r.seconds:.1f} s"),
        (
            "budget statements / call",
            lambda r: f"{r.statements / r.arrivals:.2f}" if r.statements else "-",
        ),
        ("  of them, header corrections", lambda r: str(r.learnt) if r.statements else "-"),
        ("slots given up (woke late)", lambda r: str(r.missed_slots) if r.statements else "-"),
    ]
    for name, show in rows:
        print(f"{name:{width}}" + "".join(f"{show(r):>30}" for r in runs))
    for what, median, p95 in cost:
        print(f"{what:{width}}median {median:.2f} ms, p95 {p95:.2f} ms (uncontended)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--calls", type=int, default=60, help="calls per worker")
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.020)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--rate", type=float, default=45, help="the shared budget's pace")
    parser.add_argument("--local-rate", type=float, default=48, help="each worker's own pace")
    parser.add_argument("--bucket-limit", type=int, default=5)
    parser.add_argument("--bucket-window", type=float, default=1.0)
    parser.add_argument("--invalid-share", type=float, default=0.02)
    parser.add_argument("--samples", type=int, default=500, help="permit statements timed")
    args = parser.parse_args()
    os.environ.setdefault("ROUNDTABLE_STAGE", "test")
    logging.basicConfig(level=logging.ERROR)

    from bench.fresh_database import migrated_database

    with migrated_database() as engine:
        runs = [_before(args), _after(args, engine)]
        _print(runs, args, _statement_cost(engine, args.samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
