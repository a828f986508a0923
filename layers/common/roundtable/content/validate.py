"""Validate a content tree: per-file problems from parsing plus checks across files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roundtable.content.excerpts import (
    AnchorNotFoundError,
    AnchorOrderError,
    count_anchor,
    cut_article,
    nearest_passage,
    transcript_span,
)
from roundtable.content.fields import format_timestamp, nearest
from roundtable.content.model import (
    Article,
    ArticleExcerpt,
    ChatSegment,
    ContentTree,
    Course,
    MeetingMarker,
    ModuleRef,
    Problem,
    Segment,
    TextSegment,
    Video,
    VideoExcerpt,
    Where,
)
from roundtable.content.parse import read_tree


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
        *_check_segments(tree),
        *_unused(tree),
    ]


def _error(where: Where, line: int, message: str, suggestion: str | None = None) -> Problem:
    return Problem(where.file, line, message, suggestion)


def _warning(where: Where, line: int, message: str, suggestion: str | None = None) -> Problem:
    return Problem(where.file, line, message, suggestion, "warning")


def _did_you_mean(word: str, choices: list[str], kind: str) -> str:
    guess = nearest(word, choices)
    if guess:
        return f"did you mean {guess!r}?"
    return f"existing {kind}: {', '.join(sorted(choices))}" if choices else f"there are no {kind}"


def _duplicate_slugs(tree: ContentTree) -> Iterator[Problem]:
    groups: dict[str, tuple[Any, ...]] = {
        "course": tree.courses,
        "module": tree.modules,
        "article": tree.articles,
        "video": tree.videos,
    }
    for kind, items in groups.items():
        first: dict[str, Where] = {}
        for item in items:
            if item.slug in first:
                message = f"{kind} slug {item.slug!r} is also used by {first[item.slug].file}"
                yield _error(item.where, 1, message, "rename one of the two files")
            first.setdefault(item.slug, item.where)


_SEGMENT_NAMES: dict[type, str] = {
    TextSegment: "a text segment",
    ArticleExcerpt: "an article excerpt",
    VideoExcerpt: "a video excerpt",
    ChatSegment: "a chat segment",
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
            yield _error(
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
        yield _error(course.where, 1, "course lists no modules", "add `# Module: <slug>` headings")
    seen: set[str] = set()
    for ref in refs:
        if ref.slug not in slugs:
            hint = _did_you_mean(ref.slug, slugs, "modules")
            yield _error(ref.where, ref.where.line, f"no module named {ref.slug!r}", hint)
        if ref.slug in seen:
            yield _error(ref.where, ref.where.line, f"module {ref.slug!r} is listed twice")
        seen.add(ref.slug)
    yield from _check_meetings(course)


def _check_meetings(course: Course) -> Iterator[Problem]:
    previous = 0
    for entry in course.entries:
        if not isinstance(entry, MeetingMarker):
            continue
        if entry.number <= previous:
            message = f"meeting {entry.number} comes after meeting {previous}"
            yield _error(entry.where, entry.where.line, message, "number meetings 1, 2, 3, ...")
        elif previous == 0 and entry.number != 1:
            message = f"first meeting is number {entry.number}"
            yield _warning(entry.where, entry.where.line, message, "start at 1")
        elif entry.number != previous + 1:
            message = f"meeting {entry.number} follows meeting {previous}; none in between"
            yield _warning(entry.where, entry.where.line, message, f"was {previous + 1} meant?")
        previous = max(previous, entry.number)
    yield from _modules_due_by_no_meeting(course)


def _modules_due_by_no_meeting(course: Course) -> Iterator[Problem]:
    trailing: list[ModuleRef] = []
    for entry in course.entries:
        trailing = trailing + [entry] if isinstance(entry, ModuleRef) else []
    for ref in trailing:
        if not ref.optional:
            yield _warning(
                ref.where,
                ref.where.line,
                f"module {ref.slug!r} comes after the last meeting, so it is due by none",
                "add a `# Meeting: N` heading after it",
            )


def _segments(tree: ContentTree) -> Iterator[Segment]:
    for module in tree.modules:
        for outcome in module.outcomes:
            for section in outcome.sections:
                yield from section.segments


def _check_segments(tree: ContentTree) -> Iterator[Problem]:
    articles = {a.slug: a for a in tree.articles}
    videos = {v.slug: v for v in tree.videos}
    for segment in _segments(tree):
        if isinstance(segment, ArticleExcerpt):
            yield from _check_article_excerpt(segment, articles)
        elif isinstance(segment, VideoExcerpt):
            yield from _check_video_excerpt(segment, videos)


def _check_article_excerpt(
    excerpt: ArticleExcerpt, articles: dict[str, Article]
) -> Iterator[Problem]:
    where = excerpt.where
    article = articles.get(excerpt.article)
    if article is None:
        if excerpt.article:
            hint = _did_you_mean(excerpt.article, list(articles), "articles")
            yield _error(where, where.line_of("article"), f"no article {excerpt.article!r}", hint)
        return
    try:
        cut_article(article.markdown, excerpt.from_anchor, excerpt.to_anchor)
    except AnchorNotFoundError as exc:
        passage = nearest_passage(exc.anchor, article.markdown)
        hint = f"closest passage: {passage!r}" if passage else f"search {article.where.file}"
        yield _error(where, where.line_of(exc.name), str(exc), hint)
        return
    except AnchorOrderError as exc:
        yield _error(where, where.line_of("to"), str(exc), "swap the anchors or pick a later one")
        return
    yield from _ambiguous_anchors(excerpt, article)


def _ambiguous_anchors(excerpt: ArticleExcerpt, article: Article) -> Iterator[Problem]:
    for name, anchor in (("from", excerpt.from_anchor), ("to", excerpt.to_anchor)):
        count = count_anchor(article.markdown, anchor) if anchor else 0
        if count > 1:
            yield _warning(
                excerpt.where,
                excerpt.where.line_of(name),
                f"{name!r} anchor {anchor!r} occurs {count} times; the first is used",
                "lengthen the anchor so it occurs once",
            )


def _check_video_excerpt(excerpt: VideoExcerpt, videos: dict[str, Video]) -> Iterator[Problem]:
    where = excerpt.where
    video = videos.get(excerpt.video)
    if video is None:
        if excerpt.video:
            hint = _did_you_mean(excerpt.video, list(videos), "videos")
            yield _error(where, where.line_of("video"), f"no video {excerpt.video!r}", hint)
        return
    length = format_timestamp(video.duration_s)
    if excerpt.start_s >= excerpt.end_s:
        yield _error(where, where.line_of("to"), "'to' is not after 'from'")
    for name, at in (("from", excerpt.start_s), ("to", excerpt.end_s)):
        if video.duration_s and at > video.duration_s:
            message = f"{name!r} {format_timestamp(at)} is after the end of the video ({length})"
            yield _error(where, where.line_of(name), message, f"use a time up to {length}")
    if excerpt.start_s < excerpt.end_s and not transcript_span(
        video.transcript, excerpt.start_s, excerpt.end_s
    ):
        yield _warning(where, where.line, "no transcript lines fall inside this excerpt")


def _unused(tree: ContentTree) -> Iterator[Problem]:
    listed = {e.slug for c in tree.courses for e in c.entries if isinstance(e, ModuleRef)}
    for module in tree.modules:
        if module.slug not in listed:
            yield _warning(module.where, 1, f"module {module.slug!r} is in no course")
    segments = list(_segments(tree))
    cited = {s.article for s in segments if isinstance(s, ArticleExcerpt)}
    for article in tree.articles:
        if article.slug not in cited:
            yield _warning(article.where, 1, f"article {article.slug!r} is excerpted nowhere")
    shown = {s.video for s in segments if isinstance(s, VideoExcerpt)}
    for video in tree.videos:
        if video.slug not in shown:
            yield _warning(video.where, 1, f"video {video.slug!r} is excerpted nowhere")
