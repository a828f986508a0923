"""Admins shaping groups: the preview, renames, time changes, adding and removing people.

Every change that could leave someone unable to attend is checked against
each person's availability on every meeting date (DST included) and refused
with their names unless forced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from roundtable.cohorts.admin import cohort_row, contains_pattern, group_row
from roundtable.cohorts.lifecycle import require_phase
from roundtable.db.tables import cohorts, group_members, groups, scheduling_runs, signups, users
from roundtable.errors import ConflictError, NotFoundError, ValidationError
from roundtable.groups.learners import Member, list_members, meeting_intervals, slot_of
from roundtable.groups.memberships import (
    Placement,
    add_membership,
    enqueue_group_syncs,
    place_learner,
    soft_remove,
)
from roundtable.groups.times import (
    members_who_would_miss,
    move_future_meetings,
    plan_published_time,
)
from roundtable.meetings.times import (
    WeeklySlot,
    WeeklyTimeView,
    describe_series,
    first_meeting_at,
    format_moment,
)
from roundtable.paging import (
    Page,
    after_name,
    check_limit,
    decode_cursor,
    decode_named_cursor,
    page_of,
)
from roundtable.people.availability import load_availability, missed_meetings
from roundtable.people.profiles import validate_timezone


@dataclass(frozen=True)
class GroupView:
    """A group as admins see it: time, members, and who cannot make it."""

    id: int
    name: str
    status: str
    anchor_label: str
    weekly_time: WeeklyTimeView
    first_meeting_at: datetime
    members: list[Member]
    learner_count: int
    facilitator_count: int
    problems: list[str]


@dataclass(frozen=True)
class Unplaced:
    user_id: int
    display_name: str
    role: str
    reason: str
    detail: Any


@dataclass(frozen=True)
class RunSummary:
    id: int
    job_id: int | None
    created_at: datetime
    params: Any
    stats: Any
    notes: Any


@dataclass(frozen=True)
class GroupSize:
    learners: int
    groups: int  # preview groups with this many learners


@dataclass(frozen=True)
class PreviewSummary:
    """The whole preview at a glance, whatever page is shown."""

    groups: int
    learners: int  # placed in preview groups
    facilitators: int  # facilitator places in preview groups
    unplaced: int  # signed up, not withdrawn, left out by the scheduler
    facilitators_used: int = 0  # distinct people facilitating a preview group
    sizes: tuple[GroupSize, ...] = ()  # groups by learner count, smallest first


@dataclass(frozen=True)
class Preview:
    cohort_id: int
    run: RunSummary | None
    summary: PreviewSummary
    groups: list[GroupView]  # one page, by name
    next_cursor: str | None  # None on the last page


# Pages (paging.py): a preview group is about 1.5 KB with its members, an unplaced
# signup about 0.5 KB with its reason and suggestions (bench/admin_pages.py).
PREVIEW_PAGE = 100
PREVIEW_PAGE_MAX = 500
UNPLACED_PAGE = 500
UNPLACED_PAGE_MAX = 1000


def preview(
    conn: Connection,
    cohort_id: int,
    viewer_zone: str,
    now: datetime,
    *,
    cursor: str | None = None,
    limit: int = PREVIEW_PAGE,
) -> Preview:
    """A page of the cohort's preview groups with stats, the latest run, and the whole
    preview's counts (the unplaced themselves page apart: `unplaced_page`)."""
    after = decode_named_cursor(cursor)
    check_limit(limit, PREVIEW_PAGE_MAX)
    cohort = cohort_row(conn, cohort_id)
    run = conn.execute(
        select(scheduling_runs)
        .where(scheduling_runs.c.cohort_id == cohort_id)
        .order_by(scheduling_runs.c.id.desc())
        .limit(1)
    ).first()
    rows = conn.execute(
        select(groups, cohorts.c.number_of_meetings)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(*_in_preview(cohort.id), *after_name(groups, after))
        .order_by(groups.c.name, groups.c.id)
        .limit(limit + 1)
    ).all()
    page = page_of(rows, limit, key=lambda row: int(row.id), name=lambda row: str(row.name))
    return Preview(
        cohort_id=cohort_id,
        run=RunSummary(run.id, run.job_id, run.created_at, run.params, run.stats, run.notes)
        if run
        else None,
        summary=_preview_summary(conn, cohort.id),
        groups=[group_view(conn, row, viewer_zone, now) for row in page.items],
        next_cursor=page.next_cursor,
    )


