"""Feedback after each meeting: the form, my answers, what staff read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import Model, NextCursor

QuestionId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
# A rating is 1–5, a text at most 2,000 characters; the service checks each against its question.
AnswerValue = (
    Annotated[int, Field(ge=-(2**31), le=2**31 - 1)] | Annotated[str, Field(max_length=4000)]
)


class QuestionPublic(Model):
    id: str
    kind: Literal["rating", "text"]
    text: str
    required: bool


class AnswerPublic(Model):
    question_id: str
    kind: Literal["rating", "text"]
    text: str = Field(description="the question as it was asked")
    value: int | str


class FeedbackFormPublic(Model):
    """One meeting's feedback form as I see it, with my answers so far."""

    meeting_id: int
    group_id: int
    group_name: str
    meeting_number: int
    starts_at: datetime
    ends_at: datetime
    opens_at: datetime
    closes_at: datetime
    state: Literal["not_open", "open", "closed"]
    anonymous: bool = Field(description="whether my facilitator sees my answers without my name")
    questions: list[QuestionPublic]
    answers: list[AnswerPublic]
    answered_at: datetime | None


class OpenFeedbackPublic(BaseModel):
    forms: list[FeedbackFormPublic] = Field(description="latest meeting first")


class FeedbackAnswers(BaseModel):
    answers: dict[QuestionId, AnswerValue | None] = Field(
        max_length=20,
        description="question id → a rating (1–5) or a text; null or blank leaves it unanswered",
    )


class SavedFeedbackPublic(Model):
    feedback: FeedbackFormPublic
    replaced: bool = Field(description="true when this replaced my earlier answers")


class ResponsePublic(Model):
    author_id: int | None = Field(description="null when the course's feedback is anonymous")
    author_name: str | None
    answered_at: datetime | None
    rating: int | None
    answers: list[AnswerPublic]


class MeetingFeedbackPublic(Model):
    meeting_id: int
    meeting_number: int
    starts_at: datetime
    members: int
    average_rating: float | None
    responses: list[ResponsePublic]


class GroupFeedbackPublic(Model):
    group_id: int
    group_name: str
    anonymous: bool
    rating_question: str | None
    meetings: list[MeetingFeedbackPublic]


class WeekSummaryPublic(Model):
    meeting_number: int
    responses: int
    meetings_held: int
    average_rating: float | None
    distribution: list[int] = Field(description="how many answered 1, 2, 3, 4 and 5")


class GroupSummaryPublic(Model):
    group_id: int
    group_name: str
    responses: int
    average_rating: float | None
    latest_rating: float | None


class CohortFeedbackPublic(Model):
    """The cohort's feedback by meeting number (every page) and a page of it by group."""

    cohort_id: int
    cohort_name: str
    rating_question: str | None
    weeks: list[WeekSummaryPublic]
    groups: list[GroupSummaryPublic] = Field(description="one page, by name")
    group_count: int = Field(description="groups with a meeting held, all pages")
    next_cursor: NextCursor
