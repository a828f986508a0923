"""Read a content directory into model values, collecting every problem found on the way.

Layout: courses/, modules/, articles/, videos/ and site/ under the root, each holding
`<slug>.md` files (sub-folders allowed; the file name is the slug).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from roundtable.content import schemas
from roundtable.content.blocks import Block, BlockSplitter, FrontMatter, split_front_matter
from roundtable.content.feedback_form import split_feedback
from roundtable.content.fields import Fields, FieldValueError, parse_timestamp
from roundtable.content.model import (
    Article,
    ContentTree,
    Course,
    CourseEntry,
    MeetingMarker,
    Module,
    ModuleRef,
    Problem,
    SitePage,
    TranscriptLine,
    Video,
    Where,
)
from roundtable.content.sections import SectionAssembler
from roundtable.content.source import ContentFile, FieldSpecs, slugify

FOLDERS = ("courses", "modules", "articles", "videos", "site")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TRANSCRIPT_LINE = re.compile(r"^\[?(\d{1,2}(?::\d{2}){1,2})\]?\s+(.*)$")


def read_tree(root: Path) -> tuple[ContentTree, list[Problem]]:
    """Every course, module, article, video and site page under `root`, and its problems."""
    problems: list[Problem] = []
    tree = ContentTree(
        courses=_read_folder(root, "courses", parse_course, problems),
        modules=_read_folder(root, "modules", parse_module, problems),
        articles=_read_folder(root, "articles", parse_article, problems),
        videos=_read_folder(root, "videos", parse_video, problems),
        site_pages=_read_folder(root, "site", parse_site_page, problems),
    )
    problems.extend(_stray_files(root))
    return tree, problems


def _read_folder[T](
    root: Path, folder: str, parse: Callable[[ContentFile], T | None], problems: list[Problem]
) -> tuple[T, ...]:
    items: list[T] = []
    for path in sorted((root / folder).rglob("*.md")):
        relative = path.relative_to(root).as_posix()
        try:
            # utf-8-sig: some editors on Windows start files with a byte-order mark.
            file = ContentFile(relative, path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as exc:
            problems.append(Problem(relative, 1, f"file is not UTF-8 text ({exc.reason})"))
            continue
        _check_slug(file)
        item = parse(file)
        problems.extend(file.problems)
        if item is not None:
            items.append(item)
    return tuple(items)


def _stray_files(root: Path) -> list[Problem]:
    stray = [p for p in sorted(root.rglob("*.md")) if p.relative_to(root).parts[0] not in FOLDERS]
    return [
        Problem(
            p.relative_to(root).as_posix(),
            1,
            "file is outside courses/, modules/, articles/, videos/ and site/ and is not read",
            "move it into the folder for its kind",
            "warning",
        )
        for p in stray
    ]


def _check_slug(file: ContentFile) -> None:
    if not _SLUG.match(file.slug):
        file.problem(
            1,
            f"file name {file.slug!r} is not a valid slug (lower-case words joined by '-')",
            f"rename the file to {slugify(file.slug)}.md",
        )


def _front(file: ContentFile, spec: FieldSpecs) -> tuple[FrontMatter, Fields] | None:
    front = split_front_matter(file.text, file.path, file.problems)
    if front is None:
        return None
    return front, file.fields(front.text, front.first_line, 1, spec)


def parse_course(file: ContentFile) -> Course | None:
    """A course: front matter, a description, then `# Module:` and `# Meeting:` headings."""
    parsed = _front(file, FieldSpecs(schemas.COURSE, "course front matter", file.slug))
    if parsed is None:
        return None
    front, fields = parsed
    splitter = BlockSplitter(file.path, schemas.COURSE_KINDS, file.problems)
    description, blocks = splitter.split(front.body_lines, front.body_first_line)
    feedback, blocks = split_feedback(file, blocks)
    entries = tuple(e for e in (_course_entry(file, b) for b in blocks) if e is not None)
    where = Where(file.path, 1, fields.lines)
    title = fields.text("title")
    return Course(file.slug, fields.text("id"), where, title, description, entries, feedback)


def _course_entry(file: ContentFile, block: Block) -> CourseEntry | None:
    if block.kind == "meeting":
        file.fields(block.fields_text, block.fields_line, block.line, _MEETING)
        try:
            return MeetingMarker(int(block.title), Where(file.path, block.line))
        except ValueError:
            file.problem(block.line, f"meeting number {block.title!r} is not a whole number")
            return None
    fields = file.fields(block.fields_text, block.fields_line, block.line, _MODULE_REF)
    if not block.title:
        file.problem(block.line, "Module heading names no module", "write `# Module: <slug>`")
        return None
    return ModuleRef(block.title, Where(file.path, block.line), fields.flag("optional", False))


_MEETING = FieldSpecs(schemas.MEETING, "Meeting heading")
_MODULE_REF = FieldSpecs(schemas.MODULE_REF, "Module heading")


def parse_module(file: ContentFile) -> Module | None:
    """A module: front matter, a description, then outcomes holding sections of segments."""
    parsed = _front(file, FieldSpecs(schemas.MODULE, "module front matter", file.slug))
    if parsed is None:
        return None
    front, fields = parsed
    splitter = BlockSplitter(file.path, schemas.MODULE_KINDS, file.problems)
    description, blocks = splitter.split(front.body_lines, front.body_first_line)
    outcomes = SectionAssembler(file, file.slug).assemble(blocks)
    if not outcomes:
        file.problem(1, "module has no `# Outcome:` headings", "see docs/content.md")
    return Module(
        slug=file.slug,
        id=fields.text("id"),
        where=Where(file.path, 1, fields.lines),
        title=fields.text("title"),
        summary=fields.text("summary"),
        description=description,
        outcomes=outcomes,
    )


def parse_article(file: ContentFile) -> Article | None:
    """An article: title, author and source link in front matter, the text as body."""
    parsed = _front(file, FieldSpecs(schemas.ARTICLE, "article front matter"))
    if parsed is None:
        return None
    front, fields = parsed
    markdown = "\n".join(front.body_lines).strip()
    if not markdown:
        file.problem(front.body_first_line, "article has no text")
    return Article(
        slug=file.slug,
        where=Where(file.path, 1, fields.lines),
        title=fields.text("title"),
        author=fields.text("author"),
        source_url=fields.text("source_url"),
        markdown=markdown,
    )


def parse_site_page(file: ContentFile) -> SitePage | None:
    """A site page (privacy policy, terms): a title in front matter, Markdown as body."""
    parsed = _front(file, FieldSpecs(schemas.SITE_PAGE, "site page front matter"))
    if parsed is None:
        return None
    front, fields = parsed
    markdown = "\n".join(front.body_lines).strip()
    if not markdown:
        file.problem(front.body_first_line, "site page has no text")
    where = Where(file.path, 1, fields.lines)
    return SitePage(slug=file.slug, where=where, title=fields.text("title"), markdown=markdown)


def parse_video(file: ContentFile) -> Video | None:
    """A video: YouTube id and duration in front matter, a timestamped transcript as body."""
    parsed = _front(file, FieldSpecs(schemas.VIDEO, "video front matter"))
    if parsed is None:
        return None
    front, fields = parsed
    duration = fields.seconds("duration") or 0
    transcript = _transcript(file, front.body_lines, front.body_first_line)
    _check_transcript(file, transcript, duration, fields.lines.get("duration"))
    return Video(
        slug=file.slug,
        where=Where(file.path, 1, fields.lines),
        title=fields.text("title"),
        channel=fields.text("channel"),
        youtube_id=fields.text("youtube_id"),
        duration_s=duration,
        transcript=transcript,
    )


def _transcript(file: ContentFile, lines: list[str], first_line: int) -> tuple[TranscriptLine, ...]:
    entries: list[TranscriptLine] = []
    for number, line in enumerate(lines, start=first_line):
        match = _TRANSCRIPT_LINE.match(line.strip())
        if match is not None:
            try:
                entries.append(TranscriptLine(parse_timestamp(match[1]), match[2].strip(), number))
                continue
            except FieldValueError as exc:
                file.problem(number, f"transcript timestamp: {exc}")
                continue
        if not line.strip():
            continue
        if not entries:
            file.problem(number, "transcript text before the first timestamp", "start with `0:00`")
            continue
        # A line without a timestamp continues the one before (authors wrap long lines).
        last = entries[-1]
        entries[-1] = TranscriptLine(last.at_s, f"{last.text} {line.strip()}", last.line)
    if not entries:
        file.problem(first_line, "video has no transcript", "write lines like `0:00 Hello ...`")
    return tuple(entries)


def _check_transcript(
    file: ContentFile,
    transcript: tuple[TranscriptLine, ...],
    duration: int,
    duration_line: int | None,
) -> None:
    previous = -1
    for entry in transcript:
        if entry.at_s <= previous:
            file.problem(entry.line, "transcript timestamps must increase")
        elif duration and entry.at_s >= duration:
            file.problem(
                entry.line,
                "transcript timestamp is at or after the end of the video",
                f"the video's duration (line {duration_line}) is {duration} s",
            )
        previous = entry.at_s
