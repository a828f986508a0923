"""A course's feedback form: the `# Feedback` part of a course file.

    # Feedback
    anonymous: true

    ## Rating: How useful was this meeting for you?

    ## Question: What should we change for next week?
    id: change
    required: false

`## Rating:` asks for 1–5, `## Question:` for free text. A question's `id`
defaults to its text as a slug; set it to keep earlier answers together when
the wording changes. Without `# Feedback`, a course asks the default form
(`roundtable.meetings.feedback.DEFAULT_QUESTIONS`).
"""

from __future__ import annotations

from roundtable.content import schemas
from roundtable.content.blocks import Block
from roundtable.content.model import FeedbackForm, FeedbackQuestion, Where
from roundtable.content.source import ContentFile, FieldSpecs, slugify

MAX_QUESTIONS = 10
MAX_QUESTION_CHARS = 300
_QUESTION_KINDS = {"rating": "rating", "question": "text"}
_FEEDBACK = FieldSpecs(schemas.FEEDBACK, "Feedback heading")
_QUESTION = FieldSpecs(schemas.FEEDBACK_QUESTION, "feedback question")


def split_feedback(
    file: ContentFile, blocks: list[Block]
) -> tuple[FeedbackForm | None, list[Block]]:
    """The course's feedback form (None when it has none) and the blocks that are not part of it."""
    form_block: Block | None = None
    in_form = False  # questions belong to the form only directly under it
    questions: list[FeedbackQuestion] = []
    rest: list[Block] = []
    for block in blocks:
        if block.kind == "feedback":
            if form_block is not None:
                file.problem(block.line, "a course has one `# Feedback` part; this is a second")
            form_block = form_block or block
            in_form = True
        elif block.kind in _QUESTION_KINDS:
            if in_form:
                questions.extend(_question(file, block))
            else:
                file.problem(
                    block.line,
                    f"`## {block.kind.title()}:` outside the feedback form",
                    "put it directly under the `# Feedback` heading",
                )
        else:
            in_form = False
            rest.append(block)
    if form_block is None:
        return None, rest
    return _form(file, form_block, questions), rest


def _question(file: ContentFile, block: Block) -> list[FeedbackQuestion]:
    text = block.title.strip()
    if not text:
        file.problem(
            block.line,
            f"`## {block.kind.title()}:` asks nothing",
            "write the question after the colon",
        )
        return []
    if len(text) > MAX_QUESTION_CHARS:
        file.problem(
            block.line, f"question is {len(text)} characters; at most {MAX_QUESTION_CHARS}"
        )
        return []
    fields = file.fields(block.fields_text, block.fields_line, block.line, _QUESTION)
    ident = fields.text("id") or slugify(text)[:60].strip("-")
    return [
        FeedbackQuestion(
            id=ident,
            kind=_QUESTION_KINDS[block.kind],
            text=text,
            required=fields.flag("required", False),
            where=Where(file.path, block.line),
        )
    ]


def _form(
    file: ContentFile, block: Block, questions: list[FeedbackQuestion]
) -> FeedbackForm | None:
    fields = file.fields(block.fields_text, block.fields_line, block.line, _FEEDBACK)
    if not questions:
        file.problem(
            block.line,
            "the feedback form asks no questions",
            "add `## Rating: …` or `## Question: …` headings under it",
        )
        return None
    if len(questions) > MAX_QUESTIONS:
        file.problem(
            block.line,
            f"the feedback form asks {len(questions)} questions; at most {MAX_QUESTIONS}",
        )
        return None
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            file.problem(
                question.where.line,
                f"feedback question id {question.id!r} is used twice",
                "give one of them its own `id:`",
            )
            return None
        seen.add(question.id)
    return FeedbackForm(
        fields.flag("anonymous", False), tuple(questions), Where(file.path, block.line)
    )
