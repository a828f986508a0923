"""Admin work on a cohort: signups, scheduling, publishing and syncing, people, jobs.

Long work (scheduling, publishing, syncing) is always a job: these functions
enqueue it and return the job id; GET /api/jobs/{id} follows it. Editing the
preview and group membership lives in roundtable.groups.admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select

from roundtable.db.tables import (
    cohorts,
    facilitators,
    group_members,
    groups,
    jobs,
    meetings,
    signups,
    users,
)
from roundtable.errors import ConflictError, NotFoundError, ValidationError
from roundtable.jobs import enqueue
from roundtable.people.availability import (
    AvailabilitySummary,
    Interval,
    load_availability,
    summarise,
)


@dataclass(frozen=True)
class SignupView:
    user_id: int
    display_name: str
    role: str
    timezone: str
    signed_up_at: datetime
    availability: AvailabilitySummary
    # Weekly, in the person's own zone (timezone above), sorted by day and start.
    intervals: list[Interval]
    facilitator_certified: bool | None
    unplaced_reason: str | None
    unplaced_detail: Any
    group_id: int | None
    group_name: str | None


def cohort_row(conn: Connection, cohort_id: int) -> Any:
    """The cohort row; NotFoundError when there is none."""
    row = conn.execute(select(cohorts).where(cohorts.c.id == cohort_id)).first()
    if row is None:
        raise NotFoundError(f"no cohort {cohort_id}")
    return row


def group_row(conn: Connection, group_id: int, *, lock: bool = False) -> Any:
    """The group row with its cohort's meeting count and start; NotFoundError if none."""
    query = (
        select(groups, cohorts.c.number_of_meetings, cohorts.c.start_date)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(groups.c.id == group_id)
    )
    row = conn.execute(query.with_for_update(of=groups) if lock else query).first()
    if row is None:
        raise NotFoundError(f"no group {group_id}")
    return row


def list_signups(conn: Connection, cohort_id: int) -> list[SignupView]:
    """Everyone signed up, with an availability summary and where they are placed."""
    cohort_row(conn, cohort_id)
    placed = and_(
        group_members.c.user_id == signups.c.user_id,
        group_members.c.cohort_id == signups.c.cohort_id,
        group_members.c.status == "active",
    )
    rows = conn.execute(
        select(
            signups,
            users.c.display_name,
            users.c.timezone,
            facilitators.c.certified_at,
            facilitators.c.user_id.label("facilitator_id"),
            groups.c.id.label("group_id"),
            groups.c.name.label("group_name"),
        )
        .select_from(
            signups.join(users, users.c.id == signups.c.user_id)
            .outerjoin(facilitators, facilitators.c.user_id == signups.c.user_id)
            .outerjoin(group_members, placed)
            .outerjoin(groups, groups.c.id == group_members.c.group_id)
        )
        .where(signups.c.cohort_id == cohort_id, signups.c.withdrawn_at.is_(None))
        .order_by(signups.c.role.desc(), users.c.display_name)
    ).all()
    blocks = load_availability(conn, {r.user_id for r in rows})
    return [
        SignupView(
            user_id=r.user_id,
            display_name=r.display_name,
            role=r.role,
            timezone=r.timezone,
            signed_up_at=r.created_at,
            availability=summarise(blocks[r.user_id]),
            intervals=blocks[r.user_id],
            facilitator_certified=(r.certified_at is not None) if r.facilitator_id else None,
            unplaced_reason=r.unplaced_reason,
            unplaced_detail=r.unplaced_detail,
            group_id=r.group_id,
            group_name=r.group_name,
        )
        for r in rows
    ]


def request_scheduling(
    conn: Connection, cohort_id: int, params: dict[str, Any], admin_id: int
) -> int:
    """Enqueue the scheduler for the cohort; returns the job id."""
    cohort = cohort_row(conn, cohort_id)
    if cohort.status in ("completed", "cancelled"):
        raise ConflictError(f"{cohort.name} is {cohort.status}; nothing to schedule")
    return enqueue(
        conn,
        "schedule_cohort",
        {"cohort_id": cohort_id, "params": params},
        dedup_key=f"schedule_cohort:{cohort_id}",
        created_by=admin_id,
        max_attempts=2,
    )


