"""Guest visits: a learner who cannot make their own meeting one week joins another group's.

"The same week" is the host meeting starting within three days either side of
the learner's own meeting (`SAME_WEEK`), not the ISO week: a Monday group's
learner may then visit a Sunday group of the week before, and the window never
depends on where a zone puts midnight.

A meeting is an option when it belongs to another live group of the same
cohort, has not started, fits the learner's availability on that actual date
in their zone (`people.availability.missed_meetings`, the scheduler's
per-date check, so daylight saving is handled), and has room: fewer than
`Settings.guest_cap_per_meeting` guests, and the host group's active members
plus its guests that week below the cohort's maximum group size.

`book_guest_visit` checks all of that again inside its transaction (the host
meeting row is locked, so two learners cannot both take the last place), plus
the cohort being running and the learner belonging to the own meeting's
group. Booking records the visit, answers the learner's own meeting "not
attending" and the host meeting "attending" (`meetings.attendance.rsvp`),
tells the host facilitator (`guest_visit_booked`) and queues the host group's
sync, which gives the guest the channel for the week and a one-off calendar
invite (docs/sync.md, "Guest visits"). Cancelling undoes the same things.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from roundtable.cohorts.lifecycle import require_phase
from roundtable.db.tables import (
    attendances,
    cohorts,
    group_members,
    groups,
    guest_visits,
    meetings,
    users,
)
from roundtable.errors import ConflictError, NotFoundError, PermissionDeniedError
from roundtable.groups.memberships import count_active_members, enqueue_group_syncs
from roundtable.meetings.attendance import rsvp
from roundtable.meetings.times import format_moment
from roundtable.people.availability import Interval, load_availability, missed_meetings
from roundtable.people.profiles import Viewer

SAME_WEEK = timedelta(days=3)  # a host meeting starts at most this far from the own one


@dataclass(frozen=True)
class GuestOption:
    """A meeting of another group the learner could visit instead of their own."""

    host_meeting_id: int
    group_id: int
    group_name: str
    meeting_number: int
    starts_at: datetime
    ends_at: datetime
    starts_label: str  # in the viewer's zone: 'Thu 5 Mar 2026, 18:00 GMT'
    facilitator_names: tuple[str, ...]
    guests_booked: int
    places_left: int


@dataclass(frozen=True)
class GuestVisit:
    id: int
    status: str  # "booked" | "cancelled"
    user_id: int
    own_meeting_id: int
    own_group_name: str
    own_starts_at: datetime
    host_meeting_id: int
    host_group_id: int
    host_group_name: str
    host_meeting_number: int
    starts_at: datetime
    ends_at: datetime
    starts_label: str  # in the viewer's zone
    created_at: datetime
    cancelled_at: datetime | None


@dataclass(frozen=True)
class GuestOptions:
    """What the learner can do about one of their meetings."""

    own_meeting_id: int
    own_group_id: int
    own_group_name: str
    own_meeting_number: int
    own_starts_at: datetime
    own_starts_label: str
    booked: GuestVisit | None  # the visit already replacing this meeting, if any
    options: tuple[GuestOption, ...]


@dataclass(frozen=True)
class _Meeting:
    id: int
    group_id: int
    group_name: str
    cohort_id: int
    meeting_number: int
    starts_at: datetime
    ends_at: datetime
    max_group_size: int


def guest_options(
    conn: Connection, viewer: Viewer, own_meeting_id: int, now: datetime
) -> GuestOptions:
    """The other groups' meetings that week I could join instead of my own, soonest first."""
    own = _own_meeting(conn, viewer, own_meeting_id, now)
    booked = _booked_for(conn, viewer, own.id)
    mine = load_availability(conn, [viewer.id])[viewer.id]
    cap = _guest_cap()
    options = []
    for host in _candidates(conn, own):
        if _refusal(conn, viewer, own, host, now, mine, cap) is None:
            options.append(_option(conn, viewer, host))
    return GuestOptions(
        own_meeting_id=own.id,
        own_group_id=own.group_id,
        own_group_name=own.group_name,
        own_meeting_number=own.meeting_number,
        own_starts_at=own.starts_at,
        own_starts_label=format_moment(own.starts_at, viewer.timezone),
        booked=booked,
        options=tuple(options),
    )


