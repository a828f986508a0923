"""What the model is sent to assess an answer, and how its reply is read.

The system message starts with ASSESSMENT_MARKER (the fake model in the
local stack and tests recognises an assessment by it), then gives the
question, the author's rubric, the scale of levels and what the learner just
read, and asks for one JSON object. Models do not always obey: the reply is
parsed defensively (code fences and text around the object are ignored,
missing or mistyped keys become empty), and a reply with no JSON object in
it is kept as free-text feedback rather than rejected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from roundtable.content.bundle import Bundle
from roundtable.content.model import DEFAULT_LEVELS
from roundtable.tutor.prompt import Message, locate_segment, reading_before, with_reading

ASSESSMENT_MARKER = "You assess one learner's written answer to a course question."
MAX_ANSWER_CHARS = 6_000
_MAX_ITEMS = 8  # strengths or missing points kept from one reply
_MAX_ITEM_CHARS = 500

_INSTRUCTIONS = (
    "Judge the answer only against the rubric the course author wrote. Be specific, "
    "kind and brief: name what the answer does well and what the rubric asks for that "
    "it does not yet do, so the learner can revise it. Do not write a model answer.\n\n"
    "Reply with one JSON object and nothing else, with exactly these keys:\n"
    '{"strengths": ["..."], "missing": ["..."], "level": "...", "summary": "..."}\n'
    "- strengths: what the answer does well (short sentences; may be empty)\n"
    "- missing: what the rubric asks for that the answer lacks (may be empty)\n"
    "- level: exactly one of the levels listed below\n"
    "- summary: one or two sentences of encouragement and the next step"
)


@dataclass(frozen=True)
class QuestionPlace:
    """A question segment and what the assessor needs to know about it."""

    module_id: str
    module_title: str
    section_id: str
    segment_id: str
    title: str
    question: str
    rubric: str
    levels: tuple[str, ...]
    reading: str  # the segments above the question in its section


@dataclass(frozen=True)
class Feedback:
    """The tutor's feedback on one answer."""

    strengths: tuple[str, ...]
    missing: tuple[str, ...]
    level: str | None  # one of the question's levels, or None when the model gave none
    comment: str  # the summary; the whole reply when it was not JSON
    structured: bool  # False: the reply was not the JSON asked for


def locate_question(
    bundle: Bundle, module_slug: str, section_id: str, segment_id: str
) -> QuestionPlace:
    """The question segment `segment_id` of the section; NotFoundError or ValidationError if not."""
    place = locate_segment(bundle, module_slug, section_id, segment_id, "question")
    question = place.segment
    return QuestionPlace(
        module_id=place.module["id"],
        module_title=place.module["title"],
        section_id=section_id,
        segment_id=segment_id,
        title=question.get("title") or "",
        question=question["question"],
        rubric=question["rubric"],
        levels=tuple(question.get("levels") or DEFAULT_LEVELS),
        reading=reading_before(place.previous),
    )


def assessment_messages(place: QuestionPlace, answer: str) -> list[Message]:
    """The prompt: the assessor's instructions, question, rubric and levels; then the answer."""
    levels = ", ".join(place.levels)
    system = (
        f"{ASSESSMENT_MARKER} {_INSTRUCTIONS}\n\n"
        f'The module is "{place.module_title}".\n\n'
        f"The question:\n{place.question}\n\n"
        f"The rubric:\n{place.rubric}\n\n"
        f"The levels, lowest first: {levels}"
    )
    return [
        {"role": "system", "content": with_reading(system, place.reading)},
        {"role": "user", "content": answer},
    ]


def parse_feedback(reply: str, levels: Sequence[str]) -> Feedback:
    """The feedback in the model's reply; free text (structured=False) when it holds no JSON."""
    found = _json_object(reply)
    if found is None:
        return Feedback((), (), None, reply.strip(), structured=False)
    return Feedback(
        strengths=_items(found.get("strengths")),
        missing=_items(found.get("missing")),
        level=_level(found.get("level"), levels),
        comment=_text(found.get("summary") or found.get("comment")),
        structured=True,
    )


def _json_object(reply: str) -> Mapping[str, Any] | None:
    """The first JSON object in the reply, around which the model may have written anything
    (a ```json fence, a sentence before it)."""
    decoder = json.JSONDecoder()
    start = reply.find("{")
    while start != -1:
        try:
            value, _end = decoder.raw_decode(reply, start)
        except ValueError:
            start = reply.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = reply.find("{", start + 1)
    return None


def _text(value: Any) -> str:
    return value.strip()[: _MAX_ITEM_CHARS * 4] if isinstance(value, str) else ""


def _items(value: Any) -> tuple[str, ...]:
    """A list of short texts from a value that should be one (a lone string counts as one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    texts = (item.strip()[:_MAX_ITEM_CHARS] for item in value if isinstance(item, str))
    return tuple(text for text in texts if text)[:_MAX_ITEMS]


def _level(value: Any, levels: Sequence[str]) -> str | None:
    """The level as the author spelt it, matched without regard to case; None if not a level."""
    if not isinstance(value, str):
        return None
    wanted = value.strip().casefold()
    return next((level for level in levels if level.casefold() == wanted), None)
