"""Which client reaches the configured model (direct OpenAI-compatible or LiteLLM), which
speech-to-text model voice input uses, and what is wrong with a recording."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from roundtable.config import Settings, load_settings
from roundtable.errors import (
    ServiceUnavailableError,
    TooLargeError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from roundtable.tutor.model import LiteLLMChatModel, chat_model_from_settings
from roundtable.tutor.openai_compat import Endpoint, OpenAICompatChatModel, endpoint_for
from roundtable.tutor.provider import (
    DEFAULT_RETRY_AFTER_S,
    MAX_RETRY_AFTER_S,
    TutorBusyError,
    TutorUnavailableError,
    retry_after_seconds,
    status_error,
)
from roundtable.tutor.transcribe import (
    MAX_AUDIO_BYTES,
    LiteLLMTranscriber,
    OpenAICompatTranscriber,
    check_recording,
    transcriber_from_settings,
    transcription_model,
)


def _settings(model: str, base: str | None = None, voice: str | None = None) -> Settings:
    return dataclasses.replace(
        load_settings(), llm_model=model, llm_api_base=base, llm_transcription_model=voice
    )


@pytest.mark.parametrize(
    ("model", "base_url", "name"),
    [
        ("anthropic/claude-sonnet-4-5", "https://api.anthropic.com/v1", "claude-sonnet-4-5"),
        ("openai/gpt-4.1-mini", "https://api.openai.com/v1", "gpt-4.1-mini"),
        (
            "gemini/gemini-2.5-flash",
            "https://generativelanguage.googleapis.com/v1beta/openai",
            "gemini-2.5-flash",
        ),
        ("groq/llama-3.3-70b", "https://api.groq.com/openai/v1", "llama-3.3-70b"),
        # The provider's own name may have slashes: everything after the first one.
        ("openrouter/meta-llama/llama-3.3", "https://openrouter.ai/api/v1", "meta-llama/llama-3.3"),
    ],
)
def test_providers_with_an_openai_compatible_endpoint_are_reached_directly(
    model: str, base_url: str, name: str
) -> None:
    assert endpoint_for(model, None, "key") == Endpoint(base_url, name, "key")


def test_llm_api_base_wins_for_openai_compatible_servers_only() -> None:
    local = "http://127.0.0.1:8000/v1"
    assert endpoint_for("hosted_vllm/qwen", local, None) == Endpoint(local, "qwen", None)
    assert endpoint_for("anthropic/claude", local, "k") == Endpoint(local, "claude", "k")
    # Ollama's native API and Azure deployments keep LiteLLM, which knows them.
    assert endpoint_for("ollama/llama3", "http://localhost:11434", None) is None
    assert endpoint_for("azure/my-deployment", "https://x.openai.azure.com", "k") is None


@pytest.mark.parametrize("model", ["bedrock/anthropic.claude-v2", "vertex_ai/gemini-pro", "gpt-4"])
def test_other_providers_and_bare_names_go_through_litellm(model: str) -> None:
    assert endpoint_for(model, None, "k") is None
    assert isinstance(chat_model_from_settings(_settings(model)), LiteLLMChatModel)


def test_the_factory_gives_the_direct_client_the_settings_timeout() -> None:
    settings = dataclasses.replace(_settings("anthropic/claude-sonnet-4-5"), llm_timeout_s=7)
    model = chat_model_from_settings(settings)
    assert isinstance(model, OpenAICompatChatModel)
    assert model.timeout_s == 7.0
    assert model.endpoint.url("chat/completions") == "https://api.anthropic.com/v1/chat/completions"


def test_retry_after_is_read_as_seconds_or_a_date_and_kept_within_reason() -> None:
    assert retry_after_seconds("12") == 12
    assert retry_after_seconds("0.2") == 1
    assert retry_after_seconds("86400") == MAX_RETRY_AFTER_S
    assert retry_after_seconds(None) == DEFAULT_RETRY_AFTER_S
    assert retry_after_seconds("soon") == DEFAULT_RETRY_AFTER_S
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=61), usegmt=True)
    assert 55 <= retry_after_seconds(in_a_minute) <= 61


def test_provider_statuses_become_the_learner_facing_errors() -> None:
    busy = status_error(429, "9", "m")
    assert isinstance(busy, TutorBusyError) and busy.retry_after == 9
    for status in (401, 403, 404):
        assert "configuration" in str(status_error(status, None, "m"))
    for status in (500, 503, 400, None):
        failed = status_error(status, None, "m")
        assert isinstance(failed, TutorUnavailableError) and "configuration" not in str(failed)


def test_voice_defaults_to_the_tutor_providers_speech_to_text() -> None:
    assert transcription_model(_settings("openai/gpt-4.1")) == "openai/gpt-4o-mini-transcribe"
    assert transcription_model(_settings("groq/llama")) == "groq/whisper-large-v3-turbo"
    chosen = _settings("openai/gpt-4.1", voice="openai/whisper-1")
    assert transcription_model(chosen) == "openai/whisper-1"
    direct = transcriber_from_settings(_settings("openai/x", "http://127.0.0.1:9/v1"))
    assert isinstance(direct, OpenAICompatTranscriber)
    assert (
        direct.endpoint.url("audio/transcriptions") == "http://127.0.0.1:9/v1/audio/transcriptions"
    )
    elsewhere = transcriber_from_settings(_settings("azure/gpt", voice="azure/whisper"))
    assert isinstance(elsewhere, LiteLLMTranscriber)


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        (_settings("anthropic/claude-sonnet-4-5"), "anthropic"),  # no speech to text there
        (_settings("openai/gpt-4.1", voice="none"), "LLM_TRANSCRIPTION_MODEL"),
        (_settings("gemini/x", voice="gemini/y"), "gemini has no speech to text"),
        # Another provider's model would be sent the tutor's key: refused.
        (_settings("anthropic/claude", voice="openai/whisper-1"), "configuration"),
    ],
)
def test_voice_is_off_with_a_clear_503_where_there_is_no_speech_to_text(
    settings: Settings, says: str
) -> None:
    with pytest.raises(ServiceUnavailableError, match=says):
        transcriber_from_settings(settings)


def test_a_recording_is_checked_for_type_emptiness_and_size() -> None:
    assert check_recording(b"x", "audio/webm;codecs=opus").filename == "recording.webm"
    assert check_recording(b"x", "Audio/MPEG").filename == "recording.mp3"
    with pytest.raises(UnsupportedMediaTypeError, match="audio/webm"):
        check_recording(b"x", "video/webm")
    with pytest.raises(UnsupportedMediaTypeError, match="no type"):
        check_recording(b"x", None)
    with pytest.raises(ValidationError, match="empty"):
        check_recording(b"", "audio/ogg")
    check_recording(b"x" * MAX_AUDIO_BYTES, "audio/wav")  # the limit itself is fine
    with pytest.raises(TooLargeError, match="4 MB"):
        check_recording(b"x" * (MAX_AUDIO_BYTES + 1), "audio/wav")
