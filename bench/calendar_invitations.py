"""What .ics invitations by e-mail cost: SendGrid requests per step, and one file's time and size.

Seeds a cohort of N groups (bench/sync_calls.py's seed) whose calendar choice is
"ics", publishes it against the fake Discord guild, fake Calendar and fake
SendGrid (tests/fakes), publishes again, moves one group's weekly time and
syncs it, then prints the SendGrid requests and Google Calendar calls of each
step; then times writing one member's invitation. It prints; it does not assert.

    python bench/calendar_invitations.py [--groups 50] [--members 6]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from bench.sync_calls import in_scratch_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--members", type=int, default=6)
    args = parser.parse_args()
    in_scratch_database(lambda: run(args.groups, args.members))
    time_one_file()
    return 0


def run(group_count: int, members: int) -> None:
    from sqlalchemy import select, update

    from bench.sync_calls import NOW, _seed, _services
    from roundtable.db import migrate
    from roundtable.db.engine import get_engine
    from roundtable.db.tables import cohorts, groups
    from roundtable.notifications.delivery import SendGridEmailSender
    from roundtable.sync.calendars import CalendarServices
    from roundtable.sync.invitations import Organiser
    from roundtable.sync.publish import publish_cohort
    from roundtable.sync.reconcile import sync_groups
    from tests.fakes.discord_guild import FakeDiscordGuild
    from tests.fakes.google_calendar import FakeGoogleCalendar
    from tests.fakes.sendgrid import FakeSendGrid

    migrate.upgrade()
    engine = get_engine()
    guild, calendar, sendgrid = FakeDiscordGuild(), FakeGoogleCalendar(), FakeSendGrid()
    guild.bucket_limit = 1_000_000
    with guild.running(), calendar.running(), sendgrid.running():
        services: Any = _services(guild, calendar)
        services.calendars = CalendarServices(
            default=services.calendar,
            email=SendGridEmailSender(sendgrid.api_key, sendgrid.base_url, "rt@bench.invalid"),
            sender=Organiser("rt@bench.invalid", "Roundtable"),
        )
        cohort_id = _seed(engine, guild, group_count, members)
        with engine.begin() as conn:
            conn.execute(
                update(cohorts).where(cohorts.c.id == cohort_id).values(calendar_invitations="ics")
            )
            first = conn.scalar(select(groups.c.id).where(groups.c.cohort_id == cohort_id))

        def move_one() -> None:
            with engine.begin() as conn:
                conn.execute(
                    update(groups).where(groups.c.id == first).values(local_time=clock(21))
                )
            sync_groups(engine, [first], services, now=NOW)

        print(f"cohort of {group_count} groups x {members} members, calendar invitations: ics")
        print(f"{'step':<30}{'SendGrid':>10}{'calendar':>10}{'seconds':>9}")
        steps = [
            ("publish", lambda: publish_cohort(engine, cohort_id, services, now=NOW)),
            ("publish again", lambda: publish_cohort(engine, cohort_id, services, now=NOW)),
            ("one group's time moves", move_one),
        ]
        for label, step in steps:
            sendgrid.clear_log()
            calendar.clear_log()
            started = time.perf_counter()
            step()
            took = time.perf_counter() - started
            sent = len(sendgrid.requests)
            print(f"{label:<30}{sent:>10}{len(calendar.api_calls()):>10}{took:>9.1f}")


def time_one_file(repeat: int = 200) -> None:
    from zoneinfo import ZoneInfo

    from roundtable.sync.ics import SeriesInvitation, invitation_ics

    zone = ZoneInfo("Europe/London")
    first = datetime(2026, 3, 18, 18, 0, tzinfo=zone)
    starts = tuple(
        datetime.combine(first.date() + timedelta(weeks=k), first.time(), zone) for k in range(8)
    )
    invitation = SeriesInvitation(
        "Group 1 · Bench", "Weekly discussion group.", "https://bench.invalid/group",
        "Europe/London", starts, 60, "rt@bench.invalid", "Roundtable", "a@example.com", "A",
    )  # fmt: skip
    started = time.perf_counter()
    for _ in range(repeat):
        ics = invitation_ics(invitation, uid="u", sequence=0, method="REQUEST", stamp=first)
    each = (time.perf_counter() - started) / repeat * 1000
    print(f"\none .ics file (8 meetings, with its VTIMEZONE): {len(ics)} bytes, {each:.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
