"""Commands that need no database: /ping and /availability."""

from __future__ import annotations

from typing import Any

from roundtable.config import get_settings
from roundtable_edge.discord.interactions import Context, message


def ping(context: Context) -> dict[str, Any]:
    """/ping: proves the endpoint answers (no gateway, so no latency to report)."""
    return message("Pong! Roundtable is listening.")


def availability(context: Context) -> dict[str, Any]:
    """/availability: where to set weekly availability (a grid is easier on the web)."""
    url = f"{get_settings().public_base_url}/availability"
    return message(f"Set your weekly availability here: {url}")
