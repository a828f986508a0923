"""Checks on article and video excerpts: references, anchors, timestamps."""

from __future__ import annotations

from collections.abc import Iterator

from roundtable.content.excerpts import (
    AnchorNotFoundError,
    AnchorOrderError,
    count_anchor,
    cut_article,
    nearest_passage,
    transcript_span,
)
from roundtable.content.fields import format_timestamp
from roundtable.content.model import (
    Article,
    ArticleExcerpt,
    ContentTree,
    Problem,
    Segment,
    Video,
    VideoExcerpt,
)
from roundtable.content.problems import did_you_mean, error_at, warning_at


def segments(tree: ContentTree) -> Iterator[Segment]:
    """Every segment of every module, in order."""
    for module in tree.modules:
        for outcome in module.outcomes:
            for section in outcome.sections:
                yield from section.segments


def check_excerpts(tree: ContentTree) -> Iterator[Problem]:
    articles = {a.slug: a for a in tree.articles}
    videos = {v.slug: v for v in tree.videos}
    for segment in segments(tree):
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
            hint = did_you_mean(excerpt.article, list(articles), "articles")
            yield error_at(where, where.line_of("article"), f"no article {excerpt.article!r}", hint)
        return
    try:
        cut_article(article.markdown, excerpt.from_anchor, excerpt.to_anchor)
    except AnchorNotFoundError as exc:
        passage = nearest_passage(exc.anchor, article.markdown)
        hint = f"closest passage: {passage!r}" if passage else f"search {article.where.file}"
        yield error_at(where, where.line_of(exc.name), str(exc), hint)
        return
    except AnchorOrderError as exc:
        yield error_at(where, where.line_of("to"), str(exc), "swap the anchors or pick a later one")
        return
    yield from _ambiguous_anchors(excerpt, article)


def _ambiguous_anchors(excerpt: ArticleExcerpt, article: Article) -> Iterator[Problem]:
    for name, anchor in (("from", excerpt.from_anchor), ("to", excerpt.to_anchor)):
        count = count_anchor(article.markdown, anchor) if anchor else 0
        if count > 1:
            yield warning_at(
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
            hint = did_you_mean(excerpt.video, list(videos), "videos")
            yield error_at(where, where.line_of("video"), f"no video {excerpt.video!r}", hint)
        return
    length = format_timestamp(video.duration_s)
    if excerpt.start_s >= excerpt.end_s:
        yield error_at(where, where.line_of("to"), "'to' is not after 'from'")
    for name, at in (("from", excerpt.start_s), ("to", excerpt.end_s)):
        if video.duration_s and at > video.duration_s:
            message = f"{name!r} {format_timestamp(at)} is after the end of the video ({length})"
            yield error_at(where, where.line_of(name), message, f"use a time up to {length}")
    if excerpt.start_s < excerpt.end_s and not transcript_span(
        video.transcript, excerpt.start_s, excerpt.end_s
    ):
        yield warning_at(where, where.line, "no transcript lines fall inside this excerpt")