def request_publish(conn: Connection, cohort_id: int, admin_id: int) -> int:
    """Enqueue publishing the cohort's preview groups and proposed joins; returns the job id."""
    from roundtable.scheduling.proposals import pending_proposed_joins

    cohort_row(conn, cohort_id)
    has_preview = conn.scalar(
        select(exists().where(groups.c.cohort_id == cohort_id, groups.c.status == "preview"))
    )
    if not has_preview and not pending_proposed_joins(conn, cohort_id):
        raise ConflictError(
            "there are no preview groups or proposed joins to publish; run scheduling first"
        )
    return enqueue(
        conn,
        "publish_cohort",
        {"cohort_id": cohort_id},
        dedup_key=f"publish_cohort:{cohort_id}",
        created_by=admin_id,
    )


def request_group_sync(conn: Connection, group_id: int, admin_id: int) -> int:
    """Enqueue a sync of a published group; returns the job id."""
    group = group_row(conn, group_id)
    if group.status == "preview":
        raise ConflictError(f"{group.name} is a preview; publish it before syncing")
    return enqueue(
        conn,
        "sync_group",
        {"group_id": group_id},
        dedup_key=f"sync_group:{group_id}",
        created_by=admin_id,
    )


def request_cohort_sync(conn: Connection, cohort_id: int, admin_id: int) -> int:
    """Enqueue a sync of every published group of the cohort; returns the job id."""
    cohort_row(conn, cohort_id)
    return enqueue(
        conn,
        "sync_cohort",
        {"cohort_id": cohort_id},
        dedup_key=f"sync_cohort:{cohort_id}",
        created_by=admin_id,
    )


@dataclass(frozen=True)
class UserMatch:
    id: int
    display_name: str
    discord_username: str | None
    email: str | None
    is_admin: bool


def search_users(conn: Connection, query: str, limit: int = 20) -> list[UserMatch]:
    """People whose name, Discord username or email contains the query."""
    text = query.strip()
    if not text:
        raise ValidationError("type part of a name, username or email", field="query")
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = conn.execute(
        select(
            users.c.id,
            users.c.display_name,
            users.c.discord_username,
            users.c.email,
            users.c.is_admin,
        )
        .where(
            or_(
                users.c.display_name.ilike(pattern),
                users.c.discord_username.ilike(pattern),
                users.c.email.ilike(pattern),
            )
        )
        .order_by(func.lower(users.c.display_name), users.c.id)
        .limit(max(1, min(limit, 100)))
    )
    return [UserMatch(r.id, r.display_name, r.discord_username, r.email, r.is_admin) for r in rows]


def recent_jobs(
    conn: Connection, *, limit: int = 50, kind: str | None = None
) -> list[dict[str, Any]]:
    """The latest jobs, newest first (what admins watch)."""
    query = select(jobs).order_by(jobs.c.id.desc()).limit(max(1, min(limit, 200)))
    if kind:
        query = query.where(jobs.c.kind == kind)
    return [dict(row) for row in conn.execute(query).mappings()]


@dataclass(frozen=True)
class MeetingNotifications:
    """What Roundtable told people about one meeting: counts, then every message."""

    meeting_id: int
    summary: dict[str, dict[str, int]]
    notifications: list[dict[str, Any]]


def meeting_notification_log(conn: Connection, meeting_id: int) -> MeetingNotifications:
    """The notification audit of a meeting; NotFoundError when there is no such meeting."""
    from roundtable.notifications import audit

    if conn.scalar(select(meetings.c.id).where(meetings.c.id == meeting_id)) is None:
        raise NotFoundError(f"no meeting {meeting_id}")
    rows = audit.meeting_notifications(conn, meeting_id)
    return MeetingNotifications(meeting_id, audit.summarize(rows), rows)
