"""The admin's person page: a person's dossier."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from api.schemas.admin import AvailabilitySummaryPublic
from api.schemas.common import Model
from api.schemas.users import AvailabilityInterval, UserPublic, wire_interval
from roundtable.people.availability import Interval


class DossierEnrollmentPublic(Model):
    cohort_id: int
    cohort_name: str
    cohort_status: str
    course_slug: str
    role: str
    signed_up_at: datetime
    withdrawn_at: datetime | None = Field(description="when they left the cohort, if they did")
    withdrawal_reason: str | None = Field(description="why, in their own words (optional)")
    unplaced_reason: str | None


class DossierGroupPublic(Model):
    group_id: int
    group_name: str
    group_status: str
    cohort_id: int
    cohort_name: str
    role: str
    membership_status: str = Field(description="active, removed or completed")
    joined_at: datetime
    left_at: datetime | None
    reason_for_leaving: str | None


class DossierAttendancePublic(Model):
    group_id: int
    group_name: str
    held: int = Field(description="meetings held while they were a member")
    attended: int = Field(description="of those, the ones they checked in to")
    missed_in_a_row: int | None = Field(description="only for an active learner of the group")
    inactive: bool


class DossierModulePublic(Model):
    module_id: str
    title: str
    status: str = Field(description="completed or in_progress")
    started_at: datetime
    completed_at: datetime | None
    total_time_s: int


class DossierNotificationPublic(Model):
    id: int
    kind: str
    channel: str
    status: str
    reference_type: str
    reference_id: int
    due_at: datetime
    sent_at: datetime | None
    created_at: datetime
    last_error: str | None


class NotificationPreferencesPublic(Model):
    email: str | None
    email_verified: bool
    email_notifications: bool
    discord_linked: bool
    dm_notifications: bool


class PersonDossierPublic(Model):
    """Everything about one person, for admins."""

    profile: UserPublic
    availability: AvailabilitySummaryPublic
    intervals: list[AvailabilityInterval] = Field(
        description="Weekly availability in the person's own zone (`profile.timezone`)"
    )
    preferences: NotificationPreferencesPublic
    enrollments: list[DossierEnrollmentPublic]
    groups: list[DossierGroupPublic]
    attendance: list[DossierAttendancePublic]
    modules: list[DossierModulePublic]
    notifications: list[DossierNotificationPublic] = Field(
        description="the latest 50 notifications to them, newest first"
    )

    @field_validator("intervals", mode="before")
    @classmethod
    def _wire_intervals(cls, value: Any) -> Any:
        return [wire_interval(i) if isinstance(i, Interval) else i for i in value]
