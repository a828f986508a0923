"""Every relative link in the README and docs/ leads to a file in the repository.

A fresh clone has only the repository: a link to a file beside it (or one
since moved) is a dead end for a newcomer. Anchors (`page.md#section`) must
name a heading of that page, as GitHub renders it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import ROOT

PAGES = sorted([ROOT / "README.md", ROOT / "web_frontend" / "README.md", *ROOT.glob("docs/*.md")])

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target), with an optional "title".
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, mailto:, ...


def _prose(text: str) -> str:
    """The page without code, whose brackets and parentheses are not links."""
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def links(page: Path) -> list[str]:
    return [m.group(1) for m in _LINK.finditer(_prose(page.read_text()))]


def anchors(page: Path) -> set[str]:
    """The ids GitHub gives the page's headings: lower case, punctuation dropped,
    spaces as hyphens, a repeated one suffixed -1, -2..."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text())):
        text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        found.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return found


def problems(page: Path, root: Path = ROOT) -> list[str]:
    found = []
    for target in links(page):
        if _EXTERNAL.match(target):
            continue
        path_part, _, anchor = unquote(target).partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.is_relative_to(root.resolve()):
            found.append(f"{target}: outside the repository")
        elif not destination.exists():
            found.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            found.append(f"{target}: no heading #{anchor} in {destination.name}")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(page: Path) -> None:
    assert problems(page) == []


def test_the_checker_catches_a_link_outside_a_missing_file_and_a_wrong_anchor(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "other.md").write_text("# Other page\n## Its `code` section\n")
    page = repo / "docs" / "page.md"
    page.write_text(
        "# Title here\n[a](../../shared/DESIGN.md) [b](missing.md) [c](other.md#nowhere)\n"
        "[d](#title-here) [e](https://example.com) `[f](ignored.md)`\n"
        "[g](other.md#its-code-section) ![h](other.md)\n"
        "```\n[i](in-a-code-block.md)\n```\n"
    )
    assert problems(page, repo) == [
        "../../shared/DESIGN.md: outside the repository",
        "missing.md: no such file",
        "other.md#nowhere: no heading #nowhere in other.md",
    ]
