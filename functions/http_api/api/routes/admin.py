"""Admin routes: cohorts, signups, scheduling, preview edits, publishing, members, users."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from api.deps import Admin, AdminWriter, CurrentUser, Cursor, Db, Id, Now, Writer, web_actor
from api.routes.cohorts import CohortPublic
from api.schemas.admin import (
    AvailabilityHeatMapPublic,
    CohortStatusPublic,
    GroupAdminPublic,
    GroupChoicesPublic,
    GroupUpdate,
    JobAcceptedPublic,
    MeetingNotificationsPublic,
    MemberAdd,
    PreviewPublic,
    RunDiscardedPublic,
    ScheduleRequest,
    SignupsPublic,
    UnplacedPagePublic,
    UserMatchesPublic,
    UserMatchPublic,
)
from api.schemas.cohorts import (
    CohortCreate,
    CohortOverviewPublic,
    CohortOverviewsPublic,
    CohortUpdate,
)
from api.schemas.common import errors
from api.schemas.groups import PlacementPublic
from api.schemas.jobs import JobPublic, JobsPublic
from api.schemas.users import UserPublic
from roundtable.cohorts import admin, catalog, requests
from roundtable.cohorts import status as cohort_status
from roundtable.cohorts.options import SchedulingOptions
from roundtable.db.engine import get_engine
from roundtable.groups import admin as group_admin
from roundtable.groups.memberships import Placement
from roundtable.people import profiles
from roundtable.sync import invitation_budget, servers

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=errors(400, 401, 403, 422))
Accepted = {"status_code": status.HTTP_202_ACCEPTED, "response_model": JobAcceptedPublic}


def _accepted(job_id: int) -> JobAcceptedPublic:
    return JobAcceptedPublic(job_id=job_id, status_url=f"/api/jobs/{job_id}")


def _overview(item: catalog.CohortOverview) -> CohortOverviewPublic:
    return CohortOverviewPublic(
        **CohortPublic.model_validate(item.cohort).model_dump(),
        learners=item.learners,
        facilitators=item.facilitators,
        preview_groups=item.preview_groups,
        published_groups=item.published_groups,
    )


@router.get("/cohorts", response_model=CohortOverviewsPublic)
def list_cohorts(user: Admin, conn: Db) -> CohortOverviewsPublic:
    """Every cohort, newest first, with signup and group counts."""
    return CohortOverviewsPublic(cohorts=[_overview(c) for c in catalog.list_cohorts(conn)])


@router.post(
    "/cohorts",
    status_code=status.HTTP_201_CREATED,
    response_model=CohortPublic,
    responses=errors(409, 422, 429, 503),
)
def create_cohort(body: CohortCreate, user: AdminWriter, conn: Db) -> catalog.Cohort:
    """Create a cohort of a course: `course_slug` must be a course of the live content
    (`GET /api/courses`), else 422 naming the field; 503 when the content cannot be read."""
    return catalog.create_cohort(conn, catalog.CohortDraft(**body.model_dump()))


@router.get("/cohorts/{cohort_id}", response_model=CohortPublic, responses=errors(404))
def read_cohort(cohort_id: Id, user: Admin, conn: Db) -> catalog.Cohort:
    """One cohort, whatever its status."""
    return catalog.get_cohort(conn, cohort_id)


@router.patch(
    "/cohorts/{cohort_id}",
    response_model=CohortPublic,
    responses=errors(404, 409, 422, 429, 503),
)
def update_cohort(
    cohort_id: Id, body: CohortUpdate, user: AdminWriter, conn: Db, now: Now
) -> catalog.Cohort:
    """Change a cohort's settings (validated as a whole; a new `course_slug` must be a
    course of the live content); cancelling it cancels its groups."""
    changes = body.model_dump(exclude_unset=True)
    return catalog.update_cohort(conn, cohort_id, changes, now=now, created_by=user.id)


@router.get("/cohorts/{cohort_id}/signups", response_model=SignupsPublic, responses=errors(404))
def list_signups(
    cohort_id: Id,
    user: Admin,
    conn: Db,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=admin.SIGNUPS_PAGE_MAX)] = admin.SIGNUPS_PAGE,
) -> SignupsPublic:
    """One page of signups in signup order, with availability summaries and placements;
    `next_cursor` continues it (422 for a cursor this list did not give out)."""
    page = admin.list_signups(conn, cohort_id, cursor=cursor, limit=limit)
    return SignupsPublic.model_validate({"signups": page.items, "next_cursor": page.next_cursor})


@router.get(
    "/cohorts/{cohort_id}/availability",
    response_model=AvailabilityHeatMapPublic,
    responses=errors(404),
)
def read_availability(
    cohort_id: Id,
    user: Admin,
    conn: Db,
    zone: Annotated[str | None, Query(max_length=64, description="IANA zone; yours")] = None,
) -> admin.AvailabilityHeatMap:
    """Every signup's availability as people free per half hour of the week in `zone`, on
    the week the cohort starts (numbers, whatever the cohort's size)."""
    return admin.availability_heat_map(conn, cohort_id, zone or user.timezone)


@router.post("/cohorts/{cohort_id}/schedule", **Accepted, responses=errors(404, 409, 422, 429))
def schedule_cohort(
    cohort_id: Id, body: ScheduleRequest, user: Writer, conn: Db
) -> JobAcceptedPublic:
    """Run the scheduler for the cohort (a job); its result becomes the preview.

    Refused (409) for a completed or cancelled cohort and while a scheduling
    run of the cohort is queued or running (the message names its job)."""
    options = SchedulingOptions(**body.params.model_dump(exclude_none=True))
    queued = requests.request_scheduling(conn, web_actor(user), cohort_id, options)
    return _accepted(queued.job_id)


@router.get("/cohorts/{cohort_id}/preview", response_model=PreviewPublic, responses=errors(404))
def read_preview(
    cohort_id: Id,
    user: Admin,
    conn: Db,
    now: Now,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=group_admin.PREVIEW_PAGE_MAX)] = group_admin.PREVIEW_PAGE,
) -> group_admin.Preview:
    """One page of preview groups with stats and problems, by name,
    the latest run, and the whole preview's counts; `next_cursor` continues it."""
    return group_admin.preview(conn, cohort_id, user.timezone, now, cursor=cursor, limit=limit)