def book_guest_visit(
    conn: Connection,
    viewer: Viewer,
    own_meeting_id: int,
    host_meeting_id: int,
    now: datetime,
    *,
    source: str = "web",
) -> GuestVisit:
    """Join another group's meeting this week instead of my own (any door: web, Discord).

    Every condition of `guest_options` is checked again here; each refusal says why.
    """
    own = _own_meeting(conn, viewer, own_meeting_id, now)
    host = _meeting(conn, host_meeting_id, lock=True)  # bookings into one meeting queue here
    if host is None:
        raise NotFoundError(f"Meeting {host_meeting_id} does not exist.", field="host_meeting_id")
    existing = _booked_for(conn, viewer, own.id)
    if existing is not None:
        raise ConflictError(
            f"You are already a guest of {existing.host_group_name} this week "
            f"({existing.starts_label}); cancel that visit first to choose another."
        )
    mine = load_availability(conn, [viewer.id])[viewer.id]
    reason = _refusal(conn, viewer, own, host, now, mine, _guest_cap())
    if reason is not None:
        raise ConflictError(reason, field="host_meeting_id")
    try:
        with conn.begin_nested():
            visit_id = conn.execute(
                insert(guest_visits)
                .values(
                    user_id=viewer.id,
                    own_meeting_id=own.id,
                    host_meeting_id=host.id,
                    created_at=now,
                )
                .returning(guest_visits.c.id)
            ).scalar_one()
    except IntegrityError:  # a concurrent booking of the same week won the race
        raise ConflictError("You already booked a guest visit for this week.") from None
    rsvp(conn, viewer, own.id, "not_attending", source, now)
    rsvp(conn, viewer, host.id, "attending", source, now)
    _derived_state_changed(conn, viewer, host.group_id, now)
    _notify(conn, "guest_visit_booked", visit_id)
    return _visit(conn, viewer, visit_id)


def cancel_guest_visit(
    conn: Connection, viewer: Viewer, visit_id: int, now: datetime
) -> GuestVisit:
    """Cancel one of my booked visits before the host meeting starts (any door)."""
    row = conn.execute(
        select(guest_visits, meetings.c.starts_at, meetings.c.group_id)
        .join(meetings, meetings.c.id == guest_visits.c.host_meeting_id)
        .where(guest_visits.c.id == visit_id)
        .with_for_update(of=guest_visits)
    ).first()
    if row is None or row.user_id != viewer.id:
        raise NotFoundError(f"You have no guest visit {visit_id}.", field="visit_id")
    if row.status != "booked":
        raise ConflictError("This guest visit is already cancelled.")
    if row.starts_at <= now:
        raise ConflictError("The meeting you visit has already started; it cannot be cancelled.")
    _end_visit(conn, row, now)
    _derived_state_changed(conn, viewer, row.group_id, now)
    _notify(conn, "guest_visit_cancelled", visit_id)
    return _visit(conn, viewer, visit_id)


def release_visits_into(conn: Connection, group_ids: Sequence[int], now: datetime) -> list[int]:
    """End the booked visits to these (cancelled) groups' meetings still to come.

    The guests' own meetings are theirs again (their reminders come back); the
    groups' sync withdraws the access and the one-off invitations. Returns the
    visits ended.
    """
    if not group_ids:
        return []
    rows = conn.execute(
        select(guest_visits, meetings.c.starts_at, meetings.c.group_id)
        .join(meetings, meetings.c.id == guest_visits.c.host_meeting_id)
        .where(
            meetings.c.group_id.in_(list(group_ids)),
            guest_visits.c.status == "booked",
            meetings.c.starts_at > now,
        )
        .order_by(guest_visits.c.id)
        .with_for_update(of=guest_visits)
    ).all()
    for row in rows:
        _end_visit(conn, row, now)
    return [row.id for row in rows]


def _end_visit(conn: Connection, row: Any, now: datetime) -> None:
    """A booked visit is cancelled and the guest's answers go back to what they were."""
    conn.execute(
        update(guest_visits)
        .where(guest_visits.c.id == row.id)
        .values(status="cancelled", cancelled_at=now)
    )
    # Not a guest any more: their answer for the host meeting goes (nothing was held yet).
    conn.execute(
        attendances.delete().where(
            attendances.c.meeting_id == row.host_meeting_id,
            attendances.c.user_id == row.user_id,
            attendances.c.checked_in_at.is_(None),
        )
    )
    # Their own meeting is theirs again: undo the "not attending" the booking gave,
    # unless they answered again since (then that answer stands).
    conn.execute(
        update(attendances)
        .where(
            attendances.c.meeting_id == row.own_meeting_id,
            attendances.c.user_id == row.user_id,
            attendances.c.rsvp == "not_attending",
            attendances.c.rsvp_at == row.created_at,
        )
        .values(rsvp="pending", rsvp_at=None, rsvp_source=None)
    )


def my_guest_visits(conn: Connection, viewer: Viewer, now: datetime) -> list[GuestVisit]:
    """My booked visits whose host meeting is not over, soonest first."""
    ids = conn.scalars(
        select(guest_visits.c.id)
        .join(meetings, meetings.c.id == guest_visits.c.host_meeting_id)
        .where(
            guest_visits.c.user_id == viewer.id,
            guest_visits.c.status == "booked",
            meetings.c.ends_at > now,
        )
        .order_by(meetings.c.starts_at, guest_visits.c.id)
    ).all()
    return [_visit(conn, viewer, visit_id) for visit_id in ids]


