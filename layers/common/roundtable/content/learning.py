"""The learner-facing content API's use cases: courses, modules, next steps, progress writes.

Each takes a connection, the learner and the live bundle, and turns unknown
slugs and ids into NotFoundError (404) naming the field at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from roundtable.content.bundle import (
    Bundle,
    BundleCorruptError,
    ContentInvalidError,
    UnknownContentError,
    bundle_tree,
)
from roundtable.content.live import NoContentPublishedError, load_live_bundle
from roundtable.content.model import Problem
from roundtable.content.progress import (
    Completion,
    Learner,
    mark_section_complete,
    record_heartbeat,
)
from roundtable.content.progress_views import (
    CourseProgress,
    ModuleProgress,
    course_progress,
    module_progress,
)
from roundtable.content.store import BundleLocationError
from roundtable.content.validate import ContentDirectoryError, validate_tree
from roundtable.content.video_positions import positions_of, save_video_position
from roundtable.db.tables import content_versions
from roundtable.errors import NotFoundError, ServiceUnavailableError


@dataclass(frozen=True)
class CourseView:
    """A course's text and the learner's progress through it."""

    course: Mapping[str, Any]
    summaries: Mapping[str, str | None]  # module slug -> one-line summary
    progress: CourseProgress


@dataclass(frozen=True)
class ModuleView:
    """A module's content and the learner's progress through it."""

    module: Mapping[str, Any]
    progress: ModuleProgress
    video_positions: Mapping[str, int]  # video segment id -> where the learner stopped (s)


@dataclass(frozen=True)
class NextStep:
    """Where to go after a module: the next module, and the meeting in between if any."""

    module_slug: str | None
    module_title: str | None
    completes_meeting: int | None  # a meeting marker lies between: that unit is done


@dataclass(frozen=True)
class SectionCompleted:
    completion: Completion
    module: ModuleProgress


_FIELDS = {
    "course": "course_slug",
    "module": "module_slug",
    "section": "section_id",
    "segment": "segment_id",
}


def _found[T](read: Callable[[], T]) -> T:
    try:
        return read()
    except UnknownContentError as exc:
        raise NotFoundError(str(exc), field=_FIELDS.get(exc.kind)) from exc


def list_courses(bundle: Bundle) -> list[Mapping[str, Any]]:
    """Every course in the bundle, by title."""
    return sorted(bundle.data["courses"].values(), key=lambda course: course["title"])


def view_course(
    conn: Connection, *, learner: Learner, bundle: Bundle, course_slug: str
) -> CourseView:
    """The course with the learner's progress, modules grouped by the meeting they are due for."""
    course = _found(lambda: bundle.course(course_slug))
    progress = course_progress(conn, learner=learner, bundle=bundle, course_slug=course_slug)
    summaries = {
        entry["slug"]: bundle.module(entry["slug"]).get("summary")
        for entry in course["progression"]
        if entry["kind"] == "module"
    }
    return CourseView(course, summaries, progress)


def view_module(
    conn: Connection, *, learner: Learner, bundle: Bundle, module_slug: str
) -> ModuleView:
    """The module's content with the learner's progress on each section."""
    module = _found(lambda: bundle.module(module_slug))
    progress = module_progress(conn, learner=learner, bundle=bundle, module_slug=module_slug)
    videos = [
        segment["id"]
        for outcome in module["outcomes"]
        for section in outcome["sections"]
        for segment in section["segments"]
        if segment["kind"] == "video"
    ]
    return ModuleView(module, progress, positions_of(conn, learner, videos) if videos else {})


def next_step(
    conn: Connection,
    *,
    learner: Learner,
    bundle: Bundle,
    course_slug: str,
    after: str | None,
) -> NextStep:
    """The module after `after` in the course, or, without `after`, the learner's next module."""
    course = _found(lambda: bundle.course(course_slug))
    if after is None:
        progress = course_progress(conn, learner=learner, bundle=bundle, course_slug=course_slug)
        return _step(bundle, progress.next_module, None)
    progression: list[dict[str, Any]] = course["progression"]
    place = next(
        (i for i, e in enumerate(progression) if e["kind"] == "module" and e["slug"] == after),
        None,
    )
    if place is None:
        raise NotFoundError(f"course {course_slug!r} has no module {after!r}", field="after")
    meeting = None
    for entry in progression[place + 1 :]:
        if entry["kind"] == "meeting":
            meeting = meeting or entry["number"]
        else:
            return _step(bundle, entry["slug"], meeting)
    return _step(bundle, None, meeting)


