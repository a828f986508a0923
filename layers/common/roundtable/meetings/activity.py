"""Who has stopped coming: meetings missed in a row, and the learners that makes inactive.

A meeting is missed when it has ended, the learner was already a member when
it started, and they did not check in. Counting stops at the latest meeting
they attended, so one visit resets it. A meeting replaced by a guest visit
(roundtable.meetings.guests) counts as attended when they checked in at the
meeting they visited. Nothing is stored: the count is read
from meetings and attendances whenever a facilitator or admin looks, so it is
never stale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, select, union

from roundtable.config import get_settings
from roundtable.db.tables import attendances, group_members, guest_visits, meetings


@dataclass(frozen=True)
class Absence:
    group_id: int
    user_id: int
    missed_in_a_row: int
    inactive: bool


def absences(
    conn: Connection,
    group_ids: Iterable[int],
    now: datetime,
    *,
    inactive_after: int | None = None,
) -> dict[tuple[int, int], Absence]:
    """(group id, user id) → the active learner's run of missed meetings, for these groups.

    `inactive_after` defaults to the INACTIVE_AFTER_MISSED setting (3).
    """
    if inactive_after is None:
        inactive_after = get_settings().inactive_after_missed
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    held = conn.execute(
        select(meetings.c.id, meetings.c.group_id, meetings.c.starts_at)
        .where(meetings.c.group_id.in_(ids), meetings.c.ends_at <= now)
        .order_by(meetings.c.starts_at.desc())
    ).all()
    by_group: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for meeting in held:
        by_group[meeting.group_id].append((meeting.id, meeting.starts_at))
    held_ids = [m.id for m in held]
    checked_in = select(attendances.c.meeting_id, attendances.c.user_id).where(
        attendances.c.meeting_id.in_(held_ids), attendances.c.checked_in_at.is_not(None)
    )
    visited_instead = (
        select(guest_visits.c.own_meeting_id, guest_visits.c.user_id)
        .join(
            attendances,
            and_(
                attendances.c.meeting_id == guest_visits.c.host_meeting_id,
                attendances.c.user_id == guest_visits.c.user_id,
            ),
        )
        .where(
            guest_visits.c.own_meeting_id.in_(held_ids),
            guest_visits.c.status == "booked",
            attendances.c.checked_in_at.is_not(None),
        )
    )
    attended = {(row[0], row[1]) for row in conn.execute(union(checked_in, visited_instead))}
    learners = conn.execute(
        select(group_members.c.group_id, group_members.c.user_id, group_members.c.joined_at).where(
            and_(
                group_members.c.group_id.in_(ids),
                group_members.c.status == "active",
                group_members.c.role == "learner",
            )
        )
    ).all()
    result = {}
    for learner in learners:
        missed = _missed_in_a_row(
            by_group[learner.group_id], learner.user_id, learner.joined_at, attended
        )
        key = (learner.group_id, learner.user_id)
        result[key] = Absence(*key, missed, missed >= inactive_after)
    return result


def _missed_in_a_row(
    held: list[tuple[int, datetime]],
    user_id: int,
    joined_at: datetime | None,
    attended: set[tuple[int, int]],
) -> int:
    """Meetings missed since the last one attended (`held` is newest first)."""
    missed = 0
    for meeting_id, starts_at in held:
        if joined_at is not None and starts_at < joined_at:
            break  # before they joined: not theirs to miss
        if (meeting_id, user_id) in attended:
            break
        missed += 1
    return missed
