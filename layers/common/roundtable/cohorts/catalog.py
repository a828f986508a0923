"""Cohorts: admins create and edit them; learners see open ones and enroll."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from roundtable.cohorts.lifecycle import check_manual_status_change
from roundtable.cohorts.options import (
    check_calendar_invitations,
    check_discord_reminders,
    check_meeting_venue,
)
from roundtable.db.tables import cohorts, facilitators, group_members, groups, signups
from roundtable.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from roundtable.groups.cancellation import cancel_cohort_groups
from roundtable.growth.arrivals import Arrival
from roundtable.growth.gates import NO_ENTRY, SignupEntry, check_gate, settle_waiting_entry
from roundtable.growth.sources import record_signup_source
from roundtable.jobs import enqueue
from roundtable.people.profiles import validate_timezone

PER_GROUP = "per_group"
STATUSES = ("draft", "open", "running", "completed", "cancelled")
ENROLLABLE = ("open", "running")
# Without a deadline, late enrollment stays open a week into the course.
LATE_ENROLLMENT = timedelta(days=7)


@dataclass(frozen=True)
class CohortDraft:
    """Everything that defines a cohort (create: all of it; update: a full replacement)."""

    name: str
    course_slug: str
    start_date: date
    number_of_meetings: int = 8
    meeting_minutes: int = 60
    min_group_size: int = 4
    max_group_size: int = 8
    target_group_size: int = 6
    anchor_timezone: str = "UTC"
    enrollment_deadline: datetime | None = None
    status: str = "open"
    discord_reminders: str = "dm"  # a DM each, or one group post (cohorts.options)
    calendar_invitations: str = "google"  # a Google series, or .ics e-mails (cohorts.options)
    meeting_venue: str = "discord"  # Discord voice, Google Meet or Zoom (cohorts.options)


@dataclass(frozen=True)
class Cohort(CohortDraft):
    id: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True)
class CohortListing:
    """A cohort as a learner sees it: can I enroll, am I in, are there groups yet."""

    cohort: Cohort
    enrollment_open: bool
    my_role: str | None
    has_groups: bool


@dataclass(frozen=True)
class CohortOverview:
    """A cohort as an admin sees it, with counts."""

    cohort: Cohort
    learners: int
    facilitators: int
    preview_groups: int
    published_groups: int


@dataclass(frozen=True)
class EnrollmentResult:
    cohort_id: int
    role: str
    created: bool
    welcome_job_id: int | None
    # A closed cohort's answer: not signed up, on its waiting list (growth.gates).
    waitlisted: bool = False


_DRAFT_FIELDS = tuple(f.name for f in fields(CohortDraft))

# The course slugs a cohort may name: the live content's by default; tests pass their own.
CourseSlugs = Callable[[], Collection[str]]


def live_course_slugs() -> frozenset[str]:
    """The courses of the live content; ServiceUnavailableError (503) when there is none."""
    # Lazy: the content code loads only when a cohort's course is checked.
    from roundtable.content.learning import live_bundle

    return frozenset(live_bundle().data["courses"])


def check_course(slug: str, courses: CourseSlugs) -> None:
    """A cohort's course must be one the content has, or learners would find no course."""
    known = courses()
    if slug not in known:
        choices = ", ".join(sorted(known)) or "none yet"
        raise ValidationError(
            f"there is no course {slug!r} in the course content (courses: {choices})",
            field="course_slug",
        )


def _cohort(row: Any) -> Cohort:
    return Cohort(**{name: getattr(row, name) for name in (*_DRAFT_FIELDS, "id", "created_at")})


