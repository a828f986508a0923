"""Outbox mode: the local stack without Discord credentials.

Each mutating call is recorded in the `outbox` table (service "discord",
operation "METHOD path", the JSON body as request) and answered with a
plausible fake response carrying fresh snowflake ids, so callers that store
ids (channels, roles, messages) keep working. Reads answer empty.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from roundtable.discord.client import DiscordRestClient

if TYPE_CHECKING:
    from sqlalchemy import Engine

_DISCORD_EPOCH_MS = 1_420_070_400_000
_counter = itertools.count()
_counter_lock = threading.Lock()


def fake_snowflake() -> str:
    """A new id shaped like Discord's (timestamp in the high bits)."""
    with _counter_lock:
        sequence = next(_counter) % 4096
    return str(((int(time.time() * 1000) - _DISCORD_EPOCH_MS) << 22) | sequence)


class OutboxDiscordClient(DiscordRestClient):
    """Records calls instead of sending them; see the module docstring."""

    outbox = True

    def __init__(self, engine: Engine | None = None, *, base_url: str = "outbox:") -> None:
        super().__init__(base_url, None)
        self._engine = engine

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        reason: str | None = None,
        auth: bool = True,
    ) -> Any:
        """Record a mutating call in the outbox; a fake answer."""
        method = method.upper()
        if method == "GET":
            return _fake_read(path)
        self._record(f"{method} {path}", json)
        return _fake_write(method, path, json)

    def _record(self, operation: str, body: Any) -> None:
        from roundtable.db.engine import transaction
        from roundtable.db.tables import outbox

        with transaction(self._engine) as conn:
            conn.execute(
                outbox.insert().values(
                    service="discord", operation=operation, request=body if body is not None else {}
                )
            )


def _fake_read(path: str) -> Any:
    # Lists (commands, members, channels, roles) are empty; single objects unknown.
    if path.rstrip("/").endswith(("commands", "members", "channels", "roles", "messages")):
        return []
    return None


def _fake_write(method: str, path: str, body: Any) -> Any:
    if method == "DELETE":
        return None
    if method == "PUT" and isinstance(body, list):
        return [{**item, "id": fake_snowflake()} for item in body]
    if path.rstrip("/") == "/users/@me/channels" and isinstance(body, dict):
        recipient = {"id": str(body.get("recipient_id", ""))}
        return {"id": fake_snowflake(), "type": 1, "recipients": [recipient]}
    if isinstance(body, dict):
        return {**body, "id": body.get("id") or fake_snowflake()}
    return {"id": fake_snowflake()} if method in ("POST", "PATCH") else None