@dataclass(frozen=True)
class BookedGuest:
    user_id: int
    display_name: str
    from_group_name: str


def booked_guests(conn: Connection, meeting_ids: list[int]) -> dict[int, list[BookedGuest]]:
    """Meeting id → the guests booked into it (for the host's attendance list)."""
    if not meeting_ids:
        return {}
    own_meeting, own_group = meetings.alias("own"), groups.alias("own_group")
    rows = conn.execute(
        select(
            guest_visits.c.host_meeting_id,
            users.c.id,
            users.c.display_name,
            own_group.c.name,
        )
        .join(users, users.c.id == guest_visits.c.user_id)
        .join(own_meeting, own_meeting.c.id == guest_visits.c.own_meeting_id)
        .join(own_group, own_group.c.id == own_meeting.c.group_id)
        .where(guest_visits.c.host_meeting_id.in_(meeting_ids), guest_visits.c.status == "booked")
        .order_by(users.c.display_name, guest_visits.c.id)
    )
    found: dict[int, list[BookedGuest]] = {}
    for meeting_id, user_id, name, group_name in rows:
        found.setdefault(meeting_id, []).append(BookedGuest(user_id, name, group_name))
    return found


# -- the checks ------------------------------------------------------------------------
def _own_meeting(conn: Connection, viewer: Viewer, meeting_id: int, now: datetime) -> _Meeting:
    own = _meeting(conn, meeting_id)
    if own is None:
        raise NotFoundError(f"Meeting {meeting_id} does not exist.", field="own_meeting_id")
    role = conn.scalar(
        select(group_members.c.role).where(
            group_members.c.group_id == own.group_id,
            group_members.c.user_id == viewer.id,
            group_members.c.status == "active",
        )
    )
    if role is None:
        raise PermissionDeniedError(
            f"Only members of {own.group_name} can visit another group instead of its meetings."
        )
    if role != "learner":
        raise PermissionDeniedError(
            f"Guest visits are for learners; you facilitate {own.group_name}."
        )
    require_phase(conn, own.cohort_id, "guest_visit")
    if own.starts_at <= now:
        raise ConflictError(
            f"Your meeting ({own.group_name}, meeting {own.meeting_number}) has already "
            "started; a guest visit replaces a meeting still to come."
        )
    return own


def _refusal(
    conn: Connection,
    viewer: Viewer,
    own: _Meeting,
    host: _Meeting,
    now: datetime,
    availability: list[Interval],
    cap: int,
) -> str | None:
    """Why the learner cannot visit `host` instead of `own`; None when they can."""
    where = f"{host.group_name}, meeting {host.meeting_number}"
    if host.group_id == own.group_id:
        return "That is a meeting of your own group; a guest visit is to another group."
    if host.cohort_id != own.cohort_id:
        return f"{host.group_name} is in another cohort; visit a group of your own cohort."
    if abs(host.starts_at - own.starts_at) > SAME_WEEK:
        return (
            f"{where} is not in the same week as your meeting (guests visit a meeting "
            f"within {SAME_WEEK.days} days of their own)."
        )
    if host.starts_at <= now:
        return f"{where} has already started."
    if not _is_live(conn, host.group_id):
        return f"{host.group_name} is not meeting any more."
    if not availability:
        return "You have not given your availability; add it so we can tell which meetings fit."
    if missed_meetings(availability, viewer.timezone, [(host.starts_at, host.ends_at)]):
        local = format_moment(host.starts_at, viewer.timezone)
        return f"{where} ({local} your time) is outside your availability."
    guests = _guest_count(conn, host.id)
    if guests >= cap:
        return f"{where} is full: it already has {guests} guests (at most {cap} a meeting)."
    members = count_active_members(conn, host.group_id)
    if members + guests >= host.max_group_size:
        return (
            f"{where} is full: {members} members and {guests} guests "
            f"(at most {host.max_group_size} people a meeting)."
        )
    return None


def _guest_cap() -> int:
    from roundtable.config import get_settings

    return get_settings().guest_cap_per_meeting


# -- reads -----------------------------------------------------------------------------
def _meeting(conn: Connection, meeting_id: int, *, lock: bool = False) -> _Meeting | None:
    query = (
        select(
            meetings.c.id,
            meetings.c.group_id,
            groups.c.name.label("group_name"),
            groups.c.cohort_id,
            meetings.c.meeting_number,
            meetings.c.starts_at,
            meetings.c.ends_at,
            cohorts.c.max_group_size,
        )
        .join(groups, groups.c.id == meetings.c.group_id)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(meetings.c.id == meeting_id)
    )
    if lock:
        query = query.with_for_update(of=meetings)
    row = conn.execute(query).first()
    return _Meeting(*row) if row is not None else None


