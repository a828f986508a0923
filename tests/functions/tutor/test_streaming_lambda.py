"""The tutor as AWS runs it: run.sh under the Lambda Web Adapter (the local stand-in in
tests/fakes/lambda_web_adapter.py), invoked with Function URL events in response_stream
mode, LiteLLM talking to the fake model, on the real database.

One function process serves the module (as one warm Lambda environment would), with a
small anonymous quota and a small limit for everyone together, so both refusals show.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from devserver.fake_llm import FAKE_API_KEY, FAKE_MODEL, FakeLLM, fake_reply
from roundtable.db.tables import chat_messages
from tests.conftest import ROOT
from tests.fakes.lambda_web_adapter import (
    RunningFunction,
    StreamedAnswer,
    function_url_event,
    start_function,
)
from tests.functions.conftest import LambdaContext
from tests.functions.tutor.conftest import CHAT, MODULE, SECTION

ANONYMOUS_DAILY_MESSAGES = 2
EVERYONE_HOURLY_MESSAGES = 3
WORDS_APART_S = 0.05
FUNCTION = ROOT / "functions" / "tutor_chat"
LAYER = ROOT / "layers" / "common"  # the fake model's pause between words: each word its own chunk


@pytest.fixture(scope="module")
def model() -> Iterator[FakeLLM]:
    with FakeLLM(chunk_delay_s=WORDS_APART_S).running() as fake:
        yield fake


@pytest.fixture(scope="module")
def function(database_url: str, model: FakeLLM) -> Iterator[RunningFunction]:
    settings = {
        "ROUNDTABLE_STAGE": "test",
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(ROOT / "content"),
        "LLM_MODEL": FAKE_MODEL,
        "LLM_API_BASE": model.base_url,
        "LLM_API_KEY": FAKE_API_KEY,
        "TUTOR_ANONYMOUS_DAILY_MESSAGES": str(ANONYMOUS_DAILY_MESSAGES),
        "TUTOR_GLOBAL_HOURLY_MESSAGES": str(EVERYONE_HOURLY_MESSAGES),
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
    with start_function(FUNCTION, [LAYER], settings) as running:
        yield running


@pytest.fixture
def fresh(engine: Engine, model: FakeLLM) -> Engine:
    """Empty tables (rate-limit counters too) and a fake model without pending faults."""
    model.requests.clear()
    return engine


def _send(text: str, cookies: list[str] | None = None) -> dict[str, Any]:
    body = {"section_id": SECTION, "segment_id": CHAT, "message": text}
    return function_url_event("POST", f"/api/tutor/{MODULE}/stream", body=body, cookies=cookies)


def _events(chunk: bytes) -> list[dict[str, Any]]:
    lines = chunk.decode().split("\n")
    return [json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data: ")]


def _replies(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        query = select(chat_messages).where(chat_messages.c.role == "assistant")
        return list(conn.execute(query.order_by(chat_messages.c.id)))


def _anonymous_cookie(answer: StreamedAnswer) -> str:
    (cookie,) = [c for c in answer.cookies if c.startswith("anonymous_token=")]
    return cookie.split(";", 1)[0]


def test_the_readiness_path_answers_without_the_origin_secret_or_the_database(
    function: RunningFunction,
) -> None:
    answer = function.get("/api/tutor/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_a_deployed_function_without_its_llm_key_refuses_to_start_and_says_why(
    database_url: str, tmp_path: Any
) -> None:
    deployed = {
        "ROUNDTABLE_STAGE": "deployed",
        "DEV_LOGIN_ENABLED": "false",
        "DB_HOST": "127.0.0.1",
        "JWT_SECRET": "a-deployed-jwt-secret-of-enough-length-0123456789",
        "ORIGIN_VERIFY_SECRET": "an-origin-secret-of-enough-length-0123456789",
    }
    log = tmp_path / "function.log"
    with log.open("w") as output, pytest.raises(RuntimeError, match="exited"):
        with start_function(FUNCTION, [LAYER], deployed, output=output):
            pass
    written = log.read_text()
    assert "tutor_chat cannot start" in written and "LLM_API_KEY" in written


def test_words_arrive_in_order_as_separate_chunks_before_the_reply_is_saved(
    function: RunningFunction, fresh: Engine, model: FakeLLM
) -> None:
    answer, chunks = function.stream(_send("Reading is not the same as using it."), LambdaContext())
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/event-stream")

    first = next(chunks)
    assert _events(first)[0]["type"] == "text"
    assert _replies(fresh) == []  # the reply is still being written: nothing saved yet
    rest = list(chunks)

    events = [event for chunk in [first, *rest] for event in _events(chunk)]
    texts = [e["content"] for e in events if e["type"] == "text"]
    assert len(rest) >= 3  # word after word, not one buffered answer
    assert "".join(texts) == fake_reply(model.requests[-1]["messages"])
    assert events[-1]["type"] == "done" and events[-1]["complete"] is True
    (saved,) = _replies(fresh)
    assert saved.content == "".join(texts) and saved.id == events[-1]["message_id"]


def test_an_anonymous_learner_gets_the_token_cookie_in_the_prelude_and_keeps_it(
    function: RunningFunction, fresh: Engine
) -> None:
    first = function.call(_send("Hello"), LambdaContext())
    cookie = _anonymous_cookie(first)
    assert "set-cookie" not in first.headers  # Lambda carries cookies in their own array
    (full,) = [c for c in first.cookies if c.startswith("anonymous_token=")]
    assert "HttpOnly" in full and "Secure" in full

    history = function.call(
        function_url_event("GET", f"/api/tutor/{MODULE}/messages", cookies=[cookie]),
        LambdaContext(),
    )
    messages = json.loads(history.body)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["content"] == "Hello"


def test_a_caller_that_leaves_mid_stream_still_gets_the_reply_saved(
    function: RunningFunction, fresh: Engine, model: FakeLLM
) -> None:
    answer, chunks = function.stream(_send("I will leave early, sorry."), LambdaContext())
    seen = _events(next(chunks))[0]["content"]
    chunks.close()  # the browser went away after the first word

    deadline = time.monotonic() + 15
    while not _replies(fresh) and time.monotonic() < deadline:
        time.sleep(0.05)
    (saved,) = _replies(fresh)
    assert saved.content.startswith(seen)
    # Lambda does not stop a streamed invocation whose client left: the reply is whole.
    assert saved.complete is True
    assert saved.content == fake_reply(model.requests[-1]["messages"])


def test_the_daily_quota_still_refuses_with_429_and_retry_after(
    function: RunningFunction, fresh: Engine
) -> None:
    first = function.call(_send("one"), LambdaContext())
    cookie = _anonymous_cookie(first)
    for text in ["two"][: ANONYMOUS_DAILY_MESSAGES - 1]:
        assert function.call(_send(text, [cookie]), LambdaContext()).status == 200

    refused = function.call(_send("three", [cookie]), LambdaContext())
    assert refused.status == 429
    assert refused.headers["content-type"] == "application/json"  # an error, not a stream
    assert json.loads(refused.body)["error"]["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) > 0
    with fresh.connect() as conn:
        sent = conn.scalars(select(chat_messages.c.content).where(chat_messages.c.role == "user"))
        assert list(sent) == ["one", "two"]


def test_the_limit_for_everyone_together_still_refuses_with_429(
    function: RunningFunction, fresh: Engine
) -> None:
    for i in range(EVERYONE_HOURLY_MESSAGES):  # a new anonymous learner each time
        assert function.call(_send(f"learner {i}"), LambdaContext()).status == 200

    refused = function.call(_send("one too many"), LambdaContext())
    assert refused.status == 429
    assert "for everyone" in json.loads(refused.body)["error"]["message"]
    assert int(refused.headers["retry-after"]) > 0
