"""Course content with my progress: courses by meeting, module content, next module;
content builds and their errors for admins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, status

from api.deps import Admin, Db, Writer, web_actor
from api.identity import CurrentLearner
from api.schemas.common import errors
from api.schemas.content import (
    ContentBuildQueuedPublic,
    ContentBuildRequest,
    ContentRolledBackPublic,
    ContentStatusPublic,
    CourseListItemPublic,
    CoursePublic,
    CoursesPublic,
    CourseUnitPublic,
    ModulePublic,
    ModuleSummaryPublic,
    NextModulePublic,
    OutcomePublic,
    SectionPublic,
)
from roundtable.config import get_settings
from roundtable.content import learning, operations
from roundtable.content.bundle import Bundle
from roundtable.content.progress_views import ModuleProgress

router = APIRouter(tags=["content"], responses=errors(401, 422, 503))

LiveBundle = Annotated[Bundle, Depends(learning.live_bundle)]


@router.get("/api/courses", response_model=CoursesPublic)
def list_courses(bundle: LiveBundle) -> CoursesPublic:
    """Every course."""
    courses = learning.list_courses(bundle)
    return CoursesPublic(courses=[CourseListItemPublic.model_validate(c) for c in courses])


@router.get("/api/courses/{course_slug}", response_model=CoursePublic, responses=errors(404))
def read_course(
    course_slug: str, learner: CurrentLearner, conn: Db, bundle: LiveBundle
) -> CoursePublic:
    """A course with my progress, its modules grouped by the meeting they are due for."""
    view = learning.view_course(
        conn, learner=learner.learner, bundle=bundle, course_slug=course_slug
    )
    units = [
        CourseUnitPublic(
            meeting=unit.meeting,
            modules=[_module_summary(m, view.summaries.get(m.slug)) for m in unit.modules],
        )
        for unit in view.progress.units
    ]
    return CoursePublic(
        slug=view.course["slug"],
        title=view.course["title"],
        description=view.course["description"],
        version=bundle.version,
        next_module=view.progress.next_module,
        units=units,
    )


@router.get(
    "/api/courses/{course_slug}/next-module",
    response_model=NextModulePublic,
    responses=errors(404),
)
def read_next_module(
    course_slug: str,
    learner: CurrentLearner,
    conn: Db,
    bundle: LiveBundle,
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> learning.NextStep:
    """The module after `after` (or, without it, my first unfinished one); null at the end."""
    return learning.next_step(
        conn, learner=learner.learner, bundle=bundle, course_slug=course_slug, after=after
    )


@router.get("/api/modules/{module_slug}", response_model=ModulePublic, responses=errors(404))
def read_module(
    module_slug: str, learner: CurrentLearner, conn: Db, bundle: LiveBundle
) -> ModulePublic:
    """A module's content, with my progress on each section."""
    view = learning.view_module(
        conn, learner=learner.learner, bundle=bundle, module_slug=module_slug
    )
    return _module_public(view, bundle.version)


@router.get("/api/admin/content", response_model=ContentStatusPublic, responses=errors(403))
def read_content_status(admin: Admin, conn: Db) -> ContentStatusPublic:
    """The live content version and the latest builds, with every error and warning."""
    settings = get_settings()
    if settings.content_bucket is None:
        status = learning.local_content_status(settings.content_dir)
    else:
        status = learning.content_status(conn)
    return ContentStatusPublic.model_validate(status, from_attributes=True)


@router.post(
    "/api/admin/content/builds",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ContentBuildQueuedPublic,
    responses=errors(403, 503),
)
def request_content_build(
    body: ContentBuildRequest, user: Writer, conn: Db
) -> ContentBuildQueuedPublic:
    """Build the content branch's head now (a job: follow `status_url`); live if valid, or
    only checked with `activate: false`. 503 where no repository is configured."""
    actor = web_actor(user)
    queued = operations.request_content_build(conn, actor, get_settings(), activate=body.activate)
    return ContentBuildQueuedPublic(
        job_id=queued.job_id,
        status_url=f"/api/jobs/{queued.job_id}",
        repository=queued.repository,
        ref=queued.ref,
        activate=queued.activate,
    )


@router.post(
    "/api/admin/content/versions/{version}/activate",
    response_model=ContentRolledBackPublic,
    responses=errors(403, 404),
)
def activate_content_version(
    version: Annotated[str, Path(min_length=1, max_length=200)], user: Writer, conn: Db
) -> ContentRolledBackPublic:
    """Make an earlier built version the one learners see (a rollback); progress is kept."""
    actor = web_actor(user)
    rolled = operations.roll_back_content(conn, actor, version)
    return ContentRolledBackPublic(version=rolled.version, previous=rolled.previous)


def _module_summary(progress: ModuleProgress, summary: str | None) -> ModuleSummaryPublic:
    return ModuleSummaryPublic(
        slug=progress.slug,
        title=progress.title,
        summary=summary,
        optional=progress.optional,
        status=progress.status,
        required_done=progress.required_done,
        required_total=progress.required_total,
        time_s=progress.time_s,
    )


def _segments(section: Mapping[str, Any], positions: Mapping[str, int]) -> list[dict[str, Any]]:
    """The section's segments as sent: a video's with where I stopped watching it."""
    return [
        {**segment, "resume_at_s": positions.get(segment["id"])}
        if segment["kind"] == "video"
        else segment
        for segment in section["segments"]
    ]


def _module_public(view: learning.ModuleView, version: str) -> ModulePublic:
    module, progress = view.module, view.progress
    by_id = {s.section_id: s for s in progress.sections}
    outcomes = [
        OutcomePublic(
            id=outcome["id"],
            title=outcome["title"],
            sections=[
                SectionPublic.model_validate(
                    {
                        **section,
                        "segments": _segments(section, view.video_positions),
                        "completed": by_id[section["id"]].completed,
                        "time_s": by_id[section["id"]].time_s,
                    }
                )
                for section in outcome["sections"]
            ],
        )
        for outcome in module["outcomes"]
    ]
    return ModulePublic(
        slug=module["slug"],
        id=module["id"],
        title=module["title"],
        summary=module.get("summary"),
        description=module["description"],
        version=version,
        status=progress.status,
        required_done=progress.required_done,
        required_total=progress.required_total,
        time_s=progress.time_s,
        outcomes=outcomes,
    )
