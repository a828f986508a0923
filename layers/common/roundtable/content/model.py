"""Course content as parsed from the content tree: plain immutable values.

Every item a learner can make progress on (course, module, outcome, section,
segment) carries an author-chosen `id` that stays the same across edits, so
progress rows keyed by it survive reordering and rewording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content tree, located to a file and line."""

    file: str
    line: int
    message: str
    suggestion: str | None = None
    severity: Severity = "error"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "suggestion": self.suggestion,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.severity}: {self.message}"
        return f"{text}\n    hint: {self.suggestion}" if self.suggestion else text


@dataclass(frozen=True)
class Where:
    """Where an item was written: its file, its heading's line, and each field's line."""

    file: str
    line: int
    field_lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, name: str) -> int:
        return self.field_lines.get(name, self.line)


@dataclass(frozen=True)
class TextSegment:
    id: str
    where: Where
    optional: bool
    markdown: str


@dataclass(frozen=True)
class ArticleExcerpt:
    id: str
    where: Where
    optional: bool
    article: str
    from_anchor: str | None
    to_anchor: str | None


@dataclass(frozen=True)
class VideoExcerpt:
    id: str
    where: Where
    optional: bool
    video: str
    start_s: int
    end_s: int


@dataclass(frozen=True)
class ChatSegment:
    id: str
    where: Where
    optional: bool
    title: str
    instructions: str
    learner_sees_previous: bool
    tutor_sees_previous: bool


@dataclass(frozen=True)
class QuestionSegment:
    """A question the learner answers in writing; the tutor assesses the answer on the rubric."""

    id: str
    where: Where
    optional: bool
    title: str
    question: str  # Markdown shown to the learner
    rubric: str  # for the tutor only: what a good answer does
    levels: tuple[str, ...]  # the scale feedback places an answer on, lowest first


# The scale an answer is placed on when the author names none.
DEFAULT_LEVELS = ("beginning", "developing", "proficient", "excellent")

Segment = TextSegment | ArticleExcerpt | VideoExcerpt | ChatSegment | QuestionSegment


@dataclass(frozen=True)
class Section:
    """One page a learner reads and marks complete: the unit of progress."""

    id: str
    where: Where
    title: str
    optional: bool
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Outcome:
    """A learning outcome: what the sections under it teach."""

    id: str
    where: Where
    title: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Module:
    slug: str
    id: str
    where: Where
    title: str
    summary: str
    description: str
    outcomes: tuple[Outcome, ...]


@dataclass(frozen=True)
class ModuleRef:
    slug: str
    where: Where
    optional: bool


@dataclass(frozen=True)
class MeetingMarker:
    """Modules listed before this marker (and after the previous one) are due by this meeting."""

    number: int
    where: Where


CourseEntry = ModuleRef | MeetingMarker


@dataclass(frozen=True)
class FeedbackQuestion:
    """One question of a course's feedback form: a 1–5 rating or free text."""

    id: str
    kind: str  # "rating" | "text"
    text: str
    required: bool
    where: Where


@dataclass(frozen=True)
class FeedbackForm:
    """What learners are asked after each meeting (`# Feedback` in a course file)."""

    anonymous: bool
    questions: tuple[FeedbackQuestion, ...]
    where: Where


@dataclass(frozen=True)
class Course:
    slug: str
    id: str
    where: Where
    title: str
    description: str
    entries: tuple[CourseEntry, ...]
    feedback: FeedbackForm | None = None  # None: the default form


@dataclass(frozen=True)
class Article:
    slug: str
    where: Where
    title: str
    author: str
    source_url: str
    markdown: str


@dataclass(frozen=True)
class SitePage:
    """A page of the site the organisation writes, such as its privacy policy or terms."""

    slug: str
    where: Where
    title: str
    markdown: str


@dataclass(frozen=True)
class TranscriptLine:
    at_s: int
    text: str
    line: int


@dataclass(frozen=True)
class Video:
    slug: str
    where: Where
    title: str
    channel: str
    youtube_id: str
    duration_s: int
    transcript: tuple[TranscriptLine, ...]


@dataclass(frozen=True)
class ContentTree:
    """Everything read from one content directory, in file-path order."""

    courses: tuple[Course, ...] = ()
    modules: tuple[Module, ...] = ()
    articles: tuple[Article, ...] = ()
    videos: tuple[Video, ...] = ()
    site_pages: tuple[SitePage, ...] = ()
