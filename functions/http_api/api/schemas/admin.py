"""Admin models: signups, scheduling, the preview, group edits, user search."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from api.schemas.common import Model, NextCursor, WeeklyTimePublic
from api.schemas.groups import MemberPublic
from api.schemas.users import AvailabilityInterval, wire_interval
from roundtable.cohorts.options import LIMITS
from roundtable.people.availability import Interval


def _bounded(name: str, description: str) -> Any:
    """An optional whole-number option with the domain's bounds (the domain checks them too)."""
    low, high = LIMITS[name]
    return Field(default=None, ge=low, le=high, description=description)


class AvailabilitySummaryPublic(Model):
    available_minutes: int
    if_needed_minutes: int
    days: list[str]
    text: str


class SignupPublic(Model):
    user_id: int
    display_name: str
    role: str
    timezone: str
    signed_up_at: datetime
    availability: AvailabilitySummaryPublic
    intervals: list[AvailabilityInterval] = Field(
        description="Weekly availability in the person's own zone (`timezone`)"
    )
    facilitator_certified: bool | None
    unplaced_reason: str | None
    unplaced_detail: Any
    group_id: int | None
    group_name: str | None

    @field_validator("intervals", mode="before")
    @classmethod
    def _wire_intervals(cls, value: Any) -> Any:
        """Domain intervals (minutes) in their wire form ('HH:MM')."""
        return [wire_interval(i) if isinstance(i, Interval) else i for i in value]


class SignupsPublic(BaseModel):
    signups: list[SignupPublic]
    next_cursor: NextCursor


class ScheduleParams(BaseModel):
    """Options for one scheduling run; omitted ones come from the cohort.

    The smallest group size may not exceed the largest (either may come from the
    cohort): 422 naming both."""

    meeting_minutes: int | None = _bounded("meeting_minutes", "a multiple of 15")
    min_group_size: int | None = _bounded("min_group_size", "smallest group, facilitator included")
    max_group_size: int | None = _bounded("max_group_size", "largest group, facilitator included")
    use_if_needed: bool | None = None
    require_facilitator: bool | None = None
    time_limit_seconds: int | None = _bounded("time_limit_seconds", "solver time limit")
    seed: int | None = _bounded("seed", "the solver's random seed")


class ScheduleRequest(BaseModel):
    params: ScheduleParams = Field(default_factory=ScheduleParams)


class JobAcceptedPublic(BaseModel):
    """Long work was queued; follow it at GET /api/jobs/{job_id}."""

    job_id: int
    status_url: str


class RunDiscardedPublic(Model):
    """A scheduling run was discarded: its preview groups deleted, its proposed joins voided."""

    cohort_id: int
    cohort_name: str
    run_id: int
    groups_removed: int
    joins_voided: int


class CohortRefPublic(Model):
    id: int
    name: str
    status: str
    start_date: date
    course_slug: str


class ReasonCountPublic(Model):
    reason: str
    count: int


class JobLinePublic(Model):
    id: int
    kind: str
    status: str
    error: str | None = Field(description="first line of the last error")
    created_at: datetime


class OrganiserStatePublic(Model):
    organiser: str = Field(description='"default" or an organiser user\'s address')
    groups: int = Field(description="the cohort's series on this organiser's calendar")
    blocked: bool = Field(description="Google refuses its writes until the next try")
    problem: str | None = Field(description="Google's quota block, described; null when none")


class CalendarStatePublic(Model):
    invitations: Literal["google", "ics"] = Field(
        description="a Google Calendar series, or .ics invitations by e-mail"
    )
    organisers: list[OrganiserStatePublic]
    emailed: int = Field(description=".ics: members holding an invitation")
    email_cancelled: int = Field(description=".ics: invitations cancelled")


class CohortStatusPublic(Model):
    """Where a cohort stands: what Discord's /cohort-status shows."""

    cohort: CohortRefPublic
    learners: int
    facilitators: int
    waiting: int = Field(description="active signups not in an active group of the cohort")
    unplaced: list[ReasonCountPublic] = Field(description="why those waiting were left out")
    groups: dict[str, int] = Field(description="group count per status")
    recent_jobs: list[JobLinePublic] = Field(description="the cohort's 5 latest jobs")
    calendar: CalendarStatePublic | None = Field(
        default=None, description="calendar invitations, and organisers Google blocked"
    )


