"""The live cohort page: every published group as an organiser runs it week by week.

For each group: its members (with meetings missed in a row and who that makes
inactive, their RSVP for the next meeting), its facilitators, its weekly time in
the admin's zone and in the group's anchor zone, the next meeting, attendance at
each meeting held so far, and whether Discord and the calendar are in step (the
last sync, and the error of the last `sync_group` job when it failed).

Everything is read with one query per concern for the page's groups, never one
per group, so a page costs the same for two groups or forty. Groups page by keyset
cursor (paging.py); the first page also carries the counts of the whole cohort,
read as SQL aggregates (numbers, not rows), so it costs about what any page does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
)

from roundtable.cohorts.admin import cohort_row
from roundtable.cohorts.lifecycle import Phase, cohort_phase
from roundtable.db.tables import attendances, group_members, groups, jobs, meetings, users
from roundtable.groups.learners import PUBLISHED, slot_of
from roundtable.meetings.activity import absences, count_inactive
from roundtable.meetings.times import WeeklyTimeView, describe_series, series_starts
from roundtable.paging import after_name, check_limit, decode_named_cursor, page_of
from roundtable.people.actors import Actor
from roundtable.people.profiles import validate_timezone

SYNC_KIND = "sync_group"


@dataclass(frozen=True)
class LiveMember:
    user_id: int
    display_name: str
    role: str  # learner | facilitator
    timezone: str
    joined_at: datetime
    missed_in_a_row: int  # learners only; 0 for facilitators
    inactive: bool
    next_rsvp: str | None  # attending, not_attending, tentative, pending; None: no meeting ahead


@dataclass(frozen=True)
class NextMeeting:
    id: int
    number: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class RsvpCounts:
    attending: int
    tentative: int
    not_attending: int
    pending: int


@dataclass(frozen=True)
class HeldMeeting:
    """A meeting that has ended: who came, of the learners who were members then."""

    id: int
    number: int
    starts_at: datetime
    attended: int
    expected: int


@dataclass(frozen=True)
class SyncJobState:
    job_id: int
    status: str  # queued, running, succeeded, failed
    error: str | None
    attempts: int
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class SyncState:
    synced_at: datetime | None  # the last successful reconcile of this group
    out_of_date: bool  # members changed since (a sync is due)
    last_job: SyncJobState | None  # the latest sync_group job for this group
    problem: str | None  # the last job's error when it failed or is being retried


@dataclass(frozen=True)
class LiveGroup:
    id: int
    name: str
    status: str  # active | completed
    anchor_label: str
    weekly_time: WeeklyTimeView  # in the viewer's zone
    anchor_time: WeeklyTimeView  # in the group's anchor zone
    members: list[LiveMember]  # facilitators first, then learners by name
    facilitator_names: list[str]
    learner_count: int
    inactive_count: int
    below_min: bool
    meetings_total: int
    meetings_held: int
    next_meeting: NextMeeting | None
    rsvps: RsvpCounts | None  # for the next meeting
    attendance: list[HeldMeeting]  # oldest first
    discord_channel_id: str | None
    sync: SyncState
    discord_server: str | None = None  # the group's server (guild id); None: DISCORD_GUILD_ID
    # Where its Discord messages went when the retention policy deleted its channels.
    discord_export_key: str | None = None


@dataclass(frozen=True)
class LiveCounts:
    groups: int
    learners: int
    facilitators: int
    inactive_learners: int
    groups_below_min: int
    groups_with_sync_problems: int
    meetings_ahead: int


@dataclass(frozen=True)
class LiveCohort:
    cohort_id: int
    name: str
    status: str
    phase: Phase
    viewer_zone: str
    min_group_size: int
    max_group_size: int
    number_of_meetings: int
    groups: list[LiveGroup]  # one page, by name
    counts: LiveCounts | None  # the whole cohort, on the first page only
    next_cursor: str | None = None  # None on the last page


# A page (paging.py): a live group is about 2 KB with its members and attendance
# (bench/admin_pages.py), so the largest page stays near 1 MB.
LIVE_PAGE = 100
LIVE_PAGE_MAX = 500


def live_cohort(
    conn: Connection,
    actor: Actor,
    cohort_id: int,
    viewer_zone: str,
    now: datetime,
    *,
    cursor: str | None = None,
    limit: int = LIVE_PAGE,
) -> LiveCohort:
    """A page of the cohort's published groups with what an organiser needs this week,
    and, on the first page, the counts of the whole cohort."""
    actor.require_admin()
    validate_timezone(viewer_zone, "zone")
    after = decode_named_cursor(cursor)
    check_limit(limit, LIVE_PAGE_MAX)
    phase = cohort_phase(conn, cohort_id)
    cohort = cohort_row(conn, cohort_id)
    rows = conn.execute(
        select(groups)
        .where(*_published(cohort_id), *after_name(groups, after))
        .order_by(groups.c.name, groups.c.id)
        .limit(limit + 1)
    ).all()
    page = page_of(rows, limit, key=lambda row: int(row.id), name=lambda row: str(row.name))
    facts = _Facts.read(conn, [row.id for row in page.items], now)
    built = [_group(row, facts, cohort, viewer_zone, now) for row in page.items]
    return LiveCohort(
        cohort_id=cohort.id,
        name=cohort.name,
        status=phase.status,
        phase=phase.phase,
        viewer_zone=viewer_zone,
        min_group_size=cohort.min_group_size,
        max_group_size=cohort.max_group_size,
        number_of_meetings=cohort.number_of_meetings,
        groups=built,
        counts=_cohort_counts(conn, cohort, now) if after is None else None,
        next_cursor=page.next_cursor,
    )


def _published(cohort_id: int) -> tuple[ColumnElement[bool], ...]:
    return (groups.c.cohort_id == cohort_id, groups.c.status.in_(PUBLISHED))


def _cohort_counts(conn: Connection, cohort: Any, now: datetime) -> LiveCounts:
    """The whole cohort's counts as SQL aggregates: a few statements whose answers are
    numbers, so the first page costs about what any page does at any cohort size.

    The rules are `_tally`'s (who is a member, below the minimum, meetings ahead, a sync
    problem) and `absences`' (inactive); tests check the counts against the sums of
    every page's groups."""
    ids = select(groups.c.id).where(*_published(cohort.id)).scalar_subquery()
    current = and_(group_members.c.group_id.in_(ids), _current_member())
    role = group_members.c.role
    sizes = (
        select(
            group_members.c.group_id,
            func.count().filter(role == "learner").label("learners"),
            func.count().filter(role.in_(("learner", "facilitator"))).label("size"),
        )
        .where(current)
        .group_by(group_members.c.group_id)
        .subquery()
    )
    series = (
        select(
            meetings.c.group_id,
            func.count().label("total"),
            func.count().filter(meetings.c.ends_at <= now).label("held"),
        )
        .where(meetings.c.group_id.in_(ids))
        .group_by(meetings.c.group_id)
        .subquery()
    )
    active = groups.c.status == "active"
    total = func.coalesce(func.nullif(series.c.total, 0), cohort.number_of_meetings)
    ahead = case((active, total - func.coalesce(series.c.held, 0)), else_=0)
    tally = conn.execute(
        select(
            func.count().label("groups"),
            func.coalesce(func.sum(sizes.c.learners), 0).label("learners"),
            func.count()
            .filter(active, func.coalesce(sizes.c.size, 0) < cohort.min_group_size)
            .label("below_min"),
            func.coalesce(func.sum(ahead), 0).label("meetings_ahead"),
        )
        .select_from(
            groups.outerjoin(sizes, sizes.c.group_id == groups.c.id).outerjoin(
                series, series.c.group_id == groups.c.id
            )
        )
        .where(*_published(cohort.id))
    ).one()
    facilitators = conn.scalar(
        select(func.count(func.distinct(group_members.c.user_id))).where(
            current, role == "facilitator"
        )
    )
    return LiveCounts(
        groups=int(tally.groups),
        learners=int(tally.learners),
        facilitators=int(facilitators or 0),
        inactive_learners=count_inactive(conn, ids, now),
        groups_below_min=int(tally.below_min),
        groups_with_sync_problems=_count_sync_problems(conn, ids),
        meetings_ahead=int(tally.meetings_ahead),
    )


