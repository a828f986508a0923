"""Desired external state, computed from the database only.

For each group: a role, a text and a voice channel in its cohort's category
(or, once completed or cancelled, in the cohort's archive category, read-only
for its former members, and no role), the permission overwrites, who holds
the role, the welcome post, and the calendar series with every active
member's email as attendee. A cancelled group's series ends after the last
meeting held before it was cancelled (`ended_recurrence`), or is deleted when
none was held.

Guest visits (roundtable.meetings.guests): a booked guest gets a member
overwrite on the host group's text and voice channels from booking until the
host meeting ends plus `GUEST_ACCESS_GRACE`, and a one-off calendar event of
their own for that meeting (`guest_calendar_event`); see docs/sync.md.

Discord allows 50 channels per category, so a cohort's groups are spread
over categories of 25 groups each ("<cohort>", "<cohort> (2)", …), by the
order in which groups were published on their server.

Group spaces (the cohort's choice, fixed per group when it is published; see
docs/discord.md "Group spaces"): `channel_and_role` (the above), `channel` (the
same channels, members let in one overwrite each, no role), `thread` and
`thread_no_voice` (a private thread per group in the cohort's "groups" channel,
its members the thread's members; `thread` adds one voice room for the cohort).
Each group lives on one server (`guild_id`; None: the configured DISCORD_GUILD_ID).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, exists, func, select

from roundtable.db.tables import cohorts, group_members, groups, guest_visits, meetings, users
from roundtable.discord.markdown import plain as discord_plain
from roundtable.sync.series import WeeklySlot, local_start
from roundtable.venues.choice import effective_venue, where_to_meet

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
# Groups whose Discord space is archived: finished, or cancelled (dissolved in a
# regroup, or their cohort cancelled). `groups.archived_at` marks the archive done.
ARCHIVED_STATUSES = ("completed", "cancelled")
# A guest keeps the host group's channels this long after the meeting (the talk after it).
GUEST_ACCESS_GRACE = timedelta(hours=1)
_TEXT_NAME_JUNK = re.compile(r"[^a-z0-9_]+")
SEND_MESSAGES_IN_THREADS = 1 << 38
# The cohort's shared channels of a thread space: open to everyone on the server, who
# post only inside the private threads they are in (a thread is invisible to others).
THREADS_PARENT = VIEW_CHANNEL | READ_MESSAGE_HISTORY | SEND_MESSAGES_IN_THREADS
SHARED_VOICE = VIEW_CHANNEL | CONNECT | SPEAK
CHANNEL_AND_ROLE, CHANNEL, THREAD, THREAD_NO_VOICE = (
    "channel_and_role",
    "channel",
    "thread",
    "thread_no_voice",
)
THREAD_SPACES = (THREAD, THREAD_NO_VOICE)


@dataclass(frozen=True)
class Member:
    user_id: int
    role: str  # "learner" | "facilitator"
    status: str  # "active" | "removed" | "completed"
    discord_id: str | None
    email: str | None
    display_name: str
    left_at: datetime | None = None


@dataclass(frozen=True)
class Guest:
    """A guest visit to one of the group's meetings (booked or cancelled), as of `now`."""

    visit_id: int
    user_id: int
    status: str  # "booked" | "cancelled"
    discord_id: str | None
    email: str | None
    display_name: str
    meeting_id: int
    meeting_number: int
    starts_at: datetime
    ends_at: datetime
    gcal_event_id: str | None
    has_access: bool  # booked, and the meeting plus its grace is not over at `now`


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
    guests: tuple[Guest, ...] = field(default=())
    published_at: datetime | None = None
    # When the group ended (groups.completed_at: completed, or cancelled).
    ended_at: datetime | None = None
    # The highest meeting number that had started when the group ended (0: none).
    meetings_held: int = 0
    guild_id: str | None = None  # its server; None: the configured DISCORD_GUILD_ID
    space: str = CHANNEL_AND_ROLE
    export_key: str | None = None  # where its messages went (the retention policy)
    removed_at: datetime | None = None  # its channels deleted after the retention period
    meeting_venue: str = "discord"  # where it meets (roundtable.venues)
    meet_url: str | None = None  # its series' Google Meet link, once Google made one

    @property
    def archived(self) -> bool:
        return self.status in ARCHIVED_STATUSES

    @property
    def has_outside_state(self) -> bool:
        """Whether Discord and the calendar hold (or should hold) anything for this group.

        A group cancelled before it was ever published (a preview of a cancelled
        cohort) never had a channel, role or event: there is nothing to archive."""
        if self.removed_at is not None:  # the retention policy deleted it: nothing to keep
            return False
        if self.status in LIVE_STATUSES or self.status == "completed":
            return True
        return self.status == "cancelled" and self.published_at is not None

    @property
    def bucket(self) -> int:
        return self.index_in_cohort // GROUPS_PER_CATEGORY

    @property
    def has_role(self) -> bool:
        return self.space == CHANNEL_AND_ROLE

    @property
    def in_thread(self) -> bool:
        return self.space in THREAD_SPACES

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


