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
from roundtable.content.lens.media import Media, anchor_as_written, parse_clock
from roundtable.content.lens.sections import Fields, Section, split_sections
from roundtable.content.lens.vault import WIKILINK, Link, Vault, VaultFile, parse_link
from roundtable.content.lens.writer import Outcome, Segment, demote_headings, module_file
from roundtable.content.lens.writer import Section as OutSection
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
    media: Media = field(init=False)
    used_ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.notes = self.vault.notes
        self.media = Media(self.vault)

    # --- modules ---------------------------------------------------------

    def module(self, path: str) -> Module | None:
        file = self.vault.file(path)
        if file is None:
            return None
        slug, title = str(file.front.get("slug") or ""), str(file.front.get("title") or "")
        for name, present in (("slug", slug), ("title", title)):
            if not present:
                self.notes.invalid(path, 2, f"module has no `{name}`")
                return None
        module_id = str(file.front.get("id") or file.front.get("contentId") or "")
        if not module_id:
            module_id = f"module-{slugify(slug)}"
            self.notes.changed(path, 2, f"module has no `id`: given '{module_id}'")
        self._front_dropped(file, ("slug", "title", "id", "contentId"))
        if slugify(slug) != slug:
            self.notes.changed(path, 2, f"slug '{slug}' written as '{slugify(slug)}'")
        sections, stray = split_sections(file.body, file.body_line, MODULE_KINDS)
        if stray is not None:
            self.notes.dropped(path, stray, "text before the first heading (it was never shown)")
        invalid_before = self.notes.invalid_count
        outcomes = self._outcomes(file, sections, module_id, title, slugify(slug))
        if self.notes.invalid_count > invalid_before:
            # Never half a module: the errors noted say what to fix in the vault.
            self.notes.invalid(path, 1, "module not written: fix the errors noted for it")
            return None
        if not outcomes:
            self.notes.dropped(path, 1, "the module: it has no content")
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
            self.notes.changed(
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
            self.notes.invalid(target, 2, "learning outcome has no `id`")
            return None
        self._front_dropped(file, ("id", "learning-outcome"))
        optional = fields.flag("optional")
        title = str(file.front.get("learning-outcome") or (link.label if link else file.stem))
        lenses, _ = split_sections(file.body, file.body_line, OUTCOME_KINDS)
        out: list[OutSection] = []
        for lens in lenses:
            if lens.kind == "test":
                converted = self._test(target, lens, slug, outcome_id)
            else:
                converted = self._lens(target, lens, slug)
            if converted is not None:
                converted.optional = converted.optional or optional
                out.append(converted)
        if not out:
            self.notes.dropped(target, 1, "the learning outcome: none of its lenses could be")
            return None
        return Outcome(self._unique(outcome_id, slug), title, out)

    def _test(self, path: str, section: Section, slug: str, outcome_id: str) -> OutSection | None:
        """A `## Test:`: its questions (written in place, or in the file `source::` names)
        become a section of assessed questions, `<outcome id>.test`. An empty test is
        nothing to carry."""
        fields = section.fields()
        lines, first = section.body, section.body_line
        where = path
        if fields.get("source"):
            link = parse_link(fields.get("source"))
            target = self._resolve(path, link, fields.line("source", section.line))
            file = self.vault.file(target) if target else None
            if file is None:
                return None
            lines, first, where = file.body, file.body_line, file.path
        segments, _ = split_sections(lines, first, SEGMENT_KINDS, flat=True)
        if not segments:
            return None
        title = section.title or "Test yourself"
        return self._section(
            where, f"{outcome_id}.test", title, fields.flag("optional"), segments, slug
        )

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
            self.notes.invalid(target, 2, "lens has no `id`")
            return None
        self._front_dropped(file, ("id", "title"))
        title = str(file.front.get("title") or section.title or (link.label if link else ""))
        segments, stray = split_sections(file.body, file.body_line, SEGMENT_KINDS, flat=True)
        if stray is not None:
            self.notes.dropped(target, stray, "text outside any segment (it was never shown)")
        return self._section(
            target, lens_id, title or file.stem, fields.flag("optional"), segments, slug
        )

    def _inline_lens(self, path: str, section: Section, slug: str) -> OutSection | None:
        fields = section.fields()
        lens_id = fields.get("id")
        if not lens_id:
            self.notes.invalid(path, section.line, "a lens written here needs `id::`")
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
            self.notes.dropped(
                path, raw[0].line if raw else 1, f"lens '{title}': none of its segments"
            )
            return None
        self.used_ids.update(segment.id for segment in segments)
        return OutSection(section_id, title, optional, segments)

    # --- segments ----------------------------------------------------------

    def _segment(
        self, path: str, raw: Section, segment_id: str, inherited: dict[str, str]
    ) -> Segment | None:
        fields = raw.fields()
        if fields.stray_line is not None:
            self.notes.dropped(
                path, fields.stray_line, "text outside a `field::` (it was never shown)"
            )
        optional = fields.flag("optional")
        if raw.kind == "text":
            return self._text(path, raw, fields, segment_id, optional)
        if raw.kind == "chat":
            return self._chat(path, raw, fields, segment_id, optional)
        if raw.kind == "question":
            return self._question(path, raw, fields, segment_id, optional)
        if raw.kind in ("article", "video"):
            source = fields.get("source") or inherited.get(raw.kind, "")
            if not source:
                self.notes.invalid(path, raw.line, f"the first {raw.kind} segment needs `source::`")
                return None
            inherited[raw.kind] = source
            convert = self._article if raw.kind == "article" else self._video
            return convert(path, raw, fields, source, segment_id, optional)
        self.notes.dropped(
            path,
            raw.line,
            f"a {raw.kind} segment (Roundtable has no {raw.kind} segments)",
        )
        return None

    def _text(
        self, path: str, raw: Section, fields: Fields, segment_id: str, optional: bool
    ) -> Segment | None:
        content = fields.get("content")
        if not content:
            self.notes.invalid(path, raw.line, "text segment without `content::`")
            return None
        markdown = self._inline_links(path, fields.line("content", raw.line), content)
        return Segment("Text", segment_id, optional=optional, body=markdown)

    def _chat(
        self, path: str, raw: Section, fields: Fields, segment_id: str, optional: bool
    ) -> Segment | None:
        instructions = fields.get("instructions")
        if not instructions:
            self.notes.invalid(path, raw.line, "chat segment without `instructions::`")
            return None
        flags = {}
        if fields.flag("hidePreviousContentFromUser"):
            flags["learner_sees_previous"] = "false"
        if fields.flag("hidePreviousContentFromTutor"):
            flags["tutor_sees_previous"] = "false"
        body = demote_headings(_ESCAPED_HEADING.sub(r"\1", instructions))
        return Segment("Chat", segment_id, raw.title, optional, flags, body)

    def _question(
        self, path: str, raw: Section, fields: Fields, segment_id: str, optional: bool
    ) -> Segment | None:
        """A question the learner answers in writing; its assessment instructions become
        the rubric the tutor gives feedback against."""
        question = fields.get("content")
        if not question:
            self.notes.invalid(path, raw.line, "question segment without `content::`")
            return None
        rubric = fields.get("assessment-instructions")
        if not rubric:
            self.notes.dropped(
                path,
                raw.line,
                "a question without `assessment-instructions::` (Roundtable's questions are "
                "answered with feedback against a rubric: write one to carry it over)",
            )
            return None
        ignored = [f"`{n}::`" for n in ("max-time", "max-chars", "enforce-voice", "feedback")]
        present = [name for name in ignored if fields.get(name.strip("`:"))]
        if present:
            self.notes.changed(
                path,
                raw.line,
                f"question {', '.join(present)} left out: answers have no time or length "
                "limit, voice is the learner's choice, and feedback is always shown",
            )
        body = self._inline_links(path, fields.line("content", raw.line), question)
        return Segment("Question", segment_id, raw.title, optional, {"rubric": rubric}, body)

    def _article(
        self, path: str, raw: Section, fields: Fields, source: str, segment_id: str, optional: bool
    ) -> Segment | None:
        target = self._resolve(path, parse_link(source), fields.line("source", raw.line))
        article = self.media.article(target) if target else None
        if article is None:
            return None
        excerpt = {"article": article.slug}
        for name in ("from", "to"):
            anchor = _unquote(fields.get(name))
            if not anchor:
                continue
            written = anchor_as_written(article.body, anchor)
            if written is None:
                line = fields.line(name, raw.line)
                self.notes.invalid(path, line, f"`{name}::` '{anchor}' is not in the article")
                return None
            excerpt[name] = written
        return Segment("Article", segment_id, optional=optional, fields=excerpt)

    def _video(
        self, path: str, raw: Section, fields: Fields, source: str, segment_id: str, optional: bool
    ) -> Segment | None:
        target = self._resolve(path, parse_link(source), fields.line("source", raw.line))
        video = self.media.video(target) if target else None
        if video is None:
            return None
        times: dict[str, float | None] = {"from": 0.0, "to": None}
        for name in times:
            text = fields.get(name)
            if not text:
                continue
            times[name] = parse_clock(text)
            if times[name] is None:
                line = fields.line(name, raw.line)
                self.notes.invalid(path, line, f"`{name}::` '{text}' is not a time")
                return None
        span = video.excerpt(times["from"] or 0.0, times["to"])
        if span is None:
            self.notes.invalid(
                path, raw.line, "give `to::`: this video has no word timings to say where it ends"
            )
            return None
        excerpt = {"video": video.slug, "from": format_timestamp(span[0])}
        excerpt["to"] = format_timestamp(span[1])
        return Segment("Video", segment_id, optional=optional, fields=excerpt)

    def _inline_links(self, path: str, line: int, markdown: str) -> str:
        """Wikilinks in text become their shown text, a link to an article's source when
        they point at one; embedded images cannot be carried and are reported."""
        for image in _IMAGE.findall(markdown):
            self.notes.dropped(path, line, f"embedded file {image} (Roundtable has no image store)")
        markdown = _IMAGE.sub("", markdown)

        def replace(match: re.Match[str]) -> str:
            link = Link(match.group(2).strip(), (match.group(3) or "").strip() or None, False)
            target = self.vault.resolve(link, path)
            is_article = target is not None and target.split("/", 1)[0] == "articles"
            article = self.media.article(target) if is_article and target else None
            return f"[{link.label}]({article.source_url})" if article else link.label

        text = WIKILINK.sub(replace, _ESCAPED_HEADING.sub(r"\1", markdown))
        return demote_headings(text)

    # --- helpers -------------------------------------------------------------

    def _resolve(self, path: str, link: Link | None, line: int) -> str | None:
        if link is None:
            self.notes.invalid(path, line, "`source::` holds no [[wikilink]]")
            return None
        target = self.vault.resolve(link, path)
        if target is None:
            self.notes.invalid(path, line, f"[[{link.target}]] points at no file")
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
            self.notes.changed(
                file.path, 2, f"front matter {names} left out (no use in Roundtable)"
            )


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text
