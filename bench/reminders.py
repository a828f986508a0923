"""Benchmark: 10,000 due reminders across 1,000 groups, sent as deployed.

Real Postgres (DATABASE_URL, or the embedded server the tests use, in a
database of its own that is dropped afterwards).

Default (`--providers fakes`): the fake Discord and SendGrid over real HTTP
(tests/fakes), with injected latency (20 ms a Discord call, 100 ms a SendGrid
request) and Discord's global limit enforced by the fake (50 calls in any
second; over it, a global 429 with retry_after). The run is simulated as in
AWS: one send_reminders invocation (its 240 s timeout as the time budget)
queues what is due and, when that is more than it can send, fans out batches;
`--instances` send_batch instances (SQS MaximumConcurrency, each its own
process with its own Discord client) take the batches one at a time, each
invocation with its own `--batch-timeout`. Every client takes its permits from
the bot's shared budget in Postgres at `--shared-rate` (45, as deployed;
`--budget local`: each paces itself, the sweep at `--sweep-rate`, instances at
`--instance-rate`). `--group-posts`: the cohort reminds by one post per group
instead of DMs (docs/notifications.md, "Reminders as one group post"). Prints the
lower bound Discord's global limit sets for the bench's mix of channels, the
time taken, every invocation's duration against its timeout, and 429s.
Target: within 1.2x the lower bound, no invocation past its timeout.

`--providers instant`: zero-latency in-process providers, one inline sweep: the
numbers are ours alone (database work, rendering, batching).

    .venv/bin/python bench/reminders.py [--groups 1000] [--cold-cache] [--group-posts]
                                        [--budget shared|local] [--providers instant]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MEETING_AT = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
ZONES = ["Europe/Berlin", "Asia/Kolkata", "America/New_York", "Australia/Adelaide", "UTC"]


class CountingEmail:
    """Takes every batch at once; counts requests and recipients."""

    def __init__(self) -> None:
        self.requests = 0
        self.recipients = 0

    def send(self, batch: Any) -> str:
        self.requests += 1
        self.recipients += len(batch.recipients)
        return f"bench-{self.requests}"


class InstantDiscord:
    """Answers every call at once with a fresh id, like Discord would."""

    def __init__(self) -> None:
        self.calls = 0
        self._ids = itertools.count(500_000_000_000_000_000)

    def request(self, method: str, path: str, *, json: Any = None) -> dict[str, str]:
        self.calls += 1
        return {"id": str(next(self._ids))}


def _seed(engine: Any, groups: int, *, group_posts: bool = False) -> None:
    """Groups of five meeting at once: a facilitator and four learners, three in one zone and
    two in another. The fourth learner has no Discord account: 5 emails + 4 DMs + 1 channel
    post a group (with `group_posts`, 5 emails + 1 post that mentions the four)."""
    from sqlalchemy import text

    members = groups * 5
    zones = "ARRAY[" + ", ".join(f"'{z}'" for z in ZONES) + "]"
    statements = [
        "INSERT INTO cohorts (name, course_slug, start_date, status, discord_reminders) "
        "VALUES ('Bench cohort', 'alignment', DATE '2026-03-02', 'running', "
        f"'{'group_post' if group_posts else 'dm'}')",
        f"""INSERT INTO users (display_name, email, discord_id, timezone)
            SELECT 'Member ' || n, 'member' || n || '@example.org',
                   CASE WHEN n % 5 = 4 THEN NULL ELSE (400000000000000000 + n)::text END,
                   ({zones})[1 + (n / 5 + (n % 5) / 3) % {len(ZONES)}]
            FROM generate_series(0, {members - 1}) AS n""",
        f"""INSERT INTO groups (cohort_id, name, status, anchor_timezone, weekday, local_time,
                                meeting_minutes, first_meeting_at, discord_text_channel_id)
            SELECT 1, 'Group ' || g, 'active', 'Europe/Berlin', 2, TIME '16:00', 60,
                   :meeting_at, (600000000000000000 + g)::text
            FROM generate_series(1, {groups}) AS g""",
        """INSERT INTO group_members (group_id, user_id, cohort_id, role)
           SELECT 1 + (u.id - 1) / 5, u.id, 1,
                  CAST(CASE WHEN (u.id - 1) % 5 = 0 THEN 'facilitator' ELSE 'learner' END
                       AS member_role)
           FROM users u""",
        """INSERT INTO meetings (group_id, cohort_id, meeting_number, starts_at, ends_at)
           SELECT id, 1, 1, :meeting_at,
                  CAST(:meeting_at AS timestamptz) + interval '1 hour' FROM groups""",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), {"meeting_at": MEETING_AT})


def _timed_sweep(
    engine: Any, now: datetime, batch_size: int
) -> tuple[dict[str, Any], float, int, Any]:
    from sqlalchemy import event

    from roundtable.notifications import Providers, sweep
    from roundtable.notifications.delivery import DiscordSender

    email, discord = CountingEmail(), InstantDiscord()
    providers = Providers(email, DiscordSender(lambda: discord))
    round_trips = 0

    def count(*_: Any) -> None:
        nonlocal round_trips
        round_trips += 1

    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    summary = sweep(engine, now, providers=providers, batch_size=batch_size)
    elapsed = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", count)
    return summary, elapsed, round_trips, (email, discord)


def _warm_dm_cache(engine: Any, fake: Any) -> int:
    """The steady state: every member with Discord was DMed before, so the bot knows the DM
    channel (Discord and our users table both); the number of channels."""
    from sqlalchemy import text

    with engine.begin() as conn:
        people = conn.execute(
            text("SELECT id, discord_id FROM users WHERE discord_id IS NOT NULL")
        ).all()
        rows = [{"id": p.id, "channel": fake.open_dm_channel(p.discord_id)} for p in people]
        conn.execute(text("UPDATE users SET discord_dm_channel_id = :channel WHERE id = :id"), rows)
    return len(rows)


class SimulatedQueue:
    """SQS for the bench: batches in, taken one at a time (batch size 1)."""

    def __init__(self) -> None:
        import queue

        self.messages: Any = queue.Queue()
        self.sent = 0

    def dispatch(self, batches: Any) -> list[Any]:
        for batch in batches:
            self.messages.put(batch.to_json())
            self.sent += 1
        return []


class Invocation:
    """One Lambda invocation's clock: remaining_ms counts down from its timeout."""

    def __init__(self, name: str, timeout_s: float) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self.started = time.perf_counter()
        self.duration = 0.0

    def remaining_ms(self) -> int:
        return int((self.timeout_s - (time.perf_counter() - self.started)) * 1000)

    def end(self) -> None:
        self.duration = time.perf_counter() - self.started


