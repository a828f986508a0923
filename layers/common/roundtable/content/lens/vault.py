"""A vault on disk: its Markdown files, their front matter, and wikilinks between them."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from roundtable.content.lens.notes import Notes

# `[[path]]`, `[[path|shown text]]`, and embeds `![[path]]`.
WIKILINK = re.compile(r"(!?)\[\[([^\]|]*)(?:\|([^\]]*))?\]\]")
# Authoring markup the predecessor removes before parsing: Obsidian comments
# and CriticMarkup, read as if every suggested change were rejected.
_OBSIDIAN_COMMENT = re.compile(r"%%.*?%%", re.S)
_CRITIC_COMMENT = re.compile(r"\{>>.*?<<\}", re.S)
_CRITIC_ADDITION = re.compile(r"\{\+\+.*?\+\+\}", re.S)
_CRITIC_KEEP_INNER = re.compile(r"\{(--|==)(?:\{[^}]*\}@@)?(.*?)(?:--|==)\}", re.S)
_CRITIC_SUBSTITUTION = re.compile(r"\{~~(?:\{[^}]*\}@@)?(.*?)~>.*?~~\}", re.S)


@dataclass(frozen=True)
class Link:
    """A wikilink: the path as written, the text shown instead of it, and whether it embeds."""

    target: str
    shown: str | None
    embed: bool

    @property
    def label(self) -> str:
        """What a reader sees: the shown text, else the file's name."""
        return self.shown or posixpath.basename(self.target).removesuffix(".md")


@dataclass(frozen=True)
class VaultFile:
    """One Markdown file of the vault, front matter read, authoring markup removed."""

    path: str  # relative to the vault, with `/`
    front: dict[str, Any]
    body: list[str]  # the lines after the front matter
    body_line: int  # file line of body[0]

    @property
    def stem(self) -> str:
        return posixpath.basename(self.path).removesuffix(".md")


@dataclass
class Vault:
    """Every Markdown file of a vault by relative path, plus the word timings of videos."""

    root: Path
    texts: dict[str, str]
    notes: Notes = field(default_factory=Notes)

    @classmethod
    def read(cls, root: Path) -> Vault:
        texts = {
            path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(root.rglob("*.md"))
            if not any(part.startswith(".") for part in path.relative_to(root).parts)
        }
        return cls(root, texts)

    def in_folder(self, folder: str) -> list[str]:
        """Paths of the files under a top-level folder (`modules`, `courses`...)."""
        return [path for path in self.texts if path.split("/", 1)[0] == folder]

    def file(self, path: str) -> VaultFile | None:
        """The file parsed, or None (with a problem) when its front matter is unreadable."""
        lines = strip_authoring_markup(self.texts[path]).split("\n")
        if not lines or lines[0].strip() != "---":
            self.notes.invalid(path, 1, "no front matter (`---` lines): the file is skipped")
            return None
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
        if end is None:
            self.notes.invalid(path, 1, "front matter never closed: the file is skipped")
            return None
        try:
            front = yaml.safe_load("\n".join(lines[1:end])) or {}
        except yaml.YAMLError as exc:
            self.notes.invalid(path, 2, f"front matter is not valid YAML: {exc}")
            return None
        if not isinstance(front, dict):
            self.notes.invalid(path, 2, "front matter is not `name: value` lines")
            return None
        return VaultFile(path, front, lines[end + 1 :], end + 2)

    def resolve(self, link: Link, from_path: str) -> str | None:
        """The vault path a link points at, relative to the linking file as Obsidian does:
        the path as written, then with `.md`, then (for a bare name) any file of that name."""
        target = link.target.strip()
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), target))
        for candidate in (joined, f"{joined}.md"):
            if candidate in self.texts:
                return candidate
        if "/" not in target:
            name = target.removesuffix(".md")
            matches = [path for path in self.texts if posixpath.basename(path) == f"{name}.md"]
            if len(matches) == 1:
                return matches[0]
        return None


def parse_link(text: str) -> Link | None:
    """The first wikilink in a field value, or None."""
    match = WIKILINK.search(text)
    if match is None or not match.group(2).strip():
        return None
    shown = match.group(3).strip() if match.group(3) else None
    return Link(match.group(2).strip(), shown or None, match.group(1) == "!")


def strip_authoring_markup(text: str) -> str:
    """The text a reader of the published course sees: comments and unaccepted edits removed."""
    text = _CRITIC_COMMENT.sub("", text)
    text = _CRITIC_ADDITION.sub("", text)
    text = _CRITIC_KEEP_INNER.sub(lambda m: m.group(2), text)
    text = _CRITIC_SUBSTITUTION.sub(lambda m: m.group(1), text)
    text = _OBSIDIAN_COMMENT.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))
