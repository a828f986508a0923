"""Articles and videos of a vault, as Roundtable's `articles/` and `videos/` files."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from roundtable.content.fields import format_timestamp
from roundtable.content.lens.vault import Vault, VaultFile
from roundtable.content.lens.writer import front_matter
from roundtable.content.model import Problem
from roundtable.content.source import slugify

_YOUTUBE_ID = re.compile(r"(?:[?&]v=|youtu\.be/|/embed/|/shorts/|/live/)([A-Za-z0-9_-]{11})")
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


@dataclass
class Media:
    """The articles and videos the imported modules excerpt, converted once each."""

    vault: Vault
    problems: list[Problem]
    articles: dict[str, str] = field(default_factory=dict)  # vault path -> slug
    article_files: dict[str, str] = field(default_factory=dict)  # slug -> file text
    article_urls: dict[str, str] = field(default_factory=dict)  # vault path -> source_url
    videos: dict[str, VideoSource] = field(default_factory=dict)  # vault path -> video

    def article(self, path: str) -> str | None:
        """The slug of the article at a vault path, converting it the first time."""
        if path in self.articles:
            return self.articles[path]
        file = self.vault.file(path)
        if file is None:
            return None
        slug = self._slug(file, self.articles.values())
        fields = {name: file.front.get(name) for name in ("title", "author", "source_url")}
        fields["source_url"] = fields["source_url"] or file.front.get("url")
        for name, value in fields.items():
            if not value:
                self.problems.append(Problem(path, 2, f"article has no `{name}` (required)"))
        if file.front.get("published"):
            fields["published"] = str(file.front["published"])
        body = "\n".join(file.body).strip()
        self.articles[path] = slug
        self.article_urls[path] = str(fields["source_url"] or "")
        self.article_files[slug] = front_matter(fields) + "\n" + body + "\n"
        return slug

    def video(self, path: str) -> VideoSource | None:
        """The video whose transcript is at a vault path, read the first time."""
        if path in self.videos:
            return self.videos[path]
        file = self.vault.file(path)
        if file is None:
            return None
        if youtube_id(str(file.front.get("url") or "")) is None:
            self.problems.append(
                Problem(path, 2, "`url` is no YouTube video (Roundtable plays YouTube): skipped")
            )
            return None
        slug = self._slug(file, (video.slug for video in self.videos.values()))
        video = VideoSource(slug, file, self._timings(path))
        self.videos[path] = video
        return video

    def video_files(self) -> dict[str, str]:
        """slug -> file text of every video excerpted, with the duration the excerpts need."""
        return {
            video.slug: text
            for video in self.videos.values()
            if (text := video.render(self.problems)) is not None
        }

    def _timings(self, path: str) -> list[tuple[float, str]] | None:
        timings = path.removesuffix(".md") + ".timestamps.json"
        file = self.vault.root / timings
        if not file.is_file():
            self.problems.append(
                Problem(
                    path,
                    1,
                    "no word timings (.timestamps.json): Roundtable needs a timed "
                    "transcript; write one as `M:SS text` lines in the imported video file",
                    severity="warning",
                )
            )
            return None
        try:
            words = json.loads(file.read_text(encoding="utf-8"))
            return [(_start(word), str(word["text"])) for word in words]
        except (ValueError, KeyError, TypeError) as exc:
            self.problems.append(Problem(timings, 1, f"word timings unreadable: {exc}"))
            return None

    def _slug(self, file: VaultFile, taken: Iterable[str]) -> str:
        slug = slugify(file.stem)
        existing = set(taken)
        base, count = slug, 2
        while slug in existing:
            slug, count = f"{base}-{count}", count + 1
        return slug


def _start(word: dict[str, object]) -> float:
    seconds = parse_clock(str(word["start"]))
    if seconds is None:
        raise ValueError(f"bad start {word['start']!r}")
    return seconds


@dataclass
class VideoSource:
    """A video's transcript file and word timings, and the latest second an excerpt ends at."""

    slug: str
    file: VaultFile
    words: list[tuple[float, str]] | None
    latest_end: int = 0

    def render(self, problems: list[Problem]) -> str | None:
        front = self.file.front
        video_id = youtube_id(str(front.get("url") or ""))
        lines = transcript_lines(self.words or [])
        spoken_end = math.ceil(self.words[-1][0]) + 1 if self.words else 0
        duration = max(spoken_end, self.latest_end)
        if duration <= 0:
            problems.append(Problem(self.file.path, 1, "video length unknown: video skipped"))
            return None
        fields = {
            "title": front.get("title") or self.file.stem,
            "channel": front.get("channel") or "",
            "youtube_id": video_id,
            "duration": format_timestamp(duration),
        }
        if not fields["channel"]:
            problems.append(Problem(self.file.path, 2, "video has no `channel` (required)"))
        body = "\n".join(f"{format_timestamp(at)} {text}" for at, text in lines)
        return front_matter(fields) + "\n" + body + "\n"


def transcript_lines(words: list[tuple[float, str]]) -> list[tuple[int, str]]:
    """Timed words as lines of Roundtable's transcript: (whole second it starts, text)."""
    lines: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0.0
    for at, word in words:
        if not current:
            start = at
        current.append(word.strip())
        sentence_done = word.rstrip("\"'”’)").endswith(_SENTENCE_END)
        if (sentence_done and len(current) >= _MIN_WORDS) or len(current) >= _MAX_WORDS:
            lines.append((int(start), " ".join(w for w in current if w)))
            current = []
    if current:
        lines.append((int(start), " ".join(w for w in current if w)))
    return lines
