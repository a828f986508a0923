"""The facilitator's timeline of one group."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.schemas.common import Model


class LearnerStatePublic(Model):
    user_id: int
    status: Literal["completed", "in_progress", "not_started"]
    sections_done: int = Field(description="required sections completed")
    sections_total: int = Field(description="required sections in the module")


class DueModulePublic(Model):
    slug: str
    title: str
    optional: bool
    section_titles: list[str]
    states: list[LearnerStatePublic] = Field(description="one per learner, in `members` order")


class PresencePublic(Model):
    user_id: int
    display_name: str
    role: str = Field(description="learner, facilitator or guest (from another group)")
    rsvp: str
    outcome: Literal["attended", "missed", "upcoming", "not_a_member"]
    visiting_group: str | None = Field(description="a member away as a guest: the group visited")
    guest_from_group: str | None = Field(description="a guest: their own group")


class TimelineMeetingPublic(Model):
    id: int
    number: int
    starts_at: datetime
    local_label: str = Field(description="in the viewer's zone")
    held: bool
    is_next: bool
    due: list[DueModulePublic] = Field(description="modules due by this meeting")
    attendance: list[PresencePublic]


class TimelineMemberPublic(Model):
    user_id: int
    display_name: str
    missed_in_a_row: int
    inactive: bool
    behind: bool = Field(description="a required module due by the next meeting is not completed")
    behind_on: list[str] = Field(description="the titles of those modules")
    chat_sessions: int = Field(description="tutor chats the facilitator may read")
    answers: int = Field(
        0, description="assessed questions answered (GET .../members/{user_id}/answers)"
    )


class GroupTimelinePublic(Model):
    group_id: int
    group_name: str
    cohort_id: int
    cohort_name: str
    course_slug: str
    discord_channel_url: str | None
    next_meeting_number: int | None
    inactive_after: int = Field(description="missed meetings in a row that make a learner inactive")
    content_problem: str | None = Field(description="why no modules are shown, if none are")
    members: list[TimelineMemberPublic]
    meetings: list[TimelineMeetingPublic]
    after_last_meeting: list[DueModulePublic]
