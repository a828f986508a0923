"""How many Discord and Google Calendar calls publishing and the hourly sync make.

Seeds a cohort of N groups (one facilitator and five learners each, everyone
in the guild) in a scratch database on the embedded Postgres, publishes it
against the fake Discord guild and fake Calendar server (tests/fakes), then
publishes again, then runs the hourly sweep twice (the second one idle), and
prints the calls each step made. It prints; it does not assert. The fake
Discord's per-route buckets are raised so the count is not slowed by waits
(real Discord paces the role grants at its route limits).

    python bench/sync_calls.py [--groups 100] [--members 6]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--members", type=int, default=6)
    args = parser.parse_args()
    in_scratch_database(lambda: run(args.groups, args.members))
    return 0


def in_scratch_database(work: Callable[[], None]) -> None:
    """Run `work` with DATABASE_URL on a new database of the embedded Postgres, then drop it."""
    from devserver.postgres import drop_database, ensure_database, start_embedded_postgres

    server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-bench")
    name = f"rt_bench_{uuid.uuid4().hex[:8]}"
    os.environ.update(DATABASE_URL=ensure_database(admin_url, name), ROUNDTABLE_STAGE="test")
    try:
        work()
    finally:
        from roundtable.db.engine import reset_engine

        reset_engine()
        drop_database(admin_url, name)
        del server


def run(group_count: int, members: int) -> None:
    from roundtable.db import migrate
    from roundtable.db.engine import get_engine
    from roundtable.sync.hourly import run_hourly_sync
    from roundtable.sync.publish import publish_cohort
    from tests.fakes.discord_guild import FakeDiscordGuild
    from tests.fakes.google_calendar import FakeGoogleCalendar

    migrate.upgrade()
    engine = get_engine()
    guild, calendar = FakeDiscordGuild(), FakeGoogleCalendar()
    guild.bucket_limit = 1_000_000
    with guild.running(), calendar.running():
        services = _services(guild, calendar)
        cohort_id = _seed(engine, guild, group_count, members)
        print(f"cohort of {group_count} groups x {members} members (+ guild, calendar fakes)")
        print(
            f"{'step':<28}{'discord':>9}{'(mutating)':>12}{'calendar':>10}{'(mutating)':>12}"
            f"{'cal. HTTP':>11}{'seconds':>9}"
        )
        steps = [
            ("publish", lambda: publish_cohort(engine, cohort_id, services, now=NOW)),
            ("publish again", lambda: publish_cohort(engine, cohort_id, services, now=NOW)),
            ("hourly sync (first)", lambda: run_hourly_sync(engine, lambda: services, now=NOW)),
            ("hourly sync (idle)", lambda: run_hourly_sync(engine, lambda: services, now=NOW)),
        ]
        breakdown: Counter[str] = Counter()
        for label, step in steps:
            requests = _measure(label, step, guild, calendar)
            if label == "publish":
                breakdown.update(_template(r) for r in requests)
        print("\npublish, by call:")
        for call, count in sorted(breakdown.items(), key=lambda item: -item[1]):
            print(f"  {count:>5}  {call}")


def _services(guild: object, calendar: object) -> object:
    import httplib2

    from roundtable.discord.rest import DiscordRestClient
    from roundtable.sync.calendar import GoogleCalendarClient, build_service
    from roundtable.sync.discord_ops import GuildOps
    from roundtable.sync.reconcile import Services
    from tests.fakes.discord import APPLICATION_ID, BOT_TOKEN

    client = DiscordRestClient(guild.base_url, BOT_TOKEN)  # type: ignore[attr-defined]
    service = build_service(calendar.base_url_for_client, httplib2.Http(timeout=30))  # type: ignore[attr-defined]
    return Services(
        GuildOps(client, guild.guild_id),  # type: ignore[attr-defined]
        GoogleCalendarClient(service, "primary", sleep=lambda _: None),
        "http://bench.invalid",
        APPLICATION_ID,
    )


def _seed(engine: object, guild: object, group_count: int, members: int) -> int:
    from datetime import time as clock

    from roundtable.db.tables import cohorts, group_members, groups, users

    with engine.begin() as conn:  # type: ignore[attr-defined]
        cohort_id = conn.scalar(
            cohorts.insert()
            .values(name="Bench", course_slug="demo", start_date=NOW.date(), number_of_meetings=8)
            .returning(cohorts.c.id)
        )
        for number in range(group_count):
            group_id = conn.scalar(
                groups.insert()
                .values(
                    cohort_id=cohort_id,
                    name=f"Group {number + 1}",
                    anchor_timezone=("Europe/London", "America/New_York", "Asia/Tokyo")[number % 3],
                    weekday=number % 7,
                    local_time=clock(8 + number % 12, 0),
                    meeting_minutes=60,
                    first_meeting_at=NOW + timedelta(days=10),
                )
                .returning(groups.c.id)
            )
            for seat in range(members):
                discord_id = str(500_000_000_000_000_000 + number * 100 + seat)
                user_id = conn.scalar(
                    users.insert()
                    .values(
                        display_name=f"P{number}-{seat}",
                        email=f"p{number}.{seat}@example.com",
                        discord_id=discord_id,
                    )
                    .returning(users.c.id)
                )
                conn.execute(
                    group_members.insert().values(
                        group_id=group_id,
                        user_id=user_id,
                        cohort_id=cohort_id,
                        role="facilitator" if seat == 0 else "learner",
                    )
                )
                guild.add_member(discord_id)  # type: ignore[attr-defined]
    return int(cohort_id)


def _measure(label: str, step: object, guild: object, calendar: object) -> list[object]:
    guild.clear_log()  # type: ignore[attr-defined]
    calendar.clear_log()  # type: ignore[attr-defined]
    started = time.perf_counter()
    step()  # type: ignore[operator]
    took = time.perf_counter() - started
    discord = guild.requests  # type: ignore[attr-defined]
    print(
        f"{label:<28}{len(discord):>9}{len(guild.mutating_requests()):>12}"  # type: ignore[attr-defined]
        f"{len(calendar.api_calls()):>10}{len(calendar.mutating_requests()):>12}"  # type: ignore[attr-defined]
        f"{len(calendar.http_requests()):>11}{took:>9.1f}"  # type: ignore[attr-defined]
    )
    return [*discord, *calendar.api_calls()]  # type: ignore[attr-defined]


def _template(request: object) -> str:
    import re

    path = re.sub(r"/\d{6,}", "/{id}", request.path)  # type: ignore[attr-defined]
    path = re.sub(r"(/events/)[^/]+", r"\1{id}", path)
    return f"{request.method} {path}"  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
