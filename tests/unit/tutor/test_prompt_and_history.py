"""What the tutor model is sent: context from the bundle, history within a token budget."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from roundtable.content.bundle import Bundle, build_bundle
from roundtable.errors import NotFoundError, ValidationError
from roundtable.tutor.model import (
    TutorBusyError,
    TutorTimeoutError,
    TutorUnavailableError,
    provider_error,
)
from roundtable.tutor.prompt import (
    CONTEXT_BUDGET,
    ChatPlace,
    build_messages,
    clean_message,
    estimate_tokens,
    locate_chat,
    message_tokens,
    system_prompt,
    trim_history,
)
from roundtable.tutor.store import StoredMessage, conversation

DEMO = Path(__file__).resolve().parents[3] / "content"
T = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return build_bundle(DEMO)[0]


def _turns(count: int, words: int = 50) -> list[dict[str, str]]:
    text = " ".join(["word"] * words)
    return [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"{i} {text}"}
        for i in range(count)
    ]


def test_tokens_are_estimated_at_four_characters_each() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2


def test_history_keeps_the_most_recent_messages_that_fit_the_budget() -> None:
    history = _turns(40)
    kept = trim_history(history, budget=600)
    assert sum(message_tokens(m) for m in kept) <= 600
    assert kept[-1] == history[-1]
    assert kept == history[len(history) - len(kept) :]
    assert len(kept) < len(history)


def test_trimmed_history_never_starts_with_a_reply_without_its_question() -> None:
    history = _turns(6)
    one_message = message_tokens(history[-1])
    kept = trim_history(history, budget=one_message * 3)  # fits reply, question, reply
    assert kept == history[4:]
    assert kept[0]["role"] == "user"


def test_a_short_history_is_sent_whole() -> None:
    assert trim_history(_turns(4)) == _turns(4)


def test_the_chat_context_is_the_instructions_and_the_segments_above_it(bundle: Bundle) -> None:
    place = locate_chat(
        bundle, "good-questions", "good-questions.open-closed", "good-questions.open-closed.chat"
    )
    prompt = system_prompt(place)
    assert "Apply the article's test together" in prompt
    assert 'From the article "' in prompt  # the excerpt, with its title and author
    assert "Read the excerpt below" in prompt  # the text segment before it


def test_a_long_reading_is_cut_to_the_context_budget() -> None:
    place = ChatPlace("m", "Module", "s", "c", "Ask about it.", "long " * 50_000)
    prompt = system_prompt(place)
    assert estimate_tokens(prompt) <= CONTEXT_BUDGET + 50
    assert prompt.endswith("[... the rest of the reading is omitted]")


def test_the_prompt_is_system_then_history_then_the_new_message(bundle: Bundle) -> None:
    place = locate_chat(
        bundle,
        "why-discuss",
        "why-discuss.reading-vs-understanding",
        "why-discuss.reading-vs-understanding.chat",
    )
    messages = build_messages(place, _turns(2), "new")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[-1]["content"] == "new"


@pytest.mark.parametrize(
    ("section", "segment", "error", "field"),
    [
        ("why-discuss.try-it", "nope", NotFoundError, "segment_id"),
        ("nope", "nope", NotFoundError, "section_id"),
        ("why-discuss.try-it", "why-discuss.try-it.intro", ValidationError, "segment_id"),
    ],
)
def test_a_chat_that_is_not_there_is_named_in_the_error(
    bundle: Bundle, section: str, segment: str, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as raised:
        locate_chat(bundle, "why-discuss", section, segment)
    assert getattr(raised.value, "field", None) == field


def test_messages_are_trimmed_and_must_say_something() -> None:
    assert clean_message("  hi  ") == "hi"
    with pytest.raises(ValidationError, match="write a message"):
        clean_message(" \n ")


def _stored(role: str, content: str, index: int) -> StoredMessage:
    return StoredMessage(index, role, content, "s", bool(content), None, T)


def test_an_exchange_whose_reply_failed_empty_is_left_out_of_the_conversation() -> None:
    stored = [
        _stored("user", "lost", 1),
        _stored("assistant", "", 2),
        _stored("user", "kept", 3),
        _stored("assistant", "half a rep", 4),  # cut short, but the learner saw it
    ]
    assert conversation(stored) == [
        {"role": "user", "content": "kept"},
        {"role": "assistant", "content": "half a rep"},
    ]


class Timeout(Exception):  # named like litellm's, which the mapping goes by
    pass


class RateLimitError(Exception):
    status_code = 429


def test_provider_failures_become_learner_facing_errors() -> None:
    assert isinstance(provider_error(Timeout("slow"), "m"), TutorTimeoutError)
    busy = provider_error(RateLimitError("429"), "m")
    assert isinstance(busy, TutorBusyError) and busy.retry_after
    other = provider_error(RuntimeError("boom"), "m")
    assert isinstance(other, TutorUnavailableError) and "boom" not in str(other)