def validate_draft(draft: CohortDraft) -> CohortDraft:
    """The draft, tidied; ValidationError naming the first bad field."""
    name = " ".join(draft.name.split())
    if not 1 <= len(name) <= 120:
        raise ValidationError("the cohort name must be 1 to 120 characters", field="name")
    if not draft.course_slug.strip():
        raise ValidationError("the course slug is required", field="course_slug")
    if draft.anchor_timezone != PER_GROUP:
        validate_timezone(draft.anchor_timezone, "anchor_timezone")
    if draft.status not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)}", field="status")
    check_discord_reminders(draft.discord_reminders)
    check_calendar_invitations(draft.calendar_invitations)
    check_meeting_venue(draft.meeting_venue, calendar_invitations=draft.calendar_invitations)
    _check_dates(draft)
    _check_range("number_of_meetings", draft.number_of_meetings, 1, 52)
    _check_range("meeting_minutes", draft.meeting_minutes, 30, 240)
    if draft.meeting_minutes % 15:
        raise ValidationError("meeting_minutes must be a multiple of 15", field="meeting_minutes")
    _check_sizes(draft)
    return replace(draft, name=name, course_slug=draft.course_slug.strip())


# Cohorts run in this century: a start on 0001-01-03 or a deadline of 0 (1970) is a
# typing slip, and far dates break date arithmetic (meeting dates past year 9999).
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2100, 12, 31)


def _check_dates(draft: CohortDraft) -> None:
    if not EARLIEST_DATE <= draft.start_date <= LATEST_DATE:
        raise ValidationError(
            f"start_date must be between {EARLIEST_DATE} and {LATEST_DATE}, got {draft.start_date}",
            field="start_date",
        )
    deadline = draft.enrollment_deadline
    if deadline is not None and not EARLIEST_DATE <= deadline.date() <= LATEST_DATE:
        raise ValidationError(
            f"enrollment_deadline must be between {EARLIEST_DATE} and {LATEST_DATE}, "
            f"got {deadline.isoformat()}",
            field="enrollment_deadline",
        )


