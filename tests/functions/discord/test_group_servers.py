"""Commands from every server groups live on (issue 22, many servers) are answered;
a server nobody configured is still refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from roundtable.sync.servers import add_server
from tests.functions.discord.conftest import Call
from tests.integration.discord.data import command

GUILD = "700000000000000001"  # DISCORD_GUILD_ID, the guild data.command() sends from
GROUP_SERVER = "700000000000000002"
UNKNOWN_SERVER = "799999999999999999"


@pytest.fixture
def configured(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_GUILD_ID", GUILD)
    add_server(engine, GROUP_SERVER, "Overflow")


def _from(guild: str) -> dict[str, Any]:
    payload = command("ping")
    payload["guild_id"] = guild
    return payload


def test_a_command_from_a_configured_group_server_runs(call: Call, configured: None) -> None:
    status, answer = call(_from(GROUP_SERVER))

    assert status == 200 and "Pong" in answer["data"]["content"]


def test_a_command_from_a_server_nobody_configured_is_refused(call: Call, configured: None) -> None:
    status, answer = call(_from(UNKNOWN_SERVER))

    assert status == 200 and "own Discord server" in answer["data"]["content"]
