"""Learners' progress: section completion propagated upwards, clamped reading time, anonymous claim.

Progress rows live in `content_progress`, one per (learner, content id), where
a learner is a user or, before login, an anonymous token. Content ids are the
authors' stable ids, so progress survives edits to the content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Integer,
    Table,
    and_,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert

# Claiming anonymous progress is part of login (roundtable.auth); re-exported for content's callers.
from roundtable.auth.accounts import claim_anonymous_progress as claim_anonymous_progress
from roundtable.content.bundle import Bundle, UnknownContentError
from roundtable.db.tables import assessment_answers, content_progress
from roundtable.errors import ValidationError

ContentKind = Literal["module", "outcome", "section"]

# The browser pings every 20 s while the learner is active. A gap up to 40 s
# (one lost ping) counts in full; a longer gap (tab hidden, laptop closed)
# counts as 40 s, so time can never grow faster than the clock.
MAX_HEARTBEAT_GAP_S = 40


class LearnerError(ValueError):
    """A learner must be exactly one of a user id or an anonymous token."""


@dataclass(frozen=True)
class Learner:
    """Whose progress: a signed-in user, or an anonymous visitor's token."""

    user_id: int | None = None
    anonymous_token: UUID | None = None

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.anonymous_token is None):
            raise LearnerError(
                f"give a user id or an anonymous token, not {self.user_id!r} and "
                f"{self.anonymous_token!r}"
            )

    def owns(self, table: Table = content_progress) -> ColumnElement[bool]:
        """SQL condition selecting this learner's rows of a table keyed by user or token."""
        if self.user_id is not None:
            return table.c.user_id == self.user_id
        return and_(table.c.anonymous_token == self.anonymous_token, table.c.user_id.is_(None))


@dataclass(frozen=True)
class SectionPlace:
    """A section and the outcome and module it belongs to, by id."""

    module_id: str
    outcome_id: str
    section_id: str
    required_in_outcome: tuple[str, ...]
    required_in_module: tuple[str, ...]
    required_questions: tuple[tuple[str, str], ...] = ()  # (segment id, title) to answer first


@dataclass(frozen=True)
class Completion:
    """Which units are complete after marking a section complete."""

    section_id: str
    outcome_completed: bool
    module_completed: bool


def required_section_ids(sections: list[dict[str, Any]]) -> tuple[str, ...]:
    """Ids of the sections that count towards completion (all of them if every one is optional)."""
    required = [s["id"] for s in sections if not s["optional"]]
    return tuple(required or (s["id"] for s in sections))


def locate_section(bundle: Bundle, module_slug: str, section_id: str) -> SectionPlace:
    """Where a section sits in its module; UnknownContentError when it is not in that module."""
    module = bundle.module(module_slug)
    every_section = [s for o in module["outcomes"] for s in o["sections"]]
    for outcome in module["outcomes"]:
        if any(s["id"] == section_id for s in outcome["sections"]):
            return SectionPlace(
                module_id=module["id"],
                outcome_id=outcome["id"],
                section_id=section_id,
                required_in_outcome=required_section_ids(outcome["sections"]),
                required_in_module=required_section_ids(every_section),
                required_questions=_required_questions(outcome["sections"], section_id),
            )
    raise UnknownContentError("section", f"{module_slug}/{section_id}", bundle.version)


def _required_questions(
    sections: list[dict[str, Any]], section_id: str
) -> tuple[tuple[str, str], ...]:
    section = next(s for s in sections if s["id"] == section_id)
    return tuple(
        (s["id"], s.get("title") or "")
        for s in section["segments"]
        if s["kind"] == "question" and not s["optional"]
    )


def check_questions_answered(conn: Connection, learner: Learner, place: SectionPlace) -> None:
    """ValidationError naming the first required question of the section not yet answered.

    Answering a question (any attempt, whatever the feedback) is what makes
    that segment done; a section holding one completes only after it.
    """
    wanted = [segment_id for segment_id, _ in place.required_questions]
    if not wanted:
        return
    answered = set(
        conn.scalars(
            select(assessment_answers.c.segment_id).where(
                learner.owns(assessment_answers), assessment_answers.c.segment_id.in_(wanted)
            )
        )
    )
    for segment_id, title in place.required_questions:
        if segment_id not in answered:
            name = f"the question {title!r}" if title else "the question"
            raise ValidationError(
                f"answer {name} in this section before marking it complete",
                field="section_id",
            )


