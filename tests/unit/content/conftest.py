"""Content trees for the content tests: the base fixture, broken overlays, the demo course."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "content"
BASE_TREE = FIXTURES / "base"
BROKEN = FIXTURES / "broken"
DEMO_CONTENT = Path(__file__).resolve().parents[3] / "content"


def overlay(target: Path, *sources: Path) -> Path:
    """Copy each source tree's .md files over `target`, later ones replacing earlier ones."""
    for source in sources:
        for path in source.rglob("*.md"):
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    return target


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A writable copy of the small valid base tree."""
    return overlay(tmp_path / "content", BASE_TREE)


@pytest.fixture
def write(tree: Path) -> Callable[[str, str], Path]:
    """Write (or replace) one file in the tree."""

    def write_file(relative: str, text: str) -> Path:
        path = tree / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write_file
