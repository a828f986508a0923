"""Articles and videos of a vault, as Roundtable's `articles/` and `videos/` files."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from roundtable.content.fields import format_timestamp
from roundtable.content.lens.notes import Notes
from roundtable.content.lens.vault import Vault, VaultFile
from roundtable.content.lens.writer import front_matter
from roundtable.content.source import slugify

_YOUTUBE_ID = re.compile(r"(?:[?&]v=|youtu\.be/|/embed/|/shorts/|/live/)([A-Za-z0-9_-]{11})")
# A transcript line the predecessor reads without word timings: `1:05 - words`.
_MARKED_LINE = re.compile(r"^(\d+:\d{2}(?::\d{2})?)\s*-\s*(.*)$")
_SENTENCE_END = (".", "?", "!", "…")
# A transcript line closes at a sentence end once it has a few words, or at
# this many words: short enough to pick an excerpt's lines, long enough to read.
_MIN_WORDS, _MAX_WORDS = 6, 24


def parse_clock(text: str) -> float | None:
    """Seconds of `S`, `M:SS`, `H:MM:SS`, each with an optional fraction; None if not one."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        return None
    seconds = 0.0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds if seconds >= 0 and math.isfinite(seconds) else None


def youtube_id(url: str) -> str | None:
    match = _YOUTUBE_ID.search(url)
    return match.group(1) if match else None


def anchor_as_written(text: str, anchor: str) -> str | None:
    """The article's own words for an anchor. The predecessor matched anchors ignoring
    case; Roundtable matches them as written (ignoring only spacing)."""
    words = anchor.split()
    if not words:
        return None
    found = re.search(r"\s+".join(re.escape(word) for word in words), text, re.IGNORECASE)
    return " ".join(found.group(0).split()) if found else None


@dataclass
class Article:
    slug: str
    body: str
    source_url: str


@dataclass
class Media:
    """The articles and videos the imported modules excerpt, converted once each."""

    vault: Vault
    articles: dict[str, Article | None] = field(default_factory=dict)  # by vault path
    videos: dict[str, VideoSource | None] = field(default_factory=dict)  # by vault path
    _article_files: dict[str, str] = field(default_factory=dict)  # slug -> file text

    @property
    def notes(self) -> Notes:
        return self.vault.notes

    def article(self, path: str) -> Article | None:
        """The article at a vault path, converted the first time (None if it cannot be)."""
        if path not in self.articles:
            self.articles[path] = self._read_article(path)
        return self.articles[path]

    def article_files(self) -> dict[str, str]:
        return dict(self._article_files)

    def video(self, path: str) -> VideoSource | None:
        """The video whose transcript is at a vault path, read the first time."""
        if path not in self.videos:
            self.videos[path] = self._read_video(path)
        return self.videos[path]

    def video_files(self) -> dict[str, str]:
        """slug -> file text of every video excerpted, lines cut at every excerpt's ends."""
        return {
            video.slug: text
            for video in self.videos.values()
            if video is not None and (text := video.render(self.notes)) is not None
        }

    def _read_article(self, path: str) -> Article | None:
        file = self.vault.file(path)
        if file is None:
            return None
        fields = {name: file.front.get(name) for name in ("title", "author", "source_url")}
        fields["source_url"] = fields["source_url"] or file.front.get("url")
        missing = [name for name, value in fields.items() if not value]
        if missing:
            self.notes.invalid(path, 2, f"article has no {', '.join(missing)} (required)")
            return None
        if file.front.get("published"):
            fields["published"] = str(file.front["published"])
        taken = (a.slug for a in self.articles.values() if a is not None)
        article = Article(
            _free_slug(file, taken), "\n".join(file.body).strip(), str(fields["source_url"])
        )
        self._article_files[article.slug] = front_matter(fields) + "\n" + article.body + "\n"
        return article

    def _read_video(self, path: str) -> VideoSource | None:
        file = self.vault.file(path)
        if file is None:
            return None
        video_id = youtube_id(str(file.front.get("url") or ""))
        if video_id is None:
            self.notes.dropped(path, 2, "a video not on YouTube (Roundtable plays YouTube videos)")
            return None
        if not file.front.get("channel"):
            self.notes.invalid(path, 2, "video has no `channel` (required)")
            return None
        taken = (v.slug for v in self.videos.values() if v is not None)
        words = self._timings(path)
        return VideoSource(_free_slug(file, taken), file, video_id, words)

    def _timings(self, path: str) -> list[tuple[float, str]] | None:
        timings = path.removesuffix(".md") + ".timestamps.json"
        file = self.vault.root / timings
        if not file.is_file():
            return None
        try:
            words = json.loads(file.read_text(encoding="utf-8"))
            return [(_start(word), str(word["text"])) for word in words] or None
        except (ValueError, KeyError, TypeError) as exc:
            self.notes.invalid(timings, 1, f"word timings unreadable: {exc}")
            return None


