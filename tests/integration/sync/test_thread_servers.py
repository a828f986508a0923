"""The server planner counts threads (issue 22): a private thread per group takes one of
Discord's 1,000 active threads per server, so a thread cohort spreads over servers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import groups
from roundtable.people.actors import SYSTEM
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services
from roundtable.sync.servers import (
    DiscordCapacityError,
    add_server,
    cohort_discord_capacity,
    set_group_space,
)
from tests.fakes.discord_guild import (
    GUILD_ID,
    MAX_ACTIVE_THREADS,
    PRIVATE_THREAD,
    SECOND_GUILD_ID,
    FakeDiscordGuild,
    Guild,
)
from tests.integration.sync.test_many_servers import _cohort as one_learner_groups
from tests.integration.sync.world import Person

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


def _fill_threads(guild: Guild, free: int) -> None:
    """Active threads the organisation's members opened, leaving `free` of Discord's 1,000."""
    for number in range(MAX_ACTIVE_THREADS - guild.active_threads() - free):
        thread_id = str(800_000_000_000_000_000 + number)
        guild.threads[thread_id] = {
            "id": thread_id,
            "guild_id": guild.guild_id,
            "parent_id": "1",
            "type": PRIVATE_THREAD,
            "name": f"chat {number}",
            "owner_id": "1",
            "flags": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": False,
                "locked": False,
                "archive_timestamp": "2026-02-20T12:00:00+00:00",
                "auto_archive_duration": 10080,
            },
        }


def _thread_cohort(engine: Engine, size: int) -> tuple[int, list[int], list[Person]]:
    cohort_id, group_ids, people = one_learner_groups(engine, size)
    set_group_space(engine, SYSTEM, cohort_id, "thread")
    return cohort_id, group_ids, people


@pytest.fixture
def second(guild: FakeDiscordGuild) -> Guild:
    return guild.add_guild(SECOND_GUILD_ID)


def test_a_thread_cohort_past_a_servers_active_threads_is_placed_across_two(
    engine: Engine, guild: FakeDiscordGuild, second: Guild, services: Services
) -> None:
    add_server(engine, GUILD_ID, "Main")
    add_server(engine, SECOND_GUILD_ID, "Overflow")
    main = guild.guild(GUILD_ID)
    _fill_threads(main, free=2)
    cohort_id, group_ids, people = _thread_cohort(engine, 3)
    for person in people:
        guild.add_member(person.discord_id)
        second.add_member(person.discord_id)

    result = publish_cohort(engine, cohort_id, services, now=NOW)

    assert result["failures"] == {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(groups.c.discord_guild_id, groups.c.discord_text_channel_id)
            .where(groups.c.id.in_(group_ids))
            .order_by(groups.c.id)
        ).all()
    assert [guild_id for guild_id, _ in rows] == [GUILD_ID, GUILD_ID, SECOND_GUILD_ID]
    assert all(thread in main.threads for _, thread in rows[:2])
    assert rows[2][1] in second.threads
    assert main.active_threads() == MAX_ACTIVE_THREADS  # full to the limit, not past it


def test_the_admin_sees_active_threads_against_1000_and_what_publishing_adds(
    engine: Engine, guild: FakeDiscordGuild, second: Guild, services: Services
) -> None:
    add_server(engine, GUILD_ID, "Main")
    add_server(engine, SECOND_GUILD_ID, "Overflow")
    _fill_threads(guild.guild(GUILD_ID), free=1)
    cohort_id, _, _ = _thread_cohort(engine, 3)

    capacity = cohort_discord_capacity(engine, SYSTEM, services.discord, cohort_id).as_dict()

    main, overflow = capacity["servers"]
    assert (main["threads_used"], main["thread_limit"], main["adds_threads"]) == (999, 1000, 1)
    assert (overflow["threads_used"], overflow["adds_threads"], overflow["new_groups"]) == (0, 2, 2)
    assert capacity["needs_threads"] == 3 and capacity["fits"]


def test_publishing_a_thread_cohort_is_refused_with_the_threads_when_none_are_left(
    engine: Engine, guild: FakeDiscordGuild, services: Services
) -> None:
    # No server configured: DISCORD_GUILD_ID alone, its threads all taken.
    _fill_threads(guild.guild(GUILD_ID), free=0)
    cohort_id, _, _ = _thread_cohort(engine, 2)

    with pytest.raises(DiscordCapacityError) as refused:
        publish_cohort(engine, cohort_id, services, now=NOW)

    message = str(refused.value)
    assert "each takes 0 role(s), 0 channel(s) and 1 thread(s) as 'thread'" in message
    assert "0 of 500 channels and 1000 of 1000 active threads in use" in message
    with engine.connect() as conn:
        assert set(conn.scalars(select(groups.c.status))) == {"preview"}  # nothing written
    assert not guild.mutating_requests()