def load_groups(conn: Connection, group_ids: list[int], *, now: datetime) -> list[Group]:
    """The groups with their members and guest visits (access as of `now`), in id order."""
    if not group_ids:
        return []
    on_server = (groups.c.cohort_id, func.coalesce(groups.c.discord_guild_id, ""))
    published = (
        select(
            groups.c.id,
            (func.row_number().over(partition_by=on_server, order_by=groups.c.id) - 1).label(
                "index_in_cohort"
            ),
        )
        .where(groups.c.published_at.is_not(None))
        .subquery()
    )
    held = (
        select(func.max(meetings.c.meeting_number))
        .where(meetings.c.group_id == groups.c.id, meetings.c.starts_at <= groups.c.completed_at)
        .correlate(groups)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(
            groups,
            cohorts.c.name.label("cohort_name"),
            cohorts.c.number_of_meetings,
            func.coalesce(published.c.index_in_cohort, 0).label("index_in_cohort"),
            func.coalesce(held, 0).label("meetings_held"),
            func.coalesce(groups.c.discord_space, cohorts.c.discord_space).label("space"),
            effective_venue().label("venue"),
        )
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .outerjoin(published, published.c.id == groups.c.id)
        .where(groups.c.id.in_(group_ids))
        .order_by(groups.c.id)
    ).all()
    members = _members_by_group(conn, group_ids)
    guests = _guests_by_group(conn, group_ids, now)
    return [_group(row, members.get(row.id, ()), guests.get(row.id, ())) for row in rows]


def _group(row: Any, members: tuple[Member, ...], guests: tuple[Guest, ...]) -> Group:
    if row.status not in LIVE_STATUSES:
        guests = tuple(_guest_of_ended_group(guest, row.completed_at) for guest in guests)
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
        guests=guests,
        published_at=row.published_at,
        ended_at=row.completed_at,
        meetings_held=row.meetings_held,
        guild_id=row.discord_guild_id,
        space=row.space,
        export_key=row.discord_export_key,
        removed_at=row.discord_removed_at,
        meeting_venue=row.venue,
        meet_url=row.meet_url,
    )


def _guest_of_ended_group(guest: Guest, ended_at: datetime | None) -> Guest:
    """A group that is over hosts no one: no access; a visit to a meeting after the group
    was cancelled will not happen, so outside it counts as cancelled (its invitation goes)."""
    if guest.status == "booked" and (ended_at is None or guest.starts_at > ended_at):
        return replace(guest, status="cancelled", has_access=False)
    return replace(guest, has_access=False)


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
            group_members.c.left_at,
        )
        .join(users, users.c.id == group_members.c.user_id)
        .where(group_members.c.group_id.in_(group_ids))
        .order_by(group_members.c.group_id, group_members.c.role.desc(), group_members.c.id)
    ).all()
    result: dict[int, list[Member]] = {}
    for row in rows:
        member = Member(
            row.user_id,
            row.role,
            row.status,
            row.discord_id,
            row.email,
            row.display_name,
            row.left_at,
        )
        result.setdefault(row.group_id, []).append(member)
    return {group_id: tuple(found) for group_id, found in result.items()}


def _guests_by_group(
    conn: Connection, group_ids: list[int], now: datetime
) -> dict[int, tuple[Guest, ...]]:
    rows = conn.execute(
        select(
            meetings.c.group_id,
            guest_visits.c.id,
            guest_visits.c.user_id,
            guest_visits.c.status,
            users.c.discord_id,
            users.c.email,
            users.c.display_name,
            meetings.c.id.label("meeting_id"),
            meetings.c.meeting_number,
            meetings.c.starts_at,
            meetings.c.ends_at,
            guest_visits.c.gcal_event_id,
        )
        .join(meetings, meetings.c.id == guest_visits.c.host_meeting_id)
        .join(users, users.c.id == guest_visits.c.user_id)
        .where(meetings.c.group_id.in_(group_ids))
        .order_by(meetings.c.group_id, guest_visits.c.id)
    ).all()
    result: dict[int, list[Guest]] = {}
    for row in rows:
        access = row.status == "booked" and now < row.ends_at + GUEST_ACCESS_GRACE
        guest = Guest(
            visit_id=row.id,
            user_id=row.user_id,
            status=str(row.status),
            discord_id=row.discord_id,
            email=row.email,
            display_name=row.display_name,
            meeting_id=row.meeting_id,
            meeting_number=row.meeting_number,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            gcal_event_id=row.gcal_event_id,
            has_access=access,
        )
        result.setdefault(row.group_id, []).append(guest)
    return {group_id: tuple(found) for group_id, found in result.items()}