def _current_member() -> ColumnElement[bool]:
    """A membership shown on the live page: active, or completed with the group (a member
    who left before the end is not)."""
    status = group_members.c.status
    return or_(status == "active", and_(status == "completed", group_members.c.left_at.is_(None)))


@dataclass(frozen=True)
class _Facts:
    """Everything about the groups, read once for all of them."""

    members: dict[int, list[Any]]  # group id → active member rows (with user columns)
    history: dict[int, list[Any]]  # group id → every learner membership, past ones too
    meetings: dict[int, list[Any]]  # group id → meeting rows by number
    checked_in: set[tuple[int, int]]  # (meeting id, user id)
    rsvps: dict[tuple[int, int], str]  # (meeting id, user id) → rsvp, next meetings only
    absences: dict[tuple[int, int], Any]
    sync_jobs: dict[int, SyncJobState]

    @classmethod
    def read(cls, conn: Connection, ids: list[int], now: datetime) -> _Facts:
        if not ids:
            return cls({}, {}, {}, set(), {}, {}, {})
        members: dict[int, list[Any]] = defaultdict(list)
        history: dict[int, list[Any]] = defaultdict(list)
        for row in conn.execute(
            select(
                group_members.c.group_id,
                group_members.c.user_id,
                group_members.c.role,
                group_members.c.status,
                group_members.c.joined_at,
                group_members.c.left_at,
                users.c.display_name,
                users.c.timezone,
                _current_member().label("current"),
            )
            .join(users, users.c.id == group_members.c.user_id)
            .where(group_members.c.group_id.in_(ids))
            .order_by(group_members.c.role.desc(), users.c.display_name, users.c.id)
        ):
            if row.current:
                members[row.group_id].append(row)
            if row.role == "learner":
                history[row.group_id].append(row)
        by_group: dict[int, list[Any]] = defaultdict(list)
        for meeting in conn.execute(
            select(meetings)
            .where(meetings.c.group_id.in_(ids))
            .order_by(meetings.c.group_id, meetings.c.meeting_number)
        ):
            by_group[meeting.group_id].append(meeting)
        held = [m.id for ms in by_group.values() for m in ms if m.ends_at <= now]
        upcoming = [_next(ms, now) for ms in by_group.values()]
        next_ids = [m.id for m in upcoming if m is not None]
        return cls(
            members=members,
            history=history,
            meetings=by_group,
            checked_in=_checked_in(conn, held),
            rsvps=_rsvps(conn, next_ids),
            absences=absences(conn, ids, now),
            sync_jobs=_last_sync_jobs(conn, ids),
        )


