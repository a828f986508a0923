"""`roundtable content validate` and `roundtable content build` through the real CLI entry."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from roundtable_edge.cli import main

from .conftest import BASE_TREE


def _break(tree: Path, write: Callable[[str, str], Path]) -> None:
    module = (tree / "modules/first-steps.md").read_text()
    write("modules/first-steps.md", module.replace("title: First", "titel: First"))


def test_validate_exits_zero_and_says_so_for_a_valid_tree(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["content", "validate", str(BASE_TREE)]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out


def test_validate_prints_file_line_message_and_hint_and_exits_one(
    tree: Path, write: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _break(tree, write)

    status = main(["content", "validate", str(tree)])

    out = capsys.readouterr().out
    assert status == 1
    assert "modules/first-steps.md:3: error: unknown field 'titel'" in out
    assert "hint: did you mean 'title'?" in out


def test_validate_json_lists_errors_and_warnings_separately(
    tree: Path, write: Callable[[str, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _break(tree, write)
    write("notes.md", "stray\n")

    main(["content", "validate", "--json", str(tree)])

    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert {e["message"] for e in report["errors"]} >= {
        "unknown field 'titel' in module front matter"
    }
    assert [w["file"] for w in report["warnings"]] == ["notes.md"]


def test_validate_of_a_missing_directory_exits_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["content", "validate", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_build_writes_the_bundle_named_by_its_version_into_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["content", "build", str(BASE_TREE), "--out", str(tmp_path)])

    (written,) = tmp_path.glob("*.json")
    document = json.loads(written.read_bytes())
    assert status == 0
    assert written.name == f"{document['version']}.json"
    assert document["version"] in capsys.readouterr().out


def test_build_to_stdout_prints_the_bundle_json(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["content", "build", str(BASE_TREE)]) == 0
    assert json.loads(capsysbinary.readouterr().out)["format"] == 1


def test_build_of_an_invalid_tree_writes_nothing_and_exits_one(
    tree: Path,
    write: Callable[[str, str], Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _break(tree, write)
    out = tmp_path / "bundle.json"

    assert main(["content", "build", str(tree), "--out", str(out)]) == 1
    assert not out.exists()
    assert "not built: 2 errors" in capsys.readouterr().err
