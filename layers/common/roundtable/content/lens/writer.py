"""Roundtable's content files written out: front matter, typed headings, fields, bodies."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# A value YAML reads back as the same plain string; anything else is written
# as a JSON string, which YAML reads as a double-quoted scalar.
_PLAIN = re.compile(r"^[A-Za-z0-9(][^\n]*$")
_UNSAFE_INSIDE = (": ", " #", "\t")
_HEADING = re.compile(r"^(#{1,3})(\s)")


def value(text: object) -> str:
    """One field value, on one line, quoted when YAML would misread it."""
    one_line = " ".join(str(text).split())
    safe = not one_line.endswith(":") and not any(m in one_line for m in _UNSAFE_INSIDE)
    if _PLAIN.match(one_line) and safe:
        return one_line
    return json.dumps(one_line, ensure_ascii=False)


def field_lines(name: str, text: object) -> list[str]:
    """`name: value`, or for text on several lines a YAML block (`name: |` and the lines
    indented under it; blank lines left out, since a blank line ends a heading's fields)."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if len(lines) > 1:
        return [f"{name}: |"] + [f"  {line}" for line in lines]
    return [f"{name}: {value(text)}"]


def front_matter(fields: Mapping[str, object]) -> str:
    lines = [f"{name}: {value(text)}" for name, text in fields.items() if text not in (None, "")]
    return "---\n" + "\n".join(lines) + "\n---\n"


def demote_headings(markdown: str) -> str:
    """Headings of level 1-3 inside a body become level 4: Roundtable reads those as structure."""
    return "\n".join(_HEADING.sub("####\\2", line) for line in markdown.split("\n"))


@dataclass
class Segment:
    kind: str  # Text, Article, Video, Chat
    id: str
    title: str = ""
    optional: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass
class Section:
    id: str
    title: str
    optional: bool
    segments: list[Segment]


@dataclass
class Outcome:
    id: str
    title: str
    sections: list[Section]


def heading_block(level: int, kind: str, title: str, fields: Mapping[str, object]) -> str:
    """`### Kind: title`, its fields right under it, and nothing else."""
    head = "#" * level + f" {kind}" + (f": {' '.join(title.split())}" if title else "")
    lines = [head]
    for name, text in fields.items():
        if text not in (None, "", False):
            lines.extend(field_lines(name, text))
    return "\n".join(lines)


def module_file(fields: Mapping[str, object], outcomes: list[Outcome]) -> str:
    blocks = [front_matter(fields)]
    for outcome in outcomes:
        blocks.append(heading_block(1, "Outcome", outcome.title, {"id": outcome.id}))
        for section in outcome.sections:
            flags = {"id": section.id, "optional": "true" if section.optional else ""}
            blocks.append(heading_block(2, "Section", section.title, flags))
            blocks.extend(_segment(segment) for segment in section.segments)
    return "\n\n".join(blocks).strip() + "\n"


def _segment(segment: Segment) -> str:
    fields: dict[str, object] = {"id": segment.id}
    if segment.optional:
        fields["optional"] = "true"
    fields.update(segment.fields)
    block = heading_block(3, segment.kind, segment.title, fields)
    return f"{block}\n\n{segment.body.strip()}" if segment.body.strip() else block


def course_file(fields: Mapping[str, object], entries: list[tuple[str, str, bool]]) -> str:
    """entries: ("module", slug, optional) or ("meeting", number, False), in order."""
    blocks = [front_matter(fields)]
    for kind, name, optional in entries:
        extra = {"optional": "true"} if optional else {}
        blocks.append(heading_block(1, kind.capitalize(), name, extra))
    return "\n\n".join(blocks).strip() + "\n"
