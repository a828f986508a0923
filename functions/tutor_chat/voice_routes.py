"""Voice input under /api/tutor/: a recording in, its transcript out (docs/tutor.md, "Voice input").

The body is the audio itself (no multipart: the browser sends the Blob it
recorded as is). A Content-Length over the limit is refused before the body
is read; the audio is passed to the speech-to-text model and then dropped.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from roundtable_edge.web.deps import Now, client_ip
from roundtable_edge.web.learners import CurrentLearner
from voice_schemas import AUDIO_BODY, TranscriptPublic, errors

from roundtable.config import get_settings
from roundtable.db.engine import get_engine
from roundtable.tutor.transcribe import (
    MAX_AUDIO_BYTES,
    audio_type,
    check_recording,
    recording_too_large,
    transcribe_recording,
    transcriber_from_settings,
)

router = APIRouter(prefix="/api/tutor", tags=["tutor"])


@router.post(
    "/transcriptions",
    response_model=TranscriptPublic,
    responses=errors(401, 413, 415, 422, 429, 502, 503, 504),
    openapi_extra=AUDIO_BODY,
)
async def create_transcription(
    request: Request, learner: CurrentLearner, now: Now
) -> TranscriptPublic:
    """Transcribe a recording (the raw body, an audio type) for the learner to edit and send."""
    content_type = request.headers.get("content-type")
    audio_type(content_type)  # 415, and 503 below, before reading the audio
    transcriber = transcriber_from_settings(get_settings())
    recording = check_recording(await _body(request), content_type)
    transcript = await transcribe_recording(
        get_engine(), transcriber, learner.learner, client_ip(request), recording, now
    )
    return TranscriptPublic(text=transcript.text)


async def _body(request: Request) -> bytes:
    """The body, refused (413) as soon as it is known to be over the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_AUDIO_BYTES:
        raise recording_too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_AUDIO_BYTES:
            raise recording_too_large()
    return bytes(body)
