"""Fixtures that start a fake service and point the settings at it, for the conftests that
want them (`from tests.fakes.fixtures import fake_discord  # noqa: F401`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devserver.fake_llm import FAKE_API_KEY, FAKE_MODEL, FakeLLM
from roundtable.discord.rest import reset_discord_clients
from tests.fakes.discord import FakeDiscord, start_fake_discord


@pytest.fixture
def fake_discord(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscord]:
    """A running fake Discord REST API, with fresh clients pointed at it."""
    fake = start_fake_discord(monkeypatch)
    reset_discord_clients()
    yield fake
    fake.stop()
    reset_discord_clients()


@pytest.fixture
def fake_llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    """The fake OpenAI-compatible model, as the tutor's LLM_* settings."""
    with FakeLLM().running() as fake:
        monkeypatch.setenv("LLM_MODEL", FAKE_MODEL)
        monkeypatch.setenv("LLM_API_BASE", fake.base_url)
        monkeypatch.setenv("LLM_API_KEY", FAKE_API_KEY)
        yield fake
