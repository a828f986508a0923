"""The bundle learners see right now."""

from __future__ import annotations

from sqlalchemy import Engine

from roundtable.config import get_settings
from roundtable.content.bundle import Bundle
from roundtable.content.store import load_bundle
from roundtable.content.versions import active_version


class NoContentPublishedError(LookupError):
    """A deployed stack has no active content version yet (no successful build)."""


def load_live_bundle(engine: Engine | None = None) -> Bundle:
    """The active version's bundle from S3, or, without CONTENT_BUCKET, the local content folder."""
    settings = get_settings()
    if settings.content_bucket is None:
        return load_bundle(settings.content_dir)
    from roundtable.db.engine import get_engine

    with (engine or get_engine()).connect() as conn:
        live = active_version(conn)
    version, location = live if live is not None else (None, None)
    if version is None or location is None:
        raise NoContentPublishedError(
            f"no active content version in bucket {settings.content_bucket!r}; push to "
            f"{settings.github_branch!r} or run a build_content job"
        )
    return load_bundle(location, version=version)
