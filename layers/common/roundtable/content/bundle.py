"""Content bundles: one immutable JSON document per valid content tree, versioned by its hash.

The version is the SHA-256 of the bundle's canonical JSON (sorted keys, no
spaces, UTF-8) without the version field, so the same tree always gives the
same version and any edit gives a new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roundtable.content.article_context import context_after, context_before, table_of_contents
from roundtable.content.excerpts import excerpt_span, transcript_span, transcript_text
from roundtable.content.model import (
    Article,
    ArticleExcerpt,
    ChatSegment,
    ContentTree,
    Course,
    FeedbackForm,
    MeetingMarker,
    Module,
    Problem,
    QuestionSegment,
    Segment,
    SitePage,
    TextSegment,
    Video,
)
from roundtable.content.validate import ValidationReport, validate_tree

BUNDLE_FORMAT = 1


class ContentInvalidError(ValueError):
    """The content tree has errors, so no bundle can be built from it."""

    def __init__(self, errors: tuple[Problem, ...]) -> None:
        first = f": {errors[0]}" if errors else ""
        super().__init__(f"content has {len(errors)} error(s){first}")
        self.errors = errors


class BundleCorruptError(ValueError):
    """A stored bundle is not valid JSON or its content does not hash to its version."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"bundle should have version {expected!r} but hashes to {actual!r}")
        self.expected = expected
        self.actual = actual


class UnknownContentError(LookupError):
    """A course, module or section slug or id that the bundle does not contain."""

    def __init__(self, kind: str, key: str, version: str) -> None:
        super().__init__(f"no {kind} {key!r} in content version {version[:12]}")
        self.kind = kind
        self.key = key


@dataclass(frozen=True)
class Bundle:
    """A loaded bundle: its version and the JSON document (treat it as read-only)."""

    version: str
    data: Mapping[str, Any]

    def course(self, slug: str) -> dict[str, Any]:
        return self._find("courses", "course", slug)

    def module(self, slug: str) -> dict[str, Any]:
        return self._find("modules", "module", slug)

    def site_page(self, slug: str) -> dict[str, Any]:
        # .get: bundles built before site pages existed have no "site" collection.
        found = self.data.get("site", {}).get(slug)
        if found is None:
            raise UnknownContentError("site page", slug, self.version)
        return dict(found)

    def to_json(self) -> bytes:
        return canonical_json({**self.data, "version": self.version})

    def _find(self, collection: str, kind: str, slug: str) -> dict[str, Any]:
        found = self.data[collection].get(slug)
        if found is None:
            raise UnknownContentError(kind, slug, self.version)
        return dict(found)


def canonical_json(value: Any) -> bytes:
    """The one byte string a JSON value hashes as."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_version(document: Mapping[str, Any]) -> str:
    """The version of a bundle document: the SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def build_bundle(root: Path) -> tuple[Bundle, ValidationReport]:
    """Validate the tree at `root` and bundle it; ContentInvalidError when it has errors."""
    report = validate_tree(root)
    if not report.ok:
        raise ContentInvalidError(report.errors)
    return bundle_tree(report.tree), report


def bundle_tree(tree: ContentTree) -> Bundle:
    """The bundle of an already validated tree."""
    articles = {a.slug: a for a in tree.articles}
    videos = {v.slug: v for v in tree.videos}
    module_ids = {m.slug: m.id for m in tree.modules}
    document = {
        "format": BUNDLE_FORMAT,
        "courses": {c.slug: _course(c, module_ids) for c in tree.courses},
        "modules": {m.slug: _module(m, articles, videos) for m in tree.modules},
        "site": {p.slug: _site_page(p) for p in tree.site_pages},
    }
    return Bundle(content_version(document), document)


def bundle_from_json(raw: bytes, expected_version: str | None = None) -> Bundle:
    """A bundle read back from its JSON, checked against its own (and the expected) version."""
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise BundleCorruptError(expected_version or "?", "not JSON") from exc
    claimed = str(document.pop("version", ""))
    actual = content_version(document)
    for expected in (claimed, expected_version):
        if expected is not None and expected != actual:
            raise BundleCorruptError(expected, actual)
    return Bundle(actual, document)


