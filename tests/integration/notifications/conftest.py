"""Fixtures: fake SendGrid and Discord servers with settings pointed at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from roundtable.discord.rest import reset_discord_clients
from roundtable.notifications import Providers, default_providers
from tests.fakes.discord import FakeDiscord, start_fake_discord
from tests.fakes.sendgrid import FakeSendGrid, start_fake_sendgrid
from tests.integration.notifications.world import World


@pytest.fixture
def fake_sendgrid(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSendGrid]:
    fake = start_fake_sendgrid(monkeypatch)
    yield fake
    fake.stop()


@pytest.fixture
def fake_discord(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscord]:
    fake = start_fake_discord(monkeypatch)
    monkeypatch.setenv("DISCORD_GUILD_ID", "100000000000000099")
    reset_discord_clients()
    yield fake
    fake.stop()
    reset_discord_clients()


@pytest.fixture
def providers(engine: Engine, fake_sendgrid: FakeSendGrid, fake_discord: FakeDiscord) -> Providers:
    return default_providers(engine)


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)