def mark_section_complete(
    conn: Connection,
    *,
    learner: Learner,
    bundle: Bundle,
    module_slug: str,
    section_id: str,
    now: datetime | None = None,
) -> Completion:
    """Complete a section, then its outcome and module when all their required sections are.

    A section with a required question completes only once it is answered.
    """
    place = locate_section(bundle, module_slug, section_id)
    check_questions_answered(conn, learner, place)
    at = now or datetime.now(UTC)
    _complete(conn, learner, section_id, "section", at)
    done = completed_ids(conn, learner, place.required_in_outcome + place.required_in_module)
    outcome_done = set(place.required_in_outcome) <= done
    module_done = set(place.required_in_module) <= done
    if outcome_done:
        _complete(conn, learner, place.outcome_id, "outcome", at)
    if module_done:
        _complete(conn, learner, place.module_id, "module", at)
    return Completion(section_id, outcome_done, module_done)


def record_heartbeat(
    conn: Connection,
    *,
    learner: Learner,
    bundle: Bundle,
    module_slug: str,
    section_id: str,
    now: datetime | None = None,
) -> int:
    """Count the time since the last heartbeat (clamped) on the section, outcome and module."""
    place = locate_section(bundle, module_slug, section_id)
    at = now or datetime.now(UTC)
    _add_time(conn, learner, place.module_id, "module", at)
    _add_time(conn, learner, place.outcome_id, "outcome", at)
    return _add_time(conn, learner, place.section_id, "section", at)


def completed_ids(conn: Connection, learner: Learner, content_ids: tuple[str, ...]) -> set[str]:
    """Which of these content ids the learner has completed."""
    rows = conn.execute(
        select(content_progress.c.content_id).where(
            learner.owns(),
            content_progress.c.content_id.in_(content_ids),
            content_progress.c.completed_at.is_not(None),
        )
    )
    return {row.content_id for row in rows}


def _owner_values(learner: Learner) -> dict[str, Any]:
    return {"user_id": learner.user_id, "anonymous_token": learner.anonymous_token}


def owner_conflict_target(learner: Learner, key: str = "content_id") -> dict[str, Any]:
    """The partial unique index an upsert of this learner's row collides on, for a table keyed
    by (user_id, key) for users and (anonymous_token, key) for anonymous visitors."""
    if learner.user_id is not None:
        return {
            "index_elements": ["user_id", key],
            "index_where": text("user_id IS NOT NULL"),
        }
    return {
        "index_elements": ["anonymous_token", key],
        "index_where": text("anonymous_token IS NOT NULL AND user_id IS NULL"),
    }


def _complete(
    conn: Connection, learner: Learner, content_id: str, kind: ContentKind, at: datetime
) -> None:
    statement = insert(content_progress).values(
        **_owner_values(learner),
        content_id=content_id,
        content_type=kind,
        started_at=at,
        completed_at=at,
    )
    # The first completion time is kept: marking complete again changes nothing.
    keep_first = func.coalesce(content_progress.c.completed_at, statement.excluded.completed_at)
    conn.execute(
        statement.on_conflict_do_update(
            **owner_conflict_target(learner), set_={"completed_at": keep_first}
        )
    )


def _add_time(
    conn: Connection, learner: Learner, content_id: str, kind: ContentKind, at: datetime
) -> int:
    now = literal(at, DateTime(timezone=True))
    statement = insert(content_progress).values(
        **_owner_values(learner),
        content_id=content_id,
        content_type=kind,
        started_at=at,
        last_heartbeat_at=at,
    )
    # Computed in one UPDATE against the row's own last heartbeat, so two
    # concurrent pings serialise on the row lock and the second adds ~0 s.
    gap = func.extract("epoch", now - content_progress.c.last_heartbeat_at)
    clamped = func.least(func.greatest(func.coalesce(gap, 0), 0), MAX_HEARTBEAT_GAP_S)
    added = func.round(clamped).cast(Integer)
    upsert = statement.on_conflict_do_update(
        **owner_conflict_target(learner),
        set_={
            "total_time_s": content_progress.c.total_time_s + added,
            "last_heartbeat_at": func.greatest(content_progress.c.last_heartbeat_at, now),
        },
    )
    return int(conn.execute(upsert.returning(content_progress.c.total_time_s)).scalar_one())
