"""Where a cohort stands (what /cohort-status and the web's status show), and cohort lookups.

The lookups are what a door needs to turn typed text into a cohort: an id
(what Discord's autocomplete sends) or an exact name, and a search of open
cohorts with how many signups still wait for a group. All are admin reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, select

from roundtable.cohorts.admin import cohort_row, contains_pattern
from roundtable.db.tables import cohorts, group_members, groups, jobs, signups
from roundtable.errors import NotFoundError
from roundtable.people.actors import Actor
from roundtable.sync.organisers import CalendarState, cohort_calendar_state

__all__ = ["CalendarState", "CohortStatus", "cohort_status", "find_cohort", "search_cohorts"]

RECENT_JOBS = 5
MAX_CHOICES = 25
_CLOSED = ("completed", "cancelled")


@dataclass(frozen=True)
class CohortRef:
    id: int
    name: str
    status: str
    start_date: date
    course_slug: str


@dataclass(frozen=True)
class CohortChoice:
    """An open cohort offered to an admin, with how many signups wait for a group."""

    id: int
    name: str
    waiting: int


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class JobLine:
    id: int
    kind: str
    status: str
    error: str | None  # the first line of the last error, at most 150 characters
    created_at: datetime


@dataclass(frozen=True)
class CohortStatus:
    cohort: CohortRef
    learners: int
    facilitators: int
    waiting: int  # active signups not in an active group of the cohort
    unplaced: list[ReasonCount]  # of those waiting, why the scheduler left them out; most first
    groups: dict[str, int]  # group count per status
    recent_jobs: list[JobLine]  # newest first
    # Calendar invitations: Google or .ics e-mail, and any organiser Google blocked.
    calendar: CalendarState | None = None


def cohort_status(conn: Connection, actor: Actor, cohort_id: int) -> CohortStatus:
    """Signups by role, who waits and why, groups by status and the latest jobs of a cohort."""
    actor.require_admin()
    cohort = _ref(cohort_row(conn, cohort_id))
    roles: dict[str, int] = {
        str(role): int(n)
        for role, n in conn.execute(
            select(signups.c.role, func.count())
            .where(signups.c.cohort_id == cohort.id, signups.c.withdrawn_at.is_(None))
            .group_by(signups.c.role)
        )
    }
    waiting = conn.scalar(select(func.count()).where(*_waiting(cohort.id)))
    reasons = conn.execute(
        select(signups.c.unplaced_reason, func.count().label("n"))
        .where(*_waiting(cohort.id), signups.c.unplaced_reason.is_not(None))
        .group_by(signups.c.unplaced_reason)
        .order_by(func.count().desc(), signups.c.unplaced_reason)
    ).all()
    by_status = conn.execute(
        select(groups.c.status, func.count())
        .where(groups.c.cohort_id == cohort.id)
        .group_by(groups.c.status)
        .order_by(groups.c.status)
    ).all()
    return CohortStatus(
        cohort=cohort,
        learners=int(roles.get("learner", 0)),
        facilitators=int(roles.get("facilitator", 0)),
        waiting=int(waiting or 0),
        unplaced=[ReasonCount(str(r.unplaced_reason), int(r.n)) for r in reasons],
        groups={str(status): int(n) for status, n in by_status},
        recent_jobs=_recent_jobs(conn, cohort.id),
        calendar=cohort_calendar_state(conn, cohort.id, datetime.now(UTC)),
    )


def find_cohort(conn: Connection, actor: Actor, text: str | int) -> CohortRef:
    """A cohort by id or by exact name (any case); NotFoundError naming what was typed."""
    actor.require_admin()
    typed = str(text).strip()
    query = select(cohorts)
    if typed.isdigit():
        row = conn.execute(query.where(cohorts.c.id == int(typed))).first()
    else:
        row = conn.execute(query.where(func.lower(cohorts.c.name) == typed.lower())).first()
    if row is None:
        raise NotFoundError(f"There is no cohort {typed!r}. Pick one from the list.")
    return _ref(row)


def search_cohorts(
    conn: Connection, actor: Actor, typed: str, *, limit: int = MAX_CHOICES
) -> list[CohortChoice]:
    """Cohorts still open whose name contains the text, newest start first, with waiting counts."""
    actor.require_admin()
    waiting = (
        select(func.count()).where(*_waiting(cohorts.c.id)).correlate(cohorts).scalar_subquery()
    )
    rows = conn.execute(
        select(cohorts.c.id, cohorts.c.name, waiting.label("waiting"))
        .where(
            cohorts.c.name.ilike(contains_pattern(typed.strip())),
            cohorts.c.status.not_in(_CLOSED),
        )
        .order_by(cohorts.c.start_date.desc(), cohorts.c.id.desc())
        .limit(max(1, min(limit, MAX_CHOICES)))
    ).all()
    return [CohortChoice(r.id, r.name, int(r.waiting)) for r in rows]


def _ref(row: Any) -> CohortRef:
    return CohortRef(row.id, row.name, row.status, row.start_date, row.course_slug)


def _waiting(cohort_id: Any) -> tuple[ColumnElement[bool], ...]:
    """Active signups without an active membership in a group of the cohort."""
    in_group = exists().where(
        and_(
            group_members.c.user_id == signups.c.user_id,
            group_members.c.cohort_id == cohort_id,
            group_members.c.status == "active",
        )
    )
    return (signups.c.cohort_id == cohort_id, signups.c.withdrawn_at.is_(None), ~in_group)


def _recent_jobs(conn: Connection, cohort_id: int) -> list[JobLine]:
    rows = conn.execute(
        select(jobs.c.id, jobs.c.kind, jobs.c.status, jobs.c.error, jobs.c.created_at)
        .where(jobs.c.payload["cohort_id"].as_integer() == cohort_id)
        .order_by(jobs.c.id.desc())
        .limit(RECENT_JOBS)
    ).all()
    return [JobLine(r.id, r.kind, r.status, _first_line(r.error), r.created_at) for r in rows]


def _first_line(error: str | None) -> str | None:
    if not error:
        return None
    return error.splitlines()[0][:150]
