"""Answers to question segments and their feedback in Postgres (`assessment_answers`).

One row per attempt; a learner's attempts at a question, oldest first, are
numbered 1, 2, ... on read (no stored number, so claiming an anonymous
visitor's attempts at login can never clash with the user's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from roundtable.content.progress import Learner
from roundtable.db.tables import assessment_answers
from roundtable.tutor.assessment_prompt import Feedback
from roundtable.tutor.store import Usage


@dataclass(frozen=True)
class AnswerAttempt:
    """One attempt at a question: the answer and, once assessed, the feedback (or the error)."""

    id: int
    module_id: str
    section_id: str
    segment_id: str
    attempt: int  # 1 for the first attempt at this question, then 2, ...
    answer: str
    level: str | None
    strengths: tuple[str, ...]
    missing: tuple[str, ...]
    comment: str | None
    structured: bool
    error: str | None
    created_at: datetime
    assessed_at: datetime | None


def add_attempt(
    conn: Connection,
    learner: Learner,
    *,
    module_id: str,
    section_id: str,
    segment_id: str,
    answer: str,
    now: datetime,
) -> AnswerAttempt:
    """Save an answer, not yet assessed."""
    row = conn.execute(
        insert(assessment_answers)
        .values(
            user_id=learner.user_id,
            anonymous_token=learner.anonymous_token,
            module_id=module_id,
            section_id=section_id,
            segment_id=segment_id,
            answer=answer,
            created_at=now,
        )
        .returning(*assessment_answers.c)
    ).one()
    earlier = conn.scalar(
        select(func.count()).where(
            learner.owns(assessment_answers),
            assessment_answers.c.segment_id == segment_id,
            assessment_answers.c.id < row.id,
        )
    )
    return _attempt(row, int(earlier or 0) + 1)


def save_feedback(
    conn: Connection, answer_id: int, feedback: Feedback, tokens: int, now: datetime
) -> None:
    """Store the tutor's feedback on an answer."""
    conn.execute(
        update(assessment_answers)
        .where(assessment_answers.c.id == answer_id)
        .values(
            level=feedback.level,
            strengths=list(feedback.strengths),
            missing=list(feedback.missing),
            comment=feedback.comment,
            structured=feedback.structured,
            tokens=tokens,
            assessed_at=now,
        )
    )


def save_failure(conn: Connection, answer_id: int, error: str) -> None:
    """Record why an answer has no feedback (the learner may submit it again)."""
    conn.execute(
        update(assessment_answers).where(assessment_answers.c.id == answer_id).values(error=error)
    )


def attempts(
    conn: Connection, learner: Learner, module_id: str | None = None
) -> list[AnswerAttempt]:
    """The learner's attempts (in one module, or all), by question, oldest first."""
    number = func.row_number().over(
        partition_by=assessment_answers.c.segment_id, order_by=assessment_answers.c.id
    )
    owned = learner.owns(assessment_answers)
    if module_id is not None:
        owned = and_(owned, assessment_answers.c.module_id == module_id)
    rows = conn.execute(
        select(assessment_answers, number.label("attempt"))
        .where(owned)
        .order_by(assessment_answers.c.segment_id, assessment_answers.c.id)
    )
    return [_attempt(row, row.attempt) for row in rows]


def usage_since(conn: Connection, learner: Learner, since: datetime) -> Usage:
    """Answers the learner submitted and the tokens their assessment used since `since`."""
    row = conn.execute(
        select(func.count(), func.coalesce(func.sum(assessment_answers.c.tokens), 0)).where(
            learner.owns(assessment_answers), assessment_answers.c.created_at >= since
        )
    ).one()
    return Usage(messages=int(row[0]), tokens=int(row[1]))


def _attempt(row: Any, number: int) -> AnswerAttempt:
    return AnswerAttempt(
        id=row.id,
        module_id=row.module_id,
        section_id=row.section_id,
        segment_id=row.segment_id,
        attempt=number,
        answer=row.answer,
        level=row.level,
        strengths=tuple(row.strengths or ()),
        missing=tuple(row.missing or ()),
        comment=row.comment,
        structured=row.structured,
        error=row.error,
        created_at=row.created_at,
        assessed_at=row.assessed_at,
    )