def _candidates(conn: Connection, own: _Meeting) -> list[_Meeting]:
    ids = conn.scalars(
        select(meetings.c.id)
        .join(groups, groups.c.id == meetings.c.group_id)
        .where(
            groups.c.cohort_id == own.cohort_id,
            groups.c.status == "active",
            groups.c.id != own.group_id,
            meetings.c.starts_at >= own.starts_at - SAME_WEEK,
            meetings.c.starts_at <= own.starts_at + SAME_WEEK,
        )
        .order_by(meetings.c.starts_at, meetings.c.id)
    ).all()
    return [m for m in (_meeting(conn, meeting_id) for meeting_id in ids) if m is not None]


def _is_live(conn: Connection, group_id: int) -> bool:
    return conn.scalar(select(groups.c.status).where(groups.c.id == group_id)) == "active"


def _guest_count(conn: Connection, meeting_id: int) -> int:
    return int(
        conn.scalar(
            select(func.count()).where(
                guest_visits.c.host_meeting_id == meeting_id, guest_visits.c.status == "booked"
            )
        )
        or 0
    )


def _option(conn: Connection, viewer: Viewer, host: _Meeting) -> GuestOption:
    guests = _guest_count(conn, host.id)
    members = count_active_members(conn, host.group_id)
    facilitators = conn.scalars(
        select(users.c.display_name)
        .join(group_members, group_members.c.user_id == users.c.id)
        .where(
            group_members.c.group_id == host.group_id,
            group_members.c.status == "active",
            group_members.c.role == "facilitator",
        )
        .order_by(users.c.display_name)
    ).all()
    return GuestOption(
        host_meeting_id=host.id,
        group_id=host.group_id,
        group_name=host.group_name,
        meeting_number=host.meeting_number,
        starts_at=host.starts_at,
        ends_at=host.ends_at,
        starts_label=format_moment(host.starts_at, viewer.timezone),
        facilitator_names=tuple(facilitators),
        guests_booked=guests,
        places_left=max(0, min(_guest_cap() - guests, host.max_group_size - members - guests)),
    )


def _booked_for(conn: Connection, viewer: Viewer, own_meeting_id: int) -> GuestVisit | None:
    visit_id = conn.scalar(
        select(guest_visits.c.id).where(
            guest_visits.c.user_id == viewer.id,
            guest_visits.c.own_meeting_id == own_meeting_id,
            guest_visits.c.status == "booked",
        )
    )
    return _visit(conn, viewer, visit_id) if visit_id is not None else None


def _visit(conn: Connection, viewer: Viewer, visit_id: int) -> GuestVisit:
    host_group, own_meeting, own_group = groups.alias("host_group"), meetings.alias("own"), groups
    row: Any = conn.execute(
        select(
            guest_visits,
            meetings.c.meeting_number,
            meetings.c.starts_at,
            meetings.c.ends_at,
            meetings.c.group_id.label("host_group_id"),
            host_group.c.name.label("host_group_name"),
            own_meeting.c.starts_at.label("own_starts_at"),
            own_group.c.name.label("own_group_name"),
        )
        .join(meetings, meetings.c.id == guest_visits.c.host_meeting_id)
        .join(host_group, host_group.c.id == meetings.c.group_id)
        .join(own_meeting, own_meeting.c.id == guest_visits.c.own_meeting_id)
        .join(own_group, own_group.c.id == own_meeting.c.group_id)
        .where(guest_visits.c.id == visit_id)
    ).one()
    return GuestVisit(
        id=row.id,
        status=str(row.status),
        user_id=row.user_id,
        own_meeting_id=row.own_meeting_id,
        own_group_name=row.own_group_name,
        own_starts_at=row.own_starts_at,
        host_meeting_id=row.host_meeting_id,
        host_group_id=row.host_group_id,
        host_group_name=row.host_group_name,
        host_meeting_number=row.meeting_number,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        starts_label=format_moment(row.starts_at, viewer.timezone),
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
    )


# -- what follows a booking ------------------------------------------------------------
def _derived_state_changed(
    conn: Connection, viewer: Viewer, host_group_id: int, now: datetime
) -> None:
    """The host group's channel and calendar change: mark it for the sync and queue one."""
    conn.execute(update(groups).where(groups.c.id == host_group_id).values(members_changed_at=now))
    enqueue_group_syncs(conn, [host_group_id], created_by=viewer.id)


def _notify(conn: Connection, kind: str, visit_id: int) -> None:
    # Imported here: the notifications package loads its message catalogue machinery.
    from roundtable.notifications import request_notification

    request_notification(conn, kind, visit_id=visit_id)
