"""Which content version is live: rows in `content_versions`.

At most one row is `active`. Activating takes a transaction-scoped advisory
lock so two builds finishing at once cannot both leave a row active.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from roundtable.content.model import Problem
from roundtable.db.tables import content_versions

_LOCK_KEY = "content_versions.activate"


class UnknownContentVersionError(LookupError):
    """A version that has never been recorded as built."""

    def __init__(self, version: str) -> None:
        super().__init__(f"content version {version!r} has not been built")
        self.version = version


def record_built_version(
    conn: Connection,
    *,
    version: str,
    source: str,
    bundle_location: str,
    warnings: Sequence[Problem] = (),
    requested_by: str | None = None,
) -> None:
    """Remember a built bundle; building the same content again changes nothing."""
    statement = insert(content_versions).values(
        version=version,
        source=source,
        bundle_location=bundle_location,
        status="built",
        warnings=_problems(warnings),
        requested_by=requested_by,
    )
    conn.execute(statement.on_conflict_do_nothing(index_elements=["version"]))


def record_failed_build(
    conn: Connection,
    *,
    source: str,
    errors: Sequence[Problem],
    warnings: Sequence[Problem] = (),
    requested_by: str | None = None,
) -> str:
    """Keep a failed build's problems for admins; the live version is untouched."""
    # A failed tree has no bundle and so no content hash; the source names it.
    key = f"failed:{source}"
    values = {
        "errors": _problems(errors),
        "warnings": _problems(warnings),
        "requested_by": requested_by,
        "created_at": func.now(),  # failing again is news: it moves to the top
    }
    statement = insert(content_versions).values(
        version=key, source=source, status="failed", **values
    )
    conn.execute(statement.on_conflict_do_update(index_elements=["version"], set_=values))
    return key


def activate_version(conn: Connection, version: str, activated_by: str | None = None) -> None:
    """Make a built version the one learners see; the previous active one becomes `built`."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": _LOCK_KEY})
    exists = conn.execute(
        select(content_versions.c.status).where(content_versions.c.version == version)
    ).scalar_one_or_none()
    if exists is None or exists == "failed":
        raise UnknownContentVersionError(version)
    conn.execute(
        update(content_versions)
        .where(content_versions.c.status == "active", content_versions.c.version != version)
        .values(status="built")
    )
    conn.execute(
        update(content_versions)
        .where(content_versions.c.version == version, content_versions.c.status != "active")
        .values(status="active", activated_at=func.now(), activated_by=activated_by)
    )


def find_version(conn: Connection, prefix: str) -> str:
    """The built version a prefix names (as people copy the first characters of a hash);
    the prefix itself when none or several match, for the caller's not-found answer."""
    rows = conn.execute(
        select(content_versions.c.version)
        .where(content_versions.c.version.startswith(prefix, autoescape=True))
        .where(content_versions.c.status != "failed")
        .limit(2)
    ).scalars()
    matches = list(rows)
    return matches[0] if len(matches) == 1 else prefix


def active_version(conn: Connection) -> tuple[str, str | None] | None:
    """The live version and where its bundle is stored, or None before the first build."""
    row = conn.execute(
        select(content_versions.c.version, content_versions.c.bundle_location).where(
            content_versions.c.status == "active"
        )
    ).first()
    return (row.version, row.bundle_location) if row is not None else None


def _problems(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in problems]
