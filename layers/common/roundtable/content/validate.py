"""Validate a content tree: per-file problems from parsing plus checks across files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roundtable.content.excerpt_checks import check_excerpts, segments
from roundtable.content.model import (
    ArticleExcerpt,
    ChatSegment,
    ContentTree,
    Course,
    MeetingMarker,
    ModuleRef,
    Problem,
    QuestionSegment,
    TextSegment,
    VideoExcerpt,
    Where,
)
from roundtable.content.parse import read_tree
from roundtable.content.problems import did_you_mean, error_at, warning_at


class ContentDirectoryError(ValueError):
    """The path given as a content directory is not a directory."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"content directory {str(path)!r} does not exist or is not a directory")
        self.path = path


@dataclass(frozen=True)
class ValidationReport:
    """The parsed tree and every problem found in it, in file and line order."""

    tree: ContentTree
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
        }


def validate_tree(root: Path) -> ValidationReport:
    """Read and check every file under `root`; never raises for bad content, only reports it."""
    if not root.is_dir():
        raise ContentDirectoryError(root)
    tree, problems = read_tree(root)
    problems.extend(check_tree(tree))
    ordered = sorted(problems, key=lambda p: (p.file, p.line))
    return ValidationReport(tree, tuple(ordered))


def check_tree(tree: ContentTree) -> list[Problem]:
    """Problems that only show across files: duplicates, references, anchors, timestamps."""
    return [
        *_duplicate_slugs(tree),
        *_duplicate_ids(tree),
        *(p for course in tree.courses for p in _check_course(course, tree)),
        *check_excerpts(tree),
        *_unused(tree),
    ]


def _duplicate_slugs(tree: ContentTree) -> Iterator[Problem]:
    groups: dict[str, tuple[Any, ...]] = {
        "course": tree.courses,
        "module": tree.modules,
        "article": tree.articles,
        "video": tree.videos,
        "site page": tree.site_pages,
    }
    for kind, items in groups.items():
        first: dict[str, Where] = {}
        for item in items:
            if item.slug in first:
                message = f"{kind} slug {item.slug!r} is also used by {first[item.slug].file}"
                yield error_at(item.where, 1, message, "rename one of the two files")
            first.setdefault(item.slug, item.where)


_SEGMENT_NAMES: dict[type, str] = {
    TextSegment: "a text segment",
    ArticleExcerpt: "an article excerpt",
    VideoExcerpt: "a video excerpt",
    ChatSegment: "a chat segment",
    QuestionSegment: "a question segment",
}


def _identified(tree: ContentTree) -> Iterator[tuple[str, Where, str]]:
    """(id, where, description) for every item that has an id."""
    for course in tree.courses:
        yield course.id, course.where, f"course {course.slug!r}"
    for module in tree.modules:
        yield module.id, module.where, f"module {module.slug!r}"
        for outcome in module.outcomes:
            yield outcome.id, outcome.where, f"outcome {outcome.title!r}"
            for section in outcome.sections:
                yield section.id, section.where, f"section {section.title!r}"
                for segment in section.segments:
                    yield segment.id, segment.where, _SEGMENT_NAMES[type(segment)]


def _duplicate_ids(tree: ContentTree) -> Iterator[Problem]:
    first: dict[str, tuple[Where, str]] = {}
    for ident, where, description in _identified(tree):
        if not ident:
            continue  # missing or malformed: already reported while parsing
        if ident in first:
            other, other_description = first[ident]
            yield error_at(
                where,
                where.line_of("id"),
                f"id {ident!r} is already used by {other_description} at "
                f"{other.file}:{other.line_of('id')}",
                f"ids are unique across all content; try {_free_id(ident, first)!r}",
            )
            continue
        first[ident] = (where, description)


def _free_id(ident: str, taken: dict[str, Any]) -> str:
    number = 2
    while f"{ident}-{number}" in taken:
        number += 1
    return f"{ident}-{number}"


def _check_course(course: Course, tree: ContentTree) -> Iterator[Problem]:
    slugs = [m.slug for m in tree.modules]
    refs = [e for e in course.entries if isinstance(e, ModuleRef)]
    if not refs:
        yield error_at(
            course.where, 1, "course lists no modules", "add `# Module: <slug>` headings"
        )
    seen: set[str] = set()
    for ref in refs:
        if ref.slug not in slugs:
            hint = did_you_mean(ref.slug, slugs, "modules")
            yield error_at(ref.where, ref.where.line, f"no module named {ref.slug!r}", hint)
        if ref.slug in seen:
            yield error_at(ref.where, ref.where.line, f"module {ref.slug!r} is listed twice")
        seen.add(ref.slug)
    yield from _check_meetings(course)


def _check_meetings(course: Course) -> Iterator[Problem]:
    previous = 0
    for entry in course.entries:
        if not isinstance(entry, MeetingMarker):
            continue
        if entry.number <= previous:
            message = f"meeting {entry.number} comes after meeting {previous}"
            yield error_at(entry.where, entry.where.line, message, "number meetings 1, 2, 3, ...")
        elif previous == 0 and entry.number != 1:
            message = f"first meeting is number {entry.number}"
            yield warning_at(entry.where, entry.where.line, message, "start at 1")
        elif entry.number != previous + 1:
            message = f"meeting {entry.number} follows meeting {previous}; none in between"
            yield warning_at(entry.where, entry.where.line, message, f"was {previous + 1} meant?")
        previous = max(previous, entry.number)
    yield from _modules_due_by_no_meeting(course)


def _modules_due_by_no_meeting(course: Course) -> Iterator[Problem]:
    trailing: list[ModuleRef] = []
    for entry in course.entries:
        trailing = trailing + [entry] if isinstance(entry, ModuleRef) else []
    for ref in trailing:
        if not ref.optional:
            yield warning_at(
                ref.where,
                ref.where.line,
                f"module {ref.slug!r} comes after the last meeting, so it is due by none",
                "add a `# Meeting: N` heading after it",
            )


def _unused(tree: ContentTree) -> Iterator[Problem]:
    listed = {e.slug for c in tree.courses for e in c.entries if isinstance(e, ModuleRef)}
    for module in tree.modules:
        if module.slug not in listed:
            yield warning_at(module.where, 1, f"module {module.slug!r} is in no course")
    all_segments = list(segments(tree))
    cited = {s.article for s in all_segments if isinstance(s, ArticleExcerpt)}
    for article in tree.articles:
        if article.slug not in cited:
            yield warning_at(article.where, 1, f"article {article.slug!r} is excerpted nowhere")
    shown = {s.video for s in all_segments if isinstance(s, VideoExcerpt)}
    for video in tree.videos:
        if video.slug not in shown:
            yield warning_at(video.where, 1, f"video {video.slug!r} is excerpted nowhere")
