"""Reading the model's feedback defensively, and the Question segment in the bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from roundtable.content.bundle import build_bundle
from roundtable.content.model import DEFAULT_LEVELS
from roundtable.tutor.assessment_prompt import parse_feedback

LEVELS = ("beginning", "developing", "ready")


def test_a_json_reply_gives_strengths_missing_a_level_and_a_summary() -> None:
    reply = '{"strengths": ["Clear"], "missing": ["An example"], "level": "Ready", "summary": "Ok"}'
    feedback = parse_feedback(reply, LEVELS)
    assert feedback.structured
    assert (feedback.strengths, feedback.missing) == (("Clear",), ("An example",))
    assert feedback.level == "ready"  # as the author spelt it
    assert feedback.comment == "Ok"


@pytest.mark.parametrize(
    "reply",
    [
        '```json\n{"strengths": ["Clear"], "level": "developing"}\n```',
        'Here is my feedback: {"strengths": ["Clear"], "level": "developing"} Hope it helps.',
        '{not json} then {"strengths": "Clear", "level": "developing"}',
    ],
)
def test_json_wrapped_in_fences_or_prose_is_still_read(reply: str) -> None:
    feedback = parse_feedback(reply, LEVELS)
    assert feedback.structured and feedback.strengths == ("Clear",)
    assert feedback.level == "developing" and feedback.missing == ()


def test_a_level_off_the_scale_and_mistyped_keys_are_dropped() -> None:
    feedback = parse_feedback('{"strengths": [1, "", "Fine"], "missing": 3, "level": 9}', LEVELS)
    assert feedback.strengths == ("Fine",) and feedback.missing == ()
    assert feedback.level is None and feedback.comment == ""
    assert parse_feedback('{"level": "expert"}', LEVELS).level is None


@pytest.mark.parametrize("reply", ["Nice work, but say more.", "[1, 2]", '{"unclosed": '])
def test_a_reply_without_a_json_object_is_kept_as_free_text(reply: str) -> None:
    feedback = parse_feedback(reply, LEVELS)
    assert not feedback.structured and feedback.comment == reply.strip()
    assert (feedback.strengths, feedback.missing, feedback.level) == ((), (), None)


def test_a_question_is_bundled_with_its_rubric_and_levels(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2] / "fixtures" / "content" / "base"
    tree = tmp_path / "content"
    for path in root.rglob("*.md"):
        (tree / path.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
        (tree / path.relative_to(root)).write_text(path.read_text())
    module = tree / "modules" / "first-steps.md"
    module.write_text(
        module.read_text()
        + "\n### Question: Why first?\nid: first-steps.why\nrubric: |\n  Names the step.\n"
        "  Says why.\n\nWhy is the first step first?\n\n"
        "### Question\nid: first-steps.scaled\nrubric: Any answer.\nlevels: low, high\n\nAnd?\n"
    )
    bundle, report = build_bundle(tree)
    assert report.errors == ()
    segments = bundle.module("first-steps")["outcomes"][0]["sections"][0]["segments"]
    why, scaled = segments[-2:]
    assert why == {
        "kind": "question",
        "id": "first-steps.why",
        "optional": False,
        "title": "Why first?",
        "question": "Why is the first step first?",
        "rubric": "Names the step.\nSays why.",
        "levels": list(DEFAULT_LEVELS),
    }
    assert scaled["levels"] == ["low", "high"] and scaled["title"] == ""
