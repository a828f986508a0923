"""The cohort's shared space (issue 21): a text channel and a role per server its groups
are on, made at publish, following its members, archived when the cohort completes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import (
    cohort_discord_channels,
    cohort_discord_roles,
    cohorts,
    group_members,
)
from roundtable.people.actors import SYSTEM
from roundtable.sync.desired import ARCHIVE_READ, SEND_MESSAGES, VIEW_CHANNEL
from roundtable.sync.discord_cohort import COHORT_TEXT
from roundtable.sync.lifecycle import complete_finished_groups
from roundtable.sync.reconcile import Services, sync_groups
from roundtable.sync.servers import add_server, cohort_discord_capacity, set_group_space
from tests.fakes.discord import APPLICATION_ID
from tests.fakes.discord_guild import GUILD_ID, TEXT, FakeDiscordGuild
from tests.integration.sync.world import (
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    publish_twice,
    switch_group,
)

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
AFTER_THE_END = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(engine: Engine, guild: FakeDiscordGuild) -> dict:
    """Two preview groups (two learners, a facilitator in the first); everyone in the guild."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Autumn 2026", meetings=2)
        people = [add_person(conn, name) for name in ("Ann", "Ben", "Cat", "Dan", "Fay")]
        first = add_preview_group(
            conn, cohort_id, "Group 1", learners=people[:2], facilitator=people[4]
        )
        second = add_preview_group(conn, cohort_id, "Group 2", learners=people[2:4])
    for person in people:
        guild.add_member(person.discord_id)
    return {"id": cohort_id, "groups": [first, second], "people": people}


def _stored(engine: Engine, cohort_id: int) -> tuple[str | None, dict[str, str]]:
    """The cohort's stored role on the guild and its channels by purpose."""
    with engine.connect() as conn:
        role = conn.scalar(
            select(cohort_discord_roles.c.role_id).where(
                cohort_discord_roles.c.cohort_id == cohort_id
            )
        )
        channels = conn.execute(
            select(cohort_discord_channels.c.purpose, cohort_discord_channels.c.channel_id).where(
                cohort_discord_channels.c.cohort_id == cohort_id
            )
        ).all()
    return role, {row.purpose: row.channel_id for row in channels}


def _overwrites(channel: dict) -> dict[str, tuple[str, str]]:
    return {o["id"]: (o["allow"], o["deny"]) for o in channel["permission_overwrites"]}


def _publish_twice(
    engine: Engine, services: Services, guild: FakeDiscordGuild, world: dict
) -> dict[str, Any]:
    return publish_twice(engine, services, guild, world, NOW)


def test_publishing_makes_the_cohorts_channel_and_role_for_every_active_member(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "channel")  # groups without roles
    _publish_twice(engine, services, guild, world)

    role_id, channels = _stored(engine, world["id"])
    assert role_id is not None and guild.roles[role_id]["name"] == "Autumn 2026 (cohort)"
    assert guild.holders(role_id) == {p.discord_id for p in world["people"]}  # facilitator too
    chat = guild.channels[channels["chat"]]
    assert (chat["type"], chat["name"], chat["parent_id"]) == (TEXT, "autumn-2026-general", None)
    assert _overwrites(chat) == {
        GUILD_ID: ("0", str(VIEW_CHANNEL)),
        APPLICATION_ID: (str(VIEW_CHANNEL | SEND_MESSAGES | (1 << 16)), "0"),
        role_id: (str(COHORT_TEXT), "0"),
    }


