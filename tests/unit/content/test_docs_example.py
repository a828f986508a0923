"""The complete example in docs/content.md is a valid content folder."""

from __future__ import annotations

import re
from pathlib import Path

from roundtable.content.validate import validate_tree

DOC = Path(__file__).resolve().parents[3] / "docs" / "content.md"
_EXAMPLE = re.compile(r"<!-- file: (\S+) -->\n```markdown\n(.*?)\n```", re.DOTALL)
_STUB_MODULE = """---
id: module-{slug}
title: {slug}
---

# Outcome: Stub
id: {slug}.outcome

## Section: Stub
id: {slug}.section

### Text
id: {slug}.text

Stub text.
"""


def _write_examples(root: Path) -> list[str]:
    written = []
    for path, text in _EXAMPLE.findall(DOC.read_text(encoding="utf-8")):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written


def test_the_documented_example_validates_without_problems(tmp_path: Path) -> None:
    written = _write_examples(tmp_path)
    for slug in ("notes-in-practice", "note-taking-tools"):
        (tmp_path / "modules" / f"{slug}.md").write_text(_STUB_MODULE.format(slug=slug))

    report = validate_tree(tmp_path)

    assert len(written) == 4
    assert [str(p) for p in report.problems] == []
