"""Publishing content: validate a tree, store its bundle, make it the live version.

A tree with errors is recorded as a failed build (its errors kept for admins)
and the live version stays as it was.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from roundtable.content.bundle import Bundle, bundle_tree
from roundtable.content.github import GitHubSource, fetch_content_folder
from roundtable.content.model import Problem
from roundtable.content.validate import validate_tree
from roundtable.content.versions import activate_version, record_built_version, record_failed_build

# Stores a bundle somewhere durable and returns its location (an s3:// URL, a path).
SaveBundle = Callable[[Bundle], str]


@dataclass(frozen=True)
class PublishResult:
    """What one publish did: the new live version, or the errors that prevented it."""

    source: str
    version: str | None
    bundle_location: str | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.version is not None

    def summary(self) -> dict[str, object]:
        return {
            "source": self.source,
            "version": self.version,
            "bundle_location": self.bundle_location,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


def publish_content(
    engine: Engine,
    *,
    root: Path,
    source: str,
    save_bundle: SaveBundle,
    activate: bool = True,
    requested_by: str | None = None,
) -> PublishResult:
    """Validate the tree at `root`; if valid, save its bundle and (unless `activate` is
    False: a check) make that version live."""
    report = validate_tree(root)
    if not report.ok:
        with engine.begin() as conn:
            record_failed_build(
                conn,
                source=source,
                errors=report.errors,
                warnings=report.warnings,
                requested_by=requested_by,
            )
        return PublishResult(source, None, None, report.errors, report.warnings)
    bundle = bundle_tree(report.tree)
    # Saved before the transaction: an upload never holds a database connection,
    # and a bundle saved but never recorded is harmless (keyed by its version).
    location = save_bundle(bundle)
    with engine.begin() as conn:
        record_built_version(
            conn,
            version=bundle.version,
            source=source,
            bundle_location=location,
            warnings=report.warnings,
            requested_by=requested_by,
        )
        if activate:
            activate_version(conn, bundle.version, activated_by=requested_by)
    return PublishResult(source, bundle.version, location, (), report.warnings)


def build_from_github(
    engine: Engine,
    *,
    github: GitHubSource,
    sha: str,
    save_bundle: SaveBundle,
    activate: bool = True,
    requested_by: str | None = None,
) -> PublishResult:
    """Fetch the content folder of a commit (or of a branch's head: `sha` may be any ref)
    from GitHub and publish it."""
    with tempfile.TemporaryDirectory(prefix="roundtable-content-") as folder:
        root = fetch_content_folder(github, sha, Path(folder))
        return publish_content(
            engine,
            root=root,
            source=f"github:{github.repository}@{sha}",
            save_bundle=save_bundle,
            activate=activate,
            requested_by=requested_by,
        )
