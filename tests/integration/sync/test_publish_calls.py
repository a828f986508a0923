"""Fewer Discord calls per member when publishing (issue 22): the cohort's channel opened
to its groups' roles instead of a cohort role granted to each member, and a publish of
role groups that does not read the server's whole member list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import cohort_discord_channels, cohort_discord_roles
from roundtable.people.actors import SYSTEM
from roundtable.sync.desired import VIEW_CHANNEL
from roundtable.sync.discord_cohort import COHORT_TEXT, CohortSpace, channel_overwrites
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, sync_groups
from roundtable.sync.servers import set_group_space
from tests.fakes.discord import APPLICATION_ID
from tests.fakes.discord_guild import GUILD_ID, FakeDiscordGuild
from tests.integration.sync.world import (
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    publish_twice,
)

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
MEMBER_LIST = f"/api/v10/guilds/{GUILD_ID}/members"


@pytest.fixture
def world(engine: Engine) -> dict[str, Any]:
    """Two preview groups: Ann and Ben with Fay facilitating, Cat and Dan."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Autumn 2026", meetings=2)
        people = [add_person(conn, name) for name in ("Ann", "Ben", "Cat", "Dan", "Fay")]
        first = add_preview_group(
            conn, cohort_id, "Group 1", learners=people[:2], facilitator=people[4]
        )
        second = add_preview_group(conn, cohort_id, "Group 2", learners=people[2:4])
    return {"id": cohort_id, "groups": [first, second], "people": people}


def _chat(engine: Engine, guild: FakeDiscordGuild, cohort_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        channel_id = conn.scalar(
            select(cohort_discord_channels.c.channel_id).where(
                cohort_discord_channels.c.cohort_id == cohort_id,
                cohort_discord_channels.c.purpose == "chat",
            )
        )
    return guild.channels[str(channel_id)]


def _who_sees(guild: FakeDiscordGuild, channel: dict[str, Any]) -> set[str]:
    """Members an allow-VIEW overwrite reaches (a role's holders, or the member), the bot aside."""
    seen: set[str] = set()
    for overwrite in channel["permission_overwrites"]:
        if not int(overwrite["allow"]) & VIEW_CHANNEL or overwrite["id"] == APPLICATION_ID:
            continue
        if overwrite["type"] == 0:
            seen |= guild.holders(overwrite["id"])
        else:
            seen.add(overwrite["id"])
    return seen


def _member_list_reads(guild: FakeDiscordGuild) -> int:
    return sum(1 for r in guild.requests if r.method == "GET" and r.path.endswith("/members"))


def test_a_role_cohorts_channel_opens_to_its_groups_roles_without_a_cohort_role(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict[str, Any]
) -> None:
    for person in world["people"]:
        guild.add_member(person.discord_id)

    publish_twice(engine, services, guild, world, NOW)  # the second changes nothing

    with engine.connect() as conn:
        assert conn.scalar(select(cohort_discord_roles.c.role_id)) is None
    assert not [r for r in guild.roles.values() if r["name"].endswith("(cohort)")]
    chat = _chat(engine, guild, world["id"])
    roles = {group_row(engine, g).discord_role_id for g in world["groups"]}
    opened = {o["id"]: o["allow"] for o in chat["permission_overwrites"] if o["type"] == 0}
    assert opened == {GUILD_ID: "0", **{role: str(COHORT_TEXT) for role in roles}}
    assert _who_sees(guild, chat) == {p.discord_id for p in world["people"]}  # Fay too


def test_publishing_role_groups_reads_no_member_list_and_an_absent_member_waits(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict[str, Any]
) -> None:
    ann, *others = world["people"]
    for person in others:
        guild.add_member(person.discord_id)
    guild.clear_log()

    result = publish_cohort(engine, world["id"], services, now=NOW)

    assert result["failures"] == {}
    assert _member_list_reads(guild) == 0
    assert result["discord"]["not_in_guild"] == [ann.discord_id]  # Discord said Unknown Member
    first, second = world["groups"]
    assert group_row(engine, first).synced_at is None  # waits for Ann
    assert group_row(engine, second).synced_at is not None

    guild.add_member(ann.discord_id)  # Ann joins: the next sync reads who holds what
    guild.clear_log()
    again = sync_groups(engine, world["groups"], services, now=NOW)

    assert _member_list_reads(guild) == 1
    assert again.discord.granted == 1 and again.discord.not_in_guild == []
    assert ann.discord_id in _who_sees(guild, _chat(engine, guild, world["id"]))


def test_a_guest_with_no_role_on_the_server_gets_the_cohorts_channel_by_overwrite() -> None:
    guest = "499999999999999999"
    space = CohortSpace(
        cohort_id=1,
        cohort_name="Autumn 2026",
        threads=False,
        live=True,
        by_group_roles=True,
        guests=frozenset({guest}),
        holders=frozenset({guest, "400000000000000001"}),
        readers=frozenset(),
        managed=frozenset({guest, "400000000000000001"}),
        role_id=None,
        channel_id=None,
    )

    wanted = channel_overwrites(space)

    assert [(o.target, o.member_id, o.allow) for o in wanted if o.target != "everyone"] == [
        ("bot", None, wanted[1].allow),
        ("member", guest, COHORT_TEXT),
    ]  # no cohort role: the groups' roles are set one by one after the groups


def test_a_channel_cohort_keeps_its_cohort_role(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict[str, Any]
) -> None:
    """Groups without roles (member overwrites; threads likewise, whose private threads
    are reached through the parent channel) still need the cohort role for its channel."""
    set_group_space(engine, SYSTEM, world["id"], "channel")
    for person in world["people"]:
        guild.add_member(person.discord_id)

    publish_twice(engine, services, guild, world, NOW)

    with engine.connect() as conn:
        role_id = conn.scalar(select(cohort_discord_roles.c.role_id))
    assert role_id is not None
    assert guild.holders(role_id) == {p.discord_id for p in world["people"]}