def _checked_in(conn: Connection, meeting_ids: list[int]) -> set[tuple[int, int]]:
    if not meeting_ids:
        return set()
    return {
        (row.meeting_id, row.user_id)
        for row in conn.execute(
            select(attendances.c.meeting_id, attendances.c.user_id).where(
                attendances.c.meeting_id.in_(meeting_ids),
                attendances.c.checked_in_at.is_not(None),
            )
        )
    }


def _rsvps(conn: Connection, meeting_ids: list[int]) -> dict[tuple[int, int], str]:
    if not meeting_ids:
        return {}
    return {
        (row.meeting_id, row.user_id): str(row.rsvp)
        for row in conn.execute(
            select(attendances.c.meeting_id, attendances.c.user_id, attendances.c.rsvp).where(
                attendances.c.meeting_id.in_(meeting_ids)
            )
        )
    }


def _last_sync_jobs(conn: Connection, group_ids: list[int]) -> dict[int, SyncJobState]:
    """The latest sync_group job of each group."""
    latest = _latest_sync_jobs(_SYNC_GROUP_ID.in_(group_ids))
    return {
        row.group_id: SyncJobState(
            row.id, str(row.status), row.error, row.attempts, row.created_at, row.finished_at
        )
        for row in conn.execute(latest)
    }


def _count_sync_problems(conn: Connection, group_ids: Any) -> int:
    """Groups whose latest sync_group job has an error and failed or is being retried
    (`_sync_state`'s problem)."""
    latest = _latest_sync_jobs(_SYNC_GROUP_ID.in_(group_ids)).subquery()
    problems = conn.scalar(
        select(func.count()).where(
            latest.c.error.is_not(None),
            latest.c.error != "",
            latest.c.status.in_(_PROBLEM_STATUSES),
        )
    )
    return int(problems or 0)


# One literal expression: DISTINCT ON and ORDER BY must match, bound parameters would not.
_SYNC_GROUP_ID = literal_column("CAST(jobs.payload ->> 'group_id' AS INTEGER)", Integer)
_PROBLEM_STATUSES = ("failed", "queued", "running")


def _latest_sync_jobs(which: ColumnElement[bool]) -> Select[Any]:
    """The latest sync_group job of each group `which` selects (DISTINCT ON the payload's
    group id)."""
    return (
        select(
            _SYNC_GROUP_ID.label("group_id"),
            jobs.c.id,
            jobs.c.status,
            jobs.c.error,
            jobs.c.attempts,
            jobs.c.created_at,
            jobs.c.finished_at,
        )
        .where(jobs.c.kind == SYNC_KIND, which)
        .distinct(_SYNC_GROUP_ID)
        .order_by(_SYNC_GROUP_ID, jobs.c.id.desc())
    )


def _next(group_meetings: list[Any], now: datetime) -> Any:
    """The group's first meeting not yet over (one in progress counts), or None."""
    return next((m for m in group_meetings if m.ends_at > now), None)


@dataclass(frozen=True)
class _Tally:
    """What the cohort's counts need of a group."""

    status: str
    members: list[LiveMember]
    learner_count: int
    inactive_count: int
    below_min: bool
    meetings_total: int
    meetings_held: int
    sync: SyncState


