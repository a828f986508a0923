"""Cancelling groups: what the database says once a group will not meet again.

Two paths cancel groups: a regroup dissolves the groups it empties
(`groups.regroup`), and an admin cancelling a cohort cancels every group it
still has (`cohorts.catalog.update_cohort`). Both end here, in the caller's
transaction:

- the group becomes `cancelled`; `completed_at` records when it ended, the
  moment its archive's readers and its calendar's last meeting are counted
  from (roundtable.sync.desired); `archived_at` is cleared, the sync's marker
  that the outside is not cleaned up yet;
- the memberships still active end (`removed`, `left_at` = now, the reason);
- one `sync_group` per group that was published: its role deleted, its
  channels archived for the people who were in it, its calendar series ended
  (docs/sync.md "Cancelled groups"); the hourly sweep retries what fails;
- if asked, one `group_cancelled` per group, to those people.

A preview group (never published) has nothing outside: it is archived at once.
Reminders need nothing here: only active groups' meetings are reminded
(notifications.due), and one queued before is skipped at send time (compose).
The meetings rows stay: the ones held are history, and the others belong to
a cancelled group, which nothing reminds, counts or shows as to come.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from roundtable.db.tables import group_members, groups
from roundtable.groups.memberships import enqueue_group_syncs
from roundtable.meetings.guests import release_visits_into

CANCELLABLE_STATUSES = ("preview", "active")
COHORT_CANCELLED_REASON = "cohort cancelled"


@dataclass(frozen=True)
class CancelledGroups:
    group_ids: list[int]  # cancelled now (those already over are left alone)
    sync_job_ids: list[int]
    notification_job_ids: list[int]


def cancel_groups(
    conn: Connection,
    group_ids: Iterable[int],
    *,
    now: datetime,
    reason: str,
    created_by: int | None,
    tell_members: bool,
) -> CancelledGroups:
    """Cancel the preview and active groups among these; completed ones stay completed."""
    ids = sorted(set(group_ids))
    if not ids:
        return CancelledGroups([], [], [])
    rows = conn.execute(
        select(groups.c.id, groups.c.status)
        .where(groups.c.id.in_(ids), groups.c.status.in_(CANCELLABLE_STATUSES))
        .order_by(groups.c.id)
        .with_for_update()
    ).all()
    cancelled = [row.id for row in rows]
    published = [row.id for row in rows if row.status == "active"]
    if not cancelled:
        return CancelledGroups([], [], [])
    conn.execute(
        update(group_members)
        .where(group_members.c.group_id.in_(cancelled), group_members.c.status == "active")
        .values(status="removed", left_at=now, reason_for_leaving=reason)
    )
    conn.execute(
        update(groups)
        .where(groups.c.id.in_(cancelled))
        .values(status="cancelled", completed_at=now, members_changed_at=now, archived_at=None)
    )
    # Guests booked into these groups' meetings to come go back to their own.
    release_visits_into(conn, published, now)
    previews = [row.id for row in rows if row.status == "preview"]
    if previews:  # never published: no channel, role or event to clean up
        conn.execute(update(groups).where(groups.c.id.in_(previews)).values(archived_at=now))
    syncs = enqueue_group_syncs(conn, published, created_by=created_by)
    told = [_tell(conn, group_id) for group_id in published] if tell_members else []
    return CancelledGroups(cancelled, syncs, told)


def _tell(conn: Connection, group_id: int) -> int:
    # Imported here: the notifications package loads its message catalogue machinery.
    from roundtable.notifications import request_notification

    return request_notification(conn, "group_cancelled", group_id=group_id)


def cancel_cohort_groups(
    conn: Connection, cohort_id: int, *, now: datetime, created_by: int | None
) -> CancelledGroups:
    """A cohort cancelled by hand: its preview and active groups are cancelled with it.

    In the caller's transaction (the status change's): memberships ended, the
    members told (`group_cancelled`), a `sync_group` per published group.
    Completed groups stay completed."""
    group_ids = conn.scalars(select(groups.c.id).where(groups.c.cohort_id == cohort_id)).all()
    return cancel_groups(
        conn,
        group_ids,
        now=now,
        reason=COHORT_CANCELLED_REASON,
        created_by=created_by,
        tell_members=True,
    )
