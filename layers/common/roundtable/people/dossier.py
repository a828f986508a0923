"""The admin's person page: everything Roundtable knows and did about one person.

One query per concern (profile, availability, enrollments, groups,
attendance, progress, notifications), read in the caller's transaction, so the
page is one consistent picture. Admins only: it shows email addresses,
withdrawal reasons and every message sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from roundtable.db.tables import (
    attendances,
    cohorts,
    content_progress,
    group_members,
    groups,
    meetings,
    notifications,
    signups,
)

# _title: the facilitator's progress view names content ids the same way.
from roundtable.groups.facilitation import ContentTitles, _title, live_content_titles
from roundtable.meetings.activity import absences
from roundtable.people.actors import Actor
from roundtable.people.availability import AvailabilitySummary, Interval, summarise
from roundtable.people.profiles import Profile, get_availability, get_profile_or_404

NOTIFICATIONS_SHOWN = 50


@dataclass(frozen=True)
class DossierEnrollment:
    """A signup, withdrawn or not (with the reason the learner gave)."""

    cohort_id: int
    cohort_name: str
    cohort_status: str
    course_slug: str
    role: str
    signed_up_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    unplaced_reason: str | None


@dataclass(frozen=True)
class DossierGroup:
    """A group membership, past or present."""

    group_id: int
    group_name: str
    group_status: str
    cohort_id: int
    cohort_name: str
    role: str
    membership_status: str  # active | removed | completed
    joined_at: datetime
    left_at: datetime | None
    reason_for_leaving: str | None


@dataclass(frozen=True)
class DossierAttendance:
    """Meetings of one group held while the person was in it, and how many they came to."""

    group_id: int
    group_name: str
    held: int
    attended: int
    missed_in_a_row: int | None  # None unless they are an active learner there
    inactive: bool


@dataclass(frozen=True)
class DossierModule:
    module_id: str
    title: str  # "<id> (removed)" when the live content no longer has it
    status: str  # completed | in_progress
    started_at: datetime
    completed_at: datetime | None
    total_time_s: int


@dataclass(frozen=True)
class DossierNotification:
    id: int
    kind: str
    channel: str
    status: str
    reference_type: str
    reference_id: int
    due_at: datetime
    sent_at: datetime | None
    created_at: datetime
    last_error: str | None


@dataclass(frozen=True)
class NotificationPreferences:
    email: str | None
    email_verified: bool
    email_notifications: bool
    discord_linked: bool
    dm_notifications: bool


@dataclass(frozen=True)
class PersonDossier:
    profile: Profile
    availability: AvailabilitySummary
    intervals: list[Interval]
    preferences: NotificationPreferences
    enrollments: list[DossierEnrollment]
    groups: list[DossierGroup]
    attendance: list[DossierAttendance]
    modules: list[DossierModule]
    notifications: list[DossierNotification]


def person_dossier(
    conn: Connection,
    actor: Actor,
    user_id: int,
    now: datetime,
    *,
    titles: Callable[[], ContentTitles | None] = live_content_titles,
) -> PersonDossier:
    """Everything about one person, for an admin; NotFoundError when there is no such user."""
    actor.require_admin()
    profile = get_profile_or_404(conn, user_id)
    availability = get_availability(conn, user_id)
    return PersonDossier(
        profile=profile,
        availability=summarise(availability.intervals),
        intervals=availability.intervals,
        preferences=NotificationPreferences(
            profile.email,
            profile.email_verified,
            profile.email_notifications,
            profile.discord_id is not None,
            profile.dm_notifications,
        ),
        enrollments=_enrollments(conn, user_id),
        groups=_groups(conn, user_id),
        attendance=_attendance(conn, user_id, now),
        modules=_modules(conn, user_id, titles),
        notifications=_notifications(conn, user_id),
    )


def _enrollments(conn: Connection, user_id: int) -> list[DossierEnrollment]:
    rows = conn.execute(
        select(
            signups,
            cohorts.c.name.label("cohort_name"),
            cohorts.c.status.label("cohort_status"),
            cohorts.c.course_slug,
        )
        .join(cohorts, cohorts.c.id == signups.c.cohort_id)
        .where(signups.c.user_id == user_id)
        .order_by(cohorts.c.start_date.desc(), cohorts.c.id.desc())
    )
    return [
        DossierEnrollment(
            r.cohort_id,
            r.cohort_name,
            str(r.cohort_status),
            r.course_slug,
            str(r.role),
            r.created_at,
            r.withdrawn_at,
            r.withdrawal_reason,
            r.unplaced_reason,
        )
        for r in rows
    ]


def _groups(conn: Connection, user_id: int) -> list[DossierGroup]:
    rows = conn.execute(
        select(
            group_members,
            groups.c.name.label("group_name"),
            groups.c.status.label("group_status"),
            cohorts.c.name.label("cohort_name"),
        )
        .join(groups, groups.c.id == group_members.c.group_id)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        # A preview group is a proposal, not a group the person was ever in.
        .where(group_members.c.user_id == user_id, groups.c.status != "preview")
        .order_by(group_members.c.joined_at.desc(), group_members.c.id.desc())
    )
    return [
        DossierGroup(
            r.group_id,
            r.group_name,
            str(r.group_status),
            r.cohort_id,
            r.cohort_name,
            str(r.role),
            str(r.status),
            r.joined_at,
            r.left_at,
            r.reason_for_leaving,
        )
        for r in rows
    ]


def _attendance(conn: Connection, user_id: int, now: datetime) -> list[DossierAttendance]:
    """Per group: meetings held while they were a member, and those they checked in to."""
    while_member = and_(
        meetings.c.group_id == group_members.c.group_id,
        meetings.c.ends_at <= now,
        meetings.c.starts_at >= group_members.c.joined_at,
        or_(group_members.c.left_at.is_(None), meetings.c.starts_at < group_members.c.left_at),
    )
    checked_in = and_(
        attendances.c.meeting_id == meetings.c.id,
        attendances.c.user_id == user_id,
        attendances.c.checked_in_at.is_not(None),
    )
    rows = conn.execute(
        select(
            group_members.c.group_id,
            groups.c.name,
            func.count(meetings.c.id).label("held"),
            func.count(attendances.c.id).label("attended"),
        )
        .select_from(
            group_members.join(groups, groups.c.id == group_members.c.group_id)
            .outerjoin(meetings, while_member)
            .outerjoin(attendances, checked_in)
        )
        .where(group_members.c.user_id == user_id, groups.c.status != "preview")
        .group_by(group_members.c.group_id, groups.c.name)
        .order_by(groups.c.name)
    ).all()
    runs = absences(conn, [r.group_id for r in rows], now)
    found = []
    for r in rows:
        run = runs.get((r.group_id, user_id))
        found.append(
            DossierAttendance(
                r.group_id,
                r.name,
                r.held,
                r.attended,
                run.missed_in_a_row if run else None,
                run.inactive if run else False,
            )
        )
    return found


def _modules(
    conn: Connection, user_id: int, titles: Callable[[], ContentTitles | None]
) -> list[DossierModule]:
    rows = conn.execute(
        select(content_progress)
        .where(content_progress.c.user_id == user_id, content_progress.c.content_type == "module")
        .order_by(content_progress.c.started_at, content_progress.c.id)
    ).all()
    known = titles() if rows else {}
    return [
        DossierModule(
            r.content_id,
            _title(known, r.content_id)[0],
            "completed" if r.completed_at is not None else "in_progress",
            r.started_at,
            r.completed_at,
            r.total_time_s,
        )
        for r in rows
    ]


def _notifications(conn: Connection, user_id: int) -> list[DossierNotification]:
    rows = conn.execute(
        select(notifications)
        .where(notifications.c.user_id == user_id)
        .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        .limit(NOTIFICATIONS_SHOWN)
    )
    return [
        DossierNotification(
            r.id,
            r.kind,
            str(r.channel),
            str(r.status),
            r.reference_type,
            r.reference_id,
            r.due_at,
            r.sent_at,
            r.created_at,
            r.last_error,
        )
        for r in rows
    ]
