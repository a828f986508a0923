"""Admin reads: a cohort's signups and their availability, people search, jobs, a
meeting's notifications.

Requests for long work (scheduling, publishing, syncing) and discarding a run
live in roundtable.cohorts.requests; the cohort status and the lookups the
doors need in roundtable.cohorts.status. Editing the preview and group
membership lives in roundtable.groups.admin.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import array

from roundtable.db.tables import (
    availability_blocks,
    cohorts,
    facilitators,
    group_members,
    groups,
    jobs,
    meetings,
    signups,
    users,
)
from roundtable.errors import NotFoundError, ValidationError
from roundtable.meetings.times import weekly_time_in
from roundtable.paging import Page, check_limit, decode_cursor, page_of
from roundtable.people.availability import (
    GRID_MINUTES,
    KINDS,
    MINUTES_PER_DAY,
    AvailabilitySummary,
    Interval,
    load_availability,
    summarise,
)
from roundtable.people.profiles import validate_timezone

# Page sizes: a signup is about 0.6-1.5 KB of JSON (availability, reasons), so even the
# largest page stays far below Lambda's 6 MB response limit (docs/operations.md).
SIGNUPS_PAGE = 500
SIGNUPS_PAGE_MAX = 1000
JOBS_PAGE_MAX = 200


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


def cohort_row(conn: Connection, cohort_id: int, *, lock: bool = False) -> Any:
    """The cohort row (locked for this transaction if asked); NotFoundError when there is none."""
    query = select(cohorts).where(cohorts.c.id == cohort_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
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


def contains_pattern(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, with the wildcards typed in it escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_signups(
    conn: Connection,
    cohort_id: int,
    *,
    cursor: str | None = None,
    limit: int = SIGNUPS_PAGE,
) -> Page[SignupView]:
    """One page of the cohort's signups, in the order they signed up, with an availability
    summary and where they are placed (keyset paging on the signup's id: paging.py)."""
    after = decode_cursor(cursor)
    check_limit(limit, SIGNUPS_PAGE_MAX)
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
        .where(
            signups.c.cohort_id == cohort_id,
            signups.c.withdrawn_at.is_(None),
            signups.c.id > (after or 0),
        )
        .order_by(signups.c.id)
        .limit(limit + 1)
    ).all()
    page = page_of(rows, limit, key=lambda row: int(row.id))
    blocks = load_availability(conn, {r.user_id for r in page.items})
    views = [
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
        for r in page.items
    ]
    return Page(views, page.next_cursor)


@dataclass(frozen=True)
class AvailabilityHeatMap:
    """How many signups are free in each half hour of the week, seen from `zone`."""

    zone: str
    week_of: date  # the week the times are converted on (the cohort's start)
    signups: int  # not withdrawn, all of them: what the cells count over
    available: list[list[int]]  # [weekday 0 = Monday][half hour 0..47]
    if_needed: list[list[int]]


def availability_heat_map(conn: Connection, cohort_id: int, zone: str) -> AvailabilityHeatMap:
    """The whole cohort's availability as a week of half hours in `zone`, on the week the
    cohort starts (times move across daylight-saving changes).

    The database sums where blocks start (+1) and end (-1) per (person's zone, kind,
    weekday, minute): two numbers a block, at most a few hundred zones x 2 x 7 x 49 sums
    whatever the cohort's size; running totals over the day give the people free in each
    half hour, each moved to `zone` once."""
    validate_timezone(zone, "zone")
    cohort = cohort_row(conn, cohort_id)
    blocks = availability_blocks
    waiting = (signups.c.cohort_id == cohort_id, signups.c.withdrawn_at.is_(None))
    edges = (
        select(
            users.c.timezone,
            blocks.c.kind,
            blocks.c.weekday,
            # Two set-returning calls in one select list advance together: (start, +1), (end, -1).
            func.unnest(array([blocks.c.start_minute, blocks.c.end_minute])).label("minute"),
            func.unnest(array([literal(1), literal(-1)])).label("step"),
        )
        .select_from(
            signups.join(users, users.c.id == signups.c.user_id).join(
                blocks, blocks.c.user_id == signups.c.user_id
            )
        )
        .where(*waiting)
        .subquery()
    )
    day = (edges.c.timezone, edges.c.kind, edges.c.weekday)
    steps: dict[tuple[str, str, int], dict[int, int]] = defaultdict(dict)
    for row in conn.execute(
        select(*day, edges.c.minute, func.sum(edges.c.step).label("step")).group_by(
            *day, edges.c.minute
        )
    ):
        steps[(row.timezone, str(row.kind), row.weekday)][row.minute] = int(row.step)
    per_day = MINUTES_PER_DAY // GRID_MINUTES
    counts = {kind: [[0] * per_day for _ in range(7)] for kind in KINDS}
    reference = datetime.combine(cohort.start_date, time(12), tzinfo=UTC)
    for (their_zone, kind, weekday), step_at in steps.items():
        free = 0
        for minute in range(0, MINUTES_PER_DAY, GRID_MINUTES):
            free += step_at.get(minute, 0)
            if free:
                at_day, at = weekly_time_in(weekday, minute, their_zone, zone, reference)
                counts[kind][at_day][at // GRID_MINUTES] += free
    people = conn.scalar(select(func.count()).where(*waiting))
    return AvailabilityHeatMap(
        zone=zone,
        week_of=cohort.start_date,
        signups=int(people or 0),
        available=counts["available"],
        if_needed=counts["if_needed"],
    )


@dataclass(frozen=True)
class UserMatch:
    id: int
    display_name: str
    discord_username: str | None
    email: str | None
    is_admin: bool


def search_users(conn: Connection, query: str, limit: int = 20) -> list[UserMatch]:
    """People whose name, Discord username or email contains the query, or whose Discord id it is.

    A leading "@" is dropped: admins paste Discord mentions ("@ana").
    """
    text = query.strip().removeprefix("@").strip()
    if not text:
        raise ValidationError("type part of a name, username or email", field="query")
    pattern = contains_pattern(text)
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
                users.c.discord_id == text,
            )
        )
        .order_by(func.lower(users.c.display_name), users.c.id)
        .limit(max(1, min(limit, 100)))
    )
    return [UserMatch(r.id, r.display_name, r.discord_username, r.email, r.is_admin) for r in rows]


def recent_jobs(
    conn: Connection, *, limit: int = 50, kind: str | None = None, cursor: str | None = None
) -> Page[dict[str, Any]]:
    """One page of jobs, newest first (what admins watch); the next page is older."""
    before = decode_cursor(cursor)
    check_limit(limit, JOBS_PAGE_MAX)
    query = select(jobs).order_by(jobs.c.id.desc()).limit(limit + 1)
    if kind:
        query = query.where(jobs.c.kind == kind)
    if before is not None:
        query = query.where(jobs.c.id < before)
    rows = [dict(row) for row in conn.execute(query).mappings()]
    return page_of(rows, limit, key=lambda row: int(row["id"]))


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
