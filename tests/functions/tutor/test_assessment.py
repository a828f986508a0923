"""Answers the tutor assesses, through the real tutor_chat app against the fake model over
HTTP, on the real database: the rubric in the prompt, feedback stored, revisions, a reply
that is not JSON, failures, quota, validation, privacy, progress and the claim at login."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, select

from devserver.fake_llm import FakeLLM
from roundtable.auth import claim_anonymous_work
from roundtable.db.tables import assessment_answers
from roundtable.tutor.assessment_prompt import ASSESSMENT_MARKER
from tests.builders import add_user, session_token
from tests.functions.browser import Browser
from tests.functions.tutor.conftest import ask

MODULE = "facilitator-checklist"
SECTION = "facilitator-checklist.checklist"
QUESTION = "facilitator-checklist.checklist.opening"
SHORT = "I will ask a question."
LONG = (
    "I will open with a round of names and one sentence each on why people joined. Then I "
    "will ask which part of the reading two of them would disagree about, and if nobody "
    "answers I will count to seven and offer a small answer of my own."
)


def answer(tutor: Browser, text: str, segment: str = QUESTION, section: str = SECTION) -> Any:
    body = {"section_id": section, "segment_id": segment, "answer": text}
    return tutor.call("POST", f"/api/tutor/{MODULE}/answers", body)


def _rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(assessment_answers).order_by(assessment_answers.c.id)))


def test_the_model_is_sent_the_question_rubric_and_levels_and_the_feedback_is_stored(
    tutor: Browser, fake_llm: FakeLLM, engine: Engine
) -> None:
    sent = answer(tutor, SHORT)

    assert sent.status == 200, sent.body
    system, user = fake_llm.requests[-1]["messages"]
    assert system["role"] == "system" and system["content"].startswith(ASSESSMENT_MARKER)
    assert (
        "Says what the facilitator will do if the question is met with silence."
        in (system["content"])
    )  # the rubric
    assert "first ten minutes of your first meeting" in system["content"]  # the question
    assert "lowest first: beginning, developing, ready" in system["content"]
    assert "week two" in system["content"]  # the checklist text above the question
    assert user == {"role": "user", "content": SHORT}

    feedback = sent.json()
    assert feedback["attempt"] == 1 and feedback["structured"] is True
    assert feedback["level"] == "beginning"  # the fake: a short answer is at the lowest level
    assert feedback["missing"] and feedback["strengths"] and feedback["comment"]
    (row,) = _rows(engine)
    assert (row.answer, row.level, row.structured) == (SHORT, "beginning", True)
    assert row.missing == feedback["missing"] and row.tokens > 0 and row.assessed_at


def test_a_revision_is_a_new_attempt_and_every_attempt_is_kept(tutor: Browser) -> None:
    answer(tutor, SHORT)
    revised = answer(tutor, LONG).json()

    assert revised["attempt"] == 2
    assert revised["level"] == "developing" and revised["missing"] == []
    mine = tutor.call("GET", f"/api/tutor/{MODULE}/answers").json()
    assert [(a["attempt"], a["answer"]) for a in mine["answers"]] == [(1, SHORT), (2, LONG)]
    assert "rubric" not in mine["answers"][0]


def test_a_reply_that_is_not_json_is_kept_as_free_text_feedback(
    tutor: Browser, engine: Engine
) -> None:
    sent = answer(tutor, f"{SHORT} [fake:text]")

    assert sent.status == 200, sent.body
    feedback = sent.json()
    assert feedback["structured"] is False and feedback["level"] is None
    assert feedback["comment"].startswith("Fake feedback in plain text")
    assert feedback["strengths"] == [] and feedback["missing"] == []
    (row,) = _rows(engine)
    assert row.comment == feedback["comment"] and row.error is None


def test_a_provider_failure_is_a_502_and_the_answer_is_kept_with_the_reason(
    tutor: Browser, fake_llm: FakeLLM, engine: Engine
) -> None:
    answer(tutor, SHORT)
    fake_llm.fail_next(500)
    failed = answer(tutor, LONG)

    assert failed.status == 502 and failed.error["code"] == "tutor_unavailable"
    row = _rows(engine)[-1]
    assert row.answer == LONG and row.assessed_at is None and "try again" in row.error
    _first, kept = tutor.call("GET", f"/api/tutor/{MODULE}/answers").json()["answers"]
    assert kept["error"] == row.error and kept["level"] is None and kept["attempt"] == 2
    assert answer(tutor, LONG).json()["attempt"] == 3  # submitting again works


def test_a_learner_sees_only_their_own_answers(tutor: Browser, engine: Engine) -> None:
    answer(tutor, "Mine, and private.")
    stranger = Browser(tutor.handler, tutor.context, tutor.route_key)
    assert stranger.call("GET", f"/api/tutor/{MODULE}/answers").json()["answers"] == []

    with engine.begin() as conn:
        other = add_user(conn, "Grace")
    stranger.cookies["session"] = session_token(other)
    assert stranger.call("GET", f"/api/tutor/{MODULE}/answers").json()["answers"] == []


def test_an_answer_counts_against_the_daily_quota_like_a_message(
    tutor: Browser, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    monkeypatch.setenv("TUTOR_ANONYMOUS_DAILY_MESSAGES", "2")
    assert ask(tutor, "a chat message").status == 200
    assert answer(tutor, SHORT).status == 200

    status = tutor.call("GET", "/api/tutor/status").json()["quota"]
    assert status["messages_used"] == 2 and status["tokens_used"] > 0
    refused = answer(tutor, LONG)
    assert refused.status == 429 and refused.error["code"] == "rate_limited"
    assert ask(tutor, "and a chat").status == 429
    assert [r.answer for r in _rows(engine)] == [SHORT]


@pytest.mark.parametrize(
    ("segment", "text", "status", "field"),
    [
        (QUESTION, "   ", 422, "answer"),
        (QUESTION, "x" * 6001, 422, "answer"),
        (QUESTION, "nul \x00 inside", 422, None),  # refused by the web edge's NUL guard
        (f"{SECTION}.text", "an answer", 422, "segment_id"),  # a text segment, not a question
        ("nope", "an answer", 404, "segment_id"),
    ],
)
def test_bad_answers_name_the_field_and_save_nothing(
    tutor: Browser, engine: Engine, segment: str, text: str, status: int, field: str | None
) -> None:
    refused = answer(tutor, text, segment=segment)
    assert refused.status == status, refused.body
    assert refused.error.get("field") == field
    assert _rows(engine) == []


def test_an_unknown_module_is_a_404(tutor: Browser) -> None:
    found = tutor.call("GET", "/api/tutor/no-such-module/answers")
    assert found.status == 404 and found.error["field"] == "module_slug"


def test_answering_the_question_is_what_lets_its_section_complete(
    tutor: Browser, function: Any, lambda_context: Any
) -> None:
    api = Browser(function("http_api").handler, lambda_context)
    complete = {"module_slug": MODULE, "section_id": SECTION}
    answer(tutor, SHORT)  # the anonymous visitor gets their cookie here
    api.cookies = tutor.cookies  # the same visitor on the web API

    assert api.call("POST", "/api/progress/complete", complete).status == 200

    stranger = Browser(api.handler, api.context)
    refused = stranger.call("POST", "/api/progress/complete", complete)
    assert refused.status == 422 and refused.error["field"] == "section_id"
    assert "answer the question 'Plan your opening'" in refused.error["message"]


def test_answers_given_before_login_become_the_users(tutor: Browser, engine: Engine) -> None:
    answer(tutor, SHORT)
    answer(tutor, LONG)
    token = UUID(tutor.cookies["anonymous_token"])
    with engine.begin() as conn:
        user_id = add_user(conn, "Grace")
        claimed = claim_anonymous_work(conn, user_id, token, datetime.now(UTC))

    assert claimed.answers == 2
    tutor.cookies["session"] = session_token(user_id)
    mine = tutor.call("GET", f"/api/tutor/{MODULE}/answers").json()["answers"]
    assert [(a["attempt"], a["answer"]) for a in mine] == [(1, SHORT), (2, LONG)]