def guest_access_ended_since_sync(now: datetime) -> ColumnElement[bool]:
    """Groups (a condition on `groups`) where a guest's access ended after their last sync.

    Nothing in the database changes when a visit's week is over, so the hourly
    sweep asks this to find the groups whose channels still let the guest in.
    """
    ended = meetings.c.ends_at + GUEST_ACCESS_GRACE
    return exists().where(
        and_(
            meetings.c.group_id == groups.c.id,
            guest_visits.c.host_meeting_id == meetings.c.id,
            guest_visits.c.status == "booked",
            ended <= now,
            ended > func.coalesce(groups.c.synced_at, groups.c.published_at),
        )
    )


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
    """Live: the group role (or each member, in a `channel` space) reads and writes.
    Archived: former members read only."""
    result = [Overwrite("everyone", 0, VIEW_CHANNEL), Overwrite("bot", BOT_TEXT)]
    if not group.archived:
        members = _member_overwrites(group, ROLE_TEXT, set())
        return [*result, *members, *_guest_overwrites(group, ROLE_TEXT, set())]
    readers = {m.discord_id for m in former_members(group) if m.discord_id}
    return result + [
        Overwrite("member", ARCHIVE_READ, SEND_MESSAGES, member_id=d) for d in sorted(readers)
    ]


def former_members(group: Group) -> list[Member]:
    """Who was in the group when it ended: they may read its archived channel.

    Completed: the memberships completed with it. Cancelled: the memberships
    ended by the cancellation (at `ended_at`; moved elsewhere in a regroup, or
    their cohort cancelled), not those who had left before."""
    if group.status == "completed":
        return [m for m in group.members if m.status == "completed"]
    if group.status == "cancelled" and group.ended_at is not None:
        ended = group.ended_at
        return [
            m
            for m in group.members
            if m.status == "removed" and m.left_at is not None and m.left_at >= ended
        ]
    return []


def voice_overwrites(group: Group) -> list[Overwrite]:
    """Live: the role talks; facilitators keep access even if the role is locked out."""
    result = [Overwrite("everyone", 0, VIEW_CHANNEL), Overwrite("bot", BOT_VOICE)]
    if group.archived:
        return result
    facilitators = {
        m.discord_id for m in group.active_members if m.role == "facilitator" and m.discord_id
    }
    if not group.has_role:  # every member has an overwrite of their own already
        facilitators = set()
    return [
        *result,
        *_member_overwrites(group, ROLE_VOICE, facilitators),
        *(Overwrite("member", ROLE_VOICE, member_id=d) for d in sorted(facilitators)),
        *_guest_overwrites(group, ROLE_VOICE, facilitators),
    ]


def _member_overwrites(group: Group, allow: int, already: set[str]) -> list[Overwrite]:
    """The role's overwrite; in a `channel` space (no role), one per active member."""
    if group.has_role:
        return [Overwrite("role", allow)]
    members = {m.discord_id for m in group.active_members if m.discord_id} - already
    return [Overwrite("member", allow, member_id=d) for d in sorted(members)]


def _guest_overwrites(group: Group, allow: int, already: set[str]) -> list[Overwrite]:
    """Guests with access this week see the channel as members do (one overwrite per person)."""
    members = {m.discord_id for m in group.active_members if m.discord_id}
    return [
        Overwrite("member", allow, member_id=d) for d in sorted(_guests(group) - members - already)
    ]


def _guests(group: Group) -> set[str]:
    return {g.discord_id for g in group.guests if g.has_access and g.discord_id}


def role_holders(group: Group) -> set[str]:
    """Discord ids that should hold the group's role (none once archived, or without a role)."""
    if group.archived or not group.has_role:
        return set()
    return {m.discord_id for m in group.active_members if m.discord_id}


def thread_members(group: Group) -> set[str]:
    """Who should be in a thread space: active members and this week's guests; once
    archived, the former members (the thread is locked: they read, nobody writes)."""
    if group.archived:
        return {m.discord_id for m in former_members(group) if m.discord_id}
    return {m.discord_id for m in group.active_members if m.discord_id} | _guests(group)


def threads_channel_name(cohort_name: str) -> str:
    """The cohort's channel whose private threads are the groups' spaces."""
    name = _TEXT_NAME_JUNK.sub("-", f"{cohort_name} groups".lower()).strip("-")
    return name[:100] or "groups"


def shared_voice_name(cohort_name: str) -> str:
    return f"{cohort_name} voice"[:100]


def thread_name(group: Group) -> str:
    return group.name[:100]


def threads_parent_overwrites() -> list[Overwrite]:
    """Everyone reads the parent channel and writes only in threads they are in."""
    return [Overwrite("everyone", THREADS_PARENT, SEND_MESSAGES), Overwrite("bot", BOT_TEXT)]