@router.get(
    "/cohorts/{cohort_id}/preview/unplaced",
    response_model=UnplacedPagePublic,
    responses=errors(404),
)
def list_unplaced(
    cohort_id: Id,
    user: Admin,
    conn: Db,
    cursor: Cursor = None,
    limit: Annotated[
        int, Query(ge=1, le=group_admin.UNPLACED_PAGE_MAX)
    ] = group_admin.UNPLACED_PAGE,
) -> UnplacedPagePublic:
    """One page of who the scheduler left out and why, in signup order."""
    page = group_admin.unplaced_page(conn, cohort_id, cursor=cursor, limit=limit)
    return UnplacedPagePublic.model_validate(
        {"unplaced": page.items, "next_cursor": page.next_cursor}
    )


@router.get("/cohorts/{cohort_id}/groups", response_model=GroupChoicesPublic, responses=errors(404))
def find_groups(
    cohort_id: Id,
    user: Admin,
    conn: Db,
    status: Annotated[Literal["preview", "active"], Query(description="which groups")],
    name: Annotated[str, Query(max_length=80, description="part of the name; any")] = "",
    cursor: Cursor = None,
    limit: Annotated[
        int, Query(ge=1, le=group_admin.GROUP_CHOICES_PAGE_MAX)
    ] = group_admin.GROUP_CHOICES_PAGE,
) -> GroupChoicesPublic:
    """A page of the cohort's preview or live groups whose name contains `name`, by name:
    where a move form can send someone. `next_cursor` continues it."""
    page = group_admin.find_groups(conn, cohort_id, status, name, cursor=cursor, limit=limit)
    return GroupChoicesPublic.model_validate(
        {"groups": page.items, "next_cursor": page.next_cursor}
    )


@router.post("/cohorts/{cohort_id}/publish", **Accepted, responses=errors(404, 409, 429))
def publish_cohort(cohort_id: Id, user: Writer, conn: Db, now: Now) -> JobAcceptedPublic:
    """Publish the preview: channels, roles, meetings, invites (a job).

    409 when there are no preview groups or proposed joins to publish, while
    the cohort is already being published, when its groups would not fit on
    the Discord servers, or when their Google series would pass an organiser user's
    invitation budget (the message gives the numbers)."""
    engine = get_engine()
    servers.require_room(engine, web_actor(user), servers.default_guild_ops(engine), cohort_id)
    invitation_budget.require_invitation_budget(engine, web_actor(user), cohort_id, now=now)
    return _accepted(requests.request_publish(conn, web_actor(user), cohort_id).job_id)


@router.post(
    "/cohorts/{cohort_id}/runs/{run_id}/discard",
    response_model=RunDiscardedPublic,
    responses=errors(404, 409, 429),
)
def discard_run(
    cohort_id: Id, run_id: Id, user: Writer, conn: Db, now: Now
) -> requests.RunDiscarded:
    """Discard the cohort's latest scheduling run: delete its preview groups and void its
    proposed joins (nothing published changes). 404 for a run the cohort does not have;
    409 for an older run (out of date) or while the cohort is being published."""
    return requests.discard_run(conn, web_actor(user), cohort_id, run_id, now)


