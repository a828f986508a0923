"""A course's `# Feedback` form: parsed, validated with lines, carried into the bundle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from roundtable.content.bundle import bundle_tree
from roundtable.content.parse import read_tree
from roundtable.content.validate import validate_tree

FORM = """
# Feedback
anonymous: true

## Rating: How useful was this meeting for you?

## Question: What should we change next week?
id: change
required: true
"""


def _with_form(tree: Path, write: Callable[[str, str], Path], form: str) -> None:
    course = (tree / "courses/basics.md").read_text()
    write("courses/basics.md", course.rstrip("\n") + "\n" + form)


def test_a_feedback_form_is_read_with_its_questions_in_order(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    _with_form(tree, write, FORM)

    content, problems = read_tree(tree)

    assert problems == []
    form = content.courses[0].feedback
    assert form is not None and form.anonymous is True
    assert [(q.id, q.kind, q.required) for q in form.questions] == [
        ("how-useful-was-this-meeting-for-you", "rating", False),
        ("change", "text", True),
    ]
    assert form.questions[1].text == "What should we change next week?"


def test_the_form_does_not_disturb_the_courses_modules_and_meetings(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    before, _ = read_tree(tree)
    course = (tree / "courses/basics.md").read_text()
    head, _, tail = course.partition("# Module:")
    write("courses/basics.md", head + FORM + "\n# Module:" + tail)

    after, problems = read_tree(tree)

    assert problems == []

    def outline(entries: tuple[object, ...]) -> list[tuple[str, object]]:
        return [(type(e).__name__, getattr(e, "slug", getattr(e, "number", None))) for e in entries]

    assert outline(after.courses[0].entries) == outline(before.courses[0].entries)
    assert after.courses[0].feedback is not None


def test_the_bundle_carries_the_form_and_leaves_it_out_when_absent(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    plain = bundle_tree(validate_tree(tree).tree)
    _with_form(tree, write, FORM)
    with_form = bundle_tree(validate_tree(tree).tree)

    assert "feedback" not in plain.course("basics")
    assert with_form.course("basics")["feedback"] == {
        "anonymous": True,
        "questions": [
            {
                "id": "how-useful-was-this-meeting-for-you",
                "kind": "rating",
                "text": "How useful was this meeting for you?",
                "required": False,
            },
            {
                "id": "change",
                "kind": "text",
                "text": "What should we change next week?",
                "required": True,
            },
        ],
    }
    assert plain.version != with_form.version


def _problems(tree: Path, write: Callable[[str, str], Path], form: str) -> list[str]:
    _with_form(tree, write, form)
    report = validate_tree(tree)
    return [f"{p.line}: {p.message}" for p in report.errors]


def test_a_form_without_questions_is_an_error(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    problems = _problems(tree, write, "\n# Feedback\nanonymous: false\n")

    assert any("asks no questions" in p for p in problems)


def test_two_questions_with_one_id_are_an_error_naming_its_line(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    form = "\n# Feedback\n\n## Rating: Good?\nid: q\n\n## Question: Why?\nid: q\n"
    lines_before = len((tree / "courses/basics.md").read_text().rstrip("\n").splitlines())

    problems = _problems(tree, write, form)

    second = lines_before + 7  # the `## Question:` heading
    assert f"{second}: feedback question id 'q' is used twice" in problems


def test_a_question_outside_the_form_is_an_error(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    problems = _problems(tree, write, "\n## Rating: Stray?\n")

    assert any("outside the feedback form" in p for p in problems)


def test_a_second_feedback_part_and_a_bad_flag_are_errors(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    form = "\n# Feedback\nanonymous: maybe\n\n## Rating: Good?\n\n# Feedback\n\n## Rating: Again?\n"

    problems = _problems(tree, write, form)

    assert any("this is a second" in p for p in problems)
    assert any("anonymous" in p for p in problems)


def test_an_overlong_question_is_an_error(tree: Path, write: Callable[[str, str], Path]) -> None:
    problems = _problems(tree, write, "\n# Feedback\n\n## Question: " + "why " * 80 + "\n")

    assert any("at most 300" in p for p in problems)
