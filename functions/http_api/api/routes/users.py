"""The signed-in user: profile, availability, facilitator application."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, Db, Now, Writer
from api.schemas.common import errors
from api.schemas.users import (
    AvailabilityInterval,
    AvailabilityPublic,
    AvailabilityUpdate,
    FacilitatorApplicationCreate,
    FacilitatorStatusPublic,
    UserPublic,
    UserUpdate,
)
from roundtable.people import profiles
from roundtable.people.availability import Interval, format_clock, parse_interval

router = APIRouter(prefix="/api/users", tags=["users"], responses=errors(400, 401, 422))


@router.get("/me", response_model=UserPublic)
def read_me(user: CurrentUser, conn: Db) -> profiles.Profile:
    """My profile, facilitator status and enrollments."""
    return profiles.get_profile(conn, user.id)


@router.patch("/me", response_model=UserPublic, responses=errors(422, 429))
def update_me(body: UserUpdate, user: Writer, conn: Db, now: Now) -> profiles.Profile:
    """Change my display name, email, time zone, notification choices or accept the terms."""
    changes = profiles.ProfileChanges(**body.model_dump(exclude_unset=True))
    return profiles.update_profile(conn, user.id, changes, now)


def _availability_public(availability: profiles.Availability) -> AvailabilityPublic:
    return AvailabilityPublic(
        timezone=availability.timezone,
        updated_at=availability.updated_at,
        intervals=[_interval_public(i) for i in availability.intervals],
    )


def _interval_public(interval: Interval) -> AvailabilityInterval:
    return AvailabilityInterval(
        weekday=interval.weekday,
        start=format_clock(interval.start_minute),
        end=format_clock(interval.end_minute),
        kind=interval.kind,  # type: ignore[arg-type]
    )


@router.get("/me/availability", response_model=AvailabilityPublic)
def read_my_availability(user: CurrentUser, conn: Db) -> AvailabilityPublic:
    """My weekly availability, in my time zone."""
    return _availability_public(profiles.get_availability(conn, user.id))


@router.put("/me/availability", response_model=AvailabilityPublic, responses=errors(422, 429))
def replace_my_availability(
    body: AvailabilityUpdate, user: Writer, conn: Db, now: Now
) -> AvailabilityPublic:
    """Replace my weekly availability (30-minute grid, within a day, no overlaps)."""
    intervals = [
        parse_interval(index, i.weekday, i.start, i.end, i.kind)
        for index, i in enumerate(body.intervals)
    ]
    return _availability_public(
        profiles.set_availability(conn, user.id, intervals, body.timezone, now)
    )


@router.post(
    "/me/facilitator-application", response_model=FacilitatorStatusPublic, responses=errors(429)
)
def apply_to_facilitate(
    body: FacilitatorApplicationCreate, user: Writer, conn: Db, now: Now
) -> profiles.FacilitatorStatus:
    """Apply to facilitate groups (idempotent); an admin certifies facilitators."""
    return profiles.apply_as_facilitator(conn, user.id, body.note, now)
