"""The facilitator's timeline of a group (admins: any group; facilitators: their own)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, Db, Id, Now
from api.schemas.common import errors
from api.schemas.facilitator_timeline import GroupTimelinePublic
from roundtable.groups.timeline import GroupTimeline, group_timeline

router = APIRouter(
    prefix="/api/facilitator", tags=["facilitator"], responses=errors(400, 401, 403, 422)
)


@router.get(
    "/groups/{group_id}/timeline", response_model=GroupTimelinePublic, responses=errors(404)
)
def read_group_timeline(group_id: Id, user: CurrentUser, conn: Db, now: Now) -> GroupTimeline:
    """Meetings, modules due by each with every learner's state, attendance (guests too),
    who is behind before the next meeting, who is inactive, the channel link and chats."""
    return group_timeline(conn, user, group_id, now)
