"""What surrounds an article excerpt: the paragraphs either side, and the marked headings."""

from __future__ import annotations

from roundtable.content.article_context import (
    ELLIPSIS,
    MAX_CONTEXT_CHARS,
    Heading,
    context_after,
    context_before,
    table_of_contents,
)
from roundtable.content.bundle import build_bundle
from roundtable.content.excerpts import excerpt_span

from .conftest import BASE_TREE

ARTICLE = """Opening paragraph.

# Part one

First paragraph of part one.

Second paragraph of part one. The excerpt starts here and
runs on.

## A detail

The excerpt ends here. Then the paragraph goes on.

Next paragraph.

```
# not a heading, inside code
```

# Part two

Last words.
"""


def _span(from_anchor: str | None, to_anchor: str | None) -> tuple[int, int]:
    return excerpt_span(ARTICLE, from_anchor, to_anchor)


def test_context_holds_the_previous_paragraph_and_the_start_of_the_excerpts_own() -> None:
    start, _ = _span("The excerpt starts here", "ends here.")

    assert context_before(ARTICLE, start) == (
        "First paragraph of part one.\n\nSecond paragraph of part one."
    )


def test_context_after_holds_the_rest_of_the_paragraph_and_the_next_one() -> None:
    _, end = _span("The excerpt starts here", "ends here.")

    assert context_after(ARTICLE, end) == "Then the paragraph goes on.\n\nNext paragraph."


def test_an_excerpt_on_paragraph_boundaries_gets_one_whole_paragraph_each_side() -> None:
    start, end = _span("First paragraph", "runs on.")

    assert context_before(ARTICLE, start) == "Opening paragraph.\n\n# Part one"
    assert context_after(ARTICLE, end) == (
        "## A detail\n\nThe excerpt ends here. Then the paragraph goes on."
    )


def test_an_excerpt_at_either_end_of_the_article_has_nothing_on_that_side() -> None:
    start, end = _span(None, None)

    assert context_before(ARTICLE, start) == ""
    assert context_after(ARTICLE, end) == ""


def test_a_long_paragraph_is_cut_at_a_word_and_marked() -> None:
    words = " ".join(f"word{i}" for i in range(600))
    text = f"{words}\n\nEXCERPT\n\n{words}"
    start, end = excerpt_span(text, "EXCERPT", "EXCERPT")

    before, after = context_before(text, start), context_after(text, end)

    assert len(before) <= MAX_CONTEXT_CHARS + 2 and len(after) <= MAX_CONTEXT_CHARS + 2
    assert before.startswith(f"{ELLIPSIS} word") and before.endswith("word599")
    assert after.startswith("word0 ") and after.endswith(f" {ELLIPSIS}")
    assert all(part.startswith("word") for part in before.split()[1:])


def test_the_headings_the_excerpt_lies_under_are_marked_and_code_is_not_a_heading() -> None:
    start, end = _span("The excerpt starts here", "ends here.")

    assert table_of_contents(ARTICLE, start, end) == [
        Heading(1, "Part one", True),
        Heading(2, "A detail", True),
        Heading(1, "Part two", False),
    ]


def test_an_excerpt_before_the_first_heading_marks_none() -> None:
    start, end = _span("Opening", "paragraph.")

    assert [h.contains_excerpt for h in table_of_contents(ARTICLE, start, end)] == [
        False,
        False,
        False,
    ]


def test_the_bundle_carries_context_and_contents_with_each_article_excerpt() -> None:
    bundle, _ = build_bundle(BASE_TREE)
    module = bundle.module("first-steps")
    excerpt = module["outcomes"][0]["sections"][0]["segments"][1]

    assert excerpt["context_before"] == (
        "The first paragraph sets the scene and is not part of the excerpt."
    )
    assert excerpt["context_after"] == "The third paragraph comes after the excerpt."
    assert excerpt["toc"] == []
