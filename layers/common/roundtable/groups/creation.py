"""An admin makes a group by hand in a live cohort: facilitator, weekly time, members.

It is checked like a move: every member and the facilitator must be able to
make every meeting still to come (on its actual date, so daylight saving is
included), else it is refused with their names unless forced, and a forced
create says who was forced and why. The facilitator must be certified and
within their limit of active groups (that is never forced). Members leave
their previous group of the cohort through `groups.memberships`, so that
group's people are told and its Discord and calendar follow.

The group keeps the cohort's numbering: its weekly series starts in the
cohort's first week, so meeting 4 is meeting 4 for everyone (the course's
modules are due by meeting number). Meetings that were over before the group
existed are history nobody was a member for: no reminders go out for them
(reminders are for meetings ahead) and no one is counted absent from them.
The group is published at once: its meetings are written, its members are told
(`group_assigned`, one message each) and a sync creates its channel, role and
calendar invite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from roundtable.cohorts.admin import cohort_row, group_row
from roundtable.cohorts.lifecycle import mark_running, require_phase
from roundtable.db.tables import groups, meetings, users
from roundtable.errors import ConflictError, NotFoundError, ValidationError
from roundtable.groups.admin import (
    availability_problems,
    check_quarter_hour,
    clean_group_name,
    ensure_signup,
    refuse_unless_forced,
)
from roundtable.groups.learners import slot_of
from roundtable.groups.memberships import (
    active_learner_group,
    add_membership,
    enqueue_group_syncs,
    place_learner,
)
from roundtable.meetings.times import WeeklySlot, WeeklyTimeView, describe_series, first_meeting_at
from roundtable.people.actors import Actor
from roundtable.people.facilitators import get_facilitator
from roundtable.people.profiles import validate_timezone
from roundtable.sync.series import write_meetings

MAX_MEMBERS = 50  # far above any cohort's group size: a typo guard, not a rule


@dataclass(frozen=True)
class GroupTime:
    """A weekly time: weekday (0 = Monday) and wall-clock time in the anchor zone."""

    anchor_timezone: str
    weekday: int
    local_time: time


@dataclass(frozen=True)
class NewGroup:
    cohort_id: int
    name: str
    facilitator_id: int
    time: GroupTime
    member_ids: list[int]


@dataclass(frozen=True)
class MovedLearner:
    user_id: int
    display_name: str
    previous_group_id: int | None
    previous_group_name: str | None


@dataclass(frozen=True)
class GroupCreated:
    group_id: int
    cohort_id: int
    name: str
    anchor_label: str
    weekly_time: WeeklyTimeView  # in the admin's zone
    facilitator_name: str
    members: list[MovedLearner]  # where each learner came from (None: no group before)
    first_meeting_number: int  # the first meeting still to come
    first_meeting_at: datetime
    meetings_ahead: int
    forced_despite: list[str]  # who cannot make which meetings, when forced; else empty
    sync_job_ids: list[int]


def create_group(
    conn: Connection,
    actor: Actor,
    new: NewGroup,
    *,
    force: bool,
    viewer_zone: str,
    now: datetime,
) -> GroupCreated:
    """Make and publish a group by hand in a live cohort, checked like a move."""
    actor.require_admin()
    cohort = cohort_row(conn, new.cohort_id, lock=True)  # publishing and regrouping take it too
    require_phase(conn, cohort.id, "edit_live_groups")
    name = clean_group_name(new.name)
    slot = _slot(new.time, cohort.meeting_minutes)
    member_ids = _member_ids(new)
    people = _people(conn, [new.facilitator_id, *member_ids])
    _check_facilitator(conn, new.facilitator_id, people[new.facilitator_id], cohort)
    first = first_meeting_at(slot, cohort.start_date)
    group_id = _insert_group(conn, cohort, name, slot, first)
    ahead = _meetings_ahead(conn, group_id, cohort, now)
    problems = availability_problems(conn, [new.facilitator_id, *member_ids], ahead)
    refuse_unless_forced(problems, force, "member_ids")
    moved = _fill(conn, actor, group_id, cohort.id, new.facilitator_id, member_ids, name, now)
    _publish(conn, group_id, cohort.id, now)
    syncs = enqueue_group_syncs(conn, [group_id], created_by=actor.user_id)
    row = group_row(conn, group_id)
    starts = [s for s, _ in _all_intervals(conn, group_id)]
    number = conn.scalar(
        select(meetings.c.meeting_number)
        .where(meetings.c.group_id == group_id, meetings.c.starts_at >= now)
        .order_by(meetings.c.meeting_number)
        .limit(1)
    )
    return GroupCreated(
        group_id=group_id,
        cohort_id=cohort.id,
        name=name,
        anchor_label=slot_of(row).label(),
        weekly_time=describe_series(starts, viewer_zone, slot_of(row), now),
        facilitator_name=people[new.facilitator_id].display_name,
        members=[
            MovedLearner(user_id, people[user_id].display_name, *moved[user_id])
            for user_id in member_ids
        ],
        first_meeting_number=int(number or 1),
        first_meeting_at=ahead[0][0],
        meetings_ahead=len(ahead),
        forced_despite=problems,
        sync_job_ids=syncs,
    )


def _slot(given: GroupTime, meeting_minutes: int) -> WeeklySlot:
    validate_timezone(given.anchor_timezone, "anchor_timezone")
    if not 0 <= given.weekday <= 6:
        raise ValidationError("weekday must be 0 (Monday) to 6 (Sunday)", field="weekday")
    check_quarter_hour(given.local_time)
    return WeeklySlot(given.anchor_timezone, given.weekday, given.local_time, meeting_minutes)


def _member_ids(new: NewGroup) -> list[int]:
    ids = list(dict.fromkeys(new.member_ids))  # once each, in the order given
    if not ids:
        raise ValidationError("a group needs at least one learner", field="member_ids")
    if len(ids) > MAX_MEMBERS:
        raise ValidationError(f"at most {MAX_MEMBERS} learners at once", field="member_ids")
    if new.facilitator_id in ids:
        raise ValidationError(
            "the facilitator cannot also be one of the group's learners", field="member_ids"
        )
    return ids


def _people(conn: Connection, ids: list[int]) -> dict[int, Any]:
    found = {
        row.id: row
        for row in conn.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_(ids)))
    }
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise NotFoundError(f"no user {', '.join(missing)}", field="member_ids")
    return found


def _check_facilitator(conn: Connection, user_id: int, person: Any, cohort: Any) -> None:
    """Certified, with room for one more active group, and not a learner of this cohort."""
    try:
        facilitator = get_facilitator(conn, user_id)
    except NotFoundError:
        raise ValidationError(
            f"{person.display_name} has not applied to facilitate", field="facilitator_id"
        ) from None
    if not facilitator.is_certified:
        raise ValidationError(
            f"{person.display_name} is not a certified facilitator", field="facilitator_id"
        )
    if facilitator.active_groups >= facilitator.max_active_groups:
        raise ConflictError(
            f"{person.display_name} already leads {facilitator.active_groups} active group(s), "
            f"their limit; raise it on the facilitators page first",
            field="facilitator_id",
        )
    if active_learner_group(conn, user_id, cohort.id) is not None:
        raise ConflictError(
            f"{person.display_name} is a learner in {cohort.name}; "
            "remove them from their group before they facilitate one",
            field="facilitator_id",
        )


def _insert_group(
    conn: Connection, cohort: Any, name: str, slot: WeeklySlot, first: datetime
) -> int:
    """The group row, as a preview for now: members placed into it are told once, at publish."""
    try:
        with conn.begin_nested():
            return int(
                conn.execute(
                    insert(groups)
                    .values(
                        cohort_id=cohort.id,
                        name=name,
                        status="preview",
                        anchor_timezone=slot.anchor_timezone,
                        weekday=slot.weekday,
                        local_time=slot.local_time,
                        meeting_minutes=slot.meeting_minutes,
                        first_meeting_at=first,
                    )
                    .returning(groups.c.id)
                ).scalar_one()
            )
    except IntegrityError:
        raise ConflictError(
            f"{cohort.name} already has a group named {name!r}", field="name"
        ) from None


def _meetings_ahead(
    conn: Connection, group_id: int, cohort: Any, now: datetime
) -> list[tuple[datetime, datetime]]:
    """The meetings the group will hold (the cohort's numbering, from now on)."""
    write_meetings(conn, group_id, now=now)
    ahead = [(s, e) for s, e in _all_intervals(conn, group_id) if s >= now]
    if not ahead:
        raise ConflictError(
            f"every meeting of {cohort.name} at that weekly time is already past; "
            "there is nothing left for a new group to meet for",
            field="weekday",
        )
    return ahead


def _all_intervals(conn: Connection, group_id: int) -> list[tuple[datetime, datetime]]:
    rows = conn.execute(
        select(meetings.c.starts_at, meetings.c.ends_at)
        .where(meetings.c.group_id == group_id)
        .order_by(meetings.c.meeting_number)
    ).all()
    return [(row.starts_at, row.ends_at) for row in rows]


def _fill(
    conn: Connection,
    actor: Actor,
    group_id: int,
    cohort_id: int,
    facilitator_id: int,
    member_ids: list[int],
    name: str,
    now: datetime,
) -> dict[int, tuple[int | None, str | None]]:
    """Facilitator and learners in; each learner's previous group (id, name)."""
    ensure_signup(conn, facilitator_id, cohort_id, "facilitator")
    add_membership(conn, facilitator_id, group_id, cohort_id, "facilitator", now)
    previous: dict[int, int | None] = {}
    for user_id in member_ids:
        ensure_signup(conn, user_id, cohort_id, "learner")
        placed = place_learner(
            conn,
            user_id,
            group_id,
            cohort_id,
            now,
            reason=f"moved by an admin to {name}",
            created_by=actor.user_id,
        )
        previous[user_id] = placed.previous_group_id
    left = [g for g in previous.values() if g is not None]
    names = {
        row.id: row.name
        for row in conn.execute(select(groups.c.id, groups.c.name).where(groups.c.id.in_(left)))
    }
    return {u: (g, names.get(g) if g is not None else None) for u, g in previous.items()}


def _publish(conn: Connection, group_id: int, cohort_id: int, now: datetime) -> None:
    """Live now: its people are told together, as at publish; an open cohort is running."""
    from roundtable.notifications import request_notification

    conn.execute(
        update(groups)
        .where(groups.c.id == group_id)
        .values(status="active", published_at=now, members_changed_at=now)
    )
    mark_running(conn, cohort_id)
    request_notification(conn, "group_assigned", group_id=group_id)
