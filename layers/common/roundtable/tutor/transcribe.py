"""Voice input: a learner's recording, transcribed to text they edit and send themselves.

The audio arrives whole (the SPA records at most 2 minutes), is checked
(type, size), counted against the learner's hourly transcription limit, and
sent to a speech-to-text model: over OpenAI's `/audio/transcriptions`
protocol directly for providers that offer it, through LiteLLM's
`atranscription` for the others. It is never stored and never logged: it
exists in memory for the one request.

The model is LLM_TRANSCRIPTION_MODEL, by default the tutor provider's own
(`DEFAULT_TRANSCRIPTION_MODELS`); it uses the tutor's key, so it must be a
model of the same provider. A provider without speech to text (Anthropic,
Gemini's OpenAI layer, ...) means voice input is off: 503 with a message.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine

from roundtable import ratelimit
from roundtable.config import Settings
from roundtable.content.progress import Learner
from roundtable.errors import (
    DomainError,
    ServiceUnavailableError,
    TooLargeError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from roundtable.ratelimit import Limit
from roundtable.tutor.model import litellm_module, llm_api_key, provider_error, require_litellm
from roundtable.tutor.openai_compat import (
    OPENAI_COMPATIBLE_BASES,
    Endpoint,
    client,
    endpoint_for,
    raise_for_status,
    transport_error,
)
from roundtable.tutor.provider import FailureTexts

logger = logging.getLogger(__name__)

# 2 minutes of the browser's Opus (webm/ogg) is about 1 MB, of AAC (mp4) about
# 2 MB; 4 MB leaves room and stays under what a Lambda request may carry
# (6 MB, the body base64-encoded).
MAX_AUDIO_BYTES = 4 * 1024 * 1024
# The formats MediaRecorder produces (Chrome/Firefox: webm or ogg, Safari: mp4)
# plus uploads' mp3 and wav; each is one OpenAI's speech to text accepts.
AUDIO_EXTENSIONS = {
    "audio/webm": "webm",
    "audio/ogg": "ogg",
    "audio/mp4": "mp4",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
}
# A transcription costs about what a tutor message does; per learner per hour.
PER_LEARNER = Limit("tutor-transcription", 30, 3600)
ANONYMOUS_PER_ADDRESS = Limit("tutor-transcription-anonymous", 60, 3600)
# The tutor provider's speech-to-text model, when LLM_TRANSCRIPTION_MODEL is unset.
DEFAULT_TRANSCRIPTION_MODELS = {
    "openai": "openai/gpt-4o-mini-transcribe",
    "groq": "groq/whisper-large-v3-turbo",
    "mistral": "mistral/voxtral-mini-latest",
    "together_ai": "together_ai/openai/whisper-large-v3",
}
# Providers whose OpenAI-compatible API has no /audio/transcriptions.
NO_SPEECH_TO_TEXT = frozenset(OPENAI_COMPATIBLE_BASES) - set(DEFAULT_TRANSCRIPTION_MODELS)
TRANSCRIPTION_FAILURES = FailureTexts(
    timeout="transcribing your recording took too long; please try again",
    busy="speech to text is busy right now; please try again in a minute",
    misconfigured="voice input is not available right now (configuration)",
    failed="your recording could not be transcribed (the speech-to-text provider failed); "
    "please try again or type your message",
)


@dataclass(frozen=True)
class Recording:
    """Checked audio: its bytes, its media type, a file name that says its format."""

    data: bytes
    media_type: str

    @property
    def filename(self) -> str:
        return f"recording.{AUDIO_EXTENSIONS[self.media_type]}"


@dataclass(frozen=True)
class Transcript:
    text: str


class Transcriber(Protocol):
    """Turns a recording into text (raises the learner-facing DomainErrors)."""

    async def transcribe(self, recording: Recording) -> str: ...


def audio_type(content_type: str | None) -> str:
    """The media type of a Content-Type header (codecs dropped), 415 unless an accepted one."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in AUDIO_EXTENSIONS:
        accepted = ", ".join(AUDIO_EXTENSIONS)
        raise UnsupportedMediaTypeError(
            f"a recording must be sent as one of {accepted} (not {media_type or 'no type'})"
        )
    return media_type


def check_recording(data: bytes, content_type: str | None) -> Recording:
    """The recording, or the error that says what is wrong with it (415, 422, 413)."""
    media_type = audio_type(content_type)
    if not data:
        raise ValidationError("the recording is empty; record something and try again")
    if len(data) > MAX_AUDIO_BYTES:
        raise recording_too_large()
    return Recording(data, media_type)


def recording_too_large() -> TooLargeError:
    limit_mb = MAX_AUDIO_BYTES // (1024 * 1024)
    return TooLargeError(
        f"the recording is larger than {limit_mb} MB; keep voice messages under 2 minutes"
    )


