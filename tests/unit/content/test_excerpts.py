"""Cutting article and transcript excerpts, and reading timestamps."""

from __future__ import annotations

import pytest

from roundtable.content.excerpts import (
    AnchorNotFoundError,
    AnchorOrderError,
    cut_article,
    nearest_passage,
    transcript_span,
)
from roundtable.content.fields import FieldValueError, format_timestamp, parse_timestamp
from roundtable.content.model import TranscriptLine

ARTICLE = "Intro line.\n\nThe quick brown\nfox jumps over the lazy dog. Then it rests.\n\nThe end."
TRANSCRIPT = (
    TranscriptLine(0, "zero", 1),
    TranscriptLine(30, "thirty", 2),
    TranscriptLine(60, "sixty", 3),
)


def test_an_anchor_matches_across_a_line_break_in_the_article() -> None:
    assert cut_article(ARTICLE, "quick brown fox", "lazy dog.") == (
        "quick brown\nfox jumps over the lazy dog."
    )


def test_without_anchors_the_excerpt_is_the_whole_article() -> None:
    assert cut_article(ARTICLE, None, None) == ARTICLE


def test_a_missing_anchor_is_named_and_its_closest_passage_found() -> None:
    with pytest.raises(AnchorNotFoundError, match="'to' anchor 'lazy cat.'"):
        cut_article(ARTICLE, None, "lazy cat.")

    assert nearest_passage("the lazy cat.", ARTICLE) == "the lazy dog."


def test_a_to_anchor_only_before_the_from_anchor_is_an_order_error() -> None:
    with pytest.raises(AnchorOrderError):
        cut_article(ARTICLE, "Then it rests.", "Intro line.")


def test_a_transcript_line_counts_if_any_of_it_is_spoken_in_the_span() -> None:
    assert [line.text for line in transcript_span(TRANSCRIPT, 40, 61)] == ["thirty", "sixty"]
    assert [line.text for line in transcript_span(TRANSCRIPT, 0, 30)] == ["zero"]


@pytest.mark.parametrize(
    ("text", "seconds"), [("45", 45), ("1:20", 80), ("01:20", 80), ("1:02:03", 3723)]
)
def test_timestamps_read_as_seconds(text: str, seconds: int) -> None:
    assert parse_timestamp(text) == seconds


@pytest.mark.parametrize("text", ["1:60", "1:75:00", "ten", "1.20"])
def test_impossible_timestamps_are_refused(text: str) -> None:
    with pytest.raises(FieldValueError, match=text):
        parse_timestamp(text)


def test_timestamps_format_back_to_what_authors_write() -> None:
    assert [format_timestamp(s) for s in (5, 80, 3723)] == ["0:05", "1:20", "1:02:03"]
