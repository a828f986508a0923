"""Streaming replies through the local gateway, as a browser sees them, and what is saved
when the stream ends early: the learner leaves, or the provider drops the connection."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine, select

from devserver.fake_llm import FakeLLM, fake_reply
from roundtable.db.tables import chat_messages

MODULE = "why-discuss"
BODY = {
    "section_id": "why-discuss.reading-vs-understanding",
    "segment_id": "why-discuss.reading-vs-understanding.chat",
}


def _events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if line.startswith("data: "):
            yield json.loads(line.removeprefix("data: "))


def _stream(gateway_url: str, message: str) -> tuple[httpx.Response, list[dict[str, Any]]]:
    body = {**BODY, "message": message}
    with httpx.stream(
        "POST", f"{gateway_url}/api/tutor/{MODULE}/stream", json=body, timeout=30
    ) as response:
        if response.status_code != 200:
            response.read()
            return response, []
        return response, list(_events(response.iter_lines()))


def _replies(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        query = select(chat_messages).where(chat_messages.c.role == "assistant")
        return list(conn.execute(query.order_by(chat_messages.c.id)))


def _wait_for_reply(engine: Engine, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        replies = _replies(engine)
        if replies:
            return replies[-1]
        time.sleep(0.05)
    raise AssertionError("the reply was never saved")


def test_the_reply_streams_word_by_word_as_server_sent_events(
    gateway_url: str, engine: Engine, fake_llm: FakeLLM
) -> None:
    response, events = _stream(gateway_url, "Understanding shows when you use it.")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    texts = [e["content"] for e in events if e["type"] == "text"]
    assert len(texts) > 10  # word by word, not one block
    assert events[-1]["type"] == "done" and events[-1]["complete"] is True
    full = fake_reply(fake_llm.requests[-1]["messages"])
    assert "".join(texts) == full
    (saved,) = _replies(engine)
    assert (saved.id, saved.content, saved.complete) == (events[-1]["message_id"], full, True)
    assert "anonymous_token=" in response.headers["set-cookie"]


def test_a_learner_who_leaves_mid_stream_still_has_the_partial_reply_saved(
    gateway_url: str, engine: Engine, fake_llm: FakeLLM
) -> None:
    fake_llm.chunk_delay_s = 0.05  # about two seconds for the whole reply
    url = urlsplit(gateway_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    body = json.dumps({**BODY, "message": "I will close the tab soon."})
    connection.request(
        "POST", f"/api/tutor/{MODULE}/stream", body, {"content-type": "application/json"}
    )
    response = connection.getresponse()
    assert response.status == 200
    assert response.readline().startswith(b"data: ")  # the first word arrived
    connection.close()  # the learner closes the tab

    saved = _wait_for_reply(engine)
    full = fake_reply(fake_llm.requests[-1]["messages"])
    assert saved.complete is False and saved.error is None
    assert saved.content and full.startswith(saved.content) and saved.content != full
    user = [m for m in _all(engine) if m.role == "user"]
    assert [m.content for m in user] == ["I will close the tab soon."]


def _all(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(chat_messages).order_by(chat_messages.c.id)))


def test_a_provider_that_drops_mid_stream_ends_with_an_error_event_and_keeps_what_came(
    gateway_url: str, engine: Engine, fake_llm: FakeLLM
) -> None:
    response, events = _stream(gateway_url, "Please answer [fake:cut]")

    assert response.status_code == 200
    assert [e["type"] for e in events][-1] == "error"
    assert events[-1]["error"]["code"] == "tutor_unavailable"
    texts = "".join(e["content"] for e in events if e["type"] == "text")
    (saved,) = _replies(engine)
    assert saved.content == texts and texts  # half the reply arrived before the drop
    assert saved.complete is False and "model provider failed" in saved.error
    assert events[-1]["message_id"] == saved.id


def test_an_error_before_the_first_word_is_a_json_error_not_a_stream(
    gateway_url: str, engine: Engine, fake_llm: FakeLLM
) -> None:
    fake_llm.fail_next(500)
    response, events = _stream(gateway_url, "Hello?")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "tutor_unavailable"
    assert events == []
    (saved,) = _replies(engine)
    assert saved.content == "" and saved.complete is False


def test_history_and_status_are_served_by_the_tutor_function_through_the_gateway(
    gateway_url: str, engine: Engine
) -> None:
    with httpx.Client(base_url=gateway_url) as client:
        status = client.get("/api/tutor/status")
        assert status.status_code == 200 and status.json()["streaming"] is True
        client.cookies.update(status.cookies)
        history = client.get(f"/api/tutor/{MODULE}/messages")
    assert history.status_code == 200 and history.json()["messages"] == []