async def transcribe_recording(
    engine: Engine,
    transcriber: Transcriber,
    learner: Learner,
    address: str,
    recording: Recording,
    now: datetime,
) -> Transcript:
    """Count the transcription against the learner's limits (429 when over), then transcribe."""
    await asyncio.to_thread(admit_transcription, engine, learner, address, now)
    text = await transcriber.transcribe(recording)
    return Transcript(text.strip())


def admit_transcription(engine: Engine, learner: Learner, address: str, now: datetime) -> None:
    """RateLimitedError (429, with Retry-After) past the hourly transcription limits."""
    if learner.user_id is None:
        ratelimit.hit(engine, ANONYMOUS_PER_ADDRESS, f"ip:{address}", now)
        ratelimit.hit(engine, PER_LEARNER, f"anonymous:{learner.anonymous_token}", now)
    else:
        ratelimit.hit(engine, PER_LEARNER, f"user:{learner.user_id}", now)


def transcription_model(settings: Settings) -> str:
    """The speech-to-text model; ServiceUnavailableError (503) when voice input is off."""
    provider = settings.llm_model.partition("/")[0]
    model = settings.llm_transcription_model or DEFAULT_TRANSCRIPTION_MODELS.get(provider)
    if model is None or model.lower() == "none":
        raise ServiceUnavailableError(
            f"voice input is not available on this site: the tutor's provider ({provider}) "
            "has no speech to text configured (LLM_TRANSCRIPTION_MODEL); please type your message"
        )
    if model.partition("/")[0] != provider:
        logger.error("LLM_TRANSCRIPTION_MODEL %s is not a %s model (LLM_MODEL)", model, provider)
        raise ServiceUnavailableError(
            "voice input is not available right now (configuration); please type your message"
        )
    if provider in NO_SPEECH_TO_TEXT and not settings.llm_api_base:
        raise ServiceUnavailableError(
            f"voice input is not available on this site: {provider} has no speech to text; "
            "please type your message"
        )
    return model


def voice_input_available(settings: Settings) -> bool:
    """Whether voice input works on this site (GET /api/tutor/status, so the SPA shows no
    microphone that would only answer 503): the decision `transcriber_from_settings`
    makes, without reading the key."""
    try:
        model = transcription_model(settings)
        if endpoint_for(model, settings.llm_api_base, None) is None:
            require_litellm(model)
    except ServiceUnavailableError:
        return False
    return True


def transcriber_from_settings(settings: Settings) -> Transcriber:
    """The configured speech to text: directly when OpenAI-compatible, else LiteLLM.

    The same key and LLM_API_BASE as the tutor's chat model (it is the same provider).
    """
    model = transcription_model(settings)
    api_key = llm_api_key(settings)
    timeout_s = float(settings.llm_timeout_s)
    endpoint = endpoint_for(model, settings.llm_api_base, api_key)
    if endpoint is not None:
        return OpenAICompatTranscriber(endpoint, timeout_s)
    require_litellm(model)
    return LiteLLMTranscriber(model, settings.llm_api_base, api_key, timeout_s)


@dataclass(frozen=True)
class OpenAICompatTranscriber:
    """OpenAI's `POST /audio/transcriptions` (multipart: model, file) → {"text"}."""

    endpoint: Endpoint
    timeout_s: float

    async def transcribe(self, recording: Recording) -> str:
        files = {"file": (recording.filename, recording.data, recording.media_type)}
        form = {"model": self.endpoint.model, "response_format": "json"}
        url = self.endpoint.url("audio/transcriptions")
        model = self.endpoint.model
        try:
            async with client(self.timeout_s) as http:
                response = await http.post(
                    url, data=form, files=files, headers=self.endpoint.headers()
                )
                await raise_for_status(response, model, TRANSCRIPTION_FAILURES)
                return str(response.json()["text"])
        except DomainError:
            raise
        except Exception as exc:  # unreachable, timed out, not the JSON promised
            raise transport_error(exc, model, TRANSCRIPTION_FAILURES) from exc


@dataclass(frozen=True)
class LiteLLMTranscriber:
    """Any provider LiteLLM transcribes with (Azure, Vertex AI, ...)."""

    model: str
    api_base: str | None
    api_key: str | None
    timeout_s: float

    async def transcribe(self, recording: Recording) -> str:
        litellm = litellm_module()
        try:
            response: Any = await litellm.atranscription(
                model=self.model,
                file=(recording.filename, recording.data),
                api_base=self.api_base,
                api_key=self.api_key,
                timeout=self.timeout_s,
                max_retries=0,
            )
        except Exception as exc:
            raise provider_error(exc, self.model, TRANSCRIPTION_FAILURES) from exc
        return str(response.text or "")
