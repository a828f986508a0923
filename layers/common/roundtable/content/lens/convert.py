"""A vault's modules and courses converted to Roundtable's outcomes, sections and segments.

The mapping (docs/content.md, "Importing a Lens Academy vault"):

- a module keeps its `slug`, `title` and `id`;
- a `# Learning Outcome:` (its file in `Learning Outcomes/`) becomes an
  `# Outcome:` with the outcome file's id; each of its lenses a `## Section:`;
- lenses written in the module itself (`# Lens:` with `id::`), outside any
  outcome, are gathered into an outcome per run of consecutive lenses;
- a lens keeps its id as the section's id, so completions keep their meaning
  (a lens used twice gets `<id>--<module>` the second time: Roundtable ids are
  unique); its segments get `<section id>.<n>`;
- segments: Text → Text, Article → Article (source inherited from the
  previous article segment, as before), Video → Video, Chat → Chat
  (`hidePreviousContentFrom{User,Tutor}` → `{learner,tutor}_sees_previous: false`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from roundtable.content.fields import format_timestamp
from roundtable.content.lens.media import Media, parse_clock
from roundtable.content.lens.sections import Fields, Section, split_sections
from roundtable.content.lens.vault import WIKILINK, Link, Vault, VaultFile, parse_link
from roundtable.content.lens.writer import Outcome, Segment, demote_headings, module_file
from roundtable.content.lens.writer import Section as OutSection
from roundtable.content.model import Problem
from roundtable.content.source import slugify

SEGMENT_KINDS = frozenset({"text", "chat", "article", "video", "question", "roleplay"})
MODULE_KINDS = frozenset({"learning outcome", "lens", "submodule"})
OUTCOME_KINDS = frozenset({"lens", "test"})
_ESCAPED_HEADING = re.compile(r"^!(#+\s)", re.M)
_IMAGE = re.compile(r"!\[\[[^\]]+\]\]")


@dataclass
class Module:
    slug: str
    id: str
    title: str
    outcomes: list[Outcome]

    def text(self) -> str:
        return module_file({"id": self.id, "title": self.title}, self.outcomes)


@dataclass
class Converter:
    """Converts modules one by one, sharing the articles, videos and ids already used."""

    vault: Vault
    problems: list[Problem]
    media: Media = field(init=False)
    used_ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.media = Media(self.vault, self.problems)

    # --- modules ---------------------------------------------------------

    def module(self, path: str) -> Module | None:
        file = self.vault.file(path)
        if file is None:
            return None
        slug, title = str(file.front.get("slug") or ""), str(file.front.get("title") or "")
        for name, present in (("slug", slug), ("title", title)):
            if not present:
                self._note(path, 2, f"module has no `{name}`: module skipped", error=True)
                return None
        module_id = str(file.front.get("id") or file.front.get("contentId") or "")
        if not module_id:
            module_id = f"module-{slugify(slug)}"
            self._note(path, 2, f"module has no `id`: given '{module_id}'")
        self._front_dropped(file, ("slug", "title", "id", "contentId"))
        if slugify(slug) != slug:
            self._note(path, 2, f"slug '{slug}' is not lower-case words: written '{slugify(slug)}'")
        sections, stray = split_sections(file.body, file.body_line, MODULE_KINDS)
        if stray is not None:
            self._note(path, stray, "text before the first heading is not shown; dropped")
        outcomes = self._outcomes(file, sections, module_id, title, slugify(slug))
        if not outcomes:
            self._note(path, 1, "module has no content: not imported")
            return None
        return Module(slugify(slug), module_id, title, outcomes)

    def _outcomes(
        self, file: VaultFile, sections: list[Section], module_id: str, title: str, slug: str
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        loose: list[OutSection] = []  # consecutive lenses written in the module itself

        def close_loose() -> None:
            if loose:
                only = loose[0].title if len(loose) == 1 else title
                outcomes.append(Outcome(self._unique(f"{loose[0].id}.outcome"), only, loose[:]))
                loose.clear()

        for section in self._flatten_submodules(file, sections):
            if section.kind == "lens":
                lens = self._lens(file.path, section, slug)
                if lens is not None:
                    loose.append(lens)
                continue
            close_loose()
            outcome = self._learning_outcome(file.path, section, slug)
            if outcome is not None:
                outcomes.append(outcome)
        close_loose()
        return outcomes

    def _flatten_submodules(self, file: VaultFile, sections: list[Section]) -> list[Section]:
        flat: list[Section] = []
        for section in sections:
            if section.kind != "submodule":
                flat.append(section)
                continue
            self._note(
                file.path,
                section.line,
                f"submodule '{section.title}': Roundtable has no submodules; "
                "its lenses and outcomes are imported into the module in place",
            )
            children, _ = split_sections(
                section.body, section.body_line, MODULE_KINDS - {"submodule"}
            )
            flat.extend(children)
        return flat

    # --- learning outcomes and lenses -------------------------------------

    def _learning_outcome(self, module_path: str, section: Section, slug: str) -> Outcome | None:
        fields = section.fields()
        link = parse_link(fields.get("source"))
        target = self._resolve(module_path, link, fields.line("source", section.line))
        if target is None:
            return None
        file = self.vault.file(target)
        if file is None:
            return None
        outcome_id = str(file.front.get("id") or "")
        if not outcome_id:
            self._note(target, 2, "learning outcome has no `id`: skipped", error=True)
            return None
        self._front_dropped(file, ("id", "learning-outcome"))
        optional = fields.flag("optional")
        title = str(file.front.get("learning-outcome") or (link.label if link else file.stem))
        lenses, _ = split_sections(file.body, file.body_line, OUTCOME_KINDS)
        out: list[OutSection] = []
        for lens in lenses:
            if lens.kind == "test":
                self._note(target, lens.line, "a `## Test:` is not carried over (no tests yet)")
                continue
            converted = self._lens(target, lens, slug)
            if converted is not None:
                converted.optional = converted.optional or optional
                out.append(converted)
        if not out:
            self._note(target, 1, "learning outcome has no lenses: not imported")
            return None
        return Outcome(self._unique(outcome_id, slug), title, out)

    def _lens(self, path: str, section: Section, slug: str) -> OutSection | None:
        """A `Lens:` section: a lens file it embeds (`source::`), or one written in place."""
        fields = section.fields()
        if not fields.get("source"):
            return self._inline_lens(path, section, slug)
        link = parse_link(fields.get("source"))
        target = self._resolve(path, link, fields.line("source", section.line))
        if target is None:
            return None
        file = self.vault.file(target)
        if file is None:
            return None
        lens_id = str(file.front.get("id") or "")
        if not lens_id:
            self._note(target, 2, "lens has no `id`: skipped", error=True)
            return None
        self._front_dropped(file, ("id", "title"))
        title = str(file.front.get("title") or section.title or (link.label if link else ""))
        segments, stray = split_sections(file.body, file.body_line, SEGMENT_KINDS, flat=True)
        if stray is not None:
            self._note(target, stray, "text outside any segment is not shown; dropped")
        return self._section(
            target, lens_id, title or file.stem, fields.flag("optional"), segments, slug
        )

    def _inline_lens(self, path: str, section: Section, slug: str) -> OutSection | None:
        fields = section.fields()
        lens_id = fields.get("id")
        if not lens_id:
            self._note(path, section.line, "a lens written here needs `id::`: skipped", error=True)
            return None
        segments, _ = split_sections(section.body, section.body_line, SEGMENT_KINDS, flat=True)
        title = section.title or fields.get("title") or "Untitled"
        return self._section(path, lens_id, title, fields.flag("optional"), segments, slug)

    def _section(
        self, path: str, lens_id: str, title: str, optional: bool, raw: list[Section], slug: str
    ) -> OutSection | None:
        section_id = self._unique(lens_id, slug)
        inherited: dict[str, str] = {}
        segments = [
            segment
            for index, raw_segment in enumerate(raw, start=1)
            if (segment := self._segment(path, raw_segment, f"{section_id}.{index}", inherited))
        ]
        if not segments:
            self._note(path, raw[0].line if raw else 1, f"lens '{title}' has no segments: skipped")
            return None
        self.used_ids.update(segment.id for segment in segments)
        return OutSection(section_id, title, optional, segments)

    # --- segments ----------------------------------------------------------

    def _segment(
        self, path: str, raw: Section, segment_id: str, inherited: dict[str, str]
    ) -> Segment | None:
        fields = raw.fields()
        if fields.stray_line is not None:
            self._note(path, fields.stray_line, "text outside a `field::` is ignored, as before")
        optional = fields.flag("optional")
        if raw.kind == "text":
            return self._text(path, raw, fields, segment_id, optional)
        if raw.kind == "chat":
            return self._chat(path, raw, fields, segment_id, optional)
        if raw.kind in ("article", "video"):
            source = fields.get("source") or inherited.get(raw.kind, "")
            if not source:
                self._note(path, raw.line, f"the first {raw.kind} segment needs `source::`")
                return None
            inherited[raw.kind] = source
            convert = self._article if raw.kind == "article" else self._video
            return convert(path, raw, fields, source, segment_id, optional)
        self._note(
            path,
            raw.line,
            f"a {raw.kind} segment is not carried over: Roundtable has no {raw.kind} segments yet",
        )
        return None

    def _text(
        self, path: str, raw: Section, fields: Fields, segment_id: str, optional: bool
    ) -> Segment | None:
        content = fields.get("content")
        if not content:
            self._note(path, raw.line, "text segment without `content::`: skipped")
            return None
        markdown = self._inline_links(path, fields.line("content", raw.line), content)
        return Segment("Text", segment_id, optional=optional, body=markdown)

    def _chat(
        self, path: str, raw: Section, fields: Fields, segment_id: str, optional: bool
    ) -> Segment | None:
        instructions = fields.get("instructions")
        if not instructions:
            self._note(path, raw.line, "chat segment without `instructions::`: skipped")
            return None
        flags = {}
        if fields.flag("hidePreviousContentFromUser"):
            flags["learner_sees_previous"] = "false"
        if fields.flag("hidePreviousContentFromTutor"):
            flags["tutor_sees_previous"] = "false"
        body = demote_headings(_ESCAPED_HEADING.sub(r"\1", instructions))
        return Segment("Chat", segment_id, raw.title, optional, flags, body)

    def _article(
        self, path: str, raw: Section, fields: Fields, source: str, segment_id: str, optional: bool
    ) -> Segment | None:
        target = self._resolve(path, parse_link(source), fields.line("source", raw.line))
        slug = self.media.article(target) if target else None
        if slug is None:
            return None
        excerpt = {"article": slug}
        for name in ("from", "to"):
            if anchor := _unquote(fields.get(name)):
                excerpt[name] = anchor
        return Segment("Article", segment_id, optional=optional, fields=excerpt)

    def _video(
        self, path: str, raw: Section, fields: Fields, source: str, segment_id: str, optional: bool
    ) -> Segment | None:
        target = self._resolve(path, parse_link(source), fields.line("source", raw.line))
        video = self.media.video(target) if target else None
        if video is None:
            return None
        excerpt = {"video": video.slug}
        for name in ("from", "to"):
            text = fields.get(name) or ("0:00" if name == "from" else "")
            if not text:
                continue
            seconds = parse_clock(text)
            if seconds is None:
                self._note(path, fields.line(name, raw.line), f"`{name}::` '{text}' is no time")
                return None
            excerpt[name] = format_timestamp(int(seconds))
            video.latest_end = max(video.latest_end, int(seconds) + 1)
        return Segment("Video", segment_id, optional=optional, fields=excerpt)

    def _inline_links(self, path: str, line: int, markdown: str) -> str:
        """Wikilinks in text become their shown text, a link to an article's source when
        they point at one; embedded images cannot be carried and are reported."""
        for image in _IMAGE.findall(markdown):
            self._note(path, line, f"embedded file {image} is not carried over (no image store)")
        markdown = _IMAGE.sub("", markdown)

        def replace(match: re.Match[str]) -> str:
            link = Link(match.group(2).strip(), (match.group(3) or "").strip() or None, False)
            target = self.vault.resolve(link, path)
            url = self.media.article_urls.get(target or "") if target else None
            if target and target.startswith("articles/") and url is None:
                self.media.article(target)
                url = self.media.article_urls.get(target)
            return f"[{link.label}]({url})" if url else link.label

        text = WIKILINK.sub(replace, _ESCAPED_HEADING.sub(r"\1", markdown))
        return demote_headings(text)

    # --- helpers -------------------------------------------------------------

    def _resolve(self, path: str, link: Link | None, line: int) -> str | None:
        if link is None:
            self._note(path, line, "`source::` holds no [[wikilink]]: skipped", error=True)
            return None
        target = self.vault.resolve(link, path)
        if target is None:
            self._note(path, line, f"[[{link.target}]] points at no file: skipped", error=True)
        return target

    def _unique(self, wanted: str, slug: str = "") -> str:
        """The id if no item has it yet, else `<id>--<module slug>` (then a number)."""
        base = f"{wanted}--{slug}" if wanted in self.used_ids and slug else wanted
        candidate, number = base, 2
        while candidate in self.used_ids:
            candidate, number = f"{base}-{number}", number + 1
        self.used_ids.add(candidate)
        return candidate

    def _front_dropped(self, file: VaultFile, kept: tuple[str, ...]) -> None:
        dropped = sorted(name for name in file.front if name not in kept and name != "tags")
        if dropped:
            names = ", ".join(f"`{name}`" for name in dropped)
            self._note(file.path, 2, f"front matter {names} not carried over")

    def _note(self, path: str, line: int, message: str, *, error: bool = False) -> None:
        self.problems.append(Problem(path, line, message, severity="error" if error else "warning"))


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text
