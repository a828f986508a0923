"""The tutor through the real tutor_chat handler (Mangum, API Gateway v2 events), LiteLLM
talking over HTTP to the fake OpenAI-compatible model, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from roundtable_edge.web.cookies import SESSION_COOKIE
from sqlalchemy import Engine, func, select

from devserver.fake_llm import FakeLLM, fake_reply
from roundtable.auth import issue_access_token
from roundtable.db.tables import chat_messages, chat_sessions
from tests.builders import add_user, session_token
from tests.functions.browser import Browser
from tests.functions.tutor.conftest import (
    CHAT,
    HIDDEN_CHAT,
    HIDDEN_SECTION,
    MODULE,
    SECTION,
    ask,
)


def _messages(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(chat_messages).order_by(chat_messages.c.id)))


def _signed_in(tutor: Browser, engine: Engine, name: str = "Grace") -> int:
    with engine.begin() as conn:
        user_id = add_user(conn, name)
    tutor.cookies[SESSION_COOKIE] = session_token(user_id)
    return user_id


def test_a_message_gets_the_whole_reply_as_json_and_both_are_saved(
    tutor: Browser, engine: Engine, fake_llm: FakeLLM
) -> None:
    answer = ask(tutor, "Feeling I understand is not the same as using it.")

    assert answer.status == 200, answer.body
    reply = answer.json()["reply"]
    prompt = fake_llm.requests[-1]["messages"]
    assert reply["content"] == fake_reply(prompt)
    assert reply["complete"] is True and reply["error"] is None
    saved = _messages(engine)
    assert [(m.role, m.complete) for m in saved] == [("user", True), ("assistant", True)]
    assert saved[0].content == "Feeling I understand is not the same as using it."
    assert saved[1].content == reply["content"] and saved[1].tokens > 0
    assert answer.json()["user_message_id"] == saved[0].id


def test_an_anonymous_learner_gets_an_http_only_token_cookie_and_keeps_their_history(
    tutor: Browser,
) -> None:
    first = ask(tutor, "Hello tutor")
    (cookie,) = [c for c in first.set_cookies if c.startswith("anonymous_token=")]
    assert "HttpOnly" in cookie and "Secure" in cookie and "Path=/" in cookie

    history = tutor.call("GET", f"/api/tutor/{MODULE}/messages").json()["messages"]
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[0]["content"] == "Hello tutor"

    stranger = Browser(tutor.handler, tutor.context, tutor.route_key)
    assert stranger.call("GET", f"/api/tutor/{MODULE}/messages").json()["messages"] == []


def test_the_tutor_is_given_the_segment_instructions_and_what_the_learner_just_read(
    tutor: Browser, fake_llm: FakeLLM
) -> None:
    ask(tutor, "Here is my answer.")
    system = fake_llm.requests[-1]["messages"][0]
    assert system["role"] == "system"
    assert "without scrolling\nback up" in system["content"]  # the chat's instructions
    assert "Reading gives a feeling of understanding" in system["content"]  # the text above it


def test_a_chat_that_hides_the_reading_from_the_tutor_sends_only_its_instructions(
    tutor: Browser, fake_llm: FakeLLM
) -> None:
    ask(tutor, "I did try it.", section=HIDDEN_SECTION, chat=HIDDEN_CHAT)
    system = fake_llm.requests[-1]["messages"][0]["content"]
    assert "tried explaining something to another person" in system
    assert "pick any\narticle you read recently" not in system
    assert "just read" not in system


def test_every_chat_in_a_module_shares_one_conversation(
    tutor: Browser, fake_llm: FakeLLM, engine: Engine
) -> None:
    ask(tutor, "First answer")
    ask(tutor, "Second answer", section=HIDDEN_SECTION, chat=HIDDEN_CHAT)

    sent = fake_llm.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[1]["content"] == "First answer" and sent[3]["content"] == "Second answer"
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(chat_sessions)) == 1


def test_a_provider_error_is_a_502_with_the_error_shape_and_the_message_is_kept(
    tutor: Browser, fake_llm: FakeLLM, engine: Engine
) -> None:
    fake_llm.fail_next(500)
    answer = ask(tutor, "Are you there?")

    assert answer.status == 502
    assert answer.error["code"] == "tutor_unavailable"
    assert "try again" in answer.error["message"]
    user, assistant = _messages(engine)
    assert user.content == "Are you there?"
    assert (assistant.content, assistant.complete, assistant.tokens) == ("", False, 0)
    assert "model provider failed" in assistant.error


def test_a_failed_exchange_is_left_out_of_the_next_prompt(
    tutor: Browser, fake_llm: FakeLLM
) -> None:
    fake_llm.fail_next(500)
    ask(tutor, "Lost question")
    ask(tutor, "Asked again")
    sent = [m["content"] for m in fake_llm.requests[-1]["messages"][1:]]
    assert sent == ["Asked again"]


def test_a_provider_rate_limit_is_a_502_saying_the_tutor_is_busy_with_retry_after(
    tutor: Browser, fake_llm: FakeLLM
) -> None:
    fake_llm.fail_next(429, retry_after=7)
    answer = ask(tutor, "Hi")
    assert answer.status == 502
    assert answer.error["code"] == "tutor_busy"
    assert int(answer.headers["retry-after"]) > 0


def test_a_provider_that_answers_too_late_is_a_504(
    tutor: Browser, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    monkeypatch.setenv("LLM_TIMEOUT_S", "1")
    fake_llm.first_token_delay_s = 3
    answer = ask(tutor, "Slow one")
    assert answer.status == 504
    assert answer.error["code"] == "tutor_timeout"
    assert _messages(engine)[-1].error.startswith("the tutor took too long")


def test_an_unreachable_provider_is_a_502(tutor: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_API_BASE", "http://127.0.0.1:9/v1")  # nothing listens there
    answer = ask(tutor, "Anyone?")
    assert answer.status == 502
    assert answer.error["code"] == "tutor_unavailable"


def test_the_anonymous_daily_message_quota_is_a_429_until_midnight_utc(
    tutor: Browser, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    monkeypatch.setenv("TUTOR_ANONYMOUS_DAILY_MESSAGES", "2")
    assert ask(tutor, "one").status == 200
    assert ask(tutor, "two").status == 200

    refused = ask(tutor, "three")
    assert refused.status == 429
    assert refused.error["code"] == "rate_limited"
    assert "2 tutor messages allowed per day" in refused.error["message"]
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert abs(int(refused.headers["retry-after"]) - (midnight - now).total_seconds()) < 60
    assert [m.content for m in _messages(engine) if m.role == "user"] == ["one", "two"]


def test_a_new_anonymous_token_does_not_reset_another_learners_quota(
    tutor: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_ANONYMOUS_DAILY_MESSAGES", "1")
    assert ask(tutor, "mine").status == 200
    assert ask(tutor, "mine again").status == 429
    other = Browser(tutor.handler, tutor.context, tutor.route_key)
    assert ask(other, "theirs").status == 200


def test_the_daily_token_quota_counts_what_the_replies_used(
    tutor: Browser, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    monkeypatch.setenv("TUTOR_DAILY_TOKENS", "50")  # before settings are first read
    _signed_in(tutor, engine)
    assert ask(tutor, "A first question").status == 200  # uses well over 50 tokens

    refused = ask(tutor, "A second question")
    assert refused.status == 429
    assert "daily allowance of 50 tokens" in refused.error["message"]


def test_signed_in_learners_have_their_own_larger_quota(
    tutor: Browser, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    monkeypatch.setenv("TUTOR_ANONYMOUS_DAILY_MESSAGES", "1")
    monkeypatch.setenv("TUTOR_DAILY_MESSAGES", "3")
    user_id = _signed_in(tutor, engine)
    assert [ask(tutor, f"q{i}").status for i in range(4)] == [200, 200, 200, 429]

    status = tutor.call("GET", "/api/tutor/status").json()
    assert status["quota"]["messages_used"] == 3 and status["quota"]["messages_limit"] == 3
    with engine.connect() as conn:
        owner = conn.scalar(select(chat_sessions.c.user_id))
    assert owner == user_id


def test_status_says_the_local_stack_streams(tutor: Browser) -> None:
    status = tutor.call("GET", "/api/tutor/status")
    assert status.status == 200
    assert status.json()["streaming"] is True
    assert status.json()["quota"]["messages_used"] == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"section_id": SECTION, "segment_id": CHAT, "message": "   "}, 422, "message"),
        ({"section_id": SECTION, "segment_id": CHAT, "message": "x" * 4001}, 422, "message"),
        (
            {"section_id": SECTION, "segment_id": f"{SECTION}.intro", "message": "hi"},
            422,
            "segment_id",
        ),
        ({"section_id": SECTION, "segment_id": "nope", "message": "hi"}, 404, "segment_id"),
        ({"section_id": "nope", "segment_id": CHAT, "message": "hi"}, 404, "section_id"),
    ],
)
def test_bad_requests_name_the_field_and_save_nothing(
    tutor: Browser, engine: Engine, body: dict[str, str], status: int, field: str
) -> None:
    answer = tutor.call("POST", f"/api/tutor/{MODULE}/messages", body)
    assert answer.status == status, answer.body
    assert answer.error["field"] == field
    assert _messages(engine) == []


def test_an_unknown_module_is_a_404(tutor: Browser) -> None:
    answer = tutor.call("GET", "/api/tutor/no-such-module/messages")
    assert answer.status == 404
    assert answer.error["field"] == "module_slug"


def test_an_expired_session_is_a_401_not_an_anonymous_chat(tutor: Browser, engine: Engine) -> None:
    tutor.cookies["session"] = issue_access_token(1, datetime(2020, 1, 1, tzinfo=UTC), "x" * 32)
    answer = ask(tutor, "hello")
    assert answer.status == 401
    assert _messages(engine) == []
