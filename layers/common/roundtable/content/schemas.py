"""Which fields each kind of item takes, and which heading kinds each file type allows."""

from __future__ import annotations

from roundtable.content.fields import FieldSpec, Schema

_ID = FieldSpec("id", required=True)
_TITLE = FieldSpec("text", required=True)
_OPTIONAL = FieldSpec("bool")

COURSE: Schema = {"id": _ID, "title": _TITLE}
MODULE: Schema = {"id": _ID, "title": _TITLE, "summary": FieldSpec("text")}
ARTICLE: Schema = {
    "title": _TITLE,
    "author": FieldSpec("text", required=True),
    "source_url": FieldSpec("url", required=True),
    "published": FieldSpec("text"),
}
VIDEO: Schema = {
    "title": _TITLE,
    "channel": FieldSpec("text", required=True),
    "youtube_id": FieldSpec("youtube_id", required=True),
    "duration": FieldSpec("time", required=True),
}
SITE_PAGE: Schema = {"title": _TITLE}

MODULE_REF: Schema = {"optional": _OPTIONAL}
MEETING: Schema = {}

OUTCOME: Schema = {"id": _ID}
SECTION: Schema = {"id": _ID, "optional": _OPTIONAL}
TEXT: Schema = {"id": _ID, "optional": _OPTIONAL}
ARTICLE_EXCERPT: Schema = {
    "id": _ID,
    "optional": _OPTIONAL,
    "article": FieldSpec("text", required=True),
    "from": FieldSpec("text"),
    "to": FieldSpec("text"),
}
VIDEO_EXCERPT: Schema = {
    "id": _ID,
    "optional": _OPTIONAL,
    "video": FieldSpec("text", required=True),
    "from": FieldSpec("time", required=True),
    "to": FieldSpec("time", required=True),
}
CHAT: Schema = {
    "id": _ID,
    "optional": _OPTIONAL,
    "learner_sees_previous": FieldSpec("bool"),
    "tutor_sees_previous": FieldSpec("bool"),
}
QUESTION: Schema = {
    "id": _ID,
    "optional": _OPTIONAL,
    "rubric": FieldSpec("text", required=True),
    "levels": FieldSpec("text"),
}

FEEDBACK: Schema = {"anonymous": FieldSpec("bool")}
FEEDBACK_QUESTION: Schema = {"id": FieldSpec("id"), "required": FieldSpec("bool")}

# heading kind -> the heading level it must be written at
COURSE_KINDS = {"module": 1, "meeting": 1, "feedback": 1, "rating": 2, "question": 2}
MODULE_KINDS = {
    "outcome": 1,
    "section": 2,
    "text": 3,
    "article": 3,
    "video": 3,
    "chat": 3,
    "question": 3,
}
SEGMENT_SCHEMAS: dict[str, Schema] = {
    "text": TEXT,
    "article": ARTICLE_EXCERPT,
    "video": VIDEO_EXCERPT,
    "chat": CHAT,
    "question": QUESTION,
}
