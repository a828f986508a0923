"""Every broken fixture reports exactly its errors, with file, line, message and suggestion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from roundtable.content.model import Problem
from roundtable.content.validate import validate_tree

from .conftest import BASE_TREE, BROKEN, overlay

CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def _matches(problem: Problem, expected: dict[str, Any]) -> bool:
    return (
        problem.severity == expected["severity"]
        and problem.file == expected["file"]
        and problem.line == expected["line"]
        and expected["message"] in problem.message
        and expected.get("suggestion", "") in (problem.suggestion or "")
    )


def test_there_is_a_broken_fixture_for_every_error_kind() -> None:
    assert len(CASES) >= 40


def test_the_base_tree_has_no_problems_at_all() -> None:
    assert validate_tree(BASE_TREE).problems == ()


@pytest.mark.parametrize("case", CASES)
def test_broken_fixture_reports_its_problems(case: str, tmp_path: Path) -> None:
    expected = yaml.safe_load((BROKEN / case / "expected.yaml").read_text())
    report = validate_tree(overlay(tmp_path, BASE_TREE, BROKEN / case))

    for item in expected:
        assert any(_matches(p, item) for p in report.problems), (item, report.problems)
    expected_errors = sum(1 for item in expected if item["severity"] == "error")
    assert len(report.errors) == expected_errors, report.errors
    assert report.ok is (expected_errors == 0)
