"""Parsing details authors rely on: code fences, byte-order marks, defaults, descriptions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from roundtable.content.model import ChatSegment, TextSegment
from roundtable.content.parse import read_tree


def test_headings_inside_a_code_fence_are_text(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    module = (tree / "modules/first-steps.md").read_text()
    fenced = "Some words before the excerpts.\n\n```\n# Outcome: not a heading\n```"
    write("modules/first-steps.md", module.replace("Some words before the excerpts.", fenced))

    content, problems = read_tree(tree)

    text = content.modules[0].outcomes[0].sections[0].segments[0]
    assert problems == []
    assert isinstance(text, TextSegment) and "# Outcome: not a heading" in text.markdown


def test_a_byte_order_mark_at_the_start_of_a_file_is_ignored(tree: Path) -> None:
    path = tree / "courses/basics.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    content, problems = read_tree(tree)

    assert problems == []
    assert content.courses[0].title == "Basics"


def test_chat_visibility_defaults_to_showing_previous_content(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    module = (tree / "modules/first-steps.md").read_text()
    write(
        "modules/first-steps.md",
        module.replace("learner_sees_previous: true\ntutor_sees_previous: false\n", ""),
    )

    content, _ = read_tree(tree)

    chat = content.modules[0].outcomes[0].sections[0].segments[3]
    assert isinstance(chat, ChatSegment)
    assert (chat.learner_sees_previous, chat.tutor_sees_previous) == (True, True)


def test_text_before_the_first_heading_is_the_description(tree: Path) -> None:
    content, _ = read_tree(tree)

    assert content.courses[0].description == "A tiny course used by the validator tests."
