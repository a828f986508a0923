"""A learner leaves a cohort: the use case behind the web's Leave button and Discord's /leave.

Leaving withdraws the signup (with the learner's reason, if they give one)
and ends their group membership: the group's Discord role and calendar invite
follow through the usual `sync_group` job, the learner is told they left, and
the group's facilitators are told who left and why. A facilitator who leads a
group cannot simply leave: their group would be left without one, so an
admin hands it over first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from roundtable.cohorts.lifecycle import allows, phase_of, require_phase
from roundtable.db.tables import cohorts, group_members, groups, signups
from roundtable.errors import ConflictError, NotFoundError, ValidationError
from roundtable.groups.memberships import enqueue_group_syncs, soft_remove
from roundtable.notifications import request_notification
from roundtable.people.profiles import Viewer

MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class LeftCohort:
    cohort_id: int
    cohort_name: str
    group_id: int | None
    group_name: str | None
    reason: str | None


def leave_cohort(
    conn: Connection, viewer: Viewer, cohort_id: int | None, reason: str | None, now: datetime
) -> LeftCohort:
    """Withdraw the viewer from the cohort and their group, telling whoever should know.

    Without a cohort id, the one cohort the viewer can leave (Discord's /leave
    with no option); several or none is a clear refusal.
    """
    cleaned = _clean_reason(reason)
    if cohort_id is None:
        cohort_id = _only_leavable_cohort(conn, viewer)
    cohort = require_phase(conn, cohort_id, "leave")
    signup = conn.execute(
        select(signups.c.id, signups.c.role, signups.c.withdrawn_at)
        .where(signups.c.user_id == viewer.id, signups.c.cohort_id == cohort_id)
        .with_for_update()
    ).first()
    if signup is None:
        raise NotFoundError(f"You are not enrolled in {cohort.name}.")
    if signup.withdrawn_at is not None:
        raise ConflictError(f"You already left {cohort.name}.")
    membership = _active_membership(conn, viewer.id, cohort_id)
    if membership is not None and membership.role == "facilitator":
        raise ConflictError(
            f"You facilitate {membership.name}: ask an admin to hand it over before you leave "
            f"{cohort.name}."
        )
    conn.execute(
        update(signups)
        .where(signups.c.id == signup.id)
        .values(withdrawn_at=now, withdrawal_reason=cleaned)
    )
    if membership is None:
        return LeftCohort(cohort_id, cohort.name, None, None, cleaned)
    soft_remove(conn, viewer.id, membership.group_id, _membership_reason(cleaned), now)
    enqueue_group_syncs(conn, [membership.group_id], created_by=viewer.id)
    if membership.status == "active":
        request_notification(conn, "member_left", group_id=membership.group_id, user_id=viewer.id)
    return LeftCohort(cohort_id, cohort.name, membership.group_id, membership.name, cleaned)


def leavable_cohorts(conn: Connection, viewer: Viewer) -> list[tuple[int, str]]:
    """(id, name) of the cohorts the viewer is enrolled in and could leave, newest first."""
    rows = conn.execute(
        select(cohorts.c.id, cohorts.c.name, cohorts.c.status)
        .join(signups, signups.c.cohort_id == cohorts.c.id)
        .where(signups.c.user_id == viewer.id, signups.c.withdrawn_at.is_(None))
        .order_by(cohorts.c.start_date.desc(), cohorts.c.id.desc())
    ).all()
    return [
        (row.id, row.name)
        for row in rows
        if allows(phase_of(str(row.status), has_preview_groups=False), "leave")
    ]


def _only_leavable_cohort(conn: Connection, viewer: Viewer) -> int:
    found = leavable_cohorts(conn, viewer)
    if not found:
        raise NotFoundError("You are not enrolled in a cohort you could leave.")
    if len(found) > 1:
        names = ", ".join(name for _, name in found)
        raise ValidationError(f"You are in several cohorts ({names}); say which one to leave.")
    return found[0][0]


def _clean_reason(reason: str | None) -> str | None:
    text = " ".join((reason or "").split())
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError(
            f"Keep the reason under {MAX_REASON_LENGTH} characters (it has {len(text)}).",
            field="reason",
        )
    return text or None


def _membership_reason(reason: str | None) -> str:
    return f"left the cohort: {reason}" if reason else "left the cohort"


def _active_membership(conn: Connection, user_id: int, cohort_id: int) -> Any:
    """The user's active membership in the cohort (group id and name, role, group status)."""
    return conn.execute(
        select(
            group_members.c.group_id,
            group_members.c.role,
            groups.c.name,
            groups.c.status,
        )
        .join(groups, groups.c.id == group_members.c.group_id)
        .where(
            group_members.c.user_id == user_id,
            group_members.c.cohort_id == cohort_id,
            group_members.c.status == "active",
        )
        .order_by(group_members.c.role.desc())
        .limit(1)
    ).first()
