"""Fixtures: a fake Discord for the job's message edits, and the worker function's loader."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from roundtable.discord.rest import reset_discord_clients
from tests.fakes.discord import FakeDiscord, start_fake_discord
from tests.functions.conftest import function, lambda_context  # noqa: F401  (fixtures)


@pytest.fixture
def fake_discord(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDiscord]:
    fake = start_fake_discord(monkeypatch)
    reset_discord_clients()
    yield fake
    fake.stop()
    reset_discord_clients()
