"""`name: value` fields (front matter and the lines under a heading), checked against a schema.

Fields are read with YAML's BaseLoader, so every value arrives as a string and
is converted here by its declared kind. That keeps YAML 1.1 surprises out
(`1:20` read as the integer 80, `no` read as False) and lets every bad value
get a message naming the field and its line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlparse

import yaml

from roundtable.content.model import Problem

FieldKind = Literal["text", "bool", "time", "id", "url", "youtube_id", "int"]

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}


@dataclass(frozen=True)
class FieldSpec:
    kind: FieldKind = "text"
    required: bool = False


Schema = Mapping[str, FieldSpec]


@dataclass
class Fields:
    """Converted field values and the line each was written on."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def text(self, name: str, default: str = "") -> str:
        return str(self.values.get(name, default))

    def flag(self, name: str, default: bool) -> bool:
        return bool(self.values.get(name, default))

    def seconds(self, name: str) -> int | None:
        value = self.values.get(name)
        return int(value) if value is not None else None


class FieldValueError(ValueError):
    """A field's value does not fit its kind; the message says what would."""


def parse_timestamp(text: str) -> int:
    """Seconds from `SS`, `M:SS` or `H:MM:SS`."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    match = _TIMESTAMP.match(text)
    if match is None:
        raise FieldValueError(f"{text!r} is not a timestamp; write M:SS, H:MM:SS or seconds")
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    if seconds >= 60 or (match.group(1) and minutes >= 60):
        raise FieldValueError(f"{text!r} is not a timestamp; minutes and seconds go up to 59")
    return hours * 3600 + minutes * 60 + seconds


def format_timestamp(seconds: int) -> str:
    """`M:SS` or `H:MM:SS`, the inverse of parse_timestamp."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def nearest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The closest choice to a misspelt word, or None when nothing is close."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return found[0] if found else None


def _to_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE | _FALSE:
        return lowered in _TRUE
    raise FieldValueError(f"{text!r} is not true or false")


def _to_id(text: str) -> str:
    if not ID_PATTERN.match(text):
        raise FieldValueError(
            f"{text!r} is not a valid id; use letters, digits, '.', '_' or '-' (at most 100)"
        )
    return text


def _to_url(text: str) -> str:
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise FieldValueError(f"{text!r} is not an http(s) URL")
    return text


def _to_youtube_id(text: str) -> str:
    if not _YOUTUBE_ID.match(text):
        raise FieldValueError(f"{text!r} is not a YouTube video id (11 letters, digits, - or _)")
    return text


def _to_int(text: str) -> int:
    if not text.strip().isdigit():
        raise FieldValueError(f"{text!r} is not a whole number")
    return int(text)


def _to_text(text: str) -> str:
    return text.strip()


_CONVERTERS: dict[FieldKind, Callable[[str], Any]] = {
    "text": _to_text,
    "bool": _to_bool,
    "time": parse_timestamp,
    "id": _to_id,
    "url": _to_url,
    "youtube_id": _to_youtube_id,
    "int": _to_int,
}


@dataclass
class FieldReader:
    """Reads one block of fields for one item, collecting problems instead of stopping."""

    file: str
    first_line: int  # file line of the block's first line
    schema: Schema
    what: str  # "module front matter", "Section heading", ... for messages
    problems: list[Problem] = field(default_factory=list)

    def read(self, text: str, item_line: int, id_hint: str | None = None) -> Fields:
        fields = Fields()
        entries = self._entries(text)
        if entries is None:
            return fields  # unreadable: "missing field" errors would only be noise
        for key, value_node, line in entries:
            self._read_entry(fields, key, value_node, line)
        self._check_required(fields, item_line, id_hint)
        return fields

    def _entries(self, text: str) -> list[tuple[str, yaml.Node, int]] | None:
        if not text.strip():
            return []
        try:
            node = yaml.compose(text, Loader=yaml.BaseLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = self.first_line + (mark.line if mark is not None else 0)
            reason = getattr(exc, "problem", None) or str(exc)
            self._error(
                line,
                f"{self.what} is not valid `name: value` YAML: {reason}",
                "quote a value that contains ': ' or starts with a special character",
            )
            return None
        if not isinstance(node, yaml.MappingNode):
            self._error(
                self.first_line,
                f"{self.what}: expected `name: value` lines",
                "fields go directly under the heading; leave a blank line before the text",
            )
            return None
        return [
            (str(key.value), value, self.first_line + key.start_mark.line)
            for key, value in node.value
        ]

    def _read_entry(self, fields: Fields, key: str, node: yaml.Node, line: int) -> None:
        if key in fields.lines:
            self._error(
                line, f"field {key!r} is given twice", f"first given on line {fields.lines[key]}"
            )
            return
        spec = self.schema.get(key)
        if spec is None:
            self._unknown_field(key, line)
            return
        fields.lines[key] = line
        if not isinstance(node, yaml.ScalarNode):
            self._error(line, f"field {key!r} must be a single value, not a list or mapping")
            return
        try:
            fields.values[key] = _CONVERTERS[spec.kind](str(node.value))
        except FieldValueError as exc:
            self._error(line, f"field {key!r}: {exc}")

    def _unknown_field(self, key: str, line: int) -> None:
        guess = nearest(key, tuple(self.schema))
        hint = f"did you mean {guess!r}?" if guess else f"known fields: {', '.join(self.schema)}"
        self._error(line, f"unknown field {key!r} in {self.what}", hint)

    def _check_required(self, fields: Fields, item_line: int, id_hint: str | None) -> None:
        for name, spec in self.schema.items():
            if not spec.required:
                continue
            if name not in fields.lines:
                hint = f"add a line `id: {id_hint}`" if name == "id" and id_hint else None
                self._error(item_line, f"{self.what} is missing required field {name!r}", hint)
            elif fields.values.get(name) == "":
                self._error(fields.lines[name], f"field {name!r} must not be empty")

    def _error(self, line: int, message: str, suggestion: str | None = None) -> None:
        self.problems.append(Problem(self.file, line, message, suggestion))
