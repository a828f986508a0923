"""Fixtures: a fake Discord guild and a fake Google Calendar, settings pointed at both."""

from __future__ import annotations

from collections.abc import Iterator

import httplib2
import pytest

from roundtable.discord.rest import get_discord_client, reset_discord_clients
from roundtable.sync.calendar import GoogleCalendarClient, build_service
from roundtable.sync.discord_ops import GuildOps
from roundtable.sync.reconcile import Services
from tests.fakes.discord import APPLICATION_ID, start_fake_discord
from tests.fakes.discord_guild import GUILD_ID, FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar

NAMESPACE = "http://roundtable.test"


@pytest.fixture
def guild(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscordGuild]:
    fake = FakeDiscordGuild()
    start_fake_discord(monkeypatch, fake)
    monkeypatch.setenv("DISCORD_GUILD_ID", GUILD_ID)
    reset_discord_clients()
    yield fake
    fake.stop()
    reset_discord_clients()


@pytest.fixture
def calendar(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogleCalendar]:
    fake = FakeGoogleCalendar().start()
    monkeypatch.setenv("GOOGLE_CALENDAR_BASE", fake.base_url_for_client)
    monkeypatch.delenv("GOOGLE_SERVICE_ACCOUNT_JSON", raising=False)
    monkeypatch.setenv("PUBLIC_BASE_URL", NAMESPACE)
    yield fake
    fake.stop()


@pytest.fixture
def waits() -> list[float]:
    """Backoff waits the calendar client asked for (it never really sleeps in tests)."""
    return []


@pytest.fixture
def services(guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, waits: list[float]) -> Services:
    client = GoogleCalendarClient(
        build_service(calendar.base_url_for_client, httplib2.Http(timeout=30)),
        "primary",
        sleep=waits.append,
        base_delay=0.01,
    )
    return Services(GuildOps(get_discord_client(), GUILD_ID), client, NAMESPACE, APPLICATION_ID)
