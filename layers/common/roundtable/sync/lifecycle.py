"""End of cohort: finished groups are completed and their Discord space archived.

A group is finished once its last meeting ended more than a grace period ago.
Then, in the database: the group becomes completed, its active memberships
completed. Outside (reconcile.sync_groups): its role is deleted (Discord
allows 250), its channels move to the cohort's archive category, readable by
former members and closed to new messages. The calendar series already ended
with its last occurrence (RRULE COUNT); the event stays, with its answers.
Nothing holding discussion history is deleted. A cohort whose groups are all
finished becomes completed.

Cancelled groups (dissolved in a regroup, or their cohort cancelled) are
archived alike, and their calendar series ends: see docs/sync.md "Cancelled
groups". Their `sync_group` job does it at once; this sweep retries any
archive that failed (archived_at still empty), completed or cancelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, exists, func, select, update

from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts, group_members, groups, meetings
from roundtable.sync.desired import ARCHIVED_STATUSES
from roundtable.sync.reconcile import Services, sync_groups

GRACE_PERIOD = timedelta(days=7)


def complete_finished_groups(
    engine: Engine, services: Services, *, now: datetime, grace: timedelta = GRACE_PERIOD
) -> dict[str, Any]:
    """Complete groups past their last meeting plus grace; archive what is not archived yet
    (completed and cancelled groups)."""
    completed = _complete_groups(engine, now - grace, now)
    with engine.connect() as conn:
        to_archive = list(
            conn.scalars(
                select(groups.c.id)
                .where(groups.c.status.in_(ARCHIVED_STATUSES), groups.c.archived_at.is_(None))
                .order_by(groups.c.id)
            )
        )
    report = sync_groups(engine, to_archive, services, now=now)
    cohorts_completed = _complete_cohorts(engine, now)
    return {
        "groups_completed": completed,
        "groups_archived": [g for g in to_archive if g not in report.failures],
        "cohorts_completed": cohorts_completed,
        "failures": {str(k): v for k, v in report.failures.items()},
    }


def _complete_groups(engine: Engine, ended_before: datetime, now: datetime) -> list[int]:
    last_meeting = (
        select(meetings.c.group_id, func.max(meetings.c.ends_at).label("last_end"))
        .group_by(meetings.c.group_id)
        .subquery()
    )
    with transaction(engine) as conn:
        finished = list(
            conn.scalars(
                select(groups.c.id)
                .join(last_meeting, last_meeting.c.group_id == groups.c.id)
                .where(groups.c.status == "active", last_meeting.c.last_end <= ended_before)
                .order_by(groups.c.id)
                .with_for_update(of=groups)
            )
        )
        if finished:
            conn.execute(
                update(groups)
                .where(groups.c.id.in_(finished))
                .values(status="completed", completed_at=now)
            )
            conn.execute(
                update(group_members)
                .where(group_members.c.group_id.in_(finished), group_members.c.status == "active")
                .values(status="completed")
            )
    return finished


def _complete_cohorts(engine: Engine, now: datetime) -> list[int]:
    still_running = exists().where(
        and_(groups.c.cohort_id == cohorts.c.id, groups.c.status.in_(("preview", "active")))
    )
    any_group = exists().where(groups.c.cohort_id == cohorts.c.id)
    with transaction(engine) as conn:
        done = conn.scalars(
            update(cohorts)
            .where(cohorts.c.status.not_in(("completed", "cancelled")), any_group, ~still_running)
            .values(status="completed", completed_at=now)
            .returning(cohorts.c.id)
        ).all()
    return sorted(done)
