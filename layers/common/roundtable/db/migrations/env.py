"""Alembic environment: migrates the database the settings point at."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from roundtable.db.engine import get_engine
from roundtable.db.tables import metadata


def run_migrations() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    with get_engine().begin() as connection:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
