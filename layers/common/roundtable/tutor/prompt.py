"""What the tutor model is sent: the chat segment's instructions, what the learner just read,
and as much recent history as fits a token budget.

Token counts are estimated as one token per four characters (plus a few per
message for the role markers), not counted with the provider's tokenizer:
the estimate needs no model files or network, costs nothing, and is only
used to keep prompts well under any model's context window and to charge
quotas when a provider reports no usage. English prose averages about four
characters per token with OpenAI's and Anthropic's tokenizers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roundtable.content.bundle import Bundle, UnknownContentError
from roundtable.errors import NotFoundError, ValidationError

# Budgets in estimated tokens. The reading can be long (an article excerpt);
# history beyond ~4k tokens adds cost and little help in a short exercise.
CONTEXT_BUDGET = 6_000
HISTORY_BUDGET = 4_000
MESSAGE_OVERHEAD = 4
MAX_MESSAGE_CHARS = 4_000

PREAMBLE = (
    "You are the tutor in an online course. You talk with one learner about the "
    "module they are working through. Ask questions that make them think and put "
    "ideas in their own words; do not lecture, and do not simply give answers to "
    "the exercise. Keep replies short (a few sentences) and friendly."
)
DEFAULT_INSTRUCTIONS = "Help the learner understand and apply what they just read."

Message = dict[str, str]


@dataclass(frozen=True)
class ChatPlace:
    """A chat segment and what the tutor should know about where it sits."""

    module_id: str
    module_title: str
    section_id: str
    segment_id: str
    instructions: str
    reading: str  # the segments before the chat in its section ("" when hidden from the tutor)


def estimate_tokens(text: str) -> int:
    """Estimated tokens of a piece of text (four characters per token, rounded up)."""
    return math.ceil(len(text) / 4)


def message_tokens(message: Mapping[str, str]) -> int:
    return estimate_tokens(message["content"]) + MESSAGE_OVERHEAD


@dataclass(frozen=True)
class SegmentPlace:
    """A segment of a known kind, its module, and the segments above it in its section."""

    module: Mapping[str, Any]
    segment: Mapping[str, Any]
    previous: list[dict[str, Any]]


_KIND_NAMES = {"chat": "a tutor chat", "question": "a question"}


def find_module(bundle: Bundle, module_slug: str) -> dict[str, Any]:
    """The module of the live content; NotFoundError naming `module_slug` if there is none."""
    try:
        return bundle.module(module_slug)
    except UnknownContentError as exc:
        raise NotFoundError(str(exc), field="module_slug") from exc


def locate_segment(
    bundle: Bundle, module_slug: str, section_id: str, segment_id: str, kind: str
) -> SegmentPlace:
    """The `kind` segment `segment_id` of the section; NotFoundError or ValidationError if not."""
    module = find_module(bundle, module_slug)
    section = _find_section(module, section_id)
    segments: list[dict[str, Any]] = section["segments"]
    index = next((i for i, s in enumerate(segments) if s["id"] == segment_id), None)
    if index is None:
        raise NotFoundError(
            f"section {section_id!r} has no segment {segment_id!r}", field="segment_id"
        )
    found = segments[index]
    if found["kind"] != kind:
        raise ValidationError(
            f"segment {segment_id!r} is {found['kind']} content, not {_KIND_NAMES[kind]}",
            field="segment_id",
        )
    return SegmentPlace(module, found, segments[:index])


def locate_chat(bundle: Bundle, module_slug: str, section_id: str, segment_id: str) -> ChatPlace:
    """The chat segment `segment_id` of the section; NotFoundError or ValidationError if not."""
    place = locate_segment(bundle, module_slug, section_id, segment_id, "chat")
    module, chat = place.module, place.segment
    reading = reading_before(place.previous) if chat["tutor_sees_previous"] else ""
    return ChatPlace(
        module_id=module["id"],
        module_title=module["title"],
        section_id=section_id,
        segment_id=segment_id,
        instructions=chat["instructions"].strip() or DEFAULT_INSTRUCTIONS,
        reading=reading,
    )


def _find_section(module: Mapping[str, Any], section_id: str) -> dict[str, Any]:
    for outcome in module["outcomes"]:
        for section in outcome["sections"]:
            if section["id"] == section_id:
                return dict(section)
    raise NotFoundError(
        f"module {module['slug']!r} has no section {section_id!r}", field="section_id"
    )


def reading_before(segments: Sequence[Mapping[str, Any]]) -> str:
    """The text, article and video segments before a chat or question, as the tutor sees them."""
    parts = []
    for segment in segments:
        if segment["kind"] == "text":
            parts.append(segment["markdown"])
        elif segment["kind"] == "article":
            article = segment["article"]
            parts.append(
                f'From the article "{article["title"]}" by {article["author"]}:\n\n'
                f"{segment['markdown']}"
            )
        elif segment["kind"] == "video":
            parts.append(
                f'From the video "{segment["video"]["title"]}" (transcript):\n\n'
                f"{segment['transcript']}"
            )
    return "\n\n---\n\n".join(part.strip() for part in parts if part.strip())


def system_prompt(place: ChatPlace) -> str:
    """The system message: preamble, the author's instructions, and the reading (capped)."""
    prompt = (
        f'{PREAMBLE}\n\nThe module is "{place.module_title}".\n\n'
        f"Instructions for this conversation:\n{place.instructions}"
    )
    return with_reading(prompt, place.reading)


def with_reading(prompt: str, reading: str) -> str:
    """The prompt followed by what the learner just read, cut to fit CONTEXT_BUDGET."""
    if not reading:
        return prompt
    room = max(0, CONTEXT_BUDGET - estimate_tokens(prompt)) * 4
    if len(reading) > room:
        reading = reading[:room].rstrip() + "\n\n[... the rest of the reading is omitted]"
    return f"{prompt}\n\nThe learner has just read this:\n\n{reading}"


def trim_history(history: Sequence[Message], budget: int = HISTORY_BUDGET) -> list[Message]:
    """The most recent messages that fit the budget, starting with a learner's message."""
    kept: list[Message] = []
    used = 0
    for message in reversed(history):
        cost = message_tokens(message)
        if used + cost > budget:
            break
        kept.append(message)
        used += cost
    kept.reverse()
    while kept and kept[0]["role"] != "user":
        kept.pop(0)  # a reply without its question confuses the model
    return kept


def build_messages(place: ChatPlace, history: Sequence[Message], text: str) -> list[Message]:
    """The whole prompt: system message, trimmed history, the learner's new message."""
    return [
        {"role": "system", "content": system_prompt(place)},
        *trim_history(history),
        {"role": "user", "content": text},
    ]


def clean_message(text: str) -> str:
    """The learner's message, trimmed; ValidationError when empty or too long."""
    return clean_text(text, field="message", limit=MAX_MESSAGE_CHARS)


def clean_text(text: str, *, field: str, limit: int) -> str:
    """A learner's text for the tutor (a message, an answer), trimmed; ValidationError when
    empty, too long, or holding a NUL; `field` names it in the error."""
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError(f"write a {field} for the tutor first", field=field)
    if "\x00" in cleaned:  # Postgres text cannot hold it, and no keyboard types it
        raise ValidationError(f"the {field} contains a NUL character (\\x00)", field=field)
    if len(cleaned) > limit:
        raise ValidationError(
            f"a {field} can be at most {limit} characters; this one has {len(cleaned)}",
            field=field,
        )
    return cleaned