def test_a_cohort_whose_groups_have_roles_opens_its_channel_to_them_instead(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    _publish_twice(engine, services, guild, world)

    role_id, channels = _stored(engine, world["id"])
    assert role_id is None  # no cohort role: no grant per member (issue 22)
    group_roles = {group_row(engine, g).discord_role_id for g in world["groups"]}
    assert _overwrites(guild.channels[channels["chat"]]) == {
        GUILD_ID: ("0", str(VIEW_CHANNEL)),
        APPLICATION_ID: (str(VIEW_CHANNEL | SEND_MESSAGES | (1 << 16)), "0"),
        **{role: (str(COHORT_TEXT), "0") for role in group_roles},
    }


def test_a_member_who_moves_keeps_the_role_and_one_who_leaves_loses_it(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "channel")  # the cohort role's case
    _publish_twice(engine, services, guild, world)
    role_id, _ = _stored(engine, world["id"])
    ann, ben = world["people"][:2]
    first, second = world["groups"]

    switch_group(engine, ann, first, second, NOW)
    with engine.begin() as conn:  # Ben withdraws from the course
        conn.execute(
            group_members.update()
            .where(group_members.c.user_id == ben.id)
            .values(status="removed", left_at=NOW)
        )
    sync_groups(engine, [first, second], services, now=NOW)

    assert ann.discord_id in guild.holders(role_id)
    assert ben.discord_id not in guild.holders(role_id)


def test_a_thread_cohort_reuses_its_groups_channel_as_the_cohorts_channel(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "thread")

    _publish_twice(engine, services, guild, world)

    role_id, channels = _stored(engine, world["id"])
    assert "chat" not in channels
    texts = [c for c in guild.channels.values() if c["type"] == TEXT]
    assert [c["id"] for c in texts] == [channels["threads"]]  # one text channel, not two
    assert _overwrites(texts[0])[GUILD_ID] == ("0", str(VIEW_CHANNEL))
    assert _overwrites(texts[0])[role_id] == (str(COHORT_TEXT), "0")
    assert guild.holders(role_id or "") == {p.discord_id for p in world["people"]}
    assert len(guild.roles) == 2  # @everyone and the cohort's: no group roles in threads


def test_a_completed_cohort_archives_its_channel_and_deletes_its_role(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "channel")  # a cohort with a cohort role
    _publish_twice(engine, services, guild, world)
    assert _stored(engine, world["id"])[0] is not None
    role_id, channels = _stored(engine, world["id"])

    swept = complete_finished_groups(engine, services, now=AFTER_THE_END)

    assert swept["cohorts_completed"] == [world["id"]] and swept["failures"] == {}
    assert role_id not in guild.roles
    assert _stored(engine, world["id"])[0] is None
    chat = _overwrites(guild.channels[channels["chat"]])
    for person in world["people"]:
        assert chat[person.discord_id] == (str(ARCHIVE_READ), str(SEND_MESSAGES))
    assert chat[GUILD_ID] == ("0", str(VIEW_CHANNEL))
    with engine.connect() as conn:
        assert conn.scalar(select(cohorts.c.status).where(cohorts.c.id == world["id"])) == (
            "completed"
        )
    guild.clear_log()
    sync_groups(engine, world["groups"], services, now=AFTER_THE_END)
    assert not guild.mutating_requests()


def test_the_capacity_check_counts_the_cohorts_role_and_channel(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    add_server(engine, GUILD_ID, "Main")

    capacity = cohort_discord_capacity(engine, SYSTEM, services.discord, world["id"]).as_dict()

    (main,) = capacity["servers"]
    # Two groups: their roles and channels, the category, and the cohort's channel (the
    # groups' roles open it: no cohort role).
    assert (main["adds_roles"], main["adds_channels"]) == (2, 6)


def test_a_sync_that_would_pass_the_role_limit_for_the_cohorts_role_creates_nothing(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "channel")  # no group roles: only the cohort's
    _publish_twice(engine, services, guild, world)
    role_id, _ = _stored(engine, world["id"])
    guild.delete_role(role_id or "")  # an admin deletes it and fills the server
    for number in range(250 - len(guild.roles)):
        role = str(700_000_000_000_000_000 + number)
        guild.roles[role] = {"id": role, "name": f"team {number}", "permissions": "0"}
    guild.clear_log()

    report = sync_groups(engine, world["groups"], services, now=NOW)

    assert set(report.discord.failures) == set(world["groups"])
    assert (
        "0 group roles and 1 cohort roles would pass Discord's limit of 250"
        in (report.discord.failures[world["groups"][0]])
    )
    assert not guild.mutating_requests()
