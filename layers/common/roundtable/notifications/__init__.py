"""Notifications: a catalogue of messages, a sweep that sends what is due exactly once,
delivery by email (SendGrid) and Discord, signed unsubscribe links, and an audit log.

    summary = sweep(engine, now, providers=default_providers(engine), remaining_ms=...)
    request_notification(conn, "welcome", user_id=7, cohort_id=3)   # in a transaction

See docs/notifications.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from roundtable.notifications.delivery import Providers, default_providers
from roundtable.notifications.due import DueModule, ModulesDue
from roundtable.notifications.sweep import sweep
from roundtable.notifications.unsubscribe import (
    UnsubscribeTokenError,
    apply_unsubscribe,
    verify_unsubscribe,
)


def request_notification(conn: Connection, kind: str, **fields: Any) -> int:
    """Enqueue a `send_notification` job in conn's transaction; the job id.

    Kinds and fields: see roundtable.notifications.oneoff.
    """
    from roundtable.jobs import enqueue

    return enqueue(conn, "send_notification", {"kind": kind, **fields})


__all__ = [
    "DueModule",
    "ModulesDue",
    "Providers",
    "UnsubscribeTokenError",
    "apply_unsubscribe",
    "default_providers",
    "request_notification",
    "sweep",
    "verify_unsubscribe",
]
