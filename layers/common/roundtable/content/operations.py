"""Content operations for admins: rebuild or check the repository's content, roll back.

Every door (the admin page, the CLI) calls these. A rebuild is the
`build_content` job on the content branch's head, as a push would queue;
`activate=False` only checks: the build is recorded with its problems and
learners keep what they see. A rollback makes an earlier built version live
again; progress is stored against content ids, so it is kept across versions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from roundtable.config import Settings
from roundtable.content.versions import (
    UnknownContentVersionError,
    activate_version,
    active_version,
)
from roundtable.db.tables import users
from roundtable.errors import NotFoundError, ServiceUnavailableError
from roundtable.jobs import enqueue
from roundtable.people.actors import Actor

# A failed rebuild is retried once (GitHub or S3 hiccups); content errors are
# not failures of the job: they are recorded as a failed build at once.
BUILD_ATTEMPTS = 2


@dataclass(frozen=True)
class ContentBuildRequested:
    job_id: int
    repository: str
    ref: str
    activate: bool  # False: a check that leaves the live version alone


@dataclass(frozen=True)
class ContentRolledBack:
    version: str
    previous: str | None  # the version that was live before


def request_content_build(
    conn: Connection, actor: Actor, settings: Settings, *, activate: bool = True
) -> ContentBuildRequested:
    """Queue a build of the content branch's head; it goes live if valid and `activate`."""
    actor.require_admin()
    if not settings.github_repo or not settings.content_bucket:
        raise ServiceUnavailableError(
            "There is no content repository to build from here (GITHUB_CONTENT_REPO and "
            "CONTENT_BUCKET are not set). The local stack serves the content folder "
            f"({settings.content_dir}) as it is, validated each time you look."
        )
    what = "rebuild" if activate else "check"
    job_id = enqueue(
        conn,
        "build_content",
        {
            "sha": settings.github_branch,
            "activate": activate,
            "requested_by": f"{_name(conn, actor)} ({what})",
        },
        dedup_key=f"build_content:{settings.github_branch}:{what}",
        created_by=actor.user_id,
        max_attempts=BUILD_ATTEMPTS,
    )
    return ContentBuildRequested(job_id, settings.github_repo, settings.github_branch, activate)


def roll_back_content(conn: Connection, actor: Actor, version: str) -> ContentRolledBack:
    """Make an earlier built version the one learners see."""
    actor.require_admin()
    live = active_version(conn)
    try:
        activate_version(conn, version, activated_by=f"{_name(conn, actor)} (rollback)")
    except UnknownContentVersionError as exc:
        raise NotFoundError(
            f"No built content version {version!r}: pick one from the list of builds "
            "(a failed build cannot be made live).",
            field="version",
        ) from exc
    return ContentRolledBack(version, live[0] if live else None)


def _name(conn: Connection, actor: Actor) -> str:
    """Who acted, as the build list shows it: their name, or the door they used."""
    if actor.user_id is None:
        return "command line" if actor.door == "cli" else "Roundtable"
    name = conn.execute(
        select(users.c.display_name).where(users.c.id == actor.user_id)
    ).scalar_one_or_none()
    return name or f"user {actor.user_id}"
