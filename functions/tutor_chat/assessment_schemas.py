"""The assessed answers' shapes: an answer sent, an attempt with its feedback, my attempts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from roundtable.tutor.assessment_prompt import MAX_ANSWER_CHARS


class AnswerCreate(BaseModel):
    """A learner's answer to a question segment (submitting again is a revision)."""

    section_id: str = Field(min_length=1, max_length=200)
    segment_id: str = Field(min_length=1, max_length=200)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)


class AnswerAttemptPublic(BaseModel):
    """One attempt at a question and the tutor's feedback on it."""

    id: int
    section_id: str
    segment_id: str
    attempt: int = Field(description="1 for the first attempt at this question, then 2, ...")
    answer: str
    level: str | None = Field(description="one of the question's levels; null if none was given")
    strengths: list[str]
    missing: list[str] = Field(description="what the rubric asks for that the answer lacks")
    comment: str | None = Field(
        description="the tutor's summary; its whole reply when that was not the JSON asked for"
    )
    structured: bool = Field(description="false: the feedback is free text only")
    error: str | None = Field(description="why there is no feedback (the model failed)")
    created_at: datetime
    assessed_at: datetime | None


class AnswersPublic(BaseModel):
    """My attempts at the module's questions, by question, oldest first."""

    module_slug: str
    answers: list[AnswerAttemptPublic]
