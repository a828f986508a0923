"""Groups for learners: my group, joinable groups, joining or switching."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, Db, Id, IdQuery, Now, Writer
from api.schemas.common import errors
from api.schemas.groups import (
    CheckInPublic,
    JoinableGroupPublic,
    JoinableGroupsPublic,
    MyGroupPublic,
    MyGroupsPublic,
    MyNextMeetingPublic,
    NextMeetingPublic,
    PlacementPublic,
    RsvpPublic,
    RsvpUpdate,
)
from roundtable.config import get_settings
from roundtable.groups import learners
from roundtable.groups.memberships import Placement
from roundtable.meetings import attendance
from roundtable.meetings.attendance import CheckIn, Rsvp

router = APIRouter(tags=["groups"], responses=errors(400, 401, 422))


@router.get("/api/groups/mine", response_model=MyGroupsPublic)
def read_my_groups(user: CurrentUser, conn: Db, now: Now) -> MyGroupsPublic:
    """My published groups: members, weekly time in my zone, next meetings, links."""
    found = learners.my_groups(conn, user, get_settings(), now)
    return MyGroupsPublic(groups=[MyGroupPublic.model_validate(g) for g in found])


@router.get("/api/groups/joinable", response_model=JoinableGroupsPublic, responses=errors(404, 422))
def list_joinable_groups(
    cohort_id: IdQuery, user: CurrentUser, conn: Db, now: Now
) -> JoinableGroupsPublic:
    """Groups of a cohort I could join (or switch to), with how well they fit my week."""
    found = learners.joinable_groups(conn, user, cohort_id, now)
    return JoinableGroupsPublic(groups=[JoinableGroupPublic.model_validate(g) for g in found])


@router.post(
    "/api/groups/{group_id}/join",
    response_model=PlacementPublic,
    responses=errors(404, 409, 422, 429),
)
def join_group(group_id: Id, user: Writer, conn: Db, now: Now) -> Placement:
    """Join a group, or switch to it from my current one (both get synced)."""
    return learners.join_group(conn, user, group_id, now)


@router.get("/api/groups/next-meeting", response_model=MyNextMeetingPublic)
def read_next_meeting(user: CurrentUser, conn: Db, now: Now) -> MyNextMeetingPublic:
    """My soonest meeting not yet over (any of my groups), with my RSVP; null when none."""
    found = learners.next_meeting(conn, user, now)
    return MyNextMeetingPublic(
        meeting=None if found is None else NextMeetingPublic.model_validate(found)
    )


@router.put(
    "/api/meetings/{meeting_id}/rsvp",
    response_model=RsvpPublic,
    responses=errors(403, 404, 409, 422, 429),
)
def rsvp_to_meeting(meeting_id: Id, body: RsvpUpdate, user: Writer, conn: Db, now: Now) -> Rsvp:
    """Say whether I will come to one of my group's meetings (409 once it is over)."""
    return attendance.rsvp(conn, user, meeting_id, body.status, "web", now)


@router.post(
    "/api/meetings/check-in",
    response_model=CheckInPublic,
    responses=errors(409, 422, 429),
)
def check_in(user: Writer, conn: Db, now: Now) -> CheckIn:
    """Check in to my meeting happening now: from 15 minutes before its start to 60 after
    (409 outside every window, naming my next meeting). Checking in again keeps the first time."""
    return attendance.check_in(conn, user, now)
