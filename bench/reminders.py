"""Benchmark: one send_reminders sweep with 10,000 due notifications across 1,000 groups.

Real Postgres (DATABASE_URL, or the embedded server the tests use, in a
database of its own that is dropped afterwards); zero-latency in-process
providers, so the numbers are ours: database work, rendering, batching. Prints
total time, notifications per second and database round trips (statements sent,
counted with a SQLAlchemy before_cursor_execute listener). Target: under 60 s,
with round trips growing per batch, not per notification.

    .venv/bin/python bench/reminders.py [--groups 1000] [--batch-size 500]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
import uuid
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


def _database() -> tuple[Any, str, str]:
    """(server handle, admin URL, name) of a fresh database for this run."""
    from devserver.postgres import ensure_database, start_embedded_postgres

    server, admin_url = None, os.environ.get("DATABASE_URL")
    if not admin_url:
        server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-test")
    name = f"rt_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    os.environ["DATABASE_URL"] = ensure_database(admin_url, name)
    return server, admin_url, name


def _seed(engine: Any, groups: int) -> None:
    """Groups of five meeting at once: a facilitator and four learners, three in one zone and
    two in another. The fourth learner has no Discord account: 5 emails + 4 DMs + 1 channel
    post a group."""
    from sqlalchemy import text

    members = groups * 5
    zones = "ARRAY[" + ", ".join(f"'{z}'" for z in ZONES) + "]"
    statements = [
        "INSERT INTO cohorts (name, course_slug, start_date, status) "
        "VALUES ('Bench cohort', 'alignment', DATE '2026-03-02', 'running')",
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    os.environ.setdefault("ROUNDTABLE_STAGE", "test")
    os.environ["LOW_ATTENDANCE_THRESHOLD"] = "0"  # only the 24-hour reminders are due

    server, admin_url, name = _database()
    from devserver.postgres import drop_database
    from roundtable.config import reset_settings
    from roundtable.db import migrate
    from roundtable.db.engine import get_engine, reset_engine

    reset_settings()
    try:
        migrate.upgrade()
        engine = get_engine()
        _seed(engine, args.groups)
        now = MEETING_AT - timedelta(hours=24) + timedelta(minutes=2)
        summary, elapsed, round_trips, (email, discord) = _timed_sweep(engine, now, args.batch_size)
        again, again_elapsed, again_trips, _ = _timed_sweep(engine, now, args.batch_size)
    finally:
        reset_engine()
        drop_database(admin_url, name)
        del server

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


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