def _check_range(field: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValidationError(f"{field} must be {low} to {high}, got {value}", field=field)


def _check_sizes(draft: CohortDraft) -> None:
    if draft.min_group_size < 2:
        raise ValidationError("groups need at least 2 people", field="min_group_size")
    if not draft.min_group_size <= draft.target_group_size <= draft.max_group_size:
        raise ValidationError(
            f"group sizes must satisfy min ≤ target ≤ max, got {draft.min_group_size} ≤ "
            f"{draft.target_group_size} ≤ {draft.max_group_size}",
            field="target_group_size",
        )
    if draft.max_group_size > 20:
        raise ValidationError("groups of more than 20 are not discussions", field="max_group_size")


def get_cohort(conn: Connection, cohort_id: int, *, lock: bool = False) -> Cohort:
    query = select(cohorts).where(cohorts.c.id == cohort_id)
    # Locked by a change: publishing, scheduling saves and regroups take this row lock too.
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFoundError(f"no cohort {cohort_id}")
    return _cohort(row)


def create_cohort(
    conn: Connection, draft: CohortDraft, *, courses: CourseSlugs = live_course_slugs
) -> Cohort:
    """Create a cohort (admins) of a course the content has; ConflictError when the name
    is taken."""
    draft = validate_draft(draft)
    check_course(draft.course_slug, courses)
    if draft.status not in ("draft", "open"):
        raise ValidationError(
            "a new cohort is draft or open; it runs once its groups are published", field="status"
        )
    values = {name: getattr(draft, name) for name in _DRAFT_FIELDS}
    try:
        with conn.begin_nested():
            row = conn.execute(insert(cohorts).values(**values).returning(cohorts)).one()
    except IntegrityError:
        raise ConflictError(f"a cohort named {draft.name!r} exists", field="name") from None
    return _cohort(row)


def update_cohort(
    conn: Connection,
    cohort_id: int,
    changes: dict[str, Any],
    *,
    now: datetime,
    created_by: int | None = None,
    courses: CourseSlugs = live_course_slugs,
) -> Cohort:
    """Change some fields of a cohort, validated together with the rest (a new course
    must be one the content has; an unchanged one is kept even if the content lost it).

    Cancelling it cancels its groups in the same transaction
    (groups.cancellation.cancel_cohort_groups).
    """
    current = get_cohort(conn, cohort_id, lock=True)
    unknown = set(changes) - set(_DRAFT_FIELDS)
    if unknown:
        raise ValidationError(f"unknown cohort fields: {', '.join(sorted(unknown))}")
    draft = validate_draft(
        CohortDraft(**{name: changes.get(name, getattr(current, name)) for name in _DRAFT_FIELDS})
    )
    if draft.course_slug != current.course_slug:
        check_course(draft.course_slug, courses)
    check_manual_status_change(current.name, current.status, draft.status)
    if draft.calendar_invitations != current.calendar_invitations:
        _check_no_published_groups(conn, current)
    values = {name: getattr(draft, name) for name in _DRAFT_FIELDS}
    try:
        with conn.begin_nested():
            row = conn.execute(
                update(cohorts).where(cohorts.c.id == cohort_id).values(**values).returning(cohorts)
            ).one()
    except IntegrityError:
        raise ConflictError(f"a cohort named {draft.name!r} exists", field="name") from None
    if draft.status == "cancelled" and current.status != "cancelled":
        cancel_cohort_groups(conn, cohort_id, now=now, created_by=created_by)
    if draft.meeting_venue != current.meeting_venue:
        _resync_groups_on_the_cohorts_venue(conn, cohort_id)
    return _cohort(row)


def _resync_groups_on_the_cohorts_venue(conn: Connection, cohort_id: int) -> None:
    """The groups without a venue of their own follow the cohort's: the next hourly
    sweep reconciles their calendar series (its description, its Meet conference)."""
    conn.execute(
        update(groups)
        .where(groups.c.cohort_id == cohort_id, groups.c.meeting_venue.is_(None))
        .values(synced_at=None)
    )


def _check_no_published_groups(conn: Connection, cohort: Cohort) -> None:
    """The calendar choice holds once groups are published: switching then would leave
    the old invitations in members' calendars beside the new ones."""
    published = conn.scalar(
        select(groups.c.id)
        .where(groups.c.cohort_id == cohort.id, groups.c.published_at.is_not(None))
        .limit(1)
    )
    if published is not None:
        raise ConflictError(
            f"{cohort.name} has published groups: their members already have "
            f"{cohort.calendar_invitations} calendar invitations, so that choice can no "
            "longer change.",
            field="calendar_invitations",
        )


def enrollment_open(cohort: Cohort, now: datetime) -> bool:
    """Can people still enroll: open or running, before the deadline (or a week in)."""
    if cohort.status not in ENROLLABLE:
        return False
    if cohort.enrollment_deadline is not None:
        return now < cohort.enrollment_deadline
    return now.date() <= cohort.start_date + LATE_ENROLLMENT


def list_open_cohorts(conn: Connection, user_id: int, now: datetime) -> list[CohortListing]:
    """Cohorts a learner can enroll in, plus the ones they are in, soonest first."""
    published = exists().where(groups.c.cohort_id == cohorts.c.id, groups.c.status != "preview")
    rows = conn.execute(
        select(cohorts, signups.c.role.label("my_role"), published.label("has_groups"))
        .select_from(
            cohorts.outerjoin(
                signups,
                and_(
                    signups.c.cohort_id == cohorts.c.id,
                    signups.c.user_id == user_id,
                    signups.c.withdrawn_at.is_(None),
                ),
            )
        )
        .where(cohorts.c.status.in_(ENROLLABLE))
        .order_by(cohorts.c.start_date, cohorts.c.id)
    )
    listings = []
    for row in rows:
        cohort = _cohort(row)
        is_open = enrollment_open(cohort, now)
        if is_open or row.my_role is not None:
            listings.append(CohortListing(cohort, is_open, row.my_role, bool(row.has_groups)))
    return listings


def list_cohorts(conn: Connection) -> list[CohortOverview]:
    """Every cohort, newest first, with signup and group counts (admins)."""

    def count(table: Any, *where: Any) -> Any:
        return (
            select(func.count()).where(table.c.cohort_id == cohorts.c.id, *where).scalar_subquery()
        )

    active_signup = signups.c.withdrawn_at.is_(None)
    rows = conn.execute(
        select(
            cohorts,
            count(signups, active_signup, signups.c.role == "learner").label("learners"),
            count(signups, active_signup, signups.c.role == "facilitator").label("facs"),
            count(groups, groups.c.status == "preview").label("previews"),
            count(groups, groups.c.status != "preview").label("published"),
        ).order_by(cohorts.c.start_date.desc(), cohorts.c.id.desc())
    )
    return [CohortOverview(_cohort(r), r.learners, r.facs, r.previews, r.published) for r in rows]


def enroll(
    conn: Connection,
    user_id: int,
    cohort_id: int,
    role: str,
    now: datetime,
    entry: SignupEntry = NO_ENTRY,
) -> EnrollmentResult:
    """Sign up for a cohort (idempotent); a new signup gets a welcome notification job.

    The cohort's signup gate applies to a new signup (roundtable.growth.gates): an
    invite-only cohort wants its code in `entry`, a closed one puts the person on its
    waiting list. Where the person came from (`entry.arrival`) is recorded with it.
    """
    cohort = get_cohort(conn, cohort_id)
    if role == "facilitator" and not conn.scalar(
        select(exists().where(facilitators.c.user_id == user_id))
    ):
        raise PermissionDeniedError(
            "only facilitators can enroll as facilitator; apply to facilitate first", field="role"
        )
    existing = conn.execute(
        select(signups.c.id, signups.c.role, signups.c.withdrawn_at)
        .where(signups.c.user_id == user_id, signups.c.cohort_id == cohort_id)
        .with_for_update()
    ).first()
    if existing is not None and existing.withdrawn_at is None:
        if existing.role != role:
            _change_role(conn, existing.id, user_id, cohort, role)
        return EnrollmentResult(cohort_id, role, False, None)
    if not enrollment_open(cohort, now):
        raise ConflictError(f"enrollment for {cohort.name} is closed", field="cohort_id")
    gate = check_gate(
        conn, cohort_id=cohort_id, cohort_name=cohort.name, user_id=user_id, role=role, entry=entry
    )
    if gate == "waitlisted":
        return EnrollmentResult(cohort_id, role, False, None, waitlisted=True)
    return add_signup(conn, user_id, cohort_id, role, entry.arrival, now)


def add_signup(
    conn: Connection,
    user_id: int,
    cohort_id: int,
    role: str,
    arrival: Arrival,
    now: datetime,
    *,
    admitted_by: int | None = None,
) -> EnrollmentResult:
    """Make the signup past every check (enroll's, or an admin's admission from the
    waiting list): its source, its welcome job, and no more waiting."""
    statement = pg_insert(signups).values(user_id=user_id, cohort_id=cohort_id, role=role)
    signup_id = conn.scalar(
        statement.on_conflict_do_update(
            index_elements=[signups.c.user_id, signups.c.cohort_id],
            set_={"role": role, "withdrawn_at": None, "unplaced_reason": None},
        ).returning(signups.c.id)
    )
    record_signup_source(
        conn,
        signup_id=int(signup_id),
        user_id=user_id,
        cohort_id=cohort_id,
        arrival=arrival,  # type: ignore[arg-type]
    )
    settle_waiting_entry(conn, cohort_id, user_id, now, admitted_by)
    job_id = enqueue(
        conn,
        "send_notification",
        {"kind": "welcome", "user_id": user_id, "cohort_id": cohort_id},
        dedup_key=f"welcome:{cohort_id}:{user_id}",
        created_by=admitted_by or user_id,
    )
    return EnrollmentResult(cohort_id, role, True, job_id)


def _change_role(conn: Connection, signup_id: int, user_id: int, cohort: Cohort, role: str) -> None:
    placed = conn.scalar(
        select(
            exists().where(
                group_members.c.user_id == user_id,
                group_members.c.cohort_id == cohort.id,
                group_members.c.status == "active",
            )
        )
    )
    if placed:
        raise ConflictError(
            f"you are already in a group of {cohort.name}; ask an admin to change your role",
            field="role",
        )
    conn.execute(update(signups).where(signups.c.id == signup_id).values(role=role))
