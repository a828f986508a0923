"""Desired external state, computed from the database only.

For each group: a role, a text and a voice channel in its cohort's category
(or, once completed, in the cohort's archive category, read-only), the
permission overwrites, who holds the role, the welcome post, and the
calendar series with every active member's email as attendee.

Discord allows 50 channels per category, so a cohort's groups are spread
over categories of 25 groups each ("<cohort>", "<cohort> (2)", …), by the
order in which groups were published.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from roundtable.db.tables import cohorts, group_members, groups, users
from roundtable.sync.series import WeeklySlot, local_start

# Discord permission bits (https://discord.com/developers/docs/topics/permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
READ_MESSAGE_HISTORY = 1 << 16
CONNECT = 1 << 20
SPEAK = 1 << 21
ROLE_TEXT = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY
ROLE_VOICE = VIEW_CHANNEL | CONNECT | SPEAK
BOT_TEXT = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY
BOT_VOICE = VIEW_CHANNEL | CONNECT
ARCHIVE_READ = VIEW_CHANNEL | READ_MESSAGE_HISTORY

GROUPS_PER_CATEGORY = 25  # two channels each: Discord's limit is 50 per category
LIVE_STATUSES = ("active",)
ARCHIVED_STATUSES = ("completed",)
_TEXT_NAME_JUNK = re.compile(r"[^a-z0-9_]+")


@dataclass(frozen=True)
class Member:
    user_id: int
    role: str  # "learner" | "facilitator"
    status: str  # "active" | "removed" | "completed"
    discord_id: str | None
    email: str | None
    display_name: str


@dataclass(frozen=True)
class Group:
    """A group as the database says it should look outside."""

    id: int
    cohort_id: int
    cohort_name: str
    name: str
    status: str
    slot: WeeklySlot
    number_of_meetings: int
    index_in_cohort: int
    text_channel_id: str | None
    voice_channel_id: str | None
    role_id: str | None
    welcome_message_id: str | None
    gcal_event_id: str | None
    gcal_sync_token: str | None
    members: tuple[Member, ...] = field(default=())

    @property
    def archived(self) -> bool:
        return self.status in ARCHIVED_STATUSES

    @property
    def bucket(self) -> int:
        return self.index_in_cohort // GROUPS_PER_CATEGORY

    @property
    def active_members(self) -> list[Member]:
        return [m for m in self.members if m.status == "active"]


@dataclass(frozen=True)
class Overwrite:
    """A permission overwrite; `target` is "everyone", "role" (the group's) or "member"."""

    target: str
    allow: int
    deny: int = 0
    member_id: str | None = None


def load_groups(conn: Connection, group_ids: list[int]) -> list[Group]:
    """The groups with their members, in id order."""
    if not group_ids:
        return []
    published = (
        select(
            groups.c.id,
            (
                func.row_number().over(partition_by=groups.c.cohort_id, order_by=groups.c.id) - 1
            ).label("index_in_cohort"),
        )
        .where(groups.c.published_at.is_not(None))
        .subquery()
    )
    rows = conn.execute(
        select(
            groups,
            cohorts.c.name.label("cohort_name"),
            cohorts.c.number_of_meetings,
            func.coalesce(published.c.index_in_cohort, 0).label("index_in_cohort"),
        )
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .outerjoin(published, published.c.id == groups.c.id)
        .where(groups.c.id.in_(group_ids))
        .order_by(groups.c.id)
    ).all()
    members = _members_by_group(conn, group_ids)
    return [_group(row, members.get(row.id, ())) for row in rows]


def _group(row: Any, members: tuple[Member, ...]) -> Group:
    return Group(
        id=row.id,
        cohort_id=row.cohort_id,
        cohort_name=row.cohort_name,
        name=row.name,
        status=row.status,
        slot=WeeklySlot.from_row(row),
        number_of_meetings=row.number_of_meetings,
        index_in_cohort=row.index_in_cohort,
        text_channel_id=row.discord_text_channel_id,
        voice_channel_id=row.discord_voice_channel_id,
        role_id=row.discord_role_id,
        welcome_message_id=row.discord_welcome_message_id,
        gcal_event_id=row.gcal_event_id,
        gcal_sync_token=row.gcal_sync_token,
        members=members,
    )


def _members_by_group(conn: Connection, group_ids: list[int]) -> dict[int, tuple[Member, ...]]:
    rows = conn.execute(
        select(
            group_members.c.group_id,
            group_members.c.user_id,
            group_members.c.role,
            group_members.c.status,
            users.c.discord_id,
            users.c.email,
            users.c.display_name,
        )
        .join(users, users.c.id == group_members.c.user_id)
        .where(group_members.c.group_id.in_(group_ids))
        .order_by(group_members.c.group_id, group_members.c.role.desc(), group_members.c.id)
    ).all()
    result: dict[int, list[Member]] = {}
    for row in rows:
        member = Member(
            row.user_id, row.role, row.status, row.discord_id, row.email, row.display_name
        )
        result.setdefault(row.group_id, []).append(member)
    return {group_id: tuple(found) for group_id, found in result.items()}


# -- Discord ----------------------------------------------------------------------------
def category_name(cohort_name: str, bucket: int, *, archive: bool) -> str:
    """'<cohort>', '<cohort> (2)', '<cohort> (archive)', '<cohort> (archive 2)'."""
    suffix = ""
    if archive:
        suffix = " (archive)" if bucket == 0 else f" (archive {bucket + 1})"
    elif bucket:
        suffix = f" ({bucket + 1})"
    return cohort_name[: 100 - len(suffix)] + suffix


def role_name(group: Group) -> str:
    return f"{group.cohort_name} · {group.name}"[:100]


def text_channel_name(group: Group) -> str:
    """Discord's own normalisation of text channel names, so names compare equal."""
    name = _TEXT_NAME_JUNK.sub("-", group.name.lower()).strip("-")
    return (name or f"group-{group.id}")[:100]


def voice_channel_name(group: Group) -> str:
    return f"{group.name} voice"[:100]


def category_overwrites() -> list[Overwrite]:
    return [Overwrite("everyone", 0, VIEW_CHANNEL), Overwrite("bot", BOT_TEXT)]


def text_overwrites(group: Group) -> list[Overwrite]:
    """Live: the group role reads and writes. Archived: former members read only."""
    result = [Overwrite("everyone", 0, VIEW_CHANNEL), Overwrite("bot", BOT_TEXT)]
    if not group.archived:
        return [*result, Overwrite("role", ROLE_TEXT)]
    readers = {m.discord_id for m in group.members if m.status == "completed" and m.discord_id}
    return result + [
        Overwrite("member", ARCHIVE_READ, SEND_MESSAGES, member_id=d) for d in sorted(readers)
    ]


def voice_overwrites(group: Group) -> list[Overwrite]:
    """Live: the role talks; facilitators keep access even if the role is locked out."""
    result = [Overwrite("everyone", 0, VIEW_CHANNEL), Overwrite("bot", BOT_VOICE)]
    if group.archived:
        return result
    facilitators = {
        m.discord_id for m in group.active_members if m.role == "facilitator" and m.discord_id
    }
    return [
        *result,
        Overwrite("role", ROLE_VOICE),
        *(Overwrite("member", ROLE_VOICE, member_id=d) for d in sorted(facilitators)),
    ]


def role_holders(group: Group) -> set[str]:
    """Discord ids that should hold the group's role (none once archived)."""
    if group.archived:
        return set()
    return {m.discord_id for m in group.active_members if m.discord_id}


def managed_member_ids(group: Group) -> set[str]:
    """Member overwrites this sync owns: anyone who ever was in the group."""
    return {m.discord_id for m in group.members if m.discord_id}


def welcome_message(group: Group) -> dict[str, Any]:
    """The post that opens a group's text channel."""
    start = local_start(group.slot)
    weekday = start.strftime("%A")
    mentions = []
    for member in group.active_members:
        if member.discord_id:
            suffix = " (facilitator)" if member.role == "facilitator" else ""
            mentions.append(f"<@{member.discord_id}>{suffix}")
    lines = [
        f"**Welcome to {group.name}!**",
        f"You meet on {weekday}s at {start:%H:%M} ({group.slot.anchor_timezone}), "
        f"{group.number_of_meetings} meetings in all. "
        f"First meeting: <t:{int(start.timestamp())}:F> (shown in your own time zone).",
        "Members: " + (", ".join(mentions) or "none yet"),
        "A calendar invitation is on its way to your email. Say hello below!",
    ]
    ids = [m.discord_id for m in group.active_members if m.discord_id]
    return {"content": "\n".join(lines), "allowed_mentions": {"users": ids[:100]}}


def role_ids_for_user(conn: Connection, user_id: int) -> list[str]:
    """Roles to give a user who joins the guild (guilds.join at login)."""
    rows = conn.execute(
        select(groups.c.discord_role_id)
        .join(group_members, group_members.c.group_id == groups.c.id)
        .where(
            group_members.c.user_id == user_id,
            group_members.c.status == "active",
            groups.c.status.in_(LIVE_STATUSES),
            groups.c.discord_role_id.is_not(None),
        )
    ).scalars()
    return sorted(str(role_id) for role_id in rows)


# -- Google Calendar ----------------------------------------------------------------------
def attendee_emails(group: Group) -> set[str]:
    """Lower-cased emails of the active members (Google answers them lower-cased)."""
    return {m.email.strip().lower() for m in group.active_members if m.email and m.email.strip()}


def calendar_event(group: Group) -> dict[str, Any]:
    """The series' master event: weekly in the anchor zone, one occurrence per meeting."""
    start = local_start(group.slot)
    end = start + timedelta(minutes=group.slot.meeting_minutes)
    zone = group.slot.anchor_timezone
    return {
        "summary": f"{group.name} · {group.cohort_name}",
        "description": "Weekly discussion group. The group's channel is on Discord.",
        "start": {"dateTime": _local_iso(start), "timeZone": zone},
        "end": {"dateTime": _local_iso(end), "timeZone": zone},
        "recurrence": [f"RRULE:FREQ=WEEKLY;COUNT={group.number_of_meetings}"],
        "attendees": [{"email": email} for email in sorted(attendee_emails(group))],
        # Learners' addresses stay private; reminders come from Roundtable itself.
        "guestsCanSeeOtherGuests": False,
        "guestsCanInviteOthers": False,
        "guestsCanModify": False,
        "reminders": {"useDefault": False, "overrides": []},
    }


def event_id(namespace: str, group_id: int, generation: int = 1) -> str:
    """A client-chosen event id (base32hex: a-v, 0-9), stable per group and generation."""
    digest = hashlib.sha256(f"{namespace}|group|{group_id}".encode()).hexdigest()[:20]
    return f"rt{digest}g{generation}"


def next_event_id(current: str, namespace: str, group_id: int) -> str:
    """The id to use when the event with `current` id was deleted in Google."""
    match = re.fullmatch(r"rt[0-9a-f]{20}g(\d+)", current)
    generation = int(match[1]) + 1 if match else 2
    return event_id(namespace, group_id, generation)


def _local_iso(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")
