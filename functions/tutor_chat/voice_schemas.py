"""The voice input API's shapes: the transcript, and the errors it may answer with."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from roundtable_edge.web.errors import error_responses

from roundtable.tutor.transcribe import AUDIO_EXTENSIONS, MAX_AUDIO_BYTES

_ERRORS = {
    401: "Session expired or invalid: refresh it",
    413: f"The recording is larger than {MAX_AUDIO_BYTES // 2**20} MB",
    415: "The body is not one of the accepted audio types",
    422: "The recording is empty",
    429: "Too many transcriptions this hour; see Retry-After",
    502: "The speech-to-text provider failed, refused, or is busy",
    503: "Voice input is not available on this site",
    504: "The transcription did not finish in time",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, in the web edge's one error shape."""
    return error_responses(_ERRORS, *codes)


# The request body of POST /api/tutor/transcriptions: the audio itself.
AUDIO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": f"The recording, at most {MAX_AUDIO_BYTES // 2**20} MB "
        "(a `codecs` parameter on the type is fine)",
        "content": {
            media_type: {"schema": {"type": "string", "format": "binary"}}
            for media_type in AUDIO_EXTENSIONS
        },
    }
}


class TranscriptPublic(BaseModel):
    """What the learner said, for the message box (they edit it, then send it)."""

    text: str
