"""Health: is this deployment able to serve? Version, database, migrations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from roundtable import __version__


def check_health(engine: Engine) -> dict[str, Any]:
    """Version, whether the database answers, and whether it is migrated to head."""
    from roundtable.db import migrate

    head = migrate.head_revision()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = migrate.current_revision(conn)
    except Exception as exc:  # reported, not raised: health must always answer
        return {
            "status": "unhealthy",
            "version": __version__,
            "database": {"ok": False, "error": type(exc).__name__},
            "migrations": {"current": None, "head": head, "up_to_date": False},
        }
    up_to_date = current == head
    return {
        "status": "ok" if up_to_date else "degraded",
        "version": __version__,
        "database": {"ok": True},
        "migrations": {"current": current, "head": head, "up_to_date": up_to_date},
    }