def _tally(row: Any, facts: _Facts, cohort: Any, now: datetime) -> _Tally:
    series = facts.meetings.get(row.id, [])
    upcoming = _next(series, now)
    members = [_member(m, row.id, upcoming, facts) for m in facts.members.get(row.id, [])]
    learners = [m for m in members if m.role == "learner"]
    return _Tally(
        status=str(row.status),
        members=members,
        learner_count=len(learners),
        inactive_count=sum(m.inactive for m in learners),
        # Sizes count the facilitators, as the scheduler and the regroup proposal do
        # (sizes_include_facilitator): otherwise a group they call big enough is flagged.
        below_min=row.status == "active"
        and sum(m.role in ("learner", "facilitator") for m in members) < cohort.min_group_size,
        meetings_total=len(series) or cohort.number_of_meetings,
        meetings_held=sum(m.ends_at <= now for m in series),
        sync=_sync_state(row, facts.sync_jobs.get(row.id)),
    )


def _group(row: Any, facts: _Facts, cohort: Any, viewer_zone: str, now: datetime) -> LiveGroup:
    series = facts.meetings.get(row.id, [])
    starts = [m.starts_at for m in series] or series_starts(
        slot_of(row), row.first_meeting_at, cohort.number_of_meetings
    )
    upcoming = _next(series, now)
    tally = _tally(row, facts, cohort, now)
    return LiveGroup(
        id=row.id,
        name=row.name,
        status=tally.status,
        anchor_label=slot_of(row).label(),
        weekly_time=describe_series(starts, viewer_zone, slot_of(row), now),
        anchor_time=describe_series(starts, row.anchor_timezone, slot_of(row), now),
        members=tally.members,
        facilitator_names=[m.display_name for m in tally.members if m.role == "facilitator"],
        learner_count=tally.learner_count,
        inactive_count=tally.inactive_count,
        below_min=tally.below_min,
        meetings_total=tally.meetings_total,
        meetings_held=tally.meetings_held,
        next_meeting=NextMeeting(
            upcoming.id, upcoming.meeting_number, upcoming.starts_at, upcoming.ends_at
        )
        if upcoming is not None
        else None,
        rsvps=_rsvp_counts(tally.members) if upcoming is not None else None,
        attendance=_attendance(series, facts.history.get(row.id, []), facts.checked_in, now),
        discord_channel_id=row.discord_text_channel_id,
        sync=tally.sync,
        discord_server=row.discord_guild_id,
        discord_export_key=row.discord_export_key,
    )


def _member(row: Any, group_id: int, upcoming: Any, facts: _Facts) -> LiveMember:
    absence = facts.absences.get((group_id, row.user_id))
    rsvp = None
    if upcoming is not None:
        rsvp = facts.rsvps.get((upcoming.id, row.user_id), "pending")
    return LiveMember(
        user_id=row.user_id,
        display_name=row.display_name,
        role=str(row.role),
        timezone=row.timezone,
        joined_at=row.joined_at,
        missed_in_a_row=absence.missed_in_a_row if absence else 0,
        inactive=bool(absence and absence.inactive),
        next_rsvp=rsvp,
    )


def _rsvp_counts(members: list[LiveMember]) -> RsvpCounts:
    said = Counter(m.next_rsvp for m in members)
    return RsvpCounts(said["attending"], said["tentative"], said["not_attending"], said["pending"])


def _attendance(
    series: list[Any], history: list[Any], checked_in: set[tuple[int, int]], now: datetime
) -> list[HeldMeeting]:
    """Each meeting held, against the learners who were members when it started.

    A meeting no learner was a member for (a group made by hand mid-cohort keeps
    the cohort's numbering) is not the group's history and is left out.
    """
    result = []
    for meeting in series:
        if meeting.ends_at > now:
            break
        expected = [m.user_id for m in history if _member_at(m, meeting.starts_at)]
        if not expected:
            continue
        came = sum((meeting.id, user_id) in checked_in for user_id in expected)
        result.append(
            HeldMeeting(meeting.id, meeting.meeting_number, meeting.starts_at, came, len(expected))
        )
    return result


def _member_at(membership: Any, moment: datetime) -> bool:
    joined = membership.joined_at <= moment
    return joined and (membership.left_at is None or membership.left_at > moment)


def _sync_state(row: Any, job: SyncJobState | None) -> SyncState:
    out_of_date = row.synced_at is None or (
        row.members_changed_at is not None and row.members_changed_at > row.synced_at
    )
    problem = None
    if job is not None and job.error and job.status in _PROBLEM_STATUSES:
        problem = job.error
    return SyncState(row.synced_at, out_of_date, job, problem)