def _site_page(page: SitePage) -> dict[str, Any]:
    return {"slug": page.slug, "title": page.title, "markdown": page.markdown}


def _course(course: Course, module_ids: Mapping[str, str]) -> dict[str, Any]:
    progression: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []  # modules waiting for the next meeting marker
    for entry in course.entries:
        if isinstance(entry, MeetingMarker):
            for item in pending:
                item["due_by_meeting"] = entry.number
            pending = []
            progression.append({"kind": "meeting", "number": entry.number})
            continue
        item = {
            "kind": "module",
            "slug": entry.slug,
            "module_id": module_ids[entry.slug],
            "optional": entry.optional,
            "due_by_meeting": None,
        }
        pending.append(item)
        progression.append(item)
    document: dict[str, Any] = {
        "id": course.id,
        "slug": course.slug,
        "title": course.title,
        "description": course.description,
        "progression": progression,
    }
    if course.feedback is not None:  # absent: the default form (and older bundles)
        document["feedback"] = _feedback_form(course.feedback)
    return document


def _feedback_form(form: FeedbackForm) -> dict[str, Any]:
    questions = [
        {"id": q.id, "kind": q.kind, "text": q.text, "required": q.required} for q in form.questions
    ]
    return {"anonymous": form.anonymous, "questions": questions}


def _module(
    module: Module, articles: Mapping[str, Article], videos: Mapping[str, Video]
) -> dict[str, Any]:
    outcomes = [
        {
            "id": outcome.id,
            "title": outcome.title,
            "sections": [
                {
                    "id": section.id,
                    "title": section.title,
                    "optional": section.optional,
                    "segments": [_segment(s, articles, videos) for s in section.segments],
                }
                for section in outcome.sections
            ],
        }
        for outcome in module.outcomes
    ]
    return {
        "id": module.id,
        "slug": module.slug,
        "title": module.title,
        "summary": module.summary,
        "description": module.description,
        "outcomes": outcomes,
    }


def _segment(
    segment: Segment, articles: Mapping[str, Article], videos: Mapping[str, Video]
) -> dict[str, Any]:
    common = {"id": segment.id, "optional": segment.optional}
    if isinstance(segment, TextSegment):
        return {**common, "kind": "text", "markdown": segment.markdown}
    if isinstance(segment, ChatSegment):
        return {
            **common,
            "kind": "chat",
            "title": segment.title,
            "instructions": segment.instructions,
            "learner_sees_previous": segment.learner_sees_previous,
            "tutor_sees_previous": segment.tutor_sees_previous,
        }
    if isinstance(segment, QuestionSegment):
        return {
            **common,
            "kind": "question",
            "title": segment.title,
            "question": segment.question,
            "rubric": segment.rubric,
            "levels": list(segment.levels),
        }
    if isinstance(segment, ArticleExcerpt):
        article = articles[segment.article]
        return {
            **common,
            "kind": "article",
            "article": {
                "slug": article.slug,
                "title": article.title,
                "author": article.author,
                "source_url": article.source_url,
            },
            **_excerpt_of(article.markdown, segment),
        }
    video = videos[segment.video]
    lines = transcript_span(video.transcript, segment.start_s, segment.end_s)
    return {
        **common,
        "kind": "video",
        "video": {
            "slug": video.slug,
            "title": video.title,
            "channel": video.channel,
            "youtube_id": video.youtube_id,
            "duration_s": video.duration_s,
        },
        "from_s": segment.start_s,
        "to_s": segment.end_s,
        "transcript": transcript_text(lines),
        "transcript_lines": [{"at_s": line.at_s, "text": line.text} for line in lines],
    }


def _excerpt_of(text: str, segment: ArticleExcerpt) -> dict[str, Any]:
    """The excerpt, what comes just before and after it, and the article's headings."""
    start, end = excerpt_span(text, segment.from_anchor, segment.to_anchor)
    return {
        "markdown": text[start:end].strip(),
        "context_before": context_before(text, start),
        "context_after": context_after(text, end),
        "toc": [
            {"level": h.level, "text": h.text, "contains_excerpt": h.contains_excerpt}
            for h in table_of_contents(text, start, end)
        ],
    }
