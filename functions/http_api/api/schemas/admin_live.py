"""Admin models for running a live cohort: the live page and a group made by hand."""

from __future__ import annotations

from datetime import datetime, time

from pydantic import BaseModel, Field

from api.schemas.common import Model, NextCursor, WeeklyTimePublic


class LiveMemberPublic(Model):
    """A member; `missed_in_a_row` counts meetings missed since the last one attended."""

    user_id: int
    display_name: str
    role: str
    timezone: str
    joined_at: datetime
    missed_in_a_row: int
    inactive: bool
    next_rsvp: str | None = Field(description="for the next meeting; null when none is ahead")


class LiveNextMeetingPublic(Model):
    id: int
    number: int
    starts_at: datetime
    ends_at: datetime


class RsvpCountsPublic(Model):
    attending: int
    tentative: int
    not_attending: int
    pending: int


class HeldMeetingPublic(Model):
    """A meeting held: learners who checked in, of those who were members then."""

    id: int
    number: int
    starts_at: datetime
    attended: int
    expected: int


class SyncJobStatePublic(Model):
    job_id: int
    status: str
    error: str | None
    attempts: int
    created_at: datetime
    finished_at: datetime | None


class SyncStatePublic(Model):
    """Discord and calendar: the last sync, whether one is due, the last job's problem."""

    synced_at: datetime | None
    out_of_date: bool
    last_job: SyncJobStatePublic | None
    problem: str | None


class LiveGroupPublic(Model):
    id: int
    name: str
    status: str
    anchor_label: str
    weekly_time: WeeklyTimePublic = Field(description="in the viewer's zone")
    anchor_time: WeeklyTimePublic = Field(description="in the group's anchor zone")
    members: list[LiveMemberPublic]
    facilitator_names: list[str]
    learner_count: int
    inactive_count: int
    below_min: bool
    meetings_total: int
    meetings_held: int
    next_meeting: LiveNextMeetingPublic | None
    rsvps: RsvpCountsPublic | None
    attendance: list[HeldMeetingPublic]
    discord_channel_id: str | None
    sync: SyncStatePublic
    discord_server: str | None = Field(
        default=None, description="the Discord server (guild id) it is on; null: the configured one"
    )
    discord_export_key: str | None = Field(
        default=None,
        description="S3 key (content bucket) of its exported messages, once retention deleted them",
    )


class LiveCountsPublic(Model):
    groups: int
    learners: int
    facilitators: int
    inactive_learners: int
    groups_below_min: int
    groups_with_sync_problems: int
    meetings_ahead: int


class LiveCohortPublic(Model):
    """The cohort's phase and a page of its published groups as they run, by name; the
    counts of the whole cohort come with the first page."""

    cohort_id: int
    name: str
    status: str
    phase: str = Field(description="draft, open, scheduled, running, completed or cancelled")
    viewer_zone: str
    min_group_size: int
    max_group_size: int
    number_of_meetings: int
    groups: list[LiveGroupPublic]
    counts: LiveCountsPublic | None = Field(
        description="every published group's counts: on the first page, null on the others"
    )
    next_cursor: NextCursor


class GroupCreate(BaseModel):
    """A group made by hand: checked against everyone's availability on every meeting ahead."""

    name: str = Field(min_length=1, max_length=80)
    facilitator_id: int = Field(ge=1, le=2**31 - 1)
    anchor_timezone: str = Field(min_length=1, max_length=64)
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    local_time: time
    member_ids: list[int] = Field(min_length=1, max_length=50)
    force: bool = Field(default=False, description="create even if some cannot attend")


class MovedLearnerPublic(Model):
    user_id: int
    display_name: str
    previous_group_id: int | None
    previous_group_name: str | None


class GroupCreatedPublic(Model):
    group_id: int
    cohort_id: int
    name: str
    anchor_label: str
    weekly_time: WeeklyTimePublic
    facilitator_name: str
    members: list[MovedLearnerPublic]
    first_meeting_number: int
    first_meeting_at: datetime
    meetings_ahead: int
    forced_despite: list[str] = Field(
        description="a forced create: who cannot make which meetings (empty when it fits)"
    )
    sync_job_ids: list[int]