def _step(bundle: Bundle, slug: str | None, meeting: int | None) -> NextStep:
    title = bundle.module(slug)["title"] if slug is not None else None
    return NextStep(slug, title, meeting)


def complete_section(
    conn: Connection,
    *,
    learner: Learner,
    bundle: Bundle,
    module_slug: str,
    section_id: str,
    now: datetime,
) -> SectionCompleted:
    """Mark a section complete (propagating to outcome and module); the module's progress."""
    completion = _found(
        lambda: mark_section_complete(
            conn,
            learner=learner,
            bundle=bundle,
            module_slug=module_slug,
            section_id=section_id,
            now=now,
        ),
    )
    progress = module_progress(conn, learner=learner, bundle=bundle, module_slug=module_slug)
    return SectionCompleted(completion, progress)


def heartbeat(
    conn: Connection,
    *,
    learner: Learner,
    bundle: Bundle,
    module_slug: str,
    section_id: str,
    now: datetime,
) -> int:
    """Count reading time on a section (clamped per heartbeat); the section's total seconds."""
    return _found(
        lambda: record_heartbeat(
            conn,
            learner=learner,
            bundle=bundle,
            module_slug=module_slug,
            section_id=section_id,
            now=now,
        ),
    )


def remember_video_position(
    conn: Connection,
    *,
    learner: Learner,
    bundle: Bundle,
    module_slug: str,
    segment_id: str,
    position_s: float,
    now: datetime,
) -> int:
    """Keep where the learner stopped in a video segment (clamped to its span); the position."""
    return _found(
        lambda: save_video_position(
            conn,
            learner=learner,
            bundle=bundle,
            module_slug=module_slug,
            segment_id=segment_id,
            position_s=position_s,
            now=now,
        ),
    )


@dataclass(frozen=True)
class ContentStatus:
    """What learners see now, and the latest builds with their errors (for admins)."""

    active: dict[str, Any] | None
    builds: list[dict[str, Any]]


def live_bundle() -> Bundle:
    """The bundle learners see; ServiceUnavailableError (503) when there is none that works."""
    try:
        return load_live_bundle()
    except ContentInvalidError as exc:
        raise ServiceUnavailableError(
            f"the course content cannot be shown: {exc}; admins see every problem at "
            "GET /api/admin/content"
        ) from exc
    except (NoContentPublishedError, BundleLocationError, BundleCorruptError) as exc:
        raise ServiceUnavailableError(f"no course content is available: {exc}") from exc


def local_content_status(content_dir: str) -> ContentStatus:
    """The local content folder, validated now (the local stack has no builds)."""
    source = f"local:{content_dir}"
    try:
        report = validate_tree(Path(content_dir))
    except ContentDirectoryError as exc:
        problem = Problem(content_dir, 0, str(exc), "set CONTENT_DIR to the content folder")
        failed: dict[str, Any] = {
            "version": None,
            "source": source,
            "status": "failed",
            "warnings": [],
        }
        return ContentStatus(None, [{**failed, "errors": [problem.to_dict()]}])
    build: dict[str, Any] = {
        "version": None,
        "source": source,
        "status": "active" if report.ok else "failed",
        **report.to_dict(),
    }
    if report.ok:
        build["version"] = bundle_tree(report.tree).version
    return ContentStatus(build if report.ok else None, [build])


def content_status(conn: Connection, limit: int = 20) -> ContentStatus:
    """The active version and the latest builds (active, built, failed), newest first."""
    newest_first = content_versions.c.created_at.desc(), content_versions.c.version
    rows = conn.execute(select(content_versions).order_by(*newest_first).limit(limit))
    builds = [dict(row) for row in rows.mappings()]
    active = (
        conn.execute(select(content_versions).where(content_versions.c.status == "active"))
        .mappings()
        .first()
    )
    return ContentStatus(dict(active) if active is not None else None, builds)
