"""Feedback after each meeting: the course's form, a learner's answers, what staff read.

The questions come from the course (`# Feedback` in its content file, see
docs/content.md); a course without one asks `DEFAULT_FORM`. A learner answers
once per meeting: answering again replaces the earlier answers (one row per
meeting and person). The form opens ten minutes before the meeting ends and
closes two weeks after, so late answers still count but a term's feedback does
not drift in months later.

Who reads what: the group's facilitators (and admins) read every answer to
their group's meetings, without names when the course says `anonymous: true`;
admins read a cohort's summary week by week (counts, the average of the form's
first rating question and its spread) and group by group.

Every door (the web routes; the post-meeting e-mail and DM link to the web
form) calls these functions; the form itself is resolved by the caller's
`FormFor` (the live content in production), so this module reads no files.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert

from roundtable.db.tables import cohorts, groups, meeting_feedback, meetings, users
from roundtable.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from roundtable.groups.facilitation import facilitates, require_group_access
from roundtable.groups.memberships import count_active_members
from roundtable.meetings.attendance import attends, may_attend
from roundtable.paging import after_name, check_limit, decode_named_cursor, page_of
from roundtable.people.profiles import Viewer

logger = logging.getLogger(__name__)

OPENS_BEFORE_END = timedelta(minutes=10)
CLOSES_AFTER_END = timedelta(days=14)
MAX_ANSWER_CHARS = 2000
RATINGS = range(1, 6)


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "rating" (1–5) | "text"
    text: str
    required: bool


@dataclass(frozen=True)
class Form:
    anonymous: bool
    questions: tuple[Question, ...]

    @property
    def rating_question(self) -> Question | None:
        """The question charted week by week: the form's first rating."""
        return next((q for q in self.questions if q.kind == "rating"), None)


DEFAULT_FORM = Form(
    anonymous=False,
    questions=(
        Question("overall", "rating", "How was this meeting?", True),
        Question(
            "comments",
            "text",
            "Anything you want your facilitator or the organisers to know?",
            False,
        ),
    ),
)

# course slug -> the feedback form its learners answer
FormFor = Callable[[str], Form]


def form_from_course(course: Mapping[str, Any]) -> Form:
    """The form a bundled course asks (`DEFAULT_FORM` when it has none)."""
    spec = course.get("feedback")
    if not spec:
        return DEFAULT_FORM
    questions = tuple(
        Question(q["id"], q["kind"], q["text"], bool(q.get("required", False)))
        for q in spec["questions"]
    )
    return Form(bool(spec.get("anonymous", False)), questions)


def live_feedback_forms() -> FormFor:
    """Forms from the live content; the default form when content cannot be read."""
    from roundtable.content.bundle import UnknownContentError
    from roundtable.content.live import load_live_bundle

    try:
        bundle = load_live_bundle()
    except Exception:  # feedback stays usable while content is broken or unpublished
        logger.exception("course content unavailable: feedback uses the default form")
        return lambda _slug: DEFAULT_FORM

    def form_for(course_slug: str) -> Form:
        try:
            return form_from_course(bundle.course(course_slug))
        except UnknownContentError:
            return DEFAULT_FORM

    return form_for


@dataclass(frozen=True)
class Answer:
    question_id: str
    kind: str
    text: str  # the question as it was asked
    value: int | str


@dataclass(frozen=True)
class FeedbackRequest:
    """One meeting's form as a learner sees it, with their answers so far."""

    meeting_id: int
    group_id: int
    group_name: str
    meeting_number: int
    starts_at: datetime
    ends_at: datetime
    opens_at: datetime
    closes_at: datetime
    state: str  # "not_open" | "open" | "closed"
    anonymous: bool
    questions: tuple[Question, ...]
    answers: tuple[Answer, ...]
    answered_at: datetime | None


@dataclass(frozen=True)
class SavedFeedback:
    feedback: FeedbackRequest
    replaced: bool  # an earlier answer to this meeting was replaced


