"""Voice input end to end: POST /api/tutor/transcriptions through the local gateway and the
tutor app, transcribed by the fake's /v1/audio/transcriptions over HTTP."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from roundtable_edge.web.cookies import SESSION_COOKIE
from sqlalchemy import Engine, func, select

from devserver.fake_llm import FAKE_TRANSCRIPT, FakeLLM
from roundtable.db.tables import metadata
from roundtable.tutor.transcribe import AUDIO_EXTENSIONS, MAX_AUDIO_BYTES, PER_LEARNER
from tests.builders import add_user, session_token

AUDIO = b"OggS\x00\x02 a recording of a learner asking a question"


def _send(client: httpx.Client, data: bytes, content_type: str | None) -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    return client.post("/api/tutor/transcriptions", content=data, headers=headers, timeout=30)


@pytest.fixture
def browser(gateway_url: str) -> Any:
    with httpx.Client(base_url=gateway_url) as client:
        yield client


@pytest.mark.parametrize("media_type", list(AUDIO_EXTENSIONS))
def test_a_recording_comes_back_as_text_for_the_message_box(
    browser: httpx.Client, fake_llm: FakeLLM, media_type: str
) -> None:
    answer = _send(browser, AUDIO, f"{media_type};codecs=opus")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"text": FAKE_TRANSCRIPT}
    sent = fake_llm.transcriptions[-1]
    assert sent["filename"] == f"recording.{AUDIO_EXTENSIONS[media_type]}"
    assert sent["file_bytes"] == len(AUDIO)
    assert sent["model"] == "gpt-4o-mini-transcribe"  # the fake is an openai/ model


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code", "says"),
    [
        (b"", "audio/webm", 422, "invalid_request", "empty"),
        (b"some words", "text/plain", 415, "unsupported_media_type", "audio/webm"),
        (b"some words", None, 415, "unsupported_media_type", "no type"),
        (b"x" * (MAX_AUDIO_BYTES + 1), "audio/wav", 413, "too_large", "2 minutes"),
    ],
)
def test_a_bad_recording_is_refused_with_a_message_and_never_sent(
    browser: httpx.Client,
    fake_llm: FakeLLM,
    data: bytes,
    content_type: str | None,
    status: int,
    code: str,
    says: str,
) -> None:
    answer = _send(browser, data, content_type)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code and says in answer.json()["error"]["message"]
    assert fake_llm.transcriptions == []


def test_provider_failures_are_502s_the_learner_can_act_on(
    browser: httpx.Client, fake_llm: FakeLLM
) -> None:
    busy = _send(browser, AUDIO + b"[fake:429]", "audio/webm")
    assert busy.status_code == 502 and busy.json()["error"]["code"] == "tutor_busy"
    assert busy.headers["retry-after"] == "7"
    failed = _send(browser, AUDIO + b"[fake:500]", "audio/webm")
    assert failed.status_code == 502 and failed.json()["error"]["code"] == "tutor_unavailable"
    assert "type your message" in failed.json()["error"]["message"]


def test_voice_input_off_is_a_503_that_says_so(
    browser: httpx.Client, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_TRANSCRIPTION_MODEL", "none")
    answer = _send(browser, AUDIO, "audio/webm")
    assert answer.status_code == 503 and "voice input is not available" in answer.text
    assert fake_llm.transcriptions == []


def test_a_learner_gets_so_many_transcriptions_an_hour(
    browser: httpx.Client, fake_llm: FakeLLM, engine: Engine
) -> None:
    with engine.begin() as conn:
        user_id = add_user(conn, "Ada")
    # httpx keeps Secure cookies off plain http: the session goes in the header.
    browser.headers["cookie"] = f"{SESSION_COOKIE}={session_token(user_id)}"
    for _ in range(PER_LEARNER.hits):
        assert _send(browser, AUDIO, "audio/ogg").status_code == 200
    over = _send(browser, AUDIO, "audio/ogg")
    assert over.status_code == 429 and over.json()["error"]["code"] == "rate_limited"
    assert 0 < int(over.headers["retry-after"]) <= 3600
    assert len(fake_llm.transcriptions) == PER_LEARNER.hits  # the refused one was not sent


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def test_the_audio_is_neither_stored_nor_logged(
    browser: httpx.Client, fake_llm: FakeLLM, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    before = _row_counts(engine)
    secret = b"AUDIO-ONLY-MARKER"
    caplog.set_level(logging.DEBUG)
    assert _send(browser, secret + AUDIO, "audio/webm").status_code == 200
    assert _send(browser, secret + b"[fake:500]", "audio/webm").status_code == 502
    changed = {name for name, count in _row_counts(engine).items() if count != before[name]}
    assert changed <= {"rate_limits"}  # only the counters moved
    assert caplog.records and "AUDIO-ONLY-MARKER" not in caplog.text


def test_only_audio_bodies_may_hold_nul_bytes(browser: httpx.Client, fake_llm: FakeLLM) -> None:
    """The NUL guard lets a recording through (NUL bytes are audio data there), but an
    audio type does not smuggle NUL text into a JSON route: FastAPI refuses the body."""
    assert b"\x00" in AUDIO and _send(browser, AUDIO, "audio/webm").status_code == 200
    text = b'{"section_id": "s", "segment_id": "c", "message": "hi\\u0000"}'
    answer = browser.post(
        "/api/tutor/why-discuss/messages", content=text, headers={"content-type": "audio/webm"}
    )
    assert answer.status_code == 422 and fake_llm.requests == []
