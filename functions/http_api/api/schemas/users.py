"""User, availability and facilitator models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Model
from roundtable.people.availability import Interval, format_clock


class FacilitatorStatusPublic(Model):
    applied_at: datetime
    certified_at: datetime | None
    is_certified: bool
    max_active_groups: int


class EnrollmentPublic(Model):
    cohort_id: int
    cohort_name: str
    course_slug: str
    role: str
    group_id: int | None
    group_name: str | None


class UserPublic(Model):
    """The signed-in user's own profile."""

    id: int
    display_name: str
    email: str | None
    email_verified: bool
    discord_id: str | None
    discord_username: str | None
    avatar_url: str | None
    timezone: str
    email_notifications: bool
    dm_notifications: bool
    tos_accepted_at: datetime | None
    availability_updated_at: datetime | None
    is_admin: bool
    facilitator: FacilitatorStatusPublic | None
    enrollments: list[EnrollmentPublic]


class UserUpdate(BaseModel):
    """Fields to change; omitted fields stay as they are."""

    display_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    timezone: str | None = Field(default=None, max_length=64)
    email_notifications: bool | None = None
    dm_notifications: bool | None = None
    tos_accepted: Literal[True] | None = None


class AvailabilityInterval(Model):
    """A weekly interval in the user's zone: weekday 0 = Monday, 'HH:MM' on the half hour."""

    weekday: int = Field(ge=0, le=6)
    start: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["18:00"])
    end: str = Field(pattern=r"^\d{2}:\d{2}$", examples=["21:30"])
    kind: Literal["available", "if_needed"] = "available"


def wire_interval(interval: Interval) -> AvailabilityInterval:
    """A stored interval (minutes after midnight) in its wire form ('HH:MM')."""
    return AvailabilityInterval(
        weekday=interval.weekday,
        start=format_clock(interval.start_minute),
        end=format_clock(interval.end_minute),
        kind=interval.kind,  # type: ignore[arg-type]
    )


class AvailabilityPublic(BaseModel):
    timezone: str
    intervals: list[AvailabilityInterval]
    updated_at: datetime | None


class AvailabilityUpdate(BaseModel):
    """The whole weekly availability (replaces the previous one)."""

    timezone: str | None = Field(default=None, max_length=64)
    intervals: list[AvailabilityInterval] = Field(max_length=336)


class FacilitatorApplicationCreate(BaseModel):
    note: str | None = Field(default=None, max_length=2000)