def unplaced_page(
    conn: Connection, cohort_id: int, *, cursor: str | None = None, limit: int = UNPLACED_PAGE
) -> Page[Unplaced]:
    """A page of who the scheduler left out and why, in signup order."""
    after = decode_cursor(cursor)
    check_limit(limit, UNPLACED_PAGE_MAX)
    cohort = cohort_row(conn, cohort_id)
    rows = conn.execute(
        select(
            signups.c.id,
            signups.c.user_id,
            users.c.display_name,
            signups.c.role,
            signups.c.unplaced_reason,
            signups.c.unplaced_detail,
        )
        .join(users, users.c.id == signups.c.user_id)
        .where(*_unplaced(cohort.id), signups.c.id > (after or 0))
        .order_by(signups.c.id)
        .limit(limit + 1)
    ).all()
    page = page_of(rows, limit, key=lambda row: int(row.id))
    return Page(
        [
            Unplaced(u.user_id, u.display_name, u.role, u.unplaced_reason, u.unplaced_detail)
            for u in page.items
        ],
        page.next_cursor,
    )


@dataclass(frozen=True)
class GroupChoice:
    """A group someone could be moved to, as a move form lists it."""

    id: int
    name: str
    status: str
    anchor_label: str  # its weekly time in its anchor zone
    learner_count: int


GROUP_CHOICES_PAGE = 20
GROUP_CHOICES_PAGE_MAX = 100
# What members can still join: a preview group, or a live one (add_member's rule).
MOVABLE_STATUSES = ("preview", "active")


def find_groups(
    conn: Connection,
    cohort_id: int,
    status: str,
    name: str = "",
    *,
    cursor: str | None = None,
    limit: int = GROUP_CHOICES_PAGE,
) -> Page[GroupChoice]:
    """A page of the cohort's groups in `status` (preview or active) whose name contains
    `name` (any, when empty), by name: a move form's choice among every group of the
    cohort, not only the pages loaded."""
    if status not in MOVABLE_STATUSES:
        raise ValidationError(
            f"status: {status!r} is not one of {', '.join(MOVABLE_STATUSES)}", field="status"
        )
    after = decode_named_cursor(cursor)
    check_limit(limit, GROUP_CHOICES_PAGE_MAX)
    cohort = cohort_row(conn, cohort_id)
    text = " ".join(name.split())
    matching = (groups.c.name.ilike(contains_pattern(text)),) if text else ()
    learners = (
        select(func.count(group_members.c.id))
        .where(
            group_members.c.group_id == groups.c.id,
            group_members.c.status == "active",
            group_members.c.role == "learner",
        )
        .scalar_subquery()
    )
    rows = conn.execute(
        select(groups, learners.label("learner_count"))
        .where(
            groups.c.cohort_id == cohort.id,
            groups.c.status == status,
            *matching,
            *after_name(groups, after),
        )
        .order_by(groups.c.name, groups.c.id)
        .limit(limit + 1)
    ).all()
    page = page_of(rows, limit, key=lambda row: int(row.id), name=lambda row: str(row.name))
    return Page(
        [
            GroupChoice(row.id, row.name, row.status, slot_of(row).label(), row.learner_count)
            for row in page.items
        ],
        page.next_cursor,
    )


def _in_preview(cohort_id: int) -> tuple[ColumnElement[bool], ...]:
    return (groups.c.cohort_id == cohort_id, groups.c.status == "preview")


def _unplaced(cohort_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        signups.c.cohort_id == cohort_id,
        signups.c.unplaced_reason.is_not(None),
        signups.c.withdrawn_at.is_(None),
    )


def _preview_summary(conn: Connection, cohort_id: int) -> PreviewSummary:
    """The whole preview's counts and group sizes, as SQL aggregates (numbers, not rows)."""
    group_count = conn.scalar(select(func.count()).where(*_in_preview(cohort_id)))
    in_preview = (*_in_preview(cohort_id), group_members.c.status == "active")
    roles: dict[str, int] = {
        str(role): int(n)
        for role, n in conn.execute(
            select(group_members.c.role, func.count())
            .join(groups, groups.c.id == group_members.c.group_id)
            .where(*in_preview)
            .group_by(group_members.c.role)
        )
    }
    facilitators_used = conn.scalar(
        select(func.count(func.distinct(group_members.c.user_id)))
        .join(groups, groups.c.id == group_members.c.group_id)
        .where(*in_preview, group_members.c.role == "facilitator")
    )
    unplaced = conn.scalar(select(func.count()).where(*_unplaced(cohort_id)))
    return PreviewSummary(
        groups=int(group_count or 0),
        learners=int(roles.get("learner", 0)),
        facilitators=int(roles.get("facilitator", 0)),
        unplaced=int(unplaced or 0),
        facilitators_used=int(facilitators_used or 0),
        sizes=_group_sizes(conn, cohort_id),
    )