@router.get("/cohorts/{cohort_id}/status", response_model=CohortStatusPublic, responses=errors(404))
def read_cohort_status(cohort_id: Id, user: CurrentUser, conn: Db) -> cohort_status.CohortStatus:
    """Signups by role, who waits for a group and why, groups by status, the latest jobs
    (what Discord's /cohort-status shows)."""
    return cohort_status.cohort_status(conn, web_actor(user), cohort_id)


@router.post("/cohorts/{cohort_id}/sync", **Accepted, responses=errors(404, 429))
def sync_cohort(cohort_id: Id, user: Writer, conn: Db) -> JobAcceptedPublic:
    """Reconcile every published group of the cohort (a job)."""
    return _accepted(requests.request_cohort_sync(conn, web_actor(user), cohort_id).job_id)


@router.patch(
    "/groups/{group_id}", response_model=GroupAdminPublic, responses=errors(404, 409, 422, 429)
)
def update_group(
    group_id: Id, body: GroupUpdate, user: AdminWriter, conn: Db, now: Now
) -> group_admin.GroupView:
    """Rename a group or change its weekly time (checked against every member's availability;
    a published group moves only the meetings still to come, and its calendar and members
    follow)."""
    changes = body.model_dump(exclude_unset=True, exclude={"force"})
    return group_admin.update_group(
        conn,
        group_id,
        changes,
        force=body.force,
        admin_id=user.id,
        viewer_zone=user.timezone,
        now=now,
    )


@router.post("/groups/{group_id}/sync", **Accepted, responses=errors(404, 409, 429))
def sync_group(group_id: Id, user: Writer, conn: Db) -> JobAcceptedPublic:
    """Reconcile one published group's Discord and calendar state (a job)."""
    return _accepted(requests.request_group_sync(conn, web_actor(user), group_id).job_id)


@router.post(
    "/groups/{group_id}/members",
    response_model=PlacementPublic,
    responses=errors(404, 409, 422, 429),
)
def add_group_member(
    group_id: Id, body: MemberAdd, user: AdminWriter, conn: Db, now: Now
) -> Placement:
    """Add or move someone into a group (a learner leaves their other group of the cohort)."""
    return group_admin.add_member(
        conn, group_id, body.user_id, body.role, force=body.force, admin_id=user.id, now=now
    )


@router.delete(
    "/groups/{group_id}/members/{user_id}",
    response_model=PlacementPublic,
    responses=errors(404, 429),
)
def remove_group_member(
    group_id: Id, user_id: Id, user: AdminWriter, conn: Db, now: Now
) -> Placement:
    """Remove someone from a group (kept in history)."""
    return group_admin.remove_member(conn, group_id, user_id, admin_id=user.id, now=now)


@router.get(
    "/meetings/{meeting_id}/notifications",
    response_model=MeetingNotificationsPublic,
    responses=errors(404),
)
def list_meeting_notifications(meeting_id: Id, user: Admin, conn: Db) -> admin.MeetingNotifications:
    """Every notification about a meeting (reminders, changes) with its attempts, and counts."""
    return admin.meeting_notification_log(conn, meeting_id)


@router.get("/users", response_model=UserMatchesPublic, responses=errors(422))
def search_users(
    user: Admin,
    conn: Db,
    query: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> UserMatchesPublic:
    """People whose name, Discord username or email contains the query."""
    found = admin.search_users(conn, query, limit)
    return UserMatchesPublic(users=[UserMatchPublic.model_validate(u) for u in found])


@router.get("/users/{user_id}", response_model=UserPublic, responses=errors(404))
def read_user(user_id: Id, user: Admin, conn: Db) -> profiles.Profile:
    """Someone's profile, enrollments and current groups."""
    return profiles.get_profile_or_404(conn, user_id)


@router.get("/jobs", response_model=JobsPublic)
def list_jobs(
    user: Admin,
    conn: Db,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=admin.JOBS_PAGE_MAX)] = 50,
    cursor: Cursor = None,
) -> JobsPublic:
    """The latest jobs, newest first; `next_cursor` pages on to older ones."""
    page = admin.recent_jobs(conn, limit=limit, kind=kind, cursor=cursor)
    return JobsPublic(
        jobs=[JobPublic.model_validate(j) for j in page.items], next_cursor=page.next_cursor
    )
