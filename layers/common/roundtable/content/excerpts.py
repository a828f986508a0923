"""Cutting excerpts: article text between two anchor phrases, transcript lines between two times."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Literal

from roundtable.content.model import TranscriptLine

AnchorName = Literal["from", "to"]


class AnchorNotFoundError(ValueError):
    """An excerpt anchor phrase does not occur in its article."""

    def __init__(self, name: AnchorName, anchor: str) -> None:
        super().__init__(f"{name!r} anchor {anchor!r} is not in the article")
        self.name = name
        self.anchor = anchor


class AnchorOrderError(ValueError):
    """The `to` anchor occurs only before the `from` anchor."""

    def __init__(self, anchor: str) -> None:
        super().__init__(f"'to' anchor {anchor!r} occurs only before the 'from' anchor")
        self.anchor = anchor


def _pattern(anchor: str) -> re.Pattern[str]:
    # Any run of whitespace matches any other, so re-wrapping the article's
    # lines does not break anchors written on one line.
    return re.compile(r"\s+".join(re.escape(word) for word in anchor.split()))


def count_anchor(text: str, anchor: str) -> int:
    """How many times the anchor phrase occurs in the text."""
    return len(_pattern(anchor).findall(text))


def cut_article(text: str, from_anchor: str | None, to_anchor: str | None) -> str:
    """The text from the start of `from_anchor` to the end of `to_anchor` (either may be None)."""
    start, end = excerpt_span(text, from_anchor, to_anchor)
    return text[start:end].strip()


def excerpt_span(text: str, from_anchor: str | None, to_anchor: str | None) -> tuple[int, int]:
    """Where the excerpt between the two anchors starts and ends in the text (character offsets)."""
    start = 0
    if from_anchor:
        found = _pattern(from_anchor).search(text)
        if found is None:
            raise AnchorNotFoundError("from", from_anchor)
        start = found.start()
    end = len(text)
    if to_anchor:
        end = _end_of(text, to_anchor, start)
    return start, end


def _end_of(text: str, to_anchor: str, start: int) -> int:
    pattern = _pattern(to_anchor)
    found = pattern.search(text, start)
    if found is not None:
        return found.end()
    if pattern.search(text) is not None:
        raise AnchorOrderError(to_anchor)
    raise AnchorNotFoundError("to", to_anchor)


def nearest_passage(anchor: str, text: str) -> str | None:
    """The run of words in the text most like the anchor, when one is close."""
    words = text.split()
    size = max(len(anchor.split()), 1)
    candidates = [" ".join(words[i : i + size]) for i in range(max(len(words) - size + 1, 0))]
    found = difflib.get_close_matches(anchor, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


def transcript_span(
    transcript: Sequence[TranscriptLine], start_s: int, end_s: int
) -> list[TranscriptLine]:
    """Transcript lines spoken at any moment in [start_s, end_s)."""
    span = []
    for index, line in enumerate(transcript):
        # A line lasts until the next one starts; the last lasts to the end.
        line_end = transcript[index + 1].at_s if index + 1 < len(transcript) else None
        if line.at_s < end_s and (line_end is None or line_end > start_s):
            span.append(line)
    return span


def transcript_text(lines: Sequence[TranscriptLine]) -> str:
    """The spoken words of some transcript lines as one paragraph."""
    return " ".join(line.text for line in lines)