def _providers(discord_url: str, sendgrid_url: str, rate: float, shared: Any = None) -> Any:
    """What one Lambda environment has: its own Discord client, own SendGrid. The client's
    limits are the bot's, in Postgres, when `shared` is the engine; else its own."""
    from roundtable.discord.budget import SharedRateBudget, bot_key
    from roundtable.discord.client import DiscordRestClient
    from roundtable.notifications import Providers
    from roundtable.notifications.delivery import DiscordSender, SendGridEmailSender
    from tests.fakes.discord import BOT_TOKEN
    from tests.fakes.sendgrid import API_KEY

    budget = SharedRateBudget(shared, bot_key(BOT_TOKEN), global_rate=rate) if shared else None
    client = DiscordRestClient(discord_url, BOT_TOKEN, global_rate=rate, shared_budget=budget)
    email = SendGridEmailSender(API_KEY, sendgrid_url, "Roundtable <noreply@roundtable.example>")
    return Providers(email, DiscordSender(lambda: client))


def _run_as_deployed(engine: Any, now: datetime, args: Any, fakes: Any) -> dict[str, Any]:
    """send_reminders, then send_batch instances draining the queue, timed as a whole."""
    import threading

    from roundtable.config import get_settings
    from roundtable.notifications import sweep
    from roundtable.notifications.catalogue import load_catalogue
    from roundtable.notifications.fanout import ReminderBatch
    from roundtable.notifications.sweep import DeliveryOptions, deliver_batch

    discord, sendgrid = fakes
    shared = engine if args.budget == "shared" else None
    sweep_rate = args.shared_rate if shared else args.sweep_rate
    instance_rate = args.shared_rate if shared else args.instance_rate
    queue = SimulatedQueue()
    invocations: list[Invocation] = []
    started = time.perf_counter()
    sweeper = Invocation("send_reminders", args.sweep_timeout)
    summary = sweep(
        engine,
        now,
        providers=_providers(discord.base_url, sendgrid.base_url, sweep_rate, shared),
        remaining_ms=sweeper.remaining_ms,
        batch_size=args.batch_size,
        dispatcher=queue,
    )
    sweeper.end()
    invocations.append(sweeper)
    tallies: list[dict[str, Any]] = []
    lock = threading.Lock()

    def instance(number: int) -> None:
        providers = _providers(discord.base_url, sendgrid.base_url, instance_rate, shared)
        while True:
            try:
                body = queue.messages.get_nowait()
            except Exception:  # queue.Empty: drained
                return
            run = Invocation(f"send_batch #{number}", args.batch_timeout)
            options = DeliveryOptions(
                providers, load_catalogue(), get_settings(), remaining_ms=run.remaining_ms
            )
            tally = deliver_batch(engine, now, options, ReminderBatch.from_json(body))
            run.end()
            with lock:
                invocations.append(run)
                tallies.append(tally)

    threads = [threading.Thread(target=instance, args=(n,)) for n in range(args.instances)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    sent = summary.get("sent", 0) + sum(t["sent"] for t in tallies)
    failed = summary.get("failed", 0) + sum(t["failed"] + t["retrying"] for t in tallies)
    return {
        "summary": summary,
        "elapsed": elapsed,
        "sent": sent,
        "failed": failed,
        "invocations": invocations,
        "batches": queue.sent,
    }


def _lower_bound(engine: Any, limit: int) -> tuple[int, dict[str, int]]:
    """Discord calls the due set needs (a DM to a user without a cached channel is two)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        mix = {
            str(r.channel): int(r.n)
            for r in conn.execute(
                text(
                    "SELECT CAST(channel AS text) AS channel, count(*) AS n FROM notifications "
                    "WHERE status = 'pending' GROUP BY channel"
                )
            )
        }
        uncached = int(
            conn.scalar(
                text(
                    "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id "
                    "WHERE n.status = 'pending' AND n.channel = 'discord_dm' "
                    "AND u.discord_dm_channel_id IS NULL"
                )
            )
            or 0
        )
    calls = mix.get("discord_dm", 0) + uncached + mix.get("discord_channel", 0)
    return calls, {**mix, "dm_channel_opens": uncached}


def _main_fakes(engine: Any, now: datetime, args: Any) -> int:
    from roundtable.db.engine import transaction
    from roundtable.notifications import due, ledger
    from roundtable.notifications.catalogue import load_catalogue
    from tests.fakes.discord import FakeDiscord
    from tests.fakes.sendgrid import FakeSendGrid

    discord, sendgrid = FakeDiscord(), FakeSendGrid()
    discord.latency, sendgrid.latency = args.discord_latency, args.sendgrid_latency
    discord.global_limit = args.discord_limit
    discord.start()
    sendgrid.start()
    try:
        if not args.cold_cache:
            _warm_dm_cache(engine, discord)
        # What is due, counted before anything is sent (the sweep queues the same rows).
        with transaction(engine) as conn:
            due.queue_due(conn, now, load_catalogue(), low_attendance_threshold=0)
            counts = ledger.count_due(conn, now)
            due_count = sum(n for channel, n in counts.items() if channel != "dm_channel_opens")
        calls, mix = _lower_bound(engine, args.discord_limit)
        bound = calls / args.discord_limit
        result = _run_as_deployed(engine, now, args, (discord, sendgrid))
        statuses = discord.statuses()
    finally:
        discord.stop()
        sendgrid.stop()

    elapsed = result["elapsed"]
    over = [i for i in result["invocations"] if i.duration > i.timeout_s]
    batch_runs = [i for i in result["invocations"] if i.name != "send_reminders"]
    sweeper = result["invocations"][0]
    print(f"groups:                   {args.groups}")
    print(f"due notifications:        {due_count}  {mix}")
    print(f"discord calls needed:     {calls} (DMs + DM channel opens + channel posts)")
    print(f"lower bound:              {bound:.1f} s ({calls} calls at {args.discord_limit}/s)")
    print(
        f"latency injected:         discord {args.discord_latency * 1000:.0f} ms, "
        f"sendgrid {args.sendgrid_latency * 1000:.0f} ms; discord global limit "
        f"{args.discord_limit}/s (enforced by the fake)"
    )
    print(f"sent:                     {result['sent']} (failed or retrying {result['failed']})")
    print(f"total time:               {elapsed:.1f} s = {elapsed / bound:.2f} x the lower bound")
    print(
        f"send_reminders:           {sweeper.duration:.1f} s of {sweeper.timeout_s:.0f} s "
        f"({result['summary'].get('fanned_out', 0)} fanned out in {result['batches']} batches)"
    )
    if batch_runs:
        pacing = (
            f"sharing {args.shared_rate:.0f} calls/s"
            if args.budget == "shared"
            else f"at {args.instance_rate:.0f} calls/s each"
        )
        longest = max(i.duration for i in batch_runs)
        busy = sum(i.duration for i in batch_runs)
        print(
            f"send_batch:               {len(batch_runs)} invocations on {args.instances} "
            f"instances, {pacing}; longest {longest:.1f} s of "
            f"{args.batch_timeout:.0f} s; sum of durations {busy:.1f} s"
        )
    print(f"invocations past timeout: {len(over)}")
    print(
        f"discord answers:          {len(statuses)} ({statuses.count(429)} x 429); "
        f"sendgrid requests: {len(sendgrid.accepted)} for {len(sendgrid.delivered)} recipients"
    )
    ok = not over and elapsed <= 1.2 * bound and result["sent"] == due_count
    return 0 if ok else 1


def _main_instant(engine: Any, now: datetime, args: Any) -> int:
    summary, elapsed, round_trips, (email, discord) = _timed_sweep(engine, now, args.batch_size)
    again, again_elapsed, again_trips, _ = _timed_sweep(engine, now, args.batch_size)
    sent = summary["sent"]
    print(f"groups:                 {args.groups}")
    print(f"due notifications:      {summary['queued']['meeting_reminder_24h']}")
    print(
        f"sent:                   {sent} (failed {summary['failed']}, skipped {summary['skipped']})"
    )
    print(f"total time:             {elapsed:.2f} s")
    print(f"notifications / second: {sent / elapsed:,.0f}")
    print(
        f"database round trips:   {round_trips} in {summary['batches']} batches of "
        f"{args.batch_size} ({round_trips / max(summary['batches'], 1):.1f} per batch, "
        f"{sent / max(round_trips, 1):.0f} notifications per round trip)"
    )
    print(f"email requests:         {email.requests} for {email.recipients} recipients")
    print(f"discord calls:          {discord.calls}")
    print(
        f"repeat sweep:           {again['sent']} sent, {again_trips} round trips, "
        f"{again_elapsed:.2f} s"
    )
    return 0 if elapsed < 60 and again["sent"] == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--providers", choices=("fakes", "instant"), default="fakes")
    parser.add_argument("--cold-cache", action="store_true", help="no DM channel known yet")
    parser.add_argument("--discord-latency", type=float, default=0.020)
    parser.add_argument("--sendgrid-latency", type=float, default=0.100)
    parser.add_argument("--discord-limit", type=int, default=50)
    parser.add_argument("--sweep-timeout", type=float, default=240)
    parser.add_argument("--sweep-rate", type=float, default=48)
    parser.add_argument("--batch-timeout", type=float, default=120)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--instance-rate", type=float, default=23)
    parser.add_argument(
        "--budget",
        choices=("shared", "local"),
        default="shared",
        help="shared (deployed): every environment's Discord calls paced by one budget in "
        "Postgres at --shared-rate; local: each paces itself (--sweep-rate, --instance-rate)",
    )
    parser.add_argument("--shared-rate", type=float, default=45)
    parser.add_argument(
        "--group-posts", action="store_true", help="the cohort reminds by one group post"
    )
    args = parser.parse_args()
    os.environ.setdefault("ROUNDTABLE_STAGE", "test")
    os.environ["LOW_ATTENDANCE_THRESHOLD"] = "0"  # only the 24-hour reminders are due
    logging.basicConfig(level=logging.ERROR)

    from bench.fresh_database import migrated_database

    with migrated_database() as engine:
        _seed(engine, args.groups, group_posts=args.group_posts)
        now = MEETING_AT - timedelta(hours=24) + timedelta(minutes=2)
        if args.providers == "instant":
            return _main_instant(engine, now, args)
        return _main_fakes(engine, now, args)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
