"""One content file being parsed, and the helpers every item parser shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from roundtable.content.fields import FieldReader, Fields, Schema
from roundtable.content.model import Problem


def slugify(text: str) -> str:
    """Lower-case words joined by '-', the shape slugs and suggested ids take."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())) or "item"


@dataclass
class ContentFile:
    """One file being parsed: its path relative to the root, its text, its problems."""

    path: str
    text: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return Path(self.path).stem

    def problem(self, line: int, message: str, suggestion: str | None = None) -> None:
        self.problems.append(Problem(self.path, line, message, suggestion))

    def warning(self, line: int, message: str, suggestion: str | None = None) -> None:
        self.problems.append(Problem(self.path, line, message, suggestion, "warning"))

    def fields(self, text: str, first_line: int, item_line: int, spec: FieldSpecs) -> Fields:
        reader = FieldReader(self.path, first_line, spec.schema, spec.what, self.problems)
        return reader.read(text, item_line, spec.id_hint)


@dataclass(frozen=True)
class FieldSpecs:
    schema: Schema
    what: str
    id_hint: str | None = None
