"""Changing who is in a group, the one way every path does it.

Leaving is soft (status 'removed', left_at). The database guarantees at most
one active learner membership per (user, cohort); a race that would break it
becomes a ConflictError. Every change to a published group enqueues a
`sync_group` job for it (Discord role, calendar invite, reminders), deduplicated
per group, so no path can forget the derived state. People joining or leaving
a published group are told too (`group_assigned`, a `member_joined` post in
the channel, `removed_from_group`), queued in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from roundtable.db.tables import group_members, groups, signups
from roundtable.errors import ConflictError
from roundtable.jobs import enqueue

UNSYNCED_STATUSES = ("preview",)  # no Discord channel or calendar event yet


@dataclass(frozen=True)
class Placement:
    """The outcome of placing someone: where they were, where they are, jobs queued.

    `forced_despite`: when an admin forced it, one sentence per meeting problem it overrode."""

    group_id: int | None
    previous_group_id: int | None
    changed: bool
    sync_job_ids: list[int]
    forced_despite: list[str] = field(default_factory=list)


def active_learner_group(conn: Connection, user_id: int, cohort_id: int) -> int | None:
    """The group the user is an active learner of in the cohort, locked for update."""
    return conn.scalar(
        select(group_members.c.group_id)
        .where(
            group_members.c.user_id == user_id,
            group_members.c.cohort_id == cohort_id,
            group_members.c.role == "learner",
            group_members.c.status == "active",
        )
        .with_for_update()
    )


def count_active_members(conn: Connection, group_id: int, role: str | None = None) -> int:
    """Active members of the group (of one role, when given)."""
    query = select(func.count()).where(
        group_members.c.group_id == group_id, group_members.c.status == "active"
    )
    if role is not None:
        query = query.where(group_members.c.role == role)
    return int(conn.scalar(query) or 0)


def soft_remove(conn: Connection, user_id: int, group_id: int, reason: str, now: datetime) -> bool:
    """End the user's active membership of the group; False if there was none."""
    result = conn.execute(
        update(group_members)
        .where(
            group_members.c.user_id == user_id,
            group_members.c.group_id == group_id,
            group_members.c.status == "active",
        )
        .values(status="removed", left_at=now, reason_for_leaving=reason)
    )
    if result.rowcount:
        _touch(conn, [group_id], now)
        if _is_live(conn, group_id):
            _notify(conn, "removed_from_group", group_id=group_id, user_id=user_id)
    return bool(result.rowcount)


def add_membership(
    conn: Connection, user_id: int, group_id: int, cohort_id: int, role: str, now: datetime
) -> None:
    """Insert an active membership; ConflictError if the database's guarantees refuse it."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(group_members).values(
                    group_id=group_id,
                    user_id=user_id,
                    cohort_id=cohort_id,
                    role=role,
                    joined_at=now,
                )
            )
    except IntegrityError:
        raise ConflictError(
            f"user {user_id} is already an active member of a group in this cohort "
            "(another change won the race; reload and try again)"
        ) from None
    # Placed now: whatever the last scheduling run said about them no longer holds.
    conn.execute(
        update(signups)
        .where(signups.c.user_id == user_id, signups.c.cohort_id == cohort_id)
        .values(unplaced_reason=None, unplaced_detail=None)
    )
    _touch(conn, [group_id], now)
    if _is_live(conn, group_id):
        # A preview group's members hear at publish, all at once; a published group's
        # newcomer is told now, and the group's channel welcomes them.
        _notify(conn, "group_assigned", group_id=group_id, user_id=user_id)
        _notify(conn, "member_joined", group_id=group_id, user_id=user_id)


def place_learner(
    conn: Connection,
    user_id: int,
    group_id: int,
    cohort_id: int,
    now: datetime,
    *,
    reason: str,
    created_by: int | None,
) -> Placement:
    """Make the user an active learner of the group, leaving their previous group."""
    previous = active_learner_group(conn, user_id, cohort_id)
    if previous == group_id:
        return Placement(group_id, previous, False, [])
    if previous is not None:
        soft_remove(conn, user_id, previous, reason, now)
    add_membership(conn, user_id, group_id, cohort_id, "learner", now)
    jobs = enqueue_group_syncs(conn, [previous, group_id], created_by=created_by)
    return Placement(group_id, previous, True, jobs)


def enqueue_group_syncs(
    conn: Connection, group_ids: Iterable[int | None], *, created_by: int | None
) -> list[int]:
    """A sync_group job per published group among these (deduplicated per group)."""
    ids = sorted({g for g in group_ids if g is not None})
    if not ids:
        return []
    published = conn.scalars(
        select(groups.c.id).where(groups.c.id.in_(ids), groups.c.status.not_in(UNSYNCED_STATUSES))
    ).all()
    return [
        enqueue(
            conn,
            "sync_group",
            {"group_id": group_id},
            dedup_key=f"sync_group:{group_id}",
            created_by=created_by,
        )
        for group_id in sorted(published)
    ]


def _is_live(conn: Connection, group_id: int) -> bool:
    """Whether the group is live (members told of changes); not preview or finished."""
    return conn.scalar(select(groups.c.status).where(groups.c.id == group_id)) == "active"


def _notify(conn: Connection, kind: str, **fields: int) -> None:
    # Imported here: the notifications package loads its message catalogue machinery.
    from roundtable.notifications import request_notification

    request_notification(conn, kind, **fields)


def _touch(conn: Connection, group_ids: list[int], now: datetime) -> None:
    conn.execute(update(groups).where(groups.c.id.in_(group_ids)).values(members_changed_at=now))
