"""The tutor_chat function, pointed at the fake OpenAI-compatible model over HTTP.

Its app answers as behind the Lambda Web Adapter (tests/fakes/lambda_web_adapter.py,
buffered, in this process); test_streaming_lambda.py runs run.sh itself, streaming."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from devserver.fake_llm import FakeLLM
from tests.fakes.fixtures import fake_llm  # noqa: F401  (fixture)
from tests.fakes.lambda_web_adapter import buffered_handler
from tests.functions.browser import Browser

COURSE = "running-discussion-groups"
MODULE = "why-discuss"
SECTION = "why-discuss.reading-vs-understanding"
CHAT = "why-discuss.reading-vs-understanding.chat"
HIDDEN_SECTION = "why-discuss.try-it"
HIDDEN_CHAT = "why-discuss.try-it.chat"  # tutor_sees_previous: false


@pytest.fixture
def tutor(function: Any, lambda_context: Any, engine: Engine, fake_llm: FakeLLM) -> Browser:  # noqa: F811
    """A browser talking to the tutor function (anonymous until given a session cookie)."""
    handler = buffered_handler(function("tutor_chat").app)
    return Browser(handler, lambda_context, "ANY /api/tutor/{proxy+}")


def ask(tutor: Browser, text: str, section: str = SECTION, chat: str = CHAT) -> Any:
    body = {"section_id": section, "segment_id": chat, "message": text}
    return tutor.call("POST", f"/api/tutor/{MODULE}/messages", body)
