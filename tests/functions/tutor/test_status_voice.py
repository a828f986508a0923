"""GET /api/tutor/status says whether voice input works here, so the SPA offers a microphone
only where a recording would be transcribed (the same decision as the transcription route)."""

from __future__ import annotations

import pytest

from tests.functions.browser import Browser


def _voice(tutor: Browser) -> object:
    status = tutor.call("GET", "/api/tutor/status")
    assert status.status == 200, status.body
    return status.json()["transcription"]


def test_voice_input_is_on_with_a_provider_that_transcribes(tutor: Browser) -> None:
    assert _voice(tutor) is True  # the fake: an openai/ model, whose speech to text it serves


def test_voice_input_is_off_when_the_site_turns_it_off(
    tutor: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_TRANSCRIPTION_MODEL", "none")
    assert _voice(tutor) is False  # the transcription route answers 503 (test_voice.py)


@pytest.mark.parametrize(
    ("model", "transcription_model"),
    [
        ("anthropic/claude-sonnet-4-5", None),  # no speech to text at Anthropic
        ("openai/gpt-4.1-mini", "groq/whisper-large-v3-turbo"),  # another provider's model
    ],
)
def test_voice_input_is_off_where_the_provider_cannot_transcribe(
    tutor: Browser,
    monkeypatch: pytest.MonkeyPatch,
    model: str,
    transcription_model: str | None,
) -> None:
    monkeypatch.setenv("LLM_MODEL", model)
    monkeypatch.delenv("LLM_API_BASE", raising=False)
    if transcription_model:
        monkeypatch.setenv("LLM_TRANSCRIPTION_MODEL", transcription_model)
    assert _voice(tutor) is False
