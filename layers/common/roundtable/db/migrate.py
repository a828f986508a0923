"""Run Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection | None = None, revision: str = "head") -> None:
    """Migrate forward to `revision` (default: the newest)."""
    command.upgrade(alembic_config(connection), revision)


def head_revision() -> str | None:
    """The newest revision in the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    return MigrationContext.configure(connection).get_current_revision()


# Any constant: concurrent upgrades (a deploy and a hand-run CLI) take turns.
_UPGRADE_LOCK_KEY = 0x526F756E64  # "Round"


@dataclass(frozen=True)
class UpgradeOutcome:
    """What `upgrade_to_head` found and left."""

    before: str | None  # the database's revision before (None: never migrated)
    after: str | None  # its revision after
    code_head: str | None  # the newest revision this code knows
    database_ahead: bool  # the database is at a revision this code does not know

    @property
    def summary(self) -> str:
        if self.database_ahead:
            return (
                f"database at {self.before}, newer than this code's head {self.code_head}: "
                "left as is (a rollback to older code)"
            )
        if self.before == self.after:
            return f"database already at {self.after}"
        return f"migrated from {self.before or 'an empty database'} to {self.after}"


def _known(revision: str | None) -> bool:
    if revision is None:
        return True
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def upgrade_to_head(engine: Engine) -> UpgradeOutcome:
    """Migrate to the newest revision in one transaction; safe to re-run.

    At head already: nothing happens. Ahead of this code (a deploy rolling back
    to the previous release after migrating): nothing happens either, since
    older code cannot know, let alone undo, the newer revisions; migrations are
    written to keep the previous release working. A failing migration rolls
    back entirely (Postgres DDL is transactional) and raises.
    """
    code_head = head_revision()
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK_KEY})
        before = current_revision(connection)
        if not _known(before):
            return UpgradeOutcome(before, before, code_head, database_ahead=True)
        upgrade(connection)
        after = current_revision(connection)
    return UpgradeOutcome(before, after, code_head, database_ahead=False)
