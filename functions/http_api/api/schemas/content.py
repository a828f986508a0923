"""Course content and progress: courses by meeting, module content, completion, heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Model

Status = Literal["not_started", "in_progress", "completed"]
Slug = Annotated[str, Field(min_length=1, max_length=200)]
ContentId = Annotated[str, Field(min_length=1, max_length=200)]


class CourseListItemPublic(Model):
    slug: str
    title: str
    description: str


class CoursesPublic(BaseModel):
    courses: list[CourseListItemPublic]


class ModuleSummaryPublic(Model):
    """A module in a course overview, with my progress."""

    slug: str
    title: str
    summary: str | None
    optional: bool
    status: Status
    required_done: int
    required_total: int
    time_s: int


class CourseUnitPublic(BaseModel):
    """The modules due by one meeting (`meeting` null: after the last meeting)."""

    meeting: int | None
    modules: list[ModuleSummaryPublic]


class CoursePublic(BaseModel):
    """A course and my progress, unit by unit."""

    slug: str
    title: str
    description: str
    version: str
    next_module: str | None
    units: list[CourseUnitPublic]


class TextSegmentPublic(BaseModel):
    kind: Literal["text"]
    id: str
    optional: bool
    markdown: str


class ArticleRefPublic(BaseModel):
    slug: str
    title: str
    author: str
    source_url: str


class ArticleHeadingPublic(BaseModel):
    """A heading of the article; `contains_excerpt`: the excerpt lies (partly) under it."""

    level: int = Field(ge=1, le=6)
    text: str
    contains_excerpt: bool


class ArticleSegmentPublic(BaseModel):
    """An article excerpt, with what comes just before and after it (Markdown, at most about
    1,200 characters each, "…" where cut; empty at the article's start or end) and the
    article's headings. Bundles built before these existed give them empty."""

    # The defaults are for older bundles; the response always has every field.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    kind: Literal["article"]
    id: str
    optional: bool
    markdown: str
    article: ArticleRefPublic
    context_before: str = ""
    context_after: str = ""
    toc: list[ArticleHeadingPublic] = []


class VideoRefPublic(BaseModel):
    slug: str
    title: str
    channel: str
    youtube_id: str
    duration_s: int


class TranscriptLinePublic(BaseModel):
    at_s: int
    text: str


class VideoSegmentPublic(BaseModel):
    kind: Literal["video"]
    id: str
    optional: bool
    from_s: int
    to_s: int
    transcript: str
    transcript_lines: list[TranscriptLinePublic]
    video: VideoRefPublic
    resume_at_s: int | None = Field(
        description="where I stopped watching (seconds into the video, within from_s..to_s); "
        "null when I have not watched it"
    )


class ChatSegmentPublic(BaseModel):
    """A tutor chat; its instructions are for the tutor and are not sent to the browser."""

    kind: Literal["chat"]
    id: str
    optional: bool
    title: str | None
    learner_sees_previous: bool


class QuestionSegmentPublic(BaseModel):
    """A question the tutor assesses; its rubric is for the tutor and is not sent to the browser.
    Answers: `/api/tutor/{module_slug}/answers`."""

    kind: Literal["question"]
    id: str
    optional: bool
    title: str | None
    question: str = Field(description="Markdown")
    levels: list[str] = Field(description="the scale feedback uses, lowest first")


Segment = Annotated[
    TextSegmentPublic
    | ArticleSegmentPublic
    | VideoSegmentPublic
    | ChatSegmentPublic
    | QuestionSegmentPublic,
    Field(discriminator="kind"),
]


class SectionPublic(BaseModel):
    id: str
    title: str
    optional: bool
    completed: bool
    time_s: int
    segments: list[Segment]


class OutcomePublic(BaseModel):
    id: str
    title: str
    sections: list[SectionPublic]


class ModulePublic(BaseModel):
    """A module's content, with my progress on it and on each section."""

    slug: str
    id: str
    title: str
    summary: str | None
    description: str
    version: str
    status: Status
    required_done: int
    required_total: int
    time_s: int
    outcomes: list[OutcomePublic]


class NextModulePublic(Model):
    """The module to go to next; `completes_meeting`: the unit due by that meeting is done."""

    module_slug: str | None
    module_title: str | None
    completes_meeting: int | None


class SectionRef(BaseModel):
    """A section of a module (the body of a completion or a heartbeat)."""

    module_slug: Slug
    section_id: ContentId


class VideoPositionRef(BaseModel):
    """Where I am in a video segment (the body of a saved position): seconds into the video."""

    module_slug: Slug
    segment_id: ContentId
    position_s: float = Field(description="seconds into the video; kept within the excerpt")


class SectionProgressPublic(Model):
    section_id: str
    completed: bool
    time_s: int


class ModuleProgressPublic(Model):
    slug: str
    status: Status
    required_done: int
    required_total: int
    time_s: int
    sections: list[SectionProgressPublic]


class SectionCompletedPublic(BaseModel):
    section_id: str
    outcome_completed: bool
    module_completed: bool
    module: ModuleProgressPublic


class ProblemPublic(BaseModel):
    file: str
    line: int
    message: str
    suggestion: str | None = None
    severity: Literal["error", "warning"]


class ContentBuildPublic(BaseModel):
    """One content build: `active` (what learners see), `built`, or `failed` with its errors."""

    version: str | None
    source: str
    status: str
    errors: list[ProblemPublic]
    warnings: list[ProblemPublic]
    created_at: datetime | None = None
    activated_at: datetime | None = None
    requested_by: str | None = None  # "push to main by ana", "Ana (rebuild)"
    activated_by: str | None = None  # "Ana (rollback)", or who asked for the build


class ContentBuildRequest(BaseModel):
    """Build the content branch's head: make it live if valid, or (`activate: false`) only
    check it and record its problems."""

    activate: bool = True


class ContentBuildQueuedPublic(BaseModel):
    job_id: int
    status_url: str
    repository: str
    ref: str
    activate: bool


class ContentRolledBackPublic(BaseModel):
    version: str
    previous: str | None


class ContentStatusPublic(BaseModel):
    active: ContentBuildPublic | None
    builds: list[ContentBuildPublic]


class WebhookPublic(BaseModel):
    """What a GitHub push led to: a queued build, or nothing (and why)."""

    status: Literal["queued", "ignored"]
    message: str
    sha: str | None = None
    job_id: int | None = None
    status_url: str | None = None
