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

    from roundtable.config import Settings
    from roundtable.discord.budget import SharedRateBudget

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
                error_budget=settings.discord_invalid_request_budget,
                shared_budget=_shared_budget(settings, token, engine),
            )
        return _clients[key]


def _shared_budget(
    settings: Settings, token: str, engine: Engine | None
) -> SharedRateBudget | None:
    """The bot's budget in Postgres when DISCORD_RATE_BUDGET is shared (deployed stacks)."""
    if settings.discord_rate_budget != "shared":
        return None
    # Lazy: SQLAlchemy loads only where the budget is shared, on the first bot call.
    from roundtable.db.engine import get_engine
    from roundtable.discord.budget import SharedRateBudget, bot_key

    return SharedRateBudget(
        engine or get_engine(),
        bot_key(token),
        global_rate=settings.discord_global_rate,
        limit=settings.discord_invalid_request_budget,
    )


def reset_discord_clients() -> None:
    """Forget the process-wide clients and their rate-limit state (tests)."""
    with _clients_lock:
        _clients.clear()
