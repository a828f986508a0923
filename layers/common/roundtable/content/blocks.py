"""The shape of a content file: front matter, then blocks that each open with a typed heading.

A typed heading is a level 1–3 Markdown heading whose text starts with a kind
(`# Outcome: ...`, `### Chat`). The non-blank lines right under it are its
fields; the text after the first blank line is its body. Headings of level 4
and deeper, and anything inside a code fence, are ordinary Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from roundtable.content.fields import nearest
from roundtable.content.model import Problem

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_FRONT_MATTER_END = ("---", "...")


@dataclass(frozen=True)
class FrontMatter:
    text: str
    first_line: int  # file line of the first front matter line
    body_lines: list[str]
    body_first_line: int


@dataclass(frozen=True)
class Block:
    kind: str  # lower case, one of the kinds the file allows
    level: int
    title: str
    line: int
    fields_text: str
    fields_line: int
    body: str
    body_line: int


def split_front_matter(text: str, file: str, problems: list[Problem]) -> FrontMatter | None:
    """The front matter between the opening and closing `---`, or None with a problem."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(file, 1, "file does not start with front matter", "make line 1 `---`")
        )
        return None
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in _FRONT_MATTER_END:
            return FrontMatter("\n".join(lines[1:index]), 2, lines[index + 1 :], index + 2)
    problems.append(
        Problem(file, 1, "front matter is never closed", "add a `---` line after the fields")
    )
    return None


def _is_blank(line: str) -> bool:
    return not line.strip()


def _join_body(lines: list[tuple[int, str]]) -> tuple[str, int]:
    """Body text without surrounding blank lines, and the line it starts on."""
    while lines and _is_blank(lines[0][1]):
        lines = lines[1:]
    while lines and _is_blank(lines[-1][1]):
        lines = lines[:-1]
    start = lines[0][0] if lines else 0
    return "\n".join(text for _, text in lines), start


@dataclass
class _OpenBlock:
    kind: str
    level: int
    title: str
    line: int
    field_lines: list[tuple[int, str]]
    body_lines: list[tuple[int, str]]
    in_fields: bool = True

    def add(self, number: int, line: str) -> None:
        if self.in_fields and not _is_blank(line):
            self.field_lines.append((number, line))
            return
        self.in_fields = False
        self.body_lines.append((number, line))

    def close(self) -> Block:
        fields_line = self.field_lines[0][0] if self.field_lines else self.line + 1
        body, body_line = _join_body(self.body_lines)
        fields_text = "\n".join(text for _, text in self.field_lines)
        return Block(
            self.kind, self.level, self.title, self.line, fields_text, fields_line, body, body_line
        )


@dataclass
class BlockSplitter:
    """Cuts a file body into typed blocks; `kinds` maps each allowed kind to its heading level."""

    file: str
    kinds: Mapping[str, int]
    problems: list[Problem]

    def split(self, lines: list[str], first_line: int) -> tuple[str, list[Block]]:
        preamble: list[tuple[int, str]] = []
        blocks: list[Block] = []
        current: _OpenBlock | None = None
        skipping = False  # under a heading of an unknown kind, already reported
        in_fence = False
        for number, line in enumerate(lines, start=first_line):
            if _FENCE.match(line):
                in_fence = not in_fence
            heading = None if in_fence else _HEADING.match(line)
            if heading is not None:
                if current is not None:
                    blocks.append(current.close())
                current = self._open(number, len(heading.group(1)), heading.group(2))
                skipping = current is None
            elif current is not None:
                current.add(number, line)
            elif not skipping:
                preamble.append((number, line))
        if current is not None:
            blocks.append(current.close())
        return _join_body(preamble)[0], blocks

    def _open(self, number: int, level: int, text: str) -> _OpenBlock | None:
        word, _, title = text.partition(":")
        kind = word.strip().lower()
        if kind not in self.kinds:
            self._unknown_kind(number, level, word.strip(), title)
            return None
        expected = self.kinds[kind]
        if level != expected:
            self.problems.append(
                Problem(
                    self.file,
                    number,
                    f"{word.strip()} heading is level {level}",
                    f"write `{'#' * expected} {text}`",
                )
            )
        return _OpenBlock(kind, level, title.strip(), number, [], [])

    def _unknown_kind(self, number: int, level: int, word: str, title: str) -> None:
        first = word.split()[0].lower() if word.split() else ""
        if first in self.kinds and not title:
            rest = word.split(maxsplit=1)[1]
            hint = f"write `{'#' * self.kinds[first]} {first.capitalize()}: {rest}`"
        else:
            guess = nearest(word.lower(), tuple(self.kinds))
            known = ", ".join(k.capitalize() for k in self.kinds)
            hint = f"did you mean {guess.capitalize()!r}?" if guess else f"known kinds: {known}"
        hint += "; use #### or deeper for headings inside text"
        self.problems.append(
            Problem(self.file, number, f"unknown heading kind {word!r} at level {level}", hint)
        )
