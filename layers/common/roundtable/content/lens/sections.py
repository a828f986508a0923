"""Headed sections and their `name:: value` fields, as the predecessor's format writes them.

A section opens with a Markdown heading whose text starts with a kind
(`# Learning Outcome:`, `## Lens: Title`, `#### Text`). Under it, a line
`name:: value` opens a field whose value runs over the following lines until
the next field or heading; a heading ends the fields.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,6})\s+([^:]+?)(?::\s*(.*?))?\s*$")
_FIELD = re.compile(r"^([\w-]+)::\s*(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class Section:
    """One headed section: its kind (lower case), title, fields and the lines under it."""

    kind: str
    title: str
    level: int
    line: int
    body: list[str] = field(default_factory=list)
    body_line: int = 0

    def fields(self) -> Fields:
        """The fields written directly under the heading (up to the first heading below)."""
        return read_fields(self.body, self.body_line)


@dataclass(frozen=True)
class Fields:
    values: dict[str, str]
    lines: dict[str, int]
    stray_line: int | None  # the first line of text that belongs to no field

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def line(self, name: str, default: int) -> int:
        return self.lines.get(name, default)

    def flag(self, name: str) -> bool:
        return self.get(name).lower() == "true"


def heading(line: str) -> tuple[int, str, str] | None:
    """(level, kind in lower case, title) of a heading line, or None."""
    match = _HEADING.match(line)
    if match is None:
        return None
    return len(match.group(1)), match.group(2).strip().lower(), (match.group(3) or "").strip()


def split_sections(
    lines: list[str], first_line: int, kinds: Collection[str], *, flat: bool = False
) -> tuple[list[Section], int | None]:
    """The sections of the given kinds in `lines`, and the line of any text before the first.

    Nested (the default): the first section's heading level is the sibling
    level; headings of those kinds deeper than it stay in their section's body.
    Flat: every heading of those kinds opens a section (segments in a lens).
    """
    sections: list[Section] = []
    stray: int | None = None
    sibling_level = 0
    in_fence = False
    for offset, text in enumerate(lines):
        number = first_line + offset
        if _FENCE.match(text):
            in_fence = not in_fence
        found = None if in_fence else heading(text)
        if found is not None and found[1] in kinds:
            level, kind, title = found
            if flat or not sibling_level or level <= sibling_level:
                sibling_level = sibling_level or level
                sections.append(Section(kind, title, level, number, [], number + 1))
                continue
        if sections:
            sections[-1].body.append(text)
        elif text.strip() and stray is None and not _FIELD.match(text):
            stray = number
    return sections, stray


def read_fields(lines: list[str], first_line: int) -> Fields:
    """`name:: value` fields until the first heading; multi-line values keep their lines."""
    values: dict[str, list[str]] = {}
    where: dict[str, int] = {}
    current: str | None = None
    stray: int | None = None
    for offset, text in enumerate(lines):
        if heading(text) is not None:
            break
        match = _FIELD.match(text)
        if match is not None:
            current = match.group(1)
            values[current] = [match.group(2)] if match.group(2).strip() else []
            where[current] = first_line + offset
        elif current is not None:
            values[current].append(text)
        elif text.strip() and stray is None:
            stray = first_line + offset
    joined = {name: "\n".join(value).strip() for name, value in values.items()}
    return Fields(joined, where, stray)
