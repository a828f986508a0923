"""Bundles: deterministic versions, resolved excerpts, meetings, and integrity checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from roundtable.content.bundle import (
    BundleCorruptError,
    ContentInvalidError,
    UnknownContentError,
    build_bundle,
    bundle_from_json,
)

from .conftest import BASE_TREE, overlay


def _segment(bundle_data: dict[str, object], index: int) -> dict[str, object]:
    module = bundle_data["modules"]["first-steps"]  # type: ignore[index]
    return module["outcomes"][0]["sections"][0]["segments"][index]  # type: ignore[no-any-return]


def test_the_same_tree_in_another_place_builds_the_same_version(tmp_path: Path) -> None:
    copy = overlay(tmp_path / "elsewhere", BASE_TREE)

    first, _ = build_bundle(BASE_TREE)
    second, _ = build_bundle(copy)

    assert first.version == second.version
    assert first.to_json() == second.to_json()
    assert len(first.version) == 64


def test_any_edit_gives_a_new_version(tree: Path, write: Callable[[str, str], Path]) -> None:
    before, _ = build_bundle(tree)
    module = (tree / "modules/first-steps.md").read_text()
    write("modules/first-steps.md", module.replace("Some words", "Other words"))

    after, _ = build_bundle(tree)

    assert after.version != before.version


def test_an_invalid_tree_builds_nothing_and_says_why(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    write("courses/basics.md", (tree / "courses/basics.md").read_text().replace("first-steps", "x"))

    with pytest.raises(ContentInvalidError, match="no module named 'x'") as caught:
        build_bundle(tree)

    assert caught.value.errors[0].file == "courses/basics.md"


def test_article_excerpt_carries_the_text_between_its_anchors() -> None:
    bundle, _ = build_bundle(BASE_TREE)
    excerpt = _segment(dict(bundle.data), 1)

    assert excerpt["markdown"] == (
        "The second paragraph begins the excerpt. It carries on for a while and\n"
        "then this sentence ends the excerpt."
    )
    assert excerpt["article"] == {
        "slug": "sample-article",
        "title": "A sample article",
        "author": "Test Author",
        "source_url": "https://example.org/sample",
    }


def test_video_excerpt_carries_the_transcript_spoken_in_its_span() -> None:
    bundle, _ = build_bundle(BASE_TREE)
    excerpt = _segment(dict(bundle.data), 2)

    assert (excerpt["from_s"], excerpt["to_s"]) == (30, 90)
    assert excerpt["transcript"] == (
        "The excerpt starts here. It goes on, and this wrapped line belongs to the one above."
    )
    assert excerpt["video"]["youtube_id"] == "AbCdEfGhIjK"  # type: ignore[index]


def test_chat_segment_keeps_its_instructions_and_visibility() -> None:
    bundle, _ = build_bundle(BASE_TREE)
    chat = _segment(dict(bundle.data), 3)

    assert chat["instructions"] == "Ask the learner what they noticed."
    assert (chat["learner_sees_previous"], chat["tutor_sees_previous"]) == (True, False)


def test_modules_after_the_last_meeting_are_due_by_none(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    course = (tree / "courses/basics.md").read_text().replace("# Meeting: 1\n", "")
    write("courses/basics.md", course)

    bundle, _ = build_bundle(tree)

    assert bundle.course("basics")["progression"][0]["due_by_meeting"] is None


def test_a_bundle_reads_back_from_its_json_unchanged() -> None:
    bundle, _ = build_bundle(BASE_TREE)

    again = bundle_from_json(bundle.to_json(), bundle.version)

    assert again == bundle


def test_a_bundle_whose_content_was_altered_is_refused() -> None:
    bundle, _ = build_bundle(BASE_TREE)
    document = json.loads(bundle.to_json())
    document["courses"]["basics"]["title"] = "Tampered"

    with pytest.raises(BundleCorruptError, match=bundle.version):
        bundle_from_json(json.dumps(document).encode())


def test_a_bundle_of_another_version_than_asked_for_is_refused() -> None:
    bundle, _ = build_bundle(BASE_TREE)

    with pytest.raises(BundleCorruptError, match="0000"):
        bundle_from_json(bundle.to_json(), "0000")


def test_asking_for_a_module_that_is_not_there_names_it() -> None:
    bundle, _ = build_bundle(BASE_TREE)

    with pytest.raises(UnknownContentError, match="no module 'nowhere'"):
        bundle.module("nowhere")