def feedback_form(
    conn: Connection, viewer: Viewer, meeting_id: int, now: datetime, form_for: FormFor
) -> FeedbackRequest:
    """The feedback form of one of my meetings, with my answers if I gave any."""
    meeting = _answerable_meeting(conn, viewer, meeting_id)
    return _request(conn, meeting, viewer.id, now, form_for(meeting.course_slug))


def submit_feedback(
    conn: Connection,
    viewer: Viewer,
    meeting_id: int,
    values: Mapping[str, Any],
    now: datetime,
    form_for: FormFor,
) -> SavedFeedback:
    """Answer (or answer again) the feedback form of one of my meetings.

    `values` maps question ids to a rating (1–5) or a text. Refused: a meeting
    that does not exist or is not mine (404/403), a facilitator (they read the
    answers), a form not open yet or closed (409), an unknown question, a
    missing required answer, a rating outside 1–5 or a text over 2,000
    characters (422, naming the question).
    """
    meeting = _answerable_meeting(conn, viewer, meeting_id)
    form = form_for(meeting.course_slug)
    state = _state(meeting, now)
    if state != "open":
        raise ConflictError(_closed_message(meeting, state))
    answers = _checked_answers(form, values)
    stored = [
        {"id": a.question_id, "kind": a.kind, "text": a.text, "value": a.value} for a in answers
    ]
    rating_question = form.rating_question
    rating = next(
        (a.value for a in answers if rating_question and a.question_id == rating_question.id),
        None,
    )
    replaced: bool = conn.execute(
        insert(meeting_feedback)
        .values(
            meeting_id=meeting.id,
            user_id=viewer.id,
            rating=rating,
            answers=stored,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=["meeting_id", "user_id"],
            set_={"rating": rating, "answers": stored, "updated_at": now},
        )
        # xmax is set on a row an upsert updated, 0 on one it inserted.
        .returning(literal_column("xmax::text <> '0'"))
    ).scalar_one()
    return SavedFeedback(_request(conn, meeting, viewer.id, now, form), bool(replaced))


def open_feedback(
    conn: Connection, viewer: Viewer, now: datetime, form_for: FormFor
) -> list[FeedbackRequest]:
    """My meetings whose feedback form is open now, latest first, answered or not."""
    rows = conn.execute(
        _meeting_query()
        .where(
            attends(viewer.id),
            meetings.c.ends_at - OPENS_BEFORE_END <= now,
            meetings.c.ends_at + CLOSES_AFTER_END >= now,
            ~facilitates(viewer.id, meetings.c.group_id),
        )
        .order_by(meetings.c.starts_at.desc(), meetings.c.id)
    ).all()
    found = [_Meeting(*row) for row in rows]
    return [_request(conn, m, viewer.id, now, form_for(m.course_slug)) for m in found]


@dataclass(frozen=True)
class Response:
    """One learner's answers; author and time are None when the course is anonymous."""

    author_id: int | None
    author_name: str | None
    answered_at: datetime | None
    rating: int | None
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class MeetingFeedback:
    meeting_id: int
    meeting_number: int
    starts_at: datetime
    members: int  # learners in the group now: who could have answered
    average_rating: float | None
    responses: tuple[Response, ...]


@dataclass(frozen=True)
class GroupFeedback:
    group_id: int
    group_name: str
    anonymous: bool
    rating_question: str | None
    meetings: tuple[MeetingFeedback, ...]


