"""Facilitator models: my groups, member progress, attendance, chats."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import Model


class FacilitatedGroupPublic(Model):
    id: int
    name: str
    status: str
    cohort_id: int
    cohort_name: str
    member_count: int
    next_meeting_at: datetime | None


class FacilitatedGroupsPublic(BaseModel):
    groups: list[FacilitatedGroupPublic]


class MemberProgressPublic(Model):
    user_id: int
    display_name: str
    completed_modules: int
    modules_in_progress: int = Field(description="modules started but not completed")
    completed_sections: int
    total_time_s: int
    chat_messages: int
    last_active_at: datetime | None


class MemberProgressesPublic(BaseModel):
    members: list[MemberProgressPublic]


class AttendanceEntryPublic(Model):
    user_id: int
    display_name: str
    rsvp: str
    checked_in_at: datetime | None
    outcome: str


class MeetingAttendancePublic(Model):
    id: int
    number: int
    starts_at: datetime
    local_label: str
    is_past: bool
    members: list[AttendanceEntryPublic]


class MeetingAttendancesPublic(BaseModel):
    meetings: list[MeetingAttendancePublic]


class ProgressItemPublic(Model):
    content_id: str
    content_type: str
    started_at: datetime
    completed_at: datetime | None
    total_time_s: int
    title: str = Field(
        description="the module, outcome or section title in the live content; "
        "'<content_id> (removed)' when it no longer exists; the id when content is unavailable"
    )
    module_title: str | None = Field(description="the module a section or outcome belongs to")


class MemberProgressDetailPublic(BaseModel):
    user_id: int
    display_name: str
    items: list[ProgressItemPublic]


class ChatMessagePublic(Model):
    role: str
    content: str
    created_at: datetime


class ChatPublic(Model):
    id: int
    module_id: str
    module_title: str = Field(
        description="the module's title in the live content, named like ProgressItemPublic.title"
    )
    started_at: datetime
    last_active_at: datetime
    archived: bool
    messages: list[ChatMessagePublic]


class MemberChatsPublic(BaseModel):
    user_id: int
    display_name: str
    chats: list[ChatPublic]


class MemberAnswerPublic(BaseModel):
    """One attempt at an assessed question, with the tutor's feedback."""

    id: int
    module_title: str | None = Field(description="null when the live content lacks the question")
    question_title: str | None
    question: str | None = Field(description="Markdown, from the live content")
    section_id: str
    segment_id: str
    attempt: int = Field(description="1 for the first attempt at this question, then 2, ...")
    answer: str
    level: str | None
    levels: list[str] = Field(description="the question's scale, lowest first (empty if unknown)")
    strengths: list[str]
    missing: list[str]
    comment: str | None
    structured: bool = Field(description="false: the feedback is free text only")
    error: str | None = Field(description="why there is no feedback (the model failed)")
    created_at: datetime
    assessed_at: datetime | None


class MemberAnswersPublic(BaseModel):
    user_id: int
    display_name: str
    answers: list[MemberAnswerPublic] = Field(description="by question, oldest attempt first")
