"""Fixtures: a running fake Discord with settings pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from roundtable.discord.rest import reset_discord_clients
from tests.fakes.discord import FakeDiscord, start_fake_discord


@pytest.fixture
def fake_discord(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscord]:
    fake = start_fake_discord(monkeypatch)
    reset_discord_clients()
    yield fake
    fake.stop()
    reset_discord_clients()
