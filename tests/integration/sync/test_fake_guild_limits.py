"""The fake guild refuses what Discord refuses at its limits, with Discord's codes, so the
placement and the reconcile are tested against the same walls as in production."""

from __future__ import annotations

import pytest

from roundtable.discord.client import DiscordApiError
from roundtable.sync.reconcile import Services
from tests.fakes.discord_guild import CATEGORY, TEXT, FakeDiscordGuild


def test_the_251st_role_is_refused_with_code_30005(
    guild: FakeDiscordGuild, services: Services
) -> None:
    for number in range(249):
        guild.roles[str(10**17 + number)] = {"id": str(10**17 + number), "name": f"r{number}"}

    with pytest.raises(DiscordApiError) as refused:
        services.discord.create_role({"name": "one too many"})

    assert (refused.value.status, refused.value.code) == (400, 30005)
    assert len(guild.roles) == 250


def test_the_51st_channel_of_a_category_is_refused_naming_parent_id(
    guild: FakeDiscordGuild, services: Services
) -> None:
    category = services.discord.create_channel({"name": "Full", "type": CATEGORY})
    for number in range(50):
        services.discord.create_channel(
            {"name": f"c{number}", "type": TEXT, "parent_id": category["id"]}
        )

    with pytest.raises(DiscordApiError) as refused:
        services.discord.create_channel({"name": "c50", "type": TEXT, "parent_id": category["id"]})

    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert "parent_id" in refused.value.errors


def test_the_501st_channel_is_refused_with_code_30013(
    guild: FakeDiscordGuild, services: Services
) -> None:
    for number in range(500):
        guild.channels[str(10**17 + number)] = {
            "id": str(10**17 + number),
            "type": TEXT,
            "name": f"c{number}",
            "parent_id": None,
            "permission_overwrites": [],
        }

    with pytest.raises(DiscordApiError) as refused:
        services.discord.create_channel({"name": "one too many", "type": TEXT})

    assert (refused.value.status, refused.value.code) == (400, 30013)


def test_an_archived_threads_members_cannot_change_and_messages_page_backwards(
    guild: FakeDiscordGuild, services: Services
) -> None:
    parent = services.discord.create_channel({"name": "groups", "type": TEXT})
    thread = services.discord.create_private_thread(parent["id"], "Group 1")
    guild.add_member("400000000000000001")
    guild.add_messages(thread["id"], 250)
    services.discord.edit_channel(thread["id"], {"archived": True})

    with pytest.raises(DiscordApiError) as refused:
        services.discord.add_thread_member(thread["id"], "400000000000000001")
    messages = list(services.discord.messages(thread["id"]))

    assert (refused.value.status, refused.value.code) == (400, 50083)
    assert [m["content"] for m in messages[:2]] == ["message 250", "message 249"]
    assert len(messages) == 250 and len({m["id"] for m in messages}) == 250