def _group_sizes(conn: Connection, cohort_id: int) -> tuple[GroupSize, ...]:
    """Preview groups by learner count (a group without learners counts as 0)."""
    learner = and_(
        group_members.c.group_id == groups.c.id,
        group_members.c.status == "active",
        group_members.c.role == "learner",
    )
    per_group = (
        select(func.count(group_members.c.id).label("learners"))
        .select_from(groups.outerjoin(group_members, learner))
        .where(*_in_preview(cohort_id))
        .group_by(groups.c.id)
        .subquery()
    )
    rows = conn.execute(
        select(per_group.c.learners, func.count())
        .group_by(per_group.c.learners)
        .order_by(per_group.c.learners)
    )
    return tuple(GroupSize(int(size), int(n)) for size, n in rows)


def group_view(conn: Connection, row: Any, viewer_zone: str, now: datetime) -> GroupView:
    """A group with its members and the availability problems of its current time."""
    members = list_members(conn, row.id)
    intervals = meeting_intervals(conn, row, row.number_of_meetings)
    return GroupView(
        id=row.id,
        name=row.name,
        status=row.status,
        anchor_label=slot_of(row).label(),
        weekly_time=describe_series([s for s, _ in intervals], viewer_zone, slot_of(row), now),
        first_meeting_at=intervals[0][0] if intervals else row.first_meeting_at,
        members=members,
        learner_count=sum(m.role == "learner" for m in members),
        facilitator_count=sum(m.role == "facilitator" for m in members),
        problems=availability_problems(conn, [m.user_id for m in members], intervals),
    )


def availability_problems(
    conn: Connection, user_ids: list[int], intervals: list[tuple[datetime, datetime]]
) -> list[str]:
    """One sentence per person who cannot make every meeting, e.g. for a 422."""
    if not user_ids or not intervals:
        return []
    blocks = load_availability(conn, user_ids)
    people = conn.execute(
        select(users.c.id, users.c.display_name, users.c.timezone).where(users.c.id.in_(user_ids))
    ).all()
    problems = []
    for person in sorted(people, key=lambda p: p.display_name):
        missed = missed_meetings(blocks[person.id], person.timezone, intervals)
        if missed:
            problems.append(
                f"{person.display_name} cannot make {len(missed)} of {len(intervals)} meetings "
                f"(first: {format_moment(missed[0], person.timezone)})"
            )
    return problems


class AvailabilityConflictError(ValidationError):
    """Someone could not make every meeting after a change an admin may still force.

    The message says only what the conflict is ("Ana cannot make 3 of 8 meetings
    (first: …)"): how to override it is each door's to say in its own terms (the
    web page's "Move anyway"; an API client sends `force`), so no door shows
    another's words.
    """

    code = "availability_conflict"

    def __init__(self, problems: list[str], *, field: str) -> None:
        super().__init__("; ".join(problems), field=field)
        self.problems = tuple(problems)


def refuse_unless_forced(problems: list[str], force: bool, field: str) -> None:
    """Refuse a change some people cannot attend, unless the admin forces it."""
    if problems and not force:
        raise AvailabilityConflictError(problems, field=field)


def update_group(
    conn: Connection,
    group_id: int,
    changes: dict[str, Any],
    *,
    force: bool,
    admin_id: int,
    viewer_zone: str,
    now: datetime,
) -> GroupView:
    """Rename a group or move its weekly time (checked against everyone; published groups
    move only the meetings still to come)."""
    group = group_row(conn, group_id, lock=True)
    require_phase(conn, group.cohort_id, "edit_live_groups")
    values: dict[str, Any] = {}
    if changes.get("name") is not None:
        values["name"] = clean_group_name(changes["name"])
    time_fields = {
        k: changes[k]
        for k in ("weekday", "local_time", "anchor_timezone")
        if changes.get(k) is not None
    }
    if time_fields:
        values.update(_new_time(conn, group, time_fields, force, now))
    if values:
        try:
            with conn.begin_nested():
                conn.execute(update(groups).where(groups.c.id == group_id).values(**values))
        except IntegrityError:
            raise ConflictError(
                f"the cohort already has a group named {values.get('name')!r}", field="name"
            ) from None
        if time_fields and group.status == "active":
            _announce_moved_meetings(conn, group_id, now)
        if group.status != "preview":
            enqueue_group_syncs(conn, [group_id], created_by=admin_id)
    return group_view(conn, group_row(conn, group_id), viewer_zone, now)


def clean_group_name(name: str) -> str:
    """The name with runs of spaces made one; ValidationError unless 1 to 80 characters."""
    cleaned = " ".join(str(name).split())
    if not 1 <= len(cleaned) <= 80:
        raise ValidationError("a group name must be 1 to 80 characters", field="name")
    return cleaned


def _announce_moved_meetings(conn: Connection, group_id: int, now: datetime) -> None:
    """Move the meetings still to come and tell members once, about the next one.

    One message per moved meeting would repeat the same news every week; the
    calendar invite's update shows the whole series.
    """
    from roundtable.notifications import request_notification

    for meeting_id, previous in move_future_meetings(conn, group_id, now)[:1]:
        request_notification(
            conn, "meeting_changed", meeting_id=meeting_id, previous_starts_at=previous.isoformat()
        )