class GroupAdminPublic(Model):
    id: int
    name: str
    status: str
    anchor_label: str
    weekly_time: WeeklyTimePublic
    first_meeting_at: datetime
    members: list[MemberPublic]
    learner_count: int
    facilitator_count: int
    problems: list[str]


class UnplacedPublic(Model):
    user_id: int
    display_name: str
    role: str
    reason: str
    detail: Any


class RunSummaryPublic(Model):
    id: int
    job_id: int | None
    created_at: datetime
    params: Any
    stats: Any
    notes: Any


class GroupSizePublic(Model):
    learners: int
    groups: int = Field(description="preview groups with this many learners")


class PreviewSummaryPublic(Model):
    groups: int = Field(description="preview groups, all pages")
    learners: int = Field(description="learners placed in them")
    facilitators: int = Field(description="facilitator places in them")
    unplaced: int = Field(
        description="signups the scheduler left out (listed by /preview/unplaced)"
    )
    facilitators_used: int = Field(description="distinct people facilitating them")
    sizes: list[GroupSizePublic] = Field(
        description="the preview's groups by learner count, smallest first (all pages)"
    )


class PreviewPublic(Model):
    """A page of the preview's groups by name; the summary counts the whole preview."""

    cohort_id: int
    run: RunSummaryPublic | None
    summary: PreviewSummaryPublic
    groups: list[GroupAdminPublic]
    next_cursor: NextCursor


class UnplacedPagePublic(Model):
    """A page of who the scheduler left out and why, in signup order."""

    unplaced: list[UnplacedPublic]
    next_cursor: NextCursor


class GroupChoicePublic(Model):
    id: int
    name: str
    status: str
    anchor_label: str = Field(description="its weekly time in its anchor zone")
    learner_count: int


class GroupChoicesPublic(Model):
    """A page of the cohort's groups whose name matches, by name (a move form's choice)."""

    groups: list[GroupChoicePublic]
    next_cursor: NextCursor


class AvailabilityHeatMapPublic(Model):
    """Signups free in each half hour of the week in `zone`, the whole cohort counted."""

    zone: str
    week_of: date = Field(description="the week times are converted on: the cohort's start")
    signups: int = Field(description="signups counted (not withdrawn)")
    available: list[list[int]] = Field(description="[weekday, 0 = Monday][half hour 0..47]")
    if_needed: list[list[int]] = Field(description="the same, for if-needed times")


class GroupUpdate(BaseModel):
    """Rename a group, or move its weekly time (a published group: the meetings to come)."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    weekday: int | None = Field(default=None, ge=0, le=6)
    local_time: time | None = None
    anchor_timezone: str | None = Field(default=None, max_length=64)
    force: bool = Field(default=False, description="apply even if some members cannot attend")


class MemberAdd(BaseModel):
    user_id: int = Field(ge=1, le=2**31 - 1)
    role: Literal["learner", "facilitator"] = "learner"
    force: bool = Field(default=False, description="place even if they cannot attend")


class UserMatchPublic(Model):
    id: int
    display_name: str
    discord_username: str | None
    email: str | None
    is_admin: bool


class UserMatchesPublic(BaseModel):
    users: list[UserMatchPublic]


class NotificationAttemptPublic(BaseModel):
    attempted_at: datetime
    outcome: str = Field(description="sent, failed or skipped")
    error: str | None


class MeetingNotificationPublic(BaseModel):
    """One message about the meeting to one recipient on one channel."""

    id: int
    kind: str
    channel: Literal["email", "discord_dm", "discord_channel"]
    recipient: str = Field(description="user id, or the Discord channel id for channel posts")
    user_id: int | None
    display_name: str | None
    status: Literal["pending", "sending", "sent", "failed", "skipped"]
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    last_error: str | None
    attempts_log: list[NotificationAttemptPublic] = Field(description="oldest first")


class MeetingNotificationsPublic(Model):
    meeting_id: int
    summary: dict[str, dict[str, int]] = Field(
        description='counts per kind and status, e.g. {"meeting_reminder_1h": {"sent": 9}}'
    )
    notifications: list[MeetingNotificationPublic]
