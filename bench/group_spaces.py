"""What each Discord group space costs: calls to publish, what a server then holds, capacity.

For each space (channel_and_role, channel, thread, thread_no_voice) seeds a
cohort of N groups in a scratch database on the embedded Postgres, publishes
it against a fresh fake Discord guild (tests/fakes, Discord's limits
enforced), publishes again (nothing to do), and prints the Discord calls each
made, the roles, channels and threads the server then holds, and how many
groups of that space one server can take (Discord's 250 roles and 500
channels, from roundtable.sync.servers' costs). It prints; it does not assert.

    python bench/group_spaces.py [--groups 40] [--members 6]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPACES = ("channel_and_role", "channel", "thread", "thread_no_voice")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--members", type=int, default=6)
    args = parser.parse_args()
    from bench.sync_calls import in_scratch_database

    in_scratch_database(lambda: run(args.groups, args.members))
    return 0


def run(group_count: int, members: int) -> None:
    from bench.sync_calls import NOW, _seed, _services
    from roundtable.db import migrate
    from roundtable.db.engine import get_engine
    from roundtable.db.tables import cohorts, metadata
    from roundtable.sync.publish import publish_cohort
    from tests.fakes.discord_guild import CATEGORY, FakeDiscordGuild
    from tests.fakes.google_calendar import FakeGoogleCalendar

    migrate.upgrade()
    engine = get_engine()
    print(f"a cohort of {group_count} groups x {members} members, per space, on a fresh server")
    print(
        f"{'space':<18}{'publish':>9}{'(mutating)':>12}{'again':>7}"
        f"{'roles':>7}{'channels':>10}{'(categ.)':>10}{'threads':>9}{'groups/server':>15}"
    )
    for space in SPACES:
        guild, calendar = FakeDiscordGuild(), FakeGoogleCalendar()
        guild.bucket_limit = 1_000_000
        with engine.begin() as conn:  # each space on an empty database and a fresh server
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
        with guild.running(), calendar.running():
            services = _services(guild, calendar)
            cohort_id = _seed(engine, guild, group_count, members)
            with engine.begin() as conn:
                conn.execute(
                    cohorts.update()
                    .where(cohorts.c.id == cohort_id)
                    .values(discord_space=space, name=f"Bench {space}")
                )
            guild.clear_log()
            publish_cohort(engine, cohort_id, services, now=NOW)  # type: ignore[arg-type]
            calls, mutating = len(guild.requests), len(guild.mutating_requests())
            guild.clear_log()
            publish_cohort(engine, cohort_id, services, now=NOW)  # type: ignore[arg-type]
            again = len(guild.mutating_requests())
            categories = len(guild.guild(guild.guild_id).of_type(CATEGORY))
            print(
                f"{space:<18}{calls:>9}{mutating:>12}{again:>7}{len(guild.roles):>7}"
                f"{len(guild.channels):>10}{categories:>10}{len(guild.threads):>9}"
                f"{_capacity(space):>15}"
            )


def _capacity(space: str) -> str:
    """Groups of one cohort a fresh server takes: Discord's limits, servers.py's costs."""
    from roundtable.sync.servers import Room, cohort_cost, group_cost

    free = Room(250 - 1, 500)  # @everyone holds a role
    count = 0
    while count < 1000:  # thread spaces: Discord keeps at most 1,000 threads active
        cost = Room(
            group_cost(space).roles * (count + 1),
            group_cost(space).channels * (count + 1),
        ) + cohort_cost(space, 0, count + 1)
        if not cost.fits_in(free):
            break
        count += 1
    return f"{count}" if count < 1000 else "1000 (threads)"


if __name__ == "__main__":
    sys.exit(main())