def group_feedback(
    conn: Connection, viewer: Viewer, group_id: int, now: datetime, form_for: FormFor
) -> GroupFeedback:
    """Every answer to my group's meetings that have started (facilitators and admins)."""
    group = require_group_access(conn, viewer, group_id)
    course_slug = conn.scalar(select(cohorts.c.course_slug).where(cohorts.c.id == group.cohort_id))
    form = form_for(str(course_slug))
    rows = conn.execute(
        select(
            meeting_feedback.c.meeting_id,
            meeting_feedback.c.user_id,
            meeting_feedback.c.rating,
            meeting_feedback.c.answers,
            meeting_feedback.c.updated_at,
            users.c.display_name,
        )
        .join(users, users.c.id == meeting_feedback.c.user_id)
        .join(meetings, meetings.c.id == meeting_feedback.c.meeting_id)
        .where(meetings.c.group_id == group_id)
    ).all()
    by_meeting: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_meeting[row.meeting_id].append(row)
    learners = count_active_members(conn, group_id, role="learner")
    held = conn.execute(
        select(meetings.c.id, meetings.c.meeting_number, meetings.c.starts_at)
        .where(meetings.c.group_id == group_id, meetings.c.starts_at <= now)
        .order_by(meetings.c.meeting_number)
    ).all()
    return GroupFeedback(
        group_id=group.id,
        group_name=group.name,
        anonymous=form.anonymous,
        rating_question=form.rating_question.text if form.rating_question else None,
        meetings=tuple(
            MeetingFeedback(
                meeting_id=m.id,
                meeting_number=m.meeting_number,
                starts_at=m.starts_at,
                members=learners,
                average_rating=_average(r.rating for r in by_meeting[m.id]),
                responses=_responses(by_meeting[m.id], form.anonymous),
            )
            for m in held
        ),
    )


@dataclass(frozen=True)
class WeekSummary:
    meeting_number: int
    responses: int
    meetings_held: int  # meetings with this number that have started
    average_rating: float | None
    distribution: tuple[int, int, int, int, int]  # ratings 1..5


@dataclass(frozen=True)
class GroupSummary:
    group_id: int
    group_name: str
    responses: int
    average_rating: float | None
    latest_rating: float | None  # the average of its latest meeting with answers


@dataclass(frozen=True)
class CohortFeedback:
    cohort_id: int
    cohort_name: str
    rating_question: str | None
    weeks: tuple[WeekSummary, ...]  # the whole cohort, on every page
    groups: tuple[GroupSummary, ...]  # one page, by name
    group_count: int = 0  # groups with a meeting held, all pages
    next_cursor: str | None = None  # None on the last page


# Groups a page (paging.py): a group's summary is about 100 bytes, so 20,000 groups
# (100,000 learners) would be about 2 MB in one response (bench/admin_pages.py).
GROUPS_PAGE = 500
GROUPS_PAGE_MAX = 2000


def cohort_feedback(
    conn: Connection,
    viewer: Viewer,
    cohort_id: int,
    now: datetime,
    form_for: FormFor,
    *,
    cursor: str | None = None,
    limit: int = GROUPS_PAGE,
) -> CohortFeedback:
    """A cohort's feedback week by week and a page of it group by group (admins)."""
    if not viewer.is_admin:
        raise PermissionDeniedError("Only Roundtable admins can do this.")
    after = decode_named_cursor(cursor)
    check_limit(limit, GROUPS_PAGE_MAX)
    cohort = conn.execute(select(cohorts).where(cohorts.c.id == cohort_id)).first()
    if cohort is None:
        raise NotFoundError(f"There is no cohort {cohort_id}.", field="cohort_id")
    form = form_for(cohort.course_slug)
    held = _has_started_meeting(now)
    rows = conn.execute(
        select(groups.c.id, groups.c.name)
        .where(groups.c.cohort_id == cohort_id, held, *after_name(groups, after))
        .order_by(groups.c.name, groups.c.id)
        .limit(limit + 1)
    ).all()
    page = page_of(rows, limit, key=lambda row: int(row.id), name=lambda row: str(row.name))
    group_count = conn.scalar(select(func.count()).where(groups.c.cohort_id == cohort_id, held))
    return CohortFeedback(
        cohort_id=cohort.id,
        cohort_name=cohort.name,
        rating_question=form.rating_question.text if form.rating_question else None,
        weeks=_weeks(conn, cohort_id, now),
        groups=_group_summaries(conn, page.items, now),
        group_count=int(group_count or 0),
        next_cursor=page.next_cursor,
    )


def _has_started_meeting(now: datetime) -> ColumnElement[bool]:
    """The group has a meeting that has started (its feedback can have begun)."""
    return exists().where(meetings.c.group_id == groups.c.id, meetings.c.starts_at <= now)


