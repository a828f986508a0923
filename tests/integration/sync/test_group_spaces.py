"""Group spaces (issue 22): a channel per group without a role, a private thread per group.

Each kind is published into the fake guild, reconciled again with nothing to
do, then follows a member change and the end of the group.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import groups, outbox
from roundtable.errors import ConflictError, ValidationError
from roundtable.people.actors import SYSTEM
from roundtable.sync.desired import ROLE_TEXT, ROLE_VOICE, VIEW_CHANNEL
from roundtable.sync.lifecycle import complete_finished_groups
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, default_services, sync_groups
from roundtable.sync.servers import set_group_space
from tests.fakes.discord import APPLICATION_ID
from tests.fakes.discord_guild import (
    CATEGORY,
    GUILD_ID,
    PRIVATE_THREAD,
    TEXT,
    VOICE,
    FakeDiscordGuild,
)
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


def _member_overwrites(channel: dict) -> dict[str, tuple[str, str]]:
    return {
        o["id"]: (o["allow"], o["deny"]) for o in channel["permission_overwrites"] if o["type"] == 1
    }


@pytest.fixture
def world(engine: Engine, guild: FakeDiscordGuild) -> dict:
    """Two preview groups of two learners each; everyone in the guild."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Autumn 2026", meetings=2)
        people = [add_person(conn, name) for name in ("Ann", "Ben", "Cat", "Dan")]
        first = add_preview_group(conn, cohort_id, "Group 1", learners=people[:2])
        second = add_preview_group(conn, cohort_id, "Group 2", learners=people[2:])
    for person in people:
        guild.add_member(person.discord_id)
    return {"id": cohort_id, "groups": [first, second], "people": people}


def _publish_twice(
    engine: Engine, services: Services, guild: FakeDiscordGuild, world: dict
) -> dict:
    return publish_twice(engine, services, guild, world, NOW)


def test_a_channel_space_lets_each_member_in_without_a_role(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "channel")

    _publish_twice(engine, services, guild, world)

    # No group role: @everyone and the cohort's own (docs/discord.md "The cohort's channel").
    assert [r["name"] for r in guild.roles.values()] == ["@everyone", "Autumn 2026 (cohort)"]
    first = group_row(engine, world["groups"][0])
    assert first.discord_role_id is None and first.discord_space == "channel"
    ann, ben = world["people"][:2]
    text = guild.channels[first.discord_text_channel_id]
    voice = guild.channels[first.discord_voice_channel_id]
    assert _member_overwrites(text) == {
        APPLICATION_ID: (str(ROLE_TEXT), "0"),
        ann.discord_id: (str(ROLE_TEXT), "0"),
        ben.discord_id: (str(ROLE_TEXT), "0"),
    }
    assert set(_member_overwrites(voice)) == {APPLICATION_ID, ann.discord_id, ben.discord_id}
    assert _member_overwrites(voice)[ann.discord_id] == (str(ROLE_VOICE), "0")


def test_a_channel_space_follows_a_member_who_moves_and_waits_for_one_not_in_the_guild(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "channel")
    _publish_twice(engine, services, guild, world)
    ann, cat = world["people"][0], world["people"][2]
    first, second = world["groups"]
    del guild.members[cat.discord_id]  # Cat leaves the server

    switch_group(engine, ann, first, second, NOW)
    report = sync_groups(engine, [first, second], services, now=NOW)

    old = guild.channels[group_row(engine, first).discord_text_channel_id]
    new = guild.channels[group_row(engine, second).discord_text_channel_id]
    assert ann.discord_id not in _member_overwrites(old)
    assert ann.discord_id in _member_overwrites(new)
    assert cat.discord_id not in _member_overwrites(new)  # no overwrite until she is back
    assert report.discord.pending_groups == {second}
    guild.add_member(cat.discord_id)
    sync_groups(engine, [second], services, now=NOW)
    assert cat.discord_id in _member_overwrites(
        guild.channels[group_row(engine, second).discord_text_channel_id]
    )


