"""`roundtable db ...`: database migrations."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="database migrations")
    parser.set_defaults(needs_db=True)
    commands = parser.add_subparsers(dest="db_command", required=True)
    upgrade = commands.add_parser("upgrade", help="migrate the database to the newest revision")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=_upgrade)
    current = commands.add_parser("current", help="print the database's revision and the head")
    current.set_defaults(func=_current)
    revision = commands.add_parser(
        "revision", help="autogenerate a migration from the difference between code and head"
    )
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(func=_revision)


def _upgrade(args: argparse.Namespace) -> int:
    from roundtable.db import migrate

    migrate.upgrade(revision=args.revision)
    print(f"database at {args.revision}")
    return 0


def _current(args: argparse.Namespace) -> int:
    from roundtable.db import migrate
    from roundtable.db.engine import get_engine

    with get_engine().connect() as conn:
        print(f"database: {migrate.current_revision(conn)}  head: {migrate.head_revision()}")
    return 0


def _revision(args: argparse.Namespace) -> int:
    """Autogenerate against the current database after migrating it to head."""
    from alembic import command

    from roundtable.db import migrate
    from roundtable.db.engine import get_engine

    with get_engine().begin() as conn:
        migrate.upgrade(conn)
        command.revision(migrate.alembic_config(conn), message=args.message, autogenerate=True)
    return 0
