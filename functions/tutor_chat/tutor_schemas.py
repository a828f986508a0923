"""The tutor API's shapes: messages, history, replies, quota (errors: the web edge's shape)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from roundtable_edge.web.errors import error_responses

from roundtable.tutor.prompt import MAX_MESSAGE_CHARS

_ERRORS = {
    400: "The body is not JSON",
    401: "Session expired or invalid: refresh it",
    404: "No such module, section or chat",
    422: "Invalid input; `field` names the culprit",
    429: "Daily tutor quota used, or too many anonymous messages; see Retry-After",
    502: "The model provider failed, refused, or is busy",
    503: "The tutor or the course content is not available here",
    504: "The model did not answer in time",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, in the web edge's one error shape."""
    return error_responses(_ERRORS, *codes)


class MessageCreate(BaseModel):
    """A learner's message, from the chat segment they are in."""

    section_id: str = Field(min_length=1, max_length=200)
    segment_id: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class MessagePublic(BaseModel):
    id: int
    role: str
    content: str
    section_id: str | None
    complete: bool
    error: str | None
    created_at: datetime


class HistoryPublic(BaseModel):
    module_slug: str
    messages: list[MessagePublic]


class ReplyPublic(BaseModel):
    """The saved reply to my message."""

    user_message_id: int
    reply: MessagePublic


class QuotaPublic(BaseModel):
    messages_used: int
    messages_limit: int
    tokens_used: int
    tokens_limit: int
    resets_at: datetime


class StatusPublic(BaseModel):
    """My quota today, whether voice input works here (and `streaming`, which every
    deployment now does)."""

    streaming: bool = Field(
        description="Always true: every stack streams POST .../stream. Kept for older clients."
    )
    transcription: bool = Field(
        description="Whether voice input (POST /api/tutor/transcriptions) is configured on "
        "this site; false: it would answer 503, so offer no microphone"
    )
    quota: QuotaPublic
