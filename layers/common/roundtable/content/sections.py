"""Assemble a module's blocks into outcomes, sections and segments."""

from __future__ import annotations

from dataclasses import dataclass, field

from roundtable.content import schemas
from roundtable.content.blocks import Block
from roundtable.content.fields import Fields, Schema
from roundtable.content.model import (
    DEFAULT_LEVELS,
    ArticleExcerpt,
    ChatSegment,
    Outcome,
    QuestionSegment,
    Section,
    Segment,
    TextSegment,
    VideoExcerpt,
    Where,
)
from roundtable.content.source import ContentFile, FieldSpecs, slugify


@dataclass
class _SectionDraft:
    block: Block
    fields: Fields
    segments: list[Segment] = field(default_factory=list)


@dataclass
class _OutcomeDraft:
    block: Block
    fields: Fields
    sections: list[_SectionDraft] = field(default_factory=list)


@dataclass
class SectionAssembler:
    """Walks blocks in order, attaching each to the outcome or section above it."""

    file: ContentFile
    module_slug: str
    outcomes: list[_OutcomeDraft] = field(default_factory=list)

    def assemble(self, blocks: list[Block]) -> tuple[Outcome, ...]:
        for block in blocks:
            if block.kind == "outcome":
                self._open_outcome(block)
            elif block.kind == "section":
                self._open_section(block)
            else:
                self._add_segment(block)
        return tuple(self._freeze_outcome(draft) for draft in self.outcomes)

    def _read(self, block: Block, schema: Schema, what: str) -> Fields:
        hint = slugify(f"{self.module_slug} {block.title or block.kind}")
        spec = FieldSpecs(schema, what, hint)
        return self.file.fields(block.fields_text, block.fields_line, block.line, spec)

    def _open_outcome(self, block: Block) -> None:
        if not block.title:
            self.file.problem(block.line, "Outcome heading has no title", "write `# Outcome: ...`")
        self._check_no_body(block, "Outcome")
        self.outcomes.append(_OutcomeDraft(block, self._read(block, schemas.OUTCOME, "Outcome")))

    def _open_section(self, block: Block) -> None:
        fields = self._read(block, schemas.SECTION, "Section")
        if not block.title:
            self.file.problem(block.line, "Section heading has no title", "write `## Section: ...`")
        self._check_no_body(block, "Section")
        if not self.outcomes:
            self.file.problem(
                block.line, "Section is not under an Outcome", "add a `# Outcome: ...` above it"
            )
            return
        self.outcomes[-1].sections.append(_SectionDraft(block, fields))

    def _add_segment(self, block: Block) -> None:
        what = f"{block.kind.capitalize()} segment"
        fields = self._read(block, schemas.SEGMENT_SCHEMAS[block.kind], what)
        segment = self._segment(block, fields)
        if not self.outcomes or not self.outcomes[-1].sections:
            self.file.problem(
                block.line, f"{what} is not under a Section", "add a `## Section: ...` above it"
            )
            return
        self.outcomes[-1].sections[-1].segments.append(segment)

    def _segment(self, block: Block, fields: Fields) -> Segment:
        ident = fields.text("id")
        where = Where(self.file.path, block.line, fields.lines)
        optional = fields.flag("optional", False)
        if block.kind == "text":
            if not block.body:
                self.file.problem(block.line, "Text segment has no text")
            return TextSegment(ident, where, optional, block.body)
        if block.kind == "chat":
            if not block.body:
                self.file.problem(
                    block.line,
                    "Chat segment has no instructions for the tutor",
                    "write them as the text under the fields",
                )
            learner_sees = fields.flag("learner_sees_previous", True)
            tutor_sees = fields.flag("tutor_sees_previous", True)
            return ChatSegment(
                ident, where, optional, block.title, block.body, learner_sees, tutor_sees
            )
        if block.kind == "question":
            return self._question(block, fields, ident, where, optional)
        self._check_no_body(block, f"{block.kind.capitalize()} segment")
        if block.kind == "article":
            from_anchor = fields.values.get("from") or None
            to_anchor = fields.values.get("to") or None
            return ArticleExcerpt(
                ident, where, optional, fields.text("article"), from_anchor, to_anchor
            )
        start, end = fields.seconds("from") or 0, fields.seconds("to") or 0
        return VideoExcerpt(ident, where, optional, fields.text("video"), start, end)

    def _question(
        self, block: Block, fields: Fields, ident: str, where: Where, optional: bool
    ) -> QuestionSegment:
        if not block.body:
            self.file.problem(
                block.line,
                "Question segment has no question",
                "write the question as the text under the fields",
            )
        levels = self._levels(fields)
        rubric = fields.text("rubric")
        return QuestionSegment(ident, where, optional, block.title, block.body, rubric, levels)

    def _levels(self, fields: Fields) -> tuple[str, ...]:
        """The author's scale (`levels: a, b, c`, lowest first), or the default one."""
        if "levels" not in fields.values:
            return DEFAULT_LEVELS
        line = fields.lines["levels"]
        levels = tuple(level.strip() for level in fields.text("levels").split(","))
        if any(not level for level in levels) or len(levels) < 2:
            self.file.problem(
                line,
                "field 'levels' needs at least two names separated by commas",
                "for example `levels: beginning, developing, secure` (lowest first)",
            )
            return DEFAULT_LEVELS
        repeated = sorted({level for level in levels if levels.count(level) > 1})
        if repeated:
            self.file.problem(line, f"field 'levels' names {repeated[0]!r} twice")
        return levels

    def _check_no_body(self, block: Block, what: str) -> None:
        if block.body:
            self.file.warning(
                block.body_line,
                f"text under a {what} heading is not shown to learners",
                "put it in a `### Text` segment",
            )

    def _freeze_outcome(self, draft: _OutcomeDraft) -> Outcome:
        if not draft.sections:
            self.file.problem(draft.block.line, "Outcome has no sections")
        sections = tuple(self._freeze_section(s) for s in draft.sections)
        where = Where(self.file.path, draft.block.line, draft.fields.lines)
        return Outcome(draft.fields.text("id"), where, draft.block.title, sections)

    def _freeze_section(self, draft: _SectionDraft) -> Section:
        if not draft.segments:
            self.file.problem(draft.block.line, "Section has no segments")
        return Section(
            id=draft.fields.text("id"),
            where=Where(self.file.path, draft.block.line, draft.fields.lines),
            title=draft.block.title,
            optional=draft.fields.flag("optional", False),
            segments=tuple(draft.segments),
        )
