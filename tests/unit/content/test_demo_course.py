"""The demo course in content/ is valid and has every kind of section the format offers."""

from __future__ import annotations

from typing import Any

from roundtable.content.bundle import build_bundle
from roundtable.content.validate import validate_tree

from .conftest import DEMO_CONTENT


def _segments(document: Any) -> list[dict[str, Any]]:
    return [
        segment
        for module in document["modules"].values()
        for outcome in module["outcomes"]
        for section in outcome["sections"]
        for segment in section["segments"]
    ]


def test_demo_course_validates_without_errors_or_warnings() -> None:
    report = validate_tree(DEMO_CONTENT)

    assert [str(p) for p in report.problems] == []


def test_demo_course_has_three_required_modules_and_an_optional_one() -> None:
    bundle, _ = build_bundle(DEMO_CONTENT)
    (course,) = bundle.data["courses"].values()
    modules = [e for e in course["progression"] if e["kind"] == "module"]

    assert [m["optional"] for m in modules] == [False, False, False, True]
    assert [m["due_by_meeting"] for m in modules] == [1, 2, 3, 3]


def test_demo_course_uses_every_segment_kind() -> None:
    bundle, _ = build_bundle(DEMO_CONTENT)
    segments = _segments(bundle.data)
    kinds = {s["kind"] for s in segments}
    video = next(s for s in segments if s["kind"] == "video")
    article = next(s for s in segments if s["kind"] == "article")

    assert kinds == {"text", "article", "video", "chat", "question"}
    assert "three moves" in video["transcript"]
    assert article["markdown"].startswith('"What did you think?" sounds open')
    assert any(s["kind"] == "chat" and not s["learner_sees_previous"] for s in segments)
    assert any(s["kind"] == "chat" and not s["tutor_sees_previous"] for s in segments)
