"""The process-wide Discord client: `get_discord_client` (interactions, sync, notifications).

    client = get_discord_client()
    client.request("POST", f"/channels/{channel_id}/messages", json={"content": "hi"})

Without a bot token outside a deployed stack, `get_discord_client` returns a
client in outbox mode that records mutating calls in the `outbox` table.
The client itself lives in client.py; its names are re-exported here for the
modules that import them from `roundtable.discord.rest`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from roundtable.discord.client import (
    PROJECT_URL,
    DiscordApiError,
    DiscordErrorBudgetError,
    DiscordRestClient,
    urllib_transport,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "PROJECT_URL",
    "DiscordApiError",
    "DiscordErrorBudgetError",
    "DiscordRestClient",
    "get_discord_client",
    "reset_discord_clients",
    "urllib_transport",
]

# -- the process-wide client ---------------------------------------------------
_clients: dict[tuple[str, str], DiscordRestClient] = {}
_clients_lock = threading.Lock()


def get_discord_client(engine: Engine | None = None) -> DiscordRestClient:
    """The client for the configured Discord API (one per environment, so limits persist).

    Without a bot token outside a deployed stack: an outbox client that records
    mutating calls in the `outbox` table instead of sending them.
    """
    from roundtable.config import get_settings

    settings = get_settings()
    token = settings.secret("DISCORD_BOT_TOKEN")
    if not token:
        if settings.is_deployed:
            settings.require_secret("DISCORD_BOT_TOKEN")  # raises, naming the setting
        from roundtable.discord.outbox import OutboxDiscordClient

        return OutboxDiscordClient(engine, base_url=settings.discord_api_base)
    key = (settings.discord_api_base, token)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = DiscordRestClient(
                settings.discord_api_base,
                token,
                version=settings.version,
                global_rate=settings.discord_global_rate,
            )
        return _clients[key]


def reset_discord_clients() -> None:
    """Forget the process-wide clients and their rate-limit state (tests)."""
    with _clients_lock:
        _clients.clear()
