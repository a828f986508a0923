"""Cohort models: CohortCreate, CohortUpdate, CohortPublic and listings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Model

CohortStatus = Literal["draft", "open", "running", "completed", "cancelled"]
Role = Literal["learner", "facilitator"]
# How meeting reminders reach Discord (roundtable.cohorts.options.DISCORD_REMINDERS).
DiscordReminders = Literal["dm", "group_post"]
# Calendar invitations (roundtable.cohorts.options.CALENDAR_INVITATIONS).
CalendarInvitations = Literal["google", "ics"]
# Where groups meet (roundtable.cohorts.options.MEETING_VENUES).
MeetingVenue = Literal["discord", "google_meet", "zoom"]


class CohortPublic(Model):
    id: int
    name: str
    course_slug: str
    start_date: date
    number_of_meetings: int
    meeting_minutes: int
    min_group_size: int
    max_group_size: int
    target_group_size: int
    anchor_timezone: str
    enrollment_deadline: datetime | None
    status: str
    discord_reminders: DiscordReminders
    calendar_invitations: CalendarInvitations
    meeting_venue: MeetingVenue


class CohortListingPublic(CohortPublic):
    """A cohort as a learner sees it."""

    enrollment_open: bool
    my_role: str | None
    has_groups: bool


class CohortsPublic(BaseModel):
    cohorts: list[CohortListingPublic]


class LeaveCohort(BaseModel):
    """Why you are leaving (optional; your facilitator reads it)."""

    reason: str | None = Field(default=None, max_length=500)


class LeftCohortPublic(Model):
    cohort_id: int
    cohort_name: str
    group_id: int | None
    group_name: str | None
    reason: str | None


class CohortOverviewPublic(CohortPublic):
    """A cohort as an admin sees it, with counts."""

    learners: int
    facilitators: int
    preview_groups: int
    published_groups: int


class CohortOverviewsPublic(BaseModel):
    cohorts: list[CohortOverviewPublic]


class CohortCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    course_slug: str = Field(min_length=1, max_length=120)
    start_date: date
    number_of_meetings: int = Field(default=8, ge=1, le=52)
    meeting_minutes: int = Field(default=60, ge=30, le=240)
    min_group_size: int = Field(default=4, ge=2, le=20)
    max_group_size: int = Field(default=8, ge=2, le=20)
    target_group_size: int = Field(default=6, ge=2, le=20)
    anchor_timezone: str = Field(default="UTC", max_length=64, description="IANA zone or per_group")
    enrollment_deadline: datetime | None = None
    status: CohortStatus = "open"
    discord_reminders: DiscordReminders = Field(
        default="dm", description="a DM to each member, or one post in the group's channel"
    )
    calendar_invitations: CalendarInvitations = Field(
        default="google",
        description="a Google Calendar series, or an .ics invitation by e-mail to each member",
    )
    meeting_venue: MeetingVenue = Field(
        default="discord",
        description="the group's Discord voice channel, a Google Meet link or a Zoom meeting",
    )


class CohortUpdate(BaseModel):
    """Fields to change; the result is validated as a whole."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    course_slug: str | None = Field(default=None, min_length=1, max_length=120)
    start_date: date | None = None
    number_of_meetings: int | None = Field(default=None, ge=1, le=52)
    meeting_minutes: int | None = Field(default=None, ge=30, le=240)
    min_group_size: int | None = Field(default=None, ge=2, le=20)
    max_group_size: int | None = Field(default=None, ge=2, le=20)
    target_group_size: int | None = Field(default=None, ge=2, le=20)
    anchor_timezone: str | None = Field(default=None, max_length=64)
    enrollment_deadline: datetime | None = None
    status: CohortStatus | None = None
    discord_reminders: DiscordReminders | None = None
    calendar_invitations: CalendarInvitations | None = Field(
        default=None, description="refused (409) once the cohort has published groups"
    )
    meeting_venue: MeetingVenue | None = None


class EnrollmentCreate(BaseModel):
    role: Role = "learner"
    invite_code: str | None = Field(
        default=None, max_length=64, description="an invite-only cohort's code (docs/growth.md)"
    )


class EnrollmentResultPublic(Model):
    cohort_id: int
    role: str
    created: bool
    welcome_job_id: int | None
    waitlisted: bool = Field(description="the cohort is closed: you are on its waiting list")
