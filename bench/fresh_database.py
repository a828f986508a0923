"""A migrated database of a benchmark's own, dropped afterwards.

    with migrated_database() as engine:
        ...

Real Postgres: DATABASE_URL's server, or the embedded one the tests use.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def migrated_database() -> Iterator[Any]:
    """The engine of a fresh, migrated database (DATABASE_URL points at it meanwhile)."""
    from devserver.postgres import drop_database, ensure_database, start_embedded_postgres

    server, admin_url = None, os.environ.get("DATABASE_URL")
    if not admin_url:
        server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-test")
    name = f"rt_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    os.environ["DATABASE_URL"] = ensure_database(admin_url, name)
    from roundtable.config import reset_settings
    from roundtable.db import migrate
    from roundtable.db.engine import get_engine, reset_engine

    reset_settings()
    try:
        migrate.upgrade()
        yield get_engine()
    finally:
        reset_engine()
        drop_database(admin_url, name)
        del server
