"""Many Discord servers (issue 22): groups placed on servers with room, reconciled per server.

The fake guilds enforce Discord's limits (250 roles, 500 channels); a server
is filled with roles an organisation made itself, as a real one would be.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import groups, jobs
from roundtable.jobs import enqueue, run_job
from roundtable.people.actors import SYSTEM
from roundtable.sync import publish
from roundtable.sync.desired import GROUPS_PER_CATEGORY
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, groups_needing_sync, sync_groups
from roundtable.sync.servers import (
    DiscordCapacityError,
    add_server,
    close_server,
    cohort_discord_capacity,
)
from tests.fakes.discord_guild import (
    CATEGORY,
    GUILD_ID,
    SECOND_GUILD_ID,
    TEXT,
    FakeDiscordGuild,
    Guild,
)
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.integration.sync.world import (
    Person,
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
)

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


def _fill_roles(guild: Guild, free: int) -> None:
    """The organisation's own roles, leaving `free` of Discord's 250."""
    for number in range(250 - len(guild.roles) - free):
        role_id = str(700_000_000_000_000_000 + number)
        guild.roles[role_id] = {"id": role_id, "name": f"team {number}", "permissions": "0"}


def _cohort(engine: Engine, size: int) -> tuple[int, list[int], list[Person]]:
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Big 2026", meetings=1)
        people = [add_person(conn, f"P{number}") for number in range(size)]
        group_ids = [
            add_preview_group(conn, cohort_id, f"Group {number + 1}", learners=[person])
            for number, person in enumerate(people)
        ]
    return cohort_id, group_ids, people


@pytest.fixture
def second(guild: FakeDiscordGuild) -> Guild:
    return guild.add_guild(SECOND_GUILD_ID)


def test_a_cohort_too_large_for_one_server_is_placed_across_two(
    engine: Engine, guild: FakeDiscordGuild, second: Guild, services: Services
) -> None:
    add_server(engine, GUILD_ID, "Main")
    add_server(engine, SECOND_GUILD_ID, "Overflow")
    _fill_roles(guild.guild(GUILD_ID), free=3)  # 3 groups' roles (they open the cohort's channel)
    cohort_id, group_ids, people = _cohort(engine, 5)
    for person in people:
        guild.add_member(person.discord_id)
        second.add_member(person.discord_id)

    result = publish_cohort(engine, cohort_id, services, now=NOW)

    assert result["failures"] == {}
    placed = [group_row(engine, group_id).discord_guild_id for group_id in group_ids]
    assert placed == [GUILD_ID] * 3 + [SECOND_GUILD_ID] * 2
    assert len(guild.roles) == 250  # full to the limit, not past it
    for group_id, person in zip(group_ids[3:], people[3:], strict=True):
        row = group_row(engine, group_id)
        assert row.discord_text_channel_id in second.channels
        assert person.discord_id in second.holders(row.discord_role_id)
    assert [c["name"] for c in second.of_type(CATEGORY)] == ["Big 2026"]
    assert len(second.of_type(TEXT)) == 3  # the groups' and the cohort's own there
    guild.clear_log()
    assert sync_groups(engine, group_ids, services, now=NOW).discord.mutations == 0
    assert not guild.mutating_requests()


def test_the_admin_sees_each_servers_usage_and_what_publishing_would_add(
    engine: Engine, guild: FakeDiscordGuild, second: Guild, services: Services
) -> None:
    add_server(engine, GUILD_ID, "Main")
    add_server(engine, SECOND_GUILD_ID, "Overflow", channel_limit=100)
    _fill_roles(guild.guild(GUILD_ID), free=1)  # a group's role (no cohort role with roles)
    cohort_id, _, _ = _cohort(engine, 3)

    capacity = cohort_discord_capacity(engine, SYSTEM, services.discord, cohort_id).as_dict()

    main, overflow = capacity["servers"]
    assert (main["roles_used"], main["role_limit"], main["channels_used"]) == (249, 250, 0)
    # Each server: its groups' roles and channels, a category, the cohort's channel.
    assert (main["adds_roles"], main["adds_channels"], main["new_groups"]) == (1, 4, 1)
    assert (overflow["channel_limit"], overflow["adds_roles"], overflow["adds_channels"]) == (
        100,
        2,
        6,
    )
    assert capacity["fits"] and capacity["needs_roles"] == 3 and capacity["needs_channels"] == 10
    assert not guild.mutating_requests()  # looking changes nothing


def test_publishing_is_refused_with_the_numbers_when_no_server_has_room(
    engine: Engine, guild: FakeDiscordGuild, second: Guild, services: Services
) -> None:
    add_server(engine, GUILD_ID, "Main")
    add_server(engine, SECOND_GUILD_ID, "Overflow")
    _fill_roles(guild.guild(GUILD_ID), free=1)
    close_server(engine, SECOND_GUILD_ID)
    cohort_id, group_ids, _ = _cohort(engine, 2)

    with pytest.raises(DiscordCapacityError) as refused:
        publish_cohort(engine, cohort_id, services, now=NOW)

    message = str(refused.value)
    assert "1 of the cohort's 2 new groups have no server with room" in message
    assert "Main: 249 of 250 roles, 0 of 500 channels and 0 of 1000 active threads" in message
    overflow = "Overflow: 1 of 250 roles, 0 of 500 channels and 0 of 1000 active threads in use"
    assert f"{overflow} (closed to new groups)" in message
    assert refused.value.code == "discord_full"
    with engine.connect() as conn:
        rows = conn.execute(select(groups.c.status, groups.c.discord_guild_id)).all()
    assert {tuple(row) for row in rows} == {("preview", None)}  # nothing half-published
    assert not guild.mutating_requests()


def test_without_configured_servers_groups_go_to_discord_guild_id_as_before(
    engine: Engine, guild: FakeDiscordGuild, services: Services
) -> None:
    cohort_id, group_ids, people = _cohort(engine, 2)
    for person in people:
        guild.add_member(person.discord_id)

    result = publish_cohort(engine, cohort_id, services, now=NOW)

    assert result["failures"] == {}
    assert {group_row(engine, g).discord_guild_id for g in group_ids} == {GUILD_ID}
    assert len(guild.roles) == 3  # @everyone and the groups' (no cohort role with roles)


def _queued_chunks(engine: Engine) -> dict[int, dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(jobs.c.id, jobs.c.payload).where(
                jobs.c.kind == "sync_groups", jobs.c.status == "queued"
            )
        )
        return dict(rows.tuples().all())


def test_each_servers_first_chunk_is_its_own_job_and_queues_the_rest_of_its_server(
    engine: Engine,
    guild: FakeDiscordGuild,
    second: Guild,
    calendar: FakeGoogleCalendar,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Servers publish side by side: only the first server's first chunk runs in the
    publish job; another server's first chunk (which makes the cohort's spaces there)
    is a job that queues its server's other chunks once it succeeds (issue 22: with
    every server's first chunk in the publish job, a cohort over 80 servers was one
    job of hours)."""
    monkeypatch.setattr(publish, "PUBLISH_CHUNK", GROUPS_PER_CATEGORY)  # 25, not 250
    add_server(engine, GUILD_ID, "Main")
    add_server(engine, SECOND_GUILD_ID, "Overflow")
    _fill_roles(guild.guild(GUILD_ID), free=30)
    cohort_id, group_ids, people = _cohort(engine, 85)
    for person in people:
        guild.add_member(person.discord_id)
        second.add_member(person.discord_id)

    with engine.begin() as conn:
        publish_job = enqueue(conn, "publish_cohort", {"cohort_id": cohort_id})
    result = run_job(engine, publish_job)

    assert result is not None and result["status"] == "succeeded", result
    servers = {g: group_row(engine, g).discord_guild_id for g in group_ids}
    first = [g for g in group_ids if servers[g] == GUILD_ID]
    other = [g for g in group_ids if servers[g] == SECOND_GUILD_ID]
    assert len(other) > 2 * GROUPS_PER_CATEGORY  # three chunks there
    assert result["result"]["groups"] == first[:GROUPS_PER_CATEGORY]
    queued = sorted(_queued_chunks(engine).values(), key=lambda p: p["group_ids"][0])
    assert queued == [
        {"cohort_id": cohort_id, "group_ids": first[GROUPS_PER_CATEGORY:]},
        {
            "cohort_id": cohort_id,
            "group_ids": other[:GROUPS_PER_CATEGORY],
            "then": [other[GROUPS_PER_CATEGORY : 2 * GROUPS_PER_CATEGORY], other[50:]],
        },
    ]

    # The sweep and a member's sync leave every group to its chunk, queued or to come.
    assert groups_needing_sync(engine, cohort_id=cohort_id) == []
    while chunks := _queued_chunks(engine):  # each job in turn, its followers after it
        for job_id in chunks:
            ran = run_job(engine, job_id)
            assert ran is not None and ran["status"] == "succeeded", ran

    with engine.connect() as conn:
        unsynced = conn.scalars(
            select(groups.c.id).where(groups.c.id.in_(group_ids), groups.c.synced_at.is_(None))
        ).all()
    assert unsynced == []
    for group_id in other:
        assert group_row(engine, group_id).discord_role_id in second.roles
    made = Counter((c["name"], c["type"]) for c in second.channels.values())
    assert [key for key, count in made.items() if count > 1] == []  # nothing made twice