def _weeks(conn: Connection, cohort_id: int, now: datetime) -> tuple[WeekSummary, ...]:
    """The cohort week by week, summed by the database: each meeting number's started
    meetings, answers and ratings 1..5 (numbers, not a row per answer)."""
    rating = meeting_feedback.c.rating
    rows = conn.execute(
        select(
            meetings.c.meeting_number,
            func.count(func.distinct(meetings.c.id)).label("held"),
            func.count(meeting_feedback.c.id).label("responses"),
            *(func.count().filter(rating == value).label(f"r{value}") for value in RATINGS),
        )
        .join(groups, groups.c.id == meetings.c.group_id)
        .outerjoin(meeting_feedback, meeting_feedback.c.meeting_id == meetings.c.id)
        .where(groups.c.cohort_id == cohort_id, meetings.c.starts_at <= now)
        .group_by(meetings.c.meeting_number)
        .order_by(meetings.c.meeting_number)
    ).all()
    weeks = []
    for row in rows:
        spread = (row.r1, row.r2, row.r3, row.r4, row.r5)
        total = sum(value * n for value, n in zip(RATINGS, spread, strict=True))
        weeks.append(
            WeekSummary(
                meeting_number=row.meeting_number,
                responses=row.responses,
                meetings_held=row.held,
                average_rating=_mean(total, sum(spread)),
                distribution=spread,
            )
        )
    return tuple(weeks)


def _group_summaries(
    conn: Connection, page: Sequence[Any], now: datetime
) -> tuple[GroupSummary, ...]:
    """The page's groups (rows of id and name, in order), each summed by meeting number
    in the database: answers, and the count and sum of ratings."""
    if not page:
        return ()
    rating = meeting_feedback.c.rating
    by_group: dict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(
        select(
            meetings.c.group_id,
            meetings.c.meeting_number,
            func.count(meeting_feedback.c.id).label("responses"),
            func.count(rating).label("rated"),
            func.coalesce(func.sum(rating), 0).label("total"),
        )
        .join(meeting_feedback, meeting_feedback.c.meeting_id == meetings.c.id)
        .where(meetings.c.group_id.in_([g.id for g in page]), meetings.c.starts_at <= now)
        .group_by(meetings.c.group_id, meetings.c.meeting_number)
        .order_by(meetings.c.group_id, meetings.c.meeting_number)
    ):
        by_group[row.group_id].append(row)
    summaries = []
    for group in page:
        weeks = by_group[group.id]
        rated = [w for w in weeks if w.rated]
        summaries.append(
            GroupSummary(
                group.id,
                group.name,
                sum(w.responses for w in weeks),
                _mean(sum(w.total for w in rated), sum(w.rated for w in rated)),
                _mean(rated[-1].total, rated[-1].rated) if rated else None,
            )
        )
    return tuple(summaries)


# --- helpers -----------------------------------------------------------------


@dataclass(frozen=True)
class _Meeting:
    id: int
    group_id: int
    group_name: str
    meeting_number: int
    starts_at: datetime
    ends_at: datetime
    course_slug: str


def _meeting_query() -> Any:
    return (
        select(
            meetings.c.id,
            meetings.c.group_id,
            groups.c.name.label("group_name"),
            meetings.c.meeting_number,
            meetings.c.starts_at,
            meetings.c.ends_at,
            cohorts.c.course_slug,
        )
        .join(groups, groups.c.id == meetings.c.group_id)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
    )


def _answerable_meeting(conn: Connection, viewer: Viewer, meeting_id: int) -> _Meeting:
    row = conn.execute(_meeting_query().where(meetings.c.id == meeting_id)).first()
    if row is None:
        raise NotFoundError(f"Meeting {meeting_id} does not exist.", field="meeting_id")
    meeting = _Meeting(*row)
    if conn.scalar(select(facilitates(viewer.id, meeting.group_id))):
        raise PermissionDeniedError(
            f"You facilitate {meeting.group_name}: its learners answer the feedback form, "
            "and you read their answers on your group's page."
        )
    if not may_attend(conn, meeting.id, viewer.id):
        raise PermissionDeniedError(
            f"Only members of {meeting.group_name} (and its booked guests) give feedback "
            "on its meetings."
        )
    return meeting


