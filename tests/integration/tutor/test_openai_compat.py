"""The direct OpenAI-compatible clients (chat and speech to text) over HTTP against the fake:
what they send, what they read, and how each provider failure reads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from devserver.fake_llm import FAKE_API_KEY, FAKE_TRANSCRIPT, FakeLLM, estimate_tokens, fake_reply
from roundtable.errors import DomainError
from roundtable.tutor.model import (
    MAX_REPLY_TOKENS,
    ModelEvent,
    TutorBusyError,
    TutorTimeoutError,
    TutorUnavailableError,
)
from roundtable.tutor.openai_compat import Endpoint, OpenAICompatChatModel
from roundtable.tutor.transcribe import OpenAICompatTranscriber, Recording

MESSAGES = [
    {"role": "system", "content": "You are a tutor."},
    {"role": "user", "content": "Why do groups discuss?"},
]


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM().running() as running:
        yield running


def _model(fake: FakeLLM, timeout_s: float = 5.0) -> OpenAICompatChatModel:
    return OpenAICompatChatModel(
        Endpoint(fake.base_url, "roundtable-fake", FAKE_API_KEY), timeout_s
    )


def _collect(model: OpenAICompatChatModel, messages: list[dict[str, str]]) -> list[ModelEvent]:
    async def run() -> list[ModelEvent]:
        return [event async for event in model.stream(messages)]

    return asyncio.run(run())


def _failure(model: OpenAICompatChatModel, messages: list[dict[str, str]]) -> tuple[str, Exception]:
    """The text that arrived before the stream failed, and the error it failed with."""
    texts: list[str] = []

    async def run() -> None:
        async for event in model.stream(messages):
            texts.append(event.text)

    with pytest.raises(DomainError) as failed:
        asyncio.run(run())
    return "".join(texts), failed.value


def test_the_reply_streams_in_order_with_the_usage_at_the_end(fake: FakeLLM) -> None:
    events = _collect(_model(fake), MESSAGES)
    reply = fake_reply(MESSAGES)
    assert "".join(e.text for e in events) == reply
    assert len([e for e in events if e.text]) > 5  # word by word, not in one piece
    prompt = sum(estimate_tokens(m["content"]) for m in MESSAGES)
    assert events[-1] == ModelEvent(total_tokens=prompt + estimate_tokens(reply))
    sent = fake.requests[-1]
    assert sent["model"] == "roundtable-fake" and sent["messages"] == MESSAGES
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["max_tokens"] == MAX_REPLY_TOKENS


def test_a_provider_rate_limit_is_busy_with_its_retry_after(fake: FakeLLM) -> None:
    fake.fail_next(429, retry_after=12)
    text, error = _failure(_model(fake), MESSAGES)
    assert text == "" and isinstance(error, TutorBusyError) and error.retry_after == 12


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_refused_key_or_unknown_model_is_a_configuration_error(
    fake: FakeLLM, status: int
) -> None:
    fake.fail_next(status)
    _text, error = _failure(_model(fake), MESSAGES)
    assert isinstance(error, TutorUnavailableError) and "configuration" in str(error)


def test_a_provider_failure_is_unavailable_without_the_providers_text(fake: FakeLLM) -> None:
    fake.fail_next(500)
    _text, error = _failure(_model(fake), MESSAGES)
    assert isinstance(error, TutorUnavailableError) and "internal error" not in str(error)


def test_no_answer_within_the_timeout_is_a_timeout(fake: FakeLLM) -> None:
    fake.first_token_delay_s = 1.0
    _text, error = _failure(_model(fake, timeout_s=0.2), MESSAGES)
    assert isinstance(error, TutorTimeoutError)


def test_a_connection_dropped_mid_stream_fails_after_the_words_that_arrived(
    fake: FakeLLM,
) -> None:
    cut = [{"role": "user", "content": "Tell me more [fake:cut]"}]
    text, error = _failure(_model(fake), cut)
    assert isinstance(error, TutorUnavailableError)
    assert text and fake_reply(cut).startswith(text) and text != fake_reply(cut)


def test_an_unreachable_provider_is_unavailable() -> None:
    with FakeLLM().running() as gone:
        base = gone.base_url  # a port nothing listens on once stopped
    model = OpenAICompatChatModel(Endpoint(base, "m", None), 2.0)
    _text, error = _failure(model, MESSAGES)
    assert isinstance(error, TutorUnavailableError)


def _transcribe(fake: FakeLLM, data: bytes, media_type: str = "audio/webm", **kw: float) -> str:
    endpoint = Endpoint(fake.base_url, "gpt-4o-mini-transcribe", FAKE_API_KEY)
    transcriber = OpenAICompatTranscriber(endpoint, kw.get("timeout_s", 5.0))
    return asyncio.run(transcriber.transcribe(Recording(data, media_type)))


@pytest.mark.parametrize(
    ("media_type", "filename"),
    [
        ("audio/webm", "recording.webm"),
        ("audio/mp4", "recording.mp4"),
        ("audio/wav", "recording.wav"),
    ],
)
def test_a_recording_is_sent_as_openais_multipart_form(
    fake: FakeLLM, media_type: str, filename: str
) -> None:
    assert _transcribe(fake, b"\x1aE\xdf\xa3 some audio", media_type) == FAKE_TRANSCRIPT
    assert fake.transcriptions[-1] == {
        "model": "gpt-4o-mini-transcribe",
        "response_format": "json",
        "filename": filename,
        "file_bytes": len(b"\x1aE\xdf\xa3 some audio"),
    }


def test_speech_to_text_failures_read_like_the_tutors(fake: FakeLLM) -> None:
    with pytest.raises(TutorBusyError) as busy:
        _transcribe(fake, b"audio [fake:429] audio")
    assert busy.value.retry_after == 7 and "speech to text is busy" in str(busy.value)
    with pytest.raises(TutorUnavailableError, match="could not be transcribed"):
        _transcribe(fake, b"audio [fake:500] audio")
    fake.fail_next(401)
    with pytest.raises(TutorUnavailableError, match="configuration"):
        _transcribe(fake, b"audio")
    with pytest.raises(TutorTimeoutError, match="took too long"):
        _transcribe(fake, b"audio [fake:slow=1] audio", timeout_s=0.2)


def test_a_recording_over_the_providers_limit_is_a_provider_failure(fake: FakeLLM) -> None:
    fake.max_audio_bytes = 100
    with pytest.raises(TutorUnavailableError, match="could not be transcribed"):
        _transcribe(fake, b"x" * 1000)
    assert fake.transcriptions == []  # refused before reading it