def test_a_thread_space_makes_one_private_thread_per_group_and_one_voice_room(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "thread")

    _publish_twice(engine, services, guild, world)

    categories = [c for c in guild.channels.values() if c["type"] == CATEGORY]
    texts = [c for c in guild.channels.values() if c["type"] == TEXT]
    voices = [c for c in guild.channels.values() if c["type"] == VOICE]
    assert len(categories) == len(texts) == len(voices) == 1  # 3 channels for the cohort
    assert texts[0]["name"] == "autumn-2026-groups"
    # The groups channel is the cohort's channel: only the cohort's role sees it.
    everyone = next(o for o in texts[0]["permission_overwrites"] if o["id"] == GUILD_ID)
    assert (everyone["allow"], everyone["deny"]) == ("0", str(VIEW_CHANNEL))
    assert len(guild.roles) == 2  # @everyone and the cohort's role, no group role
    ann, ben = world["people"][:2]
    for group_id, people in zip(
        world["groups"], (world["people"][:2], world["people"][2:]), strict=True
    ):
        row = group_row(engine, group_id)
        thread = guild.threads[row.discord_text_channel_id]
        assert (thread["type"], thread["parent_id"]) == (PRIVATE_THREAD, texts[0]["id"])
        assert thread["thread_metadata"]["invitable"] is False
        assert guild.thread_member_ids(thread["id"]) == {
            APPLICATION_ID,
            *(p.discord_id for p in people),
        }
        assert row.discord_voice_channel_id == voices[0]["id"]
        assert guild.channel_messages[thread["id"]][0]["content"].startswith("**Welcome to")


def test_a_thread_space_archived_for_inactivity_is_reopened_to_follow_a_member_change(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "thread_no_voice")
    _publish_twice(engine, services, guild, world)
    assert not [c for c in guild.channels.values() if c["type"] == VOICE]
    ann = world["people"][0]
    first, second = world["groups"]
    new_thread = group_row(engine, second).discord_text_channel_id
    guild.threads[new_thread]["thread_metadata"]["archived"] = True  # a quiet week

    switch_group(engine, ann, first, second, NOW)
    sync_groups(engine, [first, second], services, now=NOW)

    old_thread = group_row(engine, first).discord_text_channel_id
    assert ann.discord_id not in guild.thread_member_ids(old_thread)
    assert ann.discord_id in guild.thread_member_ids(new_thread)
    assert guild.threads[new_thread]["thread_metadata"]["archived"] is False
    guild.clear_log()
    assert sync_groups(engine, [first, second], services, now=NOW).discord.mutations == 0


def test_a_finished_thread_space_is_locked_with_its_former_members_still_in_it(
    engine: Engine, guild: FakeDiscordGuild, services: Services, world: dict
) -> None:
    set_group_space(engine, SYSTEM, world["id"], "thread")
    _publish_twice(engine, services, guild, world)

    result = complete_finished_groups(engine, services, now=AFTER_THE_END)

    assert result["failures"] == {} and result["groups_archived"] == world["groups"]
    row = group_row(engine, world["groups"][0])
    thread = guild.threads[row.discord_text_channel_id]
    assert thread["thread_metadata"]["archived"] and thread["thread_metadata"]["locked"]
    assert {p.discord_id for p in world["people"][:2]} <= guild.thread_member_ids(thread["id"])
    guild.clear_log()
    sync_groups(engine, world["groups"], services, now=AFTER_THE_END)
    assert not guild.mutating_requests()


def test_the_space_cannot_change_once_groups_are_published_nor_to_an_unknown_kind(
    engine: Engine, services: Services, world: dict
) -> None:
    with pytest.raises(ValidationError, match="one of channel_and_role, channel, thread"):
        set_group_space(engine, SYSTEM, world["id"], "forum")
    publish_cohort(engine, world["id"], services, now=NOW)

    with pytest.raises(ConflictError, match="cannot change once groups are published"):
        set_group_space(engine, SYSTEM, world["id"], "thread")
    assert group_row(engine, world["groups"][0]).discord_space == "channel_and_role"


def test_a_thread_space_publishes_in_the_local_stacks_outbox_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISCORD_BOT_TOKEN", "GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_CALENDAR_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCORD_GUILD_ID", GUILD_ID)
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Local", meetings=2)
        add_preview_group(conn, cohort_id, "Group 1", learners=[add_person(conn, "Ada")])
    set_group_space(engine, SYSTEM, cohort_id, "thread")
    services = default_services(engine)

    publish_cohort(engine, cohort_id, services, now=NOW)
    with engine.connect() as conn:
        recorded = conn.scalars(
            select(outbox.c.operation).where(outbox.c.service == "discord")
        ).all()
    again = sync_groups(engine, [group_row_id(engine, cohort_id)], services, now=NOW)

    calls = [operation.split(" ")[0] + " " + operation.rsplit("/", 1)[-1] for operation in recorded]
    assert "POST threads" in calls and "POST messages" in calls  # the thread and its welcome
    # Ada added to the thread, and given the cohort's role (its channel is the groups one)
    assert sum(call.startswith("PUT ") for call in calls) == 2
    assert again.discord.mutations == 0


def group_row_id(engine: Engine, cohort_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(groups.c.id).where(groups.c.cohort_id == cohort_id)))