def _new_time(
    conn: Connection, group: Any, fields: dict[str, Any], force: bool, now: datetime
) -> dict[str, Any]:
    if group.status not in ("preview", "active"):
        raise ConflictError(
            f"{group.name} is {group.status}; its time no longer changes", field="local_time"
        )
    anchor = fields.get("anchor_timezone", group.anchor_timezone)
    validate_timezone(anchor, "anchor_timezone")
    local: time = check_quarter_hour(fields.get("local_time", group.local_time))
    if group.status == "active":
        plan = plan_published_time(
            conn, group, anchor, fields.get("weekday", group.weekday), local, now
        )
        refuse_unless_forced(
            members_who_would_miss(conn, group, plan.remaining), force, "local_time"
        )
        return plan.values
    slot = WeeklySlot(anchor, fields.get("weekday", group.weekday), local, group.meeting_minutes)
    first = first_meeting_at(slot, group.start_date)
    moved = SimpleNamespace(
        **{
            **group._asdict(),
            "anchor_timezone": anchor,
            "weekday": slot.weekday,
            "local_time": local,
            "first_meeting_at": first,
        }
    )
    members = [m.user_id for m in list_members(conn, group.id)]
    intervals = meeting_intervals(conn, moved, group.number_of_meetings)
    refuse_unless_forced(availability_problems(conn, members, intervals), force, "local_time")
    return {
        "anchor_timezone": anchor,
        "weekday": slot.weekday,
        "local_time": local,
        "first_meeting_at": first,
    }


def check_quarter_hour(local: time) -> time:
    """Meetings start on a quarter hour (the availability grid's resolution)."""
    if local.minute % 15 or local.second or local.microsecond:
        raise ValidationError(f"{local:%H:%M} is not on a quarter hour", field="local_time")
    return local


def add_member(
    conn: Connection,
    group_id: int,
    user_id: int,
    role: str,
    *,
    force: bool,
    admin_id: int,
    now: datetime,
) -> Placement:
    """Put someone in a group (moving a learner out of their other group of the cohort).

    Refused with the names of the meetings they cannot make unless forced; a forced
    placement says, in `forced_despite`, who was placed despite what."""
    group = group_row(conn, group_id, lock=True)
    require_phase(conn, group.cohort_id, "edit_live_groups")
    if group.status not in ("preview", "active"):
        raise ConflictError(f"{group.name} is {group.status}; members can no longer change")
    if conn.scalar(select(users.c.id).where(users.c.id == user_id)) is None:
        raise NotFoundError(f"no user {user_id}", field="user_id")
    intervals = meeting_intervals(conn, group, group.number_of_meetings)
    remaining = [(s, e) for s, e in intervals if s >= now]
    problems = availability_problems(conn, [user_id], remaining)
    refuse_unless_forced(problems, force, "user_id")
    ensure_signup(conn, user_id, group.cohort_id, role)
    if role == "learner":
        placed = place_learner(
            conn,
            user_id,
            group_id,
            group.cohort_id,
            now,
            reason=f"moved by an admin to group {group_id}",
            created_by=admin_id,
        )
        return replace(placed, forced_despite=problems) if placed.changed else placed
    already = conn.scalar(
        select(
            exists().where(
                group_members.c.group_id == group_id,
                group_members.c.user_id == user_id,
                group_members.c.status == "active",
            )
        )
    )
    if already:
        return Placement(group_id, group_id, False, [])
    add_membership(conn, user_id, group_id, group.cohort_id, role, now)
    syncs = enqueue_group_syncs(conn, [group_id], created_by=admin_id)
    return Placement(group_id, None, True, syncs, forced_despite=problems)


def ensure_signup(conn: Connection, user_id: int, cohort_id: int, role: str) -> None:
    statement = pg_insert(signups).values(user_id=user_id, cohort_id=cohort_id, role=role)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[signups.c.user_id, signups.c.cohort_id],
            set_={"withdrawn_at": None, "role": role},
        )
    )


def remove_member(
    conn: Connection, group_id: int, user_id: int, *, admin_id: int, now: datetime
) -> Placement:
    """Soft-remove someone from a group (synced when the group is published)."""
    group = group_row(conn, group_id, lock=True)
    require_phase(conn, group.cohort_id, "edit_live_groups")
    if not soft_remove(conn, user_id, group_id, "removed by an admin", now):
        raise NotFoundError(
            f"user {user_id} is not an active member of group {group_id}", field="user_id"
        )
    return Placement(
        None, group_id, True, enqueue_group_syncs(conn, [group_id], created_by=admin_id)
    )