def _free_slug(file: VaultFile, taken: Iterable[str]) -> str:
    slug, existing, number = slugify(file.stem), set(taken), 2
    base = slug
    while slug in existing:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _start(word: dict[str, object]) -> float:
    seconds = parse_clock(str(word["start"]))
    if seconds is None:
        raise ValueError(f"bad start {word['start']!r}")
    return seconds


@dataclass
class VideoSource:
    """A video's transcript and timings, and the seconds its excerpts start and end at."""

    slug: str
    file: VaultFile
    youtube_id: str
    words: list[tuple[float, str]] | None
    starts: set[int] = field(default_factory=set)
    ends: set[int] = field(default_factory=set)

    @property
    def spoken_until(self) -> int | None:
        """The second after the last timed word, or None without word timings."""
        return math.floor(self.words[-1][0]) + 1 if self.words else None

    def excerpt(self, start: float, end: float | None) -> tuple[int, int] | None:
        """The whole seconds an excerpt runs between, rounded outwards: the predecessor
        showed the words starting from `from` up to and including `to`, so the excerpt ends
        after the second `to` falls in, and no word it showed is lost. Transcript lines will
        break there. "To the end" is after the last timed word; None when that is unknown."""
        first = math.floor(start)
        last = self.spoken_until if end is None else math.floor(end) + 1
        if last is None:
            return None
        self.starts.add(first)
        self.ends.add(last)
        return first, last

    def render(self, notes: Notes) -> str | None:
        lines = self._lines(notes)
        if lines is None:
            return None
        ends = [at + 1 for at, _ in lines] + list(self.ends)
        fields = {
            "title": self.file.front.get("title") or self.file.stem,
            "channel": self.file.front.get("channel"),
            "youtube_id": self.youtube_id,
            "duration": format_timestamp(max(ends) if ends else 1),
        }
        body = "\n".join(f"{format_timestamp(at)} {text}" for at, text in lines)
        return front_matter(fields) + "\n" + body + "\n"

    def _lines(self, notes: Notes) -> list[tuple[int, str]] | None:
        if self.words:
            return transcript_lines(self.words, self.starts | self.ends)
        marked = [_MARKED_LINE.match(line.strip()) for line in self.file.body]
        if any(marked):
            return [(int(parse_clock(m.group(1)) or 0), m.group(2)) for m in marked if m]
        text = " ".join(" ".join(self.file.body).split())
        if self.starts - {0} or not text:
            notes.invalid(
                self.file.path,
                1,
                "no word timings (.timestamps.json) or `M:SS -` lines, yet an excerpt starts "
                "inside the video: add timings",
            )
            return None
        notes.changed(self.file.path, 1, "no timings: the whole transcript is one line at 0:00")
        return [(0, text)]


def transcript_lines(
    words: list[tuple[float, str]], cuts: Iterable[int] = ()
) -> list[tuple[int, str]]:
    """Timed words as transcript lines (the whole second each starts at, its text), never
    running across a cut, so an excerpt between cuts holds exactly its words."""
    cut_at = sorted(set(cuts))
    lines: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0.0

    def close() -> None:
        if current:
            lines.append((int(start), " ".join(w for w in current if w)))
            current.clear()

    for at, word in words:
        if current and any(start < cut <= at for cut in cut_at):
            close()
        if not current:
            start = at
        current.append(word.strip())
        sentence_done = word.rstrip("\"'”’)").endswith(_SENTENCE_END)
        if (sentence_done and len(current) >= _MIN_WORDS) or len(current) >= _MAX_WORDS:
            close()
    close()
    return lines