def shared_voice_overwrites() -> list[Overwrite]:
    return [Overwrite("everyone", SHARED_VOICE), Overwrite("bot", BOT_VOICE)]


def managed_member_ids(group: Group) -> set[str]:
    """Member overwrites this sync owns: anyone who ever was in the group or visited it."""
    return {m.discord_id for m in group.members if m.discord_id} | {
        g.discord_id for g in group.guests if g.discord_id
    }


def welcome_message(group: Group) -> dict[str, Any]:
    """The post that opens a group's text channel."""
    start = local_start(group.slot)
    weekday = start.strftime("%A")
    lines = [
        f"**Welcome to {group.name}!**",
        f"You meet on {weekday}s at {start:%H:%M} ({group.slot.anchor_timezone}), "
        f"{group.number_of_meetings} meetings in all. "
        f"First meeting: <t:{int(start.timestamp())}:F> (shown in your own time zone).",
        "Members: " + (", ".join(map(_member_in_post, _facilitators_first(group))) or "none yet"),
        "A calendar invitation is on its way to your email. Say hello below!",
    ]
    ids = [m.discord_id for m in group.active_members if m.discord_id]
    return {"content": "\n".join(lines), "allowed_mentions": {"users": ids[:100]}}


def _facilitators_first(group: Group) -> list[Member]:
    return sorted(group.active_members, key=lambda m: m.role != "facilitator")


def _member_in_post(member: Member) -> str:
    """A mention for a member on Discord; the name of one who has not linked Discord yet."""
    who = f"<@{member.discord_id}>" if member.discord_id else discord_plain(member.display_name)
    return who + (" (facilitator)" if member.role == "facilitator" else "")


def role_ids_for_user(conn: Connection, user_id: int) -> dict[str | None, list[str]]:
    """The servers of a user's live groups (None: DISCORD_GUILD_ID), each with the roles
    to give them there when they join it (guilds.join at login)."""
    rows = conn.execute(
        select(groups.c.discord_guild_id, groups.c.discord_role_id)
        .join(group_members, group_members.c.group_id == groups.c.id)
        .where(
            group_members.c.user_id == user_id,
            group_members.c.status == "active",
            groups.c.status.in_(LIVE_STATUSES),
        )
    ).all()
    result: dict[str | None, list[str]] = {}
    for guild_id, role_id in rows:
        roles = result.setdefault(guild_id, [])
        if role_id is not None:
            roles.append(str(role_id))
    return {guild_id: sorted(roles) for guild_id, roles in result.items()}


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
        "description": f"Weekly discussion group. {where_to_meet(group.meeting_venue)}",
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


def ended_recurrence(group: Group) -> list[str] | None:
    """A cancelled group's series: its meetings up to the last one held, then no more.

    The rule keeps the occurrences that took place (their answers are history) and
    drops the rest: UNTIL the start of the last meeting held (RFC 5545: inclusive,
    in UTC for a zoned start; COUNT and UNTIL never together). None when no meeting
    was held: then the event itself goes."""
    if group.meetings_held <= 0:
        return None
    last = local_start(group.slot, group.meetings_held).astimezone(UTC)
    return [f"RRULE:FREQ=WEEKLY;UNTIL={last:%Y%m%dT%H%M%SZ}"]


def guest_calendar_event(group: Group, guest: Guest) -> dict[str, Any]:
    """The guest's own one-off event for the meeting they visit; no attendee once cancelled.

    A separate event rather than an attendee on the series' occurrence: writing an
    occurrence mails every member, and moving the series drops per-occurrence changes.
    """
    zone = group.slot.anchor_timezone
    booked = guest.status == "booked" and guest.email and guest.email.strip()
    return {
        "summary": f"Guest visit: {group.name} · {group.cohort_name}",
        "description": (
            f"You join meeting {guest.meeting_number} of {group.name} as a guest this week. "
            "Its channel on Discord is open to you until the meeting is over."
        ),
        "start": {"dateTime": _local_iso(_in_zone(guest.starts_at, zone)), "timeZone": zone},
        "end": {"dateTime": _local_iso(_in_zone(guest.ends_at, zone)), "timeZone": zone},
        "attendees": [{"email": guest.email.strip().lower()}] if booked and guest.email else [],
        "guestsCanSeeOtherGuests": False,
        "guestsCanInviteOthers": False,
        "guestsCanModify": False,
        "reminders": {"useDefault": False, "overrides": []},
    }


def guest_event_id(namespace: str, visit_id: int) -> str:
    """A client-chosen id for a guest visit's event (base32hex), stable per visit."""
    digest = hashlib.sha256(f"{namespace}|guest_visit|{visit_id}".encode()).hexdigest()[:20]
    return f"rt{digest}v1"


def _in_zone(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


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