def _state(meeting: _Meeting, now: datetime) -> str:
    if now < meeting.ends_at - OPENS_BEFORE_END:
        return "not_open"
    if now > meeting.ends_at + CLOSES_AFTER_END:
        return "closed"
    return "open"


def _closed_message(meeting: _Meeting, state: str) -> str:
    what = f"meeting {meeting.meeting_number} of {meeting.group_name}"
    if state == "not_open":
        return f"Feedback on {what} opens ten minutes before it ends."
    return f"Feedback on {what} closed two weeks after the meeting."


def _request(
    conn: Connection, meeting: _Meeting, user_id: int, now: datetime, form: Form
) -> FeedbackRequest:
    mine = conn.execute(
        select(meeting_feedback.c.answers, meeting_feedback.c.updated_at).where(
            meeting_feedback.c.meeting_id == meeting.id, meeting_feedback.c.user_id == user_id
        )
    ).first()
    return FeedbackRequest(
        meeting_id=meeting.id,
        group_id=meeting.group_id,
        group_name=meeting.group_name,
        meeting_number=meeting.meeting_number,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        opens_at=meeting.ends_at - OPENS_BEFORE_END,
        closes_at=meeting.ends_at + CLOSES_AFTER_END,
        state=_state(meeting, now),
        anonymous=form.anonymous,
        questions=form.questions,
        answers=_stored_answers(mine.answers) if mine else (),
        answered_at=mine.updated_at if mine else None,
    )


def _checked_answers(form: Form, values: Mapping[str, Any]) -> tuple[Answer, ...]:
    known = {q.id: q for q in form.questions}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValidationError(
            f"This form has no question {unknown[0]!r}; its questions are "
            f"{', '.join(repr(q) for q in known)}.",
            field="answers",
        )
    answers: list[Answer] = []
    for question in form.questions:
        value = _checked_value(question, values.get(question.id))
        if value is not None:
            answers.append(Answer(question.id, question.kind, question.text, value))
    if not answers:
        raise ValidationError("Answer at least one question.", field="answers")
    return tuple(answers)


def _checked_value(question: Question, value: Any) -> int | str | None:
    if isinstance(value, str):
        value = value.strip() or None
    if value is None:
        if question.required:
            raise ValidationError(f"Please answer “{question.text}”.", field=question.id)
        return None
    if question.kind == "rating":
        if isinstance(value, bool) or not isinstance(value, int) or value not in RATINGS:
            raise ValidationError(
                f"“{question.text}” takes a rating from 1 to 5.", field=question.id
            )
        return value
    if not isinstance(value, str):
        raise ValidationError(f"“{question.text}” takes a text answer.", field=question.id)
    if len(value) > MAX_ANSWER_CHARS:
        raise ValidationError(
            f"Your answer to “{question.text}” is {len(value):,} characters; "
            f"at most {MAX_ANSWER_CHARS:,} fit.",
            field=question.id,
        )
    return value


def _stored_answers(stored: Sequence[Mapping[str, Any]]) -> tuple[Answer, ...]:
    return tuple(Answer(a["id"], a["kind"], a["text"], a["value"]) for a in stored)


def _responses(rows: Sequence[Any], anonymous: bool) -> tuple[Response, ...]:
    if anonymous:
        # No names, no times, and an order that says nothing about who answered when.
        ordered = sorted(rows, key=lambda r: hashlib.sha256(repr(r.answers).encode()).hexdigest())
        return tuple(
            Response(None, None, None, r.rating, _stored_answers(r.answers)) for r in ordered
        )
    ordered = sorted(rows, key=lambda r: (r.updated_at, r.user_id))
    return tuple(
        Response(r.user_id, r.display_name, r.updated_at, r.rating, _stored_answers(r.answers))
        for r in ordered
    )


def _average(ratings: Any) -> float | None:
    values = [r for r in ratings if r is not None]
    return _mean(sum(values), len(values))


def _mean(total: int, count: int) -> float | None:
    """The average rating to two places; None when nobody rated."""
    return round(total / count, 2) if count else None
