"""What a batch of claimed notifications needs to know, read in a few set-based queries.

Everything is read at send time, not when the row was added, so a message shows
the meeting's current time, the member's current name and zone, and honours
preferences and RSVPs as they are now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from roundtable.notifications.ledger import Claimed
from roundtable.venues.choice import meeting_join_urls


@dataclass(frozen=True)
class User:
    id: int
    display_name: str
    email: str | None
    discord_id: str | None
    timezone: str
    email_notifications: bool
    dm_notifications: bool


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    status: str
    cohort_name: str
    course_slug: str
    channel_id: str | None
    first_meeting_at: datetime
    next_meeting_at: datetime | None
    guild_id: str | None = None  # the group's Discord server; None: DISCORD_GUILD_ID
    discord_reminders: str = "dm"  # its cohort's choice: a DM each, or one group post


@dataclass(frozen=True)
class Meeting:
    id: int
    group_id: int
    meeting_number: int
    starts_at: datetime
    # The venue's link for this meeting (its Zoom meeting, its series' Meet); None on Discord.
    join_url: str | None = None


@dataclass(frozen=True)
class Cohort:
    id: int
    name: str
    start_date: date


@dataclass(frozen=True)
class Member:
    user_id: int
    role: str
    display_name: str
    discord_id: str | None = None
    dm_notifications: bool = False


@dataclass
class Facts:
    """The batch's world: users, meetings, groups, cohorts, memberships, RSVPs, DM channels."""

    users: dict[int, User] = field(default_factory=dict)
    meetings: dict[int, Meeting] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    cohorts: dict[int, Cohort] = field(default_factory=dict)
    members: dict[int, list[Member]] = field(default_factory=lambda: defaultdict(list))
    declined: set[tuple[int, int]] = field(default_factory=set)
    dm_channels: dict[int, str] = field(default_factory=dict)
    invites: dict[str, str] = field(default_factory=dict)  # Discord server id -> invite

    def is_member(self, group_id: int, user_id: int) -> bool:
        return any(m.user_id == user_id for m in self.members.get(group_id, ()))


_USERS = text("""
    SELECT id, display_name, email, discord_id, timezone, email_notifications, dm_notifications
    FROM users WHERE id = ANY(:ids)
""")
_MEETINGS = text("""
    SELECT id, group_id, meeting_number, starts_at FROM meetings WHERE id = ANY(:ids)
""")
_GROUPS = text("""
    SELECT g.id, g.name, CAST(g.status AS text) AS status, c.name AS cohort_name,
           c.course_slug, g.discord_text_channel_id AS channel_id, g.first_meeting_at,
           g.discord_guild_id AS guild_id, c.discord_reminders,
           (SELECT min(m.starts_at) FROM meetings m
            WHERE m.group_id = g.id AND m.starts_at > :now) AS next_meeting_at
    FROM groups g JOIN cohorts c ON c.id = g.cohort_id
    WHERE g.id = ANY(:ids)
""")
_COHORTS = text("SELECT id, name, start_date FROM cohorts WHERE id = ANY(:ids)")
# Booked guests of a group's meetings count as its members for their reminders
# (roundtable.meetings.guests), with the role "guest".
_MEMBERS = text("""
    SELECT gm.group_id, gm.user_id, CAST(gm.role AS text) AS role, u.display_name,
           u.discord_id, u.dm_notifications
    FROM group_members gm JOIN users u ON u.id = gm.user_id
    WHERE gm.group_id = ANY(:ids) AND gm.status = 'active'
    UNION ALL
    SELECT m.group_id, v.user_id, 'guest', u.display_name, u.discord_id, u.dm_notifications
    FROM guest_visits v JOIN meetings m ON m.id = v.host_meeting_id JOIN users u ON u.id = v.user_id
    WHERE m.group_id = ANY(:ids) AND v.status = 'booked'
    ORDER BY group_id, display_name
""")
_DECLINED = text("""
    SELECT meeting_id, user_id FROM attendances
    WHERE meeting_id = ANY(:ids) AND rsvp = 'not_attending'
""")
# The DM channel with a user rarely changes, so the one last used is kept on the user
# (users.discord_dm_channel_id) and a DM is one call, not two (delivery.py).
_INVITES = text("SELECT guild_id, invite_url FROM discord_servers WHERE invite_url IS NOT NULL")
_DM_CHANNELS = text("""
    SELECT id AS user_id, discord_dm_channel_id AS dm_channel_id FROM users
    WHERE id = ANY(:ids) AND discord_dm_channel_id IS NOT NULL
""")


def load_facts(conn: Connection, rows: Sequence[Claimed], now: datetime) -> Facts:
    """Read what `rows` need, one query per kind of fact (skipped when nothing needs it)."""
    facts = Facts()
    user_ids = _ids(r.user_id for r in rows) | _payload_ids(rows, "member_id")
    meeting_ids = _payload_ids(rows, "meeting_id")
    group_ids = _payload_ids(rows, "group_id")
    cohort_ids = _payload_ids(rows, "cohort_id")
    dm_users = _ids(r.user_id for r in rows if r.channel == "discord_dm")
    for row in _query(conn, _USERS, user_ids):
        facts.users[row["id"]] = User(**row)
    join_urls = meeting_join_urls(conn, meeting_ids)
    for row in _query(conn, _MEETINGS, meeting_ids):
        facts.meetings[row["id"]] = Meeting(**row, join_url=join_urls.get(row["id"]))
    for row in _query(conn, _GROUPS, group_ids, now=now):
        facts.groups[row["id"]] = Group(**row)
    for row in _query(conn, _COHORTS, cohort_ids):
        facts.cohorts[row["id"]] = Cohort(**row)
    for row in _query(conn, _MEMBERS, group_ids):
        facts.members[row["group_id"]].append(
            Member(**{k: v for k, v in row.items() if k != "group_id"})
        )
    facts.declined = {(r["meeting_id"], r["user_id"]) for r in _query(conn, _DECLINED, meeting_ids)}
    facts.dm_channels = {
        r["user_id"]: r["dm_channel_id"] for r in _query(conn, _DM_CHANNELS, dm_users)
    }
    if any(r.kind == "welcome" for r in rows):  # it invites people not on Discord yet
        facts.invites = {r.guild_id: r.invite_url for r in conn.execute(_INVITES)}
    return facts


def _ids(values: Iterable[int | None]) -> set[int]:
    return {int(v) for v in values if v is not None}


def _payload_ids(rows: Sequence[Claimed], key: str) -> set[int]:
    return _ids(r.payload.get(key) for r in rows)


def _query(conn: Connection, statement: Any, ids: set[int], **params: Any) -> list[dict[str, Any]]:
    if not ids:
        return []
    return [dict(r) for r in conn.execute(statement, {"ids": sorted(ids), **params}).mappings()]
