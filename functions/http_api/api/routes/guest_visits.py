"""Guest visits: join another group's meeting the week I cannot make my own."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, Db, Id, Now, Writer
from api.schemas.common import errors
from api.schemas.guest_visits import (
    GuestOptionsPublic,
    GuestVisitCreate,
    GuestVisitPublic,
    GuestVisitsPublic,
)
from roundtable.meetings import guests
from roundtable.meetings.guests import GuestOptions, GuestVisit

router = APIRouter(tags=["guest_visits"], responses=errors(400, 401, 422))


@router.get(
    "/api/meetings/{meeting_id}/guest-options",
    response_model=GuestOptionsPublic,
    responses=errors(403, 404, 409),
)
def read_guest_options(meeting_id: Id, user: CurrentUser, conn: Db, now: Now) -> GuestOptions:
    """Other groups' meetings that week I could join instead of this one of mine."""
    return guests.guest_options(conn, user, meeting_id, now)


@router.post(
    "/api/guest-visits",
    response_model=GuestVisitPublic,
    status_code=201,
    responses=errors(403, 404, 409, 429),
)
def book_guest_visit(body: GuestVisitCreate, user: Writer, conn: Db, now: Now) -> GuestVisit:
    """Join another group's meeting as a guest instead of my own that week (409 says why not)."""
    return guests.book_guest_visit(
        conn, user, body.own_meeting_id, body.host_meeting_id, now, source="web"
    )


@router.delete(
    "/api/guest-visits/{visit_id}",
    response_model=GuestVisitPublic,
    responses=errors(404, 409, 429),
)
def cancel_guest_visit(visit_id: Id, user: Writer, conn: Db, now: Now) -> GuestVisit:
    """Cancel one of my guest visits before the meeting starts."""
    return guests.cancel_guest_visit(conn, user, visit_id, now)


@router.get("/api/guest-visits", response_model=GuestVisitsPublic)
def list_my_guest_visits(user: CurrentUser, conn: Db, now: Now) -> GuestVisitsPublic:
    """My booked guest visits still to come."""
    found = guests.my_guest_visits(conn, user, now)
    return GuestVisitsPublic(visits=[GuestVisitPublic.model_validate(v) for v in found])
