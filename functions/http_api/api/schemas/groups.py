"""Group models as learners see them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Model, WeeklyTimePublic


class MemberPublic(Model):
    user_id: int
    display_name: str
    role: str
    avatar_url: str | None


class MeetingPublic(Model):
    id: int
    number: int
    starts_at: datetime
    ends_at: datetime
    local_label: str
    my_rsvp: str | None


class MyGroupPublic(Model):
    id: int
    name: str
    status: str
    cohort_id: int
    cohort_name: str
    course_slug: str
    my_role: str
    meeting_minutes: int
    weekly_time: WeeklyTimePublic
    members: list[MemberPublic]
    next_meetings: list[MeetingPublic]
    discord_channel_id: str | None
    discord_channel_url: str | None
    calendar_url: str | None
    discord_invite_url: str | None = Field(
        default=None, description="an invite to the group's Discord server, when one is set"
    )
    meeting_venue: Literal["discord", "google_meet", "zoom"] = "discord"
    join_url: str | None = Field(
        default=None,
        description="the Zoom or Google Meet link of the group's next meeting (None on Discord)",
    )


class MyGroupsPublic(BaseModel):
    groups: list[MyGroupPublic]


class JoinableGroupPublic(Model):
    id: int
    name: str
    member_count: int
    capacity: int
    spots_left: int
    weekly_time: WeeklyTimePublic
    first_meeting_at: datetime
    has_started: bool
    is_current: bool
    fits_my_availability: bool | None
    meetings_i_would_miss: int
    facilitator_names: list[str]


class JoinableGroupsPublic(BaseModel):
    groups: list[JoinableGroupPublic]


class PlacementPublic(Model):
    """Where someone is now, where they were, and the sync jobs queued."""

    group_id: int | None
    previous_group_id: int | None
    changed: bool
    sync_job_ids: list[int]
    forced_despite: list[str] = Field(
        default_factory=list,
        description="a forced placement: who cannot make which meetings (empty when it fits)",
    )


class NextMeetingPublic(Model):
    """My soonest meeting not yet over, in any of my groups, with my RSVP."""

    group_id: int
    group_name: str
    cohort_name: str
    meeting: MeetingPublic


class MyNextMeetingPublic(BaseModel):
    meeting: NextMeetingPublic | None = Field(description="null when no meeting is coming up")


class RsvpUpdate(BaseModel):
    status: Literal["attending", "not_attending", "tentative"]


class RsvpPublic(Model):
    meeting_id: int
    status: str
    source: str
    rsvp_at: datetime


class CheckInPublic(Model):
    """The meeting I am checked in to; `already_checked_in` keeps the first time."""

    meeting_id: int
    group_id: int
    group_name: str
    meeting_number: int
    starts_at: datetime
    checked_in_at: datetime
    already_checked_in: bool
