"""`import_vault`: a whole vault converted, written to a folder, and validated there."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from roundtable.content.github import GitHubFetchError, GitHubSource, fetch_content_folder
from roundtable.content.lens.convert import Converter, Module
from roundtable.content.lens.sections import split_sections
from roundtable.content.lens.vault import Vault, parse_link
from roundtable.content.lens.writer import course_file
from roundtable.content.model import Problem
from roundtable.content.source import slugify
from roundtable.content.validate import ValidationReport, validate_tree

COURSE_KINDS = frozenset({"module", "meeting"})


class ImportTargetError(Exception):
    """The destination cannot be written: it exists and is not empty, or the source is no vault."""


@dataclass(frozen=True)
class ImportReport:
    """What was written, what could not be carried over, and the result's own validation."""

    counts: dict[str, int]
    notes: tuple[Problem, ...]  # located in the vault
    validation: ValidationReport  # located in the written folder

    @property
    def ok(self) -> bool:
        return not any(note.severity == "error" for note in self.notes) and self.validation.ok


def import_vault(source: Path, destination: Path) -> ImportReport:
    """Convert the vault at `source` into a new content folder at `destination`."""
    _check_target(source, destination)
    vault = Vault.read(source)
    converter = Converter(vault)
    modules = {
        path: module
        for path in vault.in_folder("modules")
        if (module := converter.module(path)) is not None
    }
    courses = {
        slug: text
        for path in vault.in_folder("courses")
        if (course := _course(vault, path, modules)) is not None
        for slug, text in [course]
    }
    files = {
        **{f"courses/{slug}.md": text for slug, text in courses.items()},
        **{f"modules/{m.slug}.md": m.text() for m in modules.values()},
        **{f"articles/{slug}.md": text for slug, text in converter.media.article_files().items()},
        **{f"videos/{slug}.md": text for slug, text in converter.media.video_files().items()},
    }
    destination.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    counts = {
        kind: sum(1 for name in files if name.startswith(f"{kind}/"))
        for kind in ("courses", "modules", "articles", "videos")
    }
    return ImportReport(counts, vault.notes.unique(), validate_tree(destination))


# github:<owner>/<repo>[@<ref>][:<folder in the repository>]
_GITHUB_SPEC = re.compile(r"^github:([\w.-]+/[\w.-]+)(?:@([^:\s]+))?(?::(.*))?$")
# Everything a vault holds that the import reads: notes, and the videos' word timings.
_VAULT_SUFFIXES = (".md", ".timestamps.json")


def import_from(spec: str, destination: Path) -> ImportReport:
    """Import from a folder, or from `github:owner/repo[@ref][:folder]` (GITHUB_TOKEN for a
    private repository, GITHUB_API_BASE for GitHub Enterprise) fetched like published content."""
    match = _GITHUB_SPEC.match(spec)
    if match is None:
        if spec.startswith("github:"):
            raise ImportTargetError(f"{spec!r}: write github:<owner>/<repo>[@<ref>][:<folder>]")
        return import_vault(Path(spec), destination)
    repository, ref, folder = match.group(1), match.group(2) or "main", match.group(3) or ""
    source = GitHubSource(
        repository=repository,
        api_base=os.environ.get("GITHUB_API_BASE", "https://api.github.com"),
        token=os.environ.get("GITHUB_TOKEN") or None,
        folder=folder.strip("/"),
    )
    with tempfile.TemporaryDirectory(prefix="lens-vault-") as scratch:
        try:
            vault = fetch_content_folder(source, ref, Path(scratch), _VAULT_SUFFIXES)
        except GitHubFetchError as exc:
            raise ImportTargetError(str(exc)) from exc
        return import_vault(vault, destination)


def _check_target(source: Path, destination: Path) -> None:
    if not source.is_dir():
        raise ImportTargetError(f"{source} is not a folder")
    if not (source / "modules").is_dir():
        raise ImportTargetError(f"{source} has no modules/ folder: is it a Lens Academy vault?")
    if destination.exists() and any(destination.iterdir()):
        raise ImportTargetError(f"{destination} is not empty: import into a new folder")


def _course(vault: Vault, path: str, modules: dict[str, Module]) -> tuple[str, str] | None:
    """(slug, file text) of a course: its modules by slug, its named meetings numbered."""
    file = vault.file(path)
    if file is None:
        return None
    slug, title = str(file.front.get("slug") or file.stem), str(file.front.get("title") or "")
    if not title:
        vault.notes.invalid(path, 2, "course has no `title`")
        return None
    sections, _ = split_sections(file.body, file.body_line, COURSE_KINDS)
    entries: list[tuple[str, str, bool]] = []
    listed: set[str] = set()
    meetings: list[str] = []
    missing = 0
    for section in sections:
        if section.kind == "meeting":
            meetings.append(section.title)
            entries.append(("meeting", str(len(meetings)), False))
            continue
        module = _listed_module(vault, path, section.title, section.line, modules)
        if module is None:
            missing += 1
        elif module.slug in listed:
            vault.notes.changed(
                path, section.line, f"module '{module.slug}' listed again: kept once"
            )
        else:
            listed.add(module.slug)
            entries.append(("module", module.slug, section.fields().flag("optional")))
    if missing:
        vault.notes.invalid(path, 1, "course not written: some of its modules could not be")
        return None
    if any(name and name != str(number) for number, name in enumerate(meetings, 1)):
        named = "; ".join(f"{n} = {name}" for n, name in enumerate(meetings, 1))
        vault.notes.changed(path, 1, f"meetings are numbered, their names not kept: {named}")
    fields = {"id": file.front.get("id") or f"course-{slugify(slug)}", "title": title}
    return slugify(slug), course_file(fields, entries)


def _listed_module(
    vault: Vault, path: str, title: str, line: int, modules: dict[str, Module]
) -> Module | None:
    link = parse_link(title)
    target = vault.resolve(link, path) if link else None
    module = modules.get(target or "")
    if module is None:
        vault.notes.invalid(path, line, f"`# Module: {title}` names no module that was written")
    return module
