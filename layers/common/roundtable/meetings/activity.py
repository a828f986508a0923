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
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select, union, union_all

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
    attended = {(row[0], row[1]) for row in conn.execute(union(*_came(held_ids)))}
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


def count_inactive(
    conn: Connection, group_ids: Any, now: datetime, *, inactive_after: int | None = None
) -> int:
    """How many active learners of these groups are inactive, counted in SQL (`absences`'
    rule, without reading a row per learner): a learner's missed meetings are the held
    meetings of their group that started since they joined and after the latest one they
    attended (at their own meeting or as a guest instead of it).

    `group_ids` is anything `in_` takes: a list, or a subquery of ids.
    """
    if inactive_after is None:
        inactive_after = get_settings().inactive_after_missed
    held = (
        select(meetings.c.id, meetings.c.group_id, meetings.c.starts_at)
        .where(meetings.c.group_id.in_(group_ids), meetings.c.ends_at <= now)
        .cte("held")
    )
    held_ids = select(held.c.id)
    # UNION ALL: a meeting attended twice (at it and as a guest) only repeats a row the
    # latest-attended max() below reads the same, and sorting every check-in to drop
    # repeats is the costly part at 100,000 learners.
    came = union_all(*_came(held_ids)).cte("came")
    learners = (
        select(group_members.c.group_id, group_members.c.user_id, group_members.c.joined_at)
        .where(
            group_members.c.group_id.in_(group_ids),
            group_members.c.status == "active",
            group_members.c.role == "learner",
        )
        .cte("learners")
    )
    last_came = (
        select(learners.c.group_id, learners.c.user_id, func.max(held.c.starts_at).label("at"))
        .join(held, held.c.group_id == learners.c.group_id)
        .join(came, and_(came.c.meeting_id == held.c.id, came.c.user_id == learners.c.user_id))
        .group_by(learners.c.group_id, learners.c.user_id)
        .subquery()
    )
    missed = (
        select(func.count(held.c.id).label("missed"))
        .select_from(
            learners.outerjoin(
                last_came,
                and_(
                    last_came.c.group_id == learners.c.group_id,
                    last_came.c.user_id == learners.c.user_id,
                ),
            ).outerjoin(
                held,
                and_(
                    held.c.group_id == learners.c.group_id,
                    or_(learners.c.joined_at.is_(None), held.c.starts_at >= learners.c.joined_at),
                    or_(last_came.c.at.is_(None), held.c.starts_at > last_came.c.at),
                ),
            )
        )
        .group_by(learners.c.group_id, learners.c.user_id)
        .having(func.count(held.c.id) >= inactive_after)
        .subquery()
    )
    return int(conn.scalar(select(func.count()).select_from(missed)) or 0)


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


def _came(held_ids: Any) -> tuple[Select[Any], Select[Any]]:
    """(meeting id, user id) of who came to these meetings: checked in at the meeting, or
    at the one they visited as a guest instead of it (a booked visit). `held_ids`: a list
    or a subquery of meeting ids."""
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
    return checked_in, visited_instead
