"""Admin routes for a live cohort: the live page, and a group made by hand.

Each route calls one domain service (roundtable.cohorts.live,
roundtable.groups.creation), which checks the permission and the cohort's
phase itself. Changing a live group's members, name or time uses the group
routes of admin.py; regrouping, admin_regroup.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentUser, Cursor, Db, Id, Now, Writer, web_actor
from api.schemas.admin_live import GroupCreate, GroupCreatedPublic, LiveCohortPublic
from api.schemas.common import errors
from roundtable.cohorts import live
from roundtable.groups import creation

router = APIRouter(
    prefix="/api/admin/cohorts/{cohort_id}",
    tags=["admin"],
    responses=errors(400, 401, 403, 404, 422),
)


@router.get("/live", response_model=LiveCohortPublic)
def read_live_cohort(
    cohort_id: Id,
    user: CurrentUser,
    conn: Db,
    now: Now,
    zone: Annotated[str | None, Query(max_length=64, description="IANA zone; yours")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=live.LIVE_PAGE_MAX)] = live.LIVE_PAGE,
) -> live.LiveCohort:
    """The cohort's phase and a page of its published groups: members (inactive learners
    flagged), facilitators, weekly time in `zone` and the anchor zone, next meeting and
    RSVPs, attendance so far, and Discord/calendar sync state; the first page also counts
    the whole cohort. `next_cursor` continues it."""
    zone = zone or user.timezone
    return live.live_cohort(conn, web_actor(user), cohort_id, zone, now, cursor=cursor, limit=limit)


@router.post(
    "/groups",
    status_code=status.HTTP_201_CREATED,
    response_model=GroupCreatedPublic,
    responses=errors(409, 429),
)
def create_group(
    cohort_id: Id, body: GroupCreate, user: Writer, conn: Db, now: Now
) -> creation.GroupCreated:
    """Make and publish a group by hand: 422 naming who cannot make which meetings unless
    `force`; the facilitator must be certified and below their group limit (409); learners
    leave their previous group; everyone is told and a sync is queued."""
    new = creation.NewGroup(
        cohort_id=cohort_id,
        name=body.name,
        facilitator_id=body.facilitator_id,
        time=creation.GroupTime(body.anchor_timezone, body.weekday, body.local_time),
        member_ids=body.member_ids,
    )
    return creation.create_group(
        conn, web_actor(user), new, force=body.force, viewer_zone=user.timezone, now=now
    )
