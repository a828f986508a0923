"""What surrounds an article excerpt: the paragraphs just before and after it, and the
article's headings with the ones the excerpt lies under marked.

The module page shows these on request ("Show what comes before", "In this
article"), so a learner can place an excerpt without leaving the page. Both
are cut when the bundle is built, bounded so an excerpt of a long article
does not carry the whole article with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each side holds at most this many characters (about two paragraphs).
MAX_CONTEXT_CHARS = 1200
ELLIPSIS = "…"

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_ENDS_WITH_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*$")
_STARTS_WITH_BLANK_LINE = re.compile(r"^[ \t]*\n[ \t]*\n")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Heading:
    """A heading of the article; `contains_excerpt`: the excerpt overlaps the part it heads."""

    level: int
    text: str
    contains_excerpt: bool


def context_before(text: str, start: int) -> str:
    """The paragraph just before the excerpt starting at `start` (with any headings between,
    and the beginning of the excerpt's own paragraph when it starts mid-paragraph)."""
    before = text[:start]
    blocks = _blocks(before)
    starts_mid_paragraph = bool(blocks) and not _ENDS_WITH_BLANK_LINE.search(before)
    taken = _up_to_first_paragraph(list(reversed(blocks)), starts_mid_paragraph)
    return _bound("\n\n".join(reversed(taken)), keep_end=True)


def context_after(text: str, end: int) -> str:
    """The paragraph just after the excerpt ending at `end` (with any headings between, and
    the rest of the excerpt's own paragraph when it ends mid-paragraph)."""
    after = text[end:]
    blocks = _blocks(after)
    ends_mid_paragraph = bool(blocks) and not _STARTS_WITH_BLANK_LINE.match(after)
    return _bound("\n\n".join(_up_to_first_paragraph(blocks, ends_mid_paragraph)), keep_end=False)


def table_of_contents(text: str, start: int, end: int) -> list[Heading]:
    """The article's ATX headings (`#` to `######`, not in code blocks), in order, each marked
    when the excerpt [start, end) overlaps the text from it to the next heading of its level
    or above."""
    found = list(_headings(text))
    marked = []
    for index, (offset, level, title) in enumerate(found):
        section_end = next(
            (o for o, other, _ in found[index + 1 :] if other <= level),
            len(text),
        )
        marked.append(Heading(level, title, offset < end and start < section_end))
    return marked


def _blocks(text: str) -> list[str]:
    return [block.strip() for block in _BLANK_LINE.split(text) if block.strip()]


def _up_to_first_paragraph(blocks: list[str], first_is_partial: bool) -> list[str]:
    """Blocks nearest the excerpt first, up to and including the first whole prose paragraph:
    a partial paragraph or a heading alone would say too little."""
    taken = []
    for index, block in enumerate(blocks):
        taken.append(block)
        whole = not (index == 0 and first_is_partial)
        if whole and not _HEADING.match(block):
            break
    return taken


def _bound(context: str, *, keep_end: bool) -> str:
    """At most MAX_CONTEXT_CHARS, cut at a space, marked with an ellipsis where cut."""
    if len(context) <= MAX_CONTEXT_CHARS:
        return context
    if keep_end:
        tail = context[-MAX_CONTEXT_CHARS:]
        return f"{ELLIPSIS} {tail.split(maxsplit=1)[-1]}"
    head = context[:MAX_CONTEXT_CHARS]
    return f"{head.rsplit(maxsplit=1)[0]} {ELLIPSIS}"


def _headings(text: str) -> list[tuple[int, int, str]]:
    """(offset, level, text) of each heading line outside fenced code blocks."""
    headings = []
    offset = 0
    in_fence = False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := _HEADING.match(line.rstrip("\n"))):
            headings.append((offset, len(match.group(1)), match.group(2).strip()))
        offset += len(line)
    return headings
