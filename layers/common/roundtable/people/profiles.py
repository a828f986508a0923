"""People: profile, time zone, notification preferences, facilitator application."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert

from roundtable.db.tables import cohorts, facilitators, group_members, groups, signups, users
from roundtable.errors import AuthenticationError, NotFoundError, ValidationError
from roundtable.people.availability import Interval, load_availability, replace_availability

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_CDN = "https://cdn.discordapp.com"


@dataclass(frozen=True)
class Viewer:
    """Who is asking: what authorization and time display need."""

    id: int
    display_name: str
    is_admin: bool
    timezone: str


@dataclass(frozen=True)
class FacilitatorStatus:
    applied_at: datetime
    certified_at: datetime | None
    max_active_groups: int

    @property
    def is_certified(self) -> bool:
        return self.certified_at is not None


@dataclass(frozen=True)
class Enrollment:
    cohort_id: int
    cohort_name: str
    course_slug: str
    role: str
    group_id: int | None
    group_name: str | None


@dataclass(frozen=True)
class Profile:
    id: int
    display_name: str
    email: str | None
    email_verified: bool
    discord_id: str | None
    discord_username: str | None
    avatar_url: str | None
    timezone: str
    email_notifications: bool
    dm_notifications: bool
    tos_accepted_at: datetime | None
    availability_updated_at: datetime | None
    is_admin: bool
    facilitator: FacilitatorStatus | None
    enrollments: list[Enrollment] = field(default_factory=list)


@dataclass(frozen=True)
class ProfileChanges:
    """Fields to change; None leaves a field as it is."""

    display_name: str | None = None
    email: str | None = None
    timezone: str | None = None
    email_notifications: bool | None = None
    dm_notifications: bool | None = None
    tos_accepted: bool | None = None


@dataclass(frozen=True)
class Availability:
    timezone: str
    intervals: list[Interval]
    updated_at: datetime | None


# IANA's geographic areas: a zone named Area/Location is a place's time. The rest of
# the database is legacy or not a place ('EST5EDT', 'US/Eastern', 'GMT+0', 'Etc/GMT-14',
# 'Factory', 'localtime', 'posixrules'), which schedules nobody's real week correctly.
_REGION_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
_UTC_NAMES = frozenset({"UTC", "Etc/UTC"})


@cache
def _zones() -> frozenset[str]:
    """The zones a person or cohort may use: IANA region zones, and UTC."""
    regional = {z for z in available_timezones() if z.split("/", 1)[0] in _REGION_AREAS}
    return frozenset(regional | (_UTC_NAMES & available_timezones()) | {"UTC"})


def validate_timezone(name: str, field: str = "timezone") -> str:
    """The name itself if it is an IANA region zone ('Europe/Berlin') or UTC; ValidationError
    otherwise (legacy and non-region names like 'EST5EDT', 'Factory', 'localtime')."""
    if name not in _zones():
        raise ValidationError(
            f"{name!r} is not an IANA region time zone "
            "(like 'Europe/Berlin' or 'America/New_York', or 'UTC')",
            field=field,
        )
    return name


# Explicit bidi embeddings, overrides and isolates reorder the text around them
# ('A\u202egnp.exe' shows as 'Aexe.png'); no name needs them to display right.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Unicode categories that show nothing by themselves: controls, format characters
# (zero-width joiners, BOM), separators, lone combining marks, private use, unassigned.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})


def validate_display_name(name: str) -> str:
    """The name with its whitespace tidied; ValidationError unless it has 1 to 80
    printable characters, at least one of them visible, and no bidi controls."""
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= 80 or any(ord(c) < 0x20 for c in cleaned):
        raise ValidationError(
            f"the display name must be 1 to 80 printable characters, got {name!r}",
            field="display_name",
        )
    if _BIDI_CONTROLS & set(cleaned):
        raise ValidationError(
            "the display name may not contain text-direction control characters",
            field="display_name",
        )
    if all(unicodedata.category(c) in _INVISIBLE for c in cleaned):
        raise ValidationError(
            "the display name must contain a visible character", field="display_name"
        )
    return cleaned


def validate_email(email: str) -> str:
    cleaned = email.strip()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise ValidationError(f"{email!r} is not an email address", field="email")
    return cleaned


def avatar_url(discord_id: str | None, avatar: str | None) -> str | None:
    """The Discord CDN URL of the avatar (Discord's default one when unset)."""
    if not discord_id or not discord_id.isdigit():
        return None
    if avatar:
        return f"{_CDN}/avatars/{discord_id}/{avatar}.png"
    return f"{_CDN}/embed/avatars/{(int(discord_id) >> 22) % 6}.png"


def get_viewer(conn: Connection, user_id: int) -> Viewer:
    """The signed-in user; AuthenticationError if the session names nobody."""
    row = conn.execute(
        select(users.c.id, users.c.display_name, users.c.is_admin, users.c.timezone).where(
            users.c.id == user_id
        )
    ).first()
    if row is None:
        raise AuthenticationError("your account no longer exists; sign in again")
    return Viewer(row.id, row.display_name, row.is_admin, row.timezone)


def viewer_by_discord_id(conn: Connection, discord_id: str) -> Viewer | None:
    """The user whose linked Discord account has this id; None when nobody linked it."""
    row = conn.execute(
        select(users.c.id, users.c.display_name, users.c.is_admin, users.c.timezone).where(
            users.c.discord_id == discord_id
        )
    ).first()
    return Viewer(row.id, row.display_name, row.is_admin, row.timezone) if row else None


def get_profile(conn: Connection, user_id: int) -> Profile:
    """Everything the user's own profile page shows."""
    row = conn.execute(
        select(
            users,
            facilitators.c.applied_at,
            facilitators.c.certified_at,
            facilitators.c.max_active_groups,
        )
        .select_from(users.outerjoin(facilitators, facilitators.c.user_id == users.c.id))
        .where(users.c.id == user_id)
    ).first()
    if row is None:
        raise AuthenticationError("your account no longer exists; sign in again")
    facilitator = (
        FacilitatorStatus(row.applied_at, row.certified_at, row.max_active_groups)
        if row.applied_at is not None
        else None
    )
    return Profile(
        id=row.id,
        display_name=row.display_name,
        email=row.email,
        email_verified=row.email_verified_at is not None,
        discord_id=row.discord_id,
        discord_username=row.discord_username,
        avatar_url=avatar_url(row.discord_id, row.discord_avatar),
        timezone=row.timezone,
        email_notifications=row.email_notifications,
        dm_notifications=row.dm_notifications,
        tos_accepted_at=row.tos_accepted_at,
        availability_updated_at=row.availability_updated_at,
        is_admin=row.is_admin,
        facilitator=facilitator,
        enrollments=list_enrollments(conn, user_id),
    )


def get_profile_or_404(conn: Connection, user_id: int) -> Profile:
    """Someone else's profile (admins); NotFoundError when there is no such user."""
    try:
        return get_profile(conn, user_id)
    except AuthenticationError:
        raise NotFoundError(f"no user {user_id}") from None


def list_enrollments(conn: Connection, user_id: int) -> list[Enrollment]:
    """The user's signups (newest cohort first) with their current group, if any."""
    membership = and_(
        group_members.c.user_id == signups.c.user_id,
        group_members.c.cohort_id == signups.c.cohort_id,
        group_members.c.status == "active",
    )
    rows = conn.execute(
        select(
            signups.c.cohort_id,
            cohorts.c.name.label("cohort_name"),
            cohorts.c.course_slug,
            signups.c.role,
            groups.c.id.label("group_id"),
            groups.c.name.label("group_name"),
        )
        .select_from(
            signups.join(cohorts, cohorts.c.id == signups.c.cohort_id)
            .outerjoin(group_members, membership)
            .outerjoin(
                groups, and_(groups.c.id == group_members.c.group_id, groups.c.status != "preview")
            )
        )
        .where(signups.c.user_id == user_id, signups.c.withdrawn_at.is_(None))
        .order_by(cohorts.c.start_date.desc(), cohorts.c.id.desc())
    )
    seen: dict[int, Enrollment] = {}
    for row in rows:  # a facilitator may lead two groups: list the cohort once
        if row.cohort_id not in seen or seen[row.cohort_id].group_id is None:
            seen[row.cohort_id] = Enrollment(
                row.cohort_id,
                row.cohort_name,
                row.course_slug,
                row.role,
                row.group_id,
                row.group_name,
            )
    return list(seen.values())


def update_profile(
    conn: Connection, user_id: int, changes: ProfileChanges, now: datetime
) -> Profile:
    """Apply the changes that were given; returns the updated profile."""
    values: dict[str, object] = {}
    if changes.display_name is not None:
        values["display_name"] = validate_display_name(changes.display_name)
    if changes.email is not None:
        email = validate_email(changes.email)
        current = conn.scalar(select(users.c.email).where(users.c.id == user_id))
        if (current or "").lower() != email.lower():
            values.update(email=email, email_verified_at=None)  # a new address is unverified
    if changes.timezone is not None:
        # Availability is wall-clock time in this zone: a new zone changes its meaning.
        values.update(timezone=validate_timezone(changes.timezone), availability_updated_at=now)
    if changes.email_notifications is not None:
        values["email_notifications"] = changes.email_notifications
    if changes.dm_notifications is not None:
        values["dm_notifications"] = changes.dm_notifications
    if changes.tos_accepted:
        values["tos_accepted_at"] = func.coalesce(users.c.tos_accepted_at, now)
    renamed = "display_name" in values and values["display_name"] != conn.scalar(
        select(users.c.display_name).where(users.c.id == user_id)
    )
    if values:
        conn.execute(update(users).where(users.c.id == user_id).values(**values))
    if renamed:
        # Imported here: the job queue is not needed by the profile's readers.
        from roundtable.people.nicknames import queue_nickname_sync

        queue_nickname_sync(conn, user_id)  # the new name becomes the server nickname
    return get_profile(conn, user_id)


def apply_as_facilitator(
    conn: Connection, user_id: int, note: str | None, now: datetime
) -> FacilitatorStatus:
    """Apply to facilitate (idempotent); an admin certifies later."""
    statement = insert(facilitators).values(user_id=user_id, applied_at=now, application_note=note)
    if note:
        statement = statement.on_conflict_do_update(
            index_elements=[facilitators.c.user_id], set_={"application_note": note}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=[facilitators.c.user_id])
    conn.execute(statement)
    row = conn.execute(select(facilitators).where(facilitators.c.user_id == user_id)).one()
    return FacilitatorStatus(row.applied_at, row.certified_at, row.max_active_groups)


def get_availability(conn: Connection, user_id: int) -> Availability:
    """The user's weekly intervals and the zone they are in."""
    row = conn.execute(
        select(users.c.timezone, users.c.availability_updated_at).where(users.c.id == user_id)
    ).one()
    intervals = load_availability(conn, [user_id])[user_id]
    return Availability(row.timezone, intervals, row.availability_updated_at)


def set_availability(
    conn: Connection,
    user_id: int,
    intervals: Sequence[Interval],
    timezone: str | None,
    now: datetime,
) -> Availability:
    """Replace the weekly availability (and the zone it is in, when given)."""
    if timezone is not None:
        validate_timezone(timezone)
        conn.execute(update(users).where(users.c.id == user_id).values(timezone=timezone))
    replace_availability(conn, user_id, intervals, now)
    return get_availability(conn, user_id)
