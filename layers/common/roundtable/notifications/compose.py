"""For one claimed notification: send it (with which values), skip it (why), or put it back.

Decided from the facts as they are now: a member who declined, turned a channel
off or left the group is skipped; a reminder whose meeting moved later goes
back to wait for the new time; one past its usefulness is skipped as late.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from roundtable.notifications.catalogue import Mention
from roundtable.notifications.facts import Facts, Group, Meeting, User
from roundtable.notifications.ledger import Claimed
from roundtable.notifications.policy import (
    MEETING_KINDS,
    SKIPPED_WHEN_DECLINED,
    TIMINGS,
    describe_lateness,
)

# Kinds whose personal recipients must still be active members of the group.
_MEMBERS_ONLY = (*MEETING_KINDS, "group_assigned", "meeting_feedback")


@dataclass(frozen=True)
class Links:
    app_url: str
    discord_guild_id: str | None

    @property
    def local(self) -> bool:
        """Whether the site's address is this computer's: the links lead to a local stack."""
        host = urlsplit(self.app_url).hostname or ""
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False  # a name: a public site, as far as we can tell
        return address.is_loopback or address.is_unspecified

    def channel_url(self, group: Group) -> str:
        guild_id = group.guild_id or self.discord_guild_id  # the group's server
        if group.channel_id and guild_id:
            return f"https://discord.com/channels/{guild_id}/{group.channel_id}"
        return self.app_url


@dataclass(frozen=True)
class Ready:
    """Send it: the template values, the reader's zone, and the user (None for posts)."""

    values: dict[str, Any]
    zone: str | None
    user: User | None


@dataclass(frozen=True)
class Skip:
    reason: str


@dataclass(frozen=True)
class Release:
    """Not due yet after all (its meeting moved later): wait until `due_at`."""

    due_at: datetime


class _SkipError(Exception):
    pass


def compose(row: Claimed, facts: Facts, now: datetime, links: Links) -> Ready | Skip | Release:
    """What to do with `row` at `now`."""
    builder = _BUILDERS.get(row.kind)
    if builder is None:
        return Skip(f"no message builder for kind {row.kind!r}")
    try:
        user = _recipient(row, facts)
        values, due_at = builder(_Context(row, facts, now, links))
        if due_at > now:
            return Release(due_at)
        late = now - due_at
        if late > TIMINGS[row.kind].late_limit:
            limit = describe_lateness(TIMINGS[row.kind].late_limit)
            return Skip(f"{describe_lateness(late)} late (useful for {limit})")
    except _SkipError as exc:
        return Skip(str(exc))
    values["app_url"] = links.app_url
    if user is not None:
        values["name"] = user.display_name
    return Ready(values, user.timezone if user else None, user)


def _recipient(row: Claimed, facts: Facts) -> User | None:
    if row.channel == "discord_channel":
        return None
    user = facts.users.get(row.user_id or 0)
    if user is None:
        raise _SkipError("the user no longer exists")
    if row.channel == "email" and not user.email_notifications:
        raise _SkipError("email notifications are turned off")
    if row.channel == "email" and not user.email:
        raise _SkipError("the user has no email address")
    if row.channel == "discord_dm" and not user.dm_notifications:
        raise _SkipError("Discord DMs are turned off")
    if row.channel == "discord_dm" and not user.discord_id:
        raise _SkipError("the user has no linked Discord account")
    return user


@dataclass(frozen=True)
class _Context:
    row: Claimed
    facts: Facts
    now: datetime
    links: Links

    @property
    def payload(self) -> Any:
        return self.row.payload

    def group(self, group_id: int | None = None) -> Group:
        group = self.facts.groups.get(group_id or int(self.payload.get("group_id") or 0))
        if group is None:
            raise _SkipError("the group no longer exists")
        if self.row.user_id and self.row.kind in _MEMBERS_ONLY:
            if not self.facts.is_member(group.id, self.row.user_id):
                raise _SkipError("no longer a member of the group")
        return group

    def meeting(self) -> tuple[Meeting, Group]:
        meeting = self.facts.meetings.get(int(self.payload.get("meeting_id") or 0))
        if meeting is None:
            raise _SkipError("the meeting no longer exists")
        group = self.group(meeting.group_id)
        if group.status != "active":
            raise _SkipError(f"the group is {group.status}, not active")
        if self.now >= meeting.starts_at:
            raise _SkipError("the meeting has already started")
        declined = (meeting.id, self.row.user_id) in self.facts.declined
        if declined and self.row.kind in SKIPPED_WHEN_DECLINED:
            raise _SkipError("declined the meeting")
        return meeting, group

    def swept_due(self, meeting: Meeting) -> datetime:
        """Due time from the meeting's current start: where the reminder follows a move."""
        before = TIMINGS[self.row.kind].before
        assert before is not None
        return meeting.starts_at - before

    def meeting_values(self) -> tuple[dict[str, Any], Meeting, Group]:
        meeting, group = self.meeting()
        values = {
            "group_name": group.name,
            "meeting_number": str(meeting.meeting_number),
            "meeting_time": meeting.starts_at,
        }
        return values, meeting, group


Built = tuple[dict[str, Any], datetime]


def _reminder(c: _Context) -> Built:
    values, meeting, group = c.meeting_values()
    # Where to join: the meeting's Zoom or Meet link when its group meets there (venues).
    joins = meeting.join_url or c.links.channel_url(group)
    extra = {"channel_url": joins, "members": _pinged(c, meeting, group)}
    return {**values, **extra}, c.swept_due(meeting)


def _pinged(c: _Context, meeting: Meeting, group: Group) -> list[Mention]:
    """Who a group post reminds, when the cohort chose it over DMs (cohorts.options): the
    group's members who take Discord reminders and have not declined; else no one."""
    if c.row.channel != "discord_channel" or group.discord_reminders != "group_post":
        return []
    return [
        Mention(m.display_name, m.discord_id)
        for m in c.facts.members.get(group.id, ())
        if m.role != "guest"
        and m.discord_id
        and m.dm_notifications
        and (meeting.id, m.user_id) not in c.facts.declined
    ]


def _nudge(c: _Context) -> Built:
    values, meeting, _ = c.meeting_values()
    extra = {"modules": list(c.payload.get("modules") or []), "course_url": c.links.app_url}
    return {**values, **extra}, c.swept_due(meeting)


def _digest(c: _Context) -> Built:
    values, meeting, _ = c.meeting_values()
    lists = {
        k: list(c.payload.get(k) or []) for k in ("attending", "declined", "no_answer", "behind")
    }
    return {**values, **lists}, c.swept_due(meeting)


def _alert(c: _Context) -> Built:
    values, meeting, _ = c.meeting_values()
    counts = {k: str(c.payload[k]) for k in ("attending_count", "member_count", "threshold")}
    return {**values, **counts}, c.swept_due(meeting)


def _meeting_changed(c: _Context) -> Built:
    values, _, group = c.meeting_values()
    previous = datetime.fromisoformat(str(c.payload["previous_starts_at"]))
    extra = {"previous_time": previous, "channel_url": c.links.channel_url(group)}
    return {**values, **extra}, c.row.due_at


def _feedback_request(c: _Context) -> Built:
    """After the meeting (so not `meeting_values`, which refuses started meetings)."""
    meeting = c.facts.meetings.get(int(c.payload.get("meeting_id") or 0))
    if meeting is None:
        raise _SkipError("the meeting no longer exists")
    group = c.group(meeting.group_id)
    if (meeting.id, c.row.user_id) in c.facts.declined:
        raise _SkipError("declined the meeting")
    values = {
        "group_name": group.name,
        "meeting_number": str(meeting.meeting_number),
        "feedback_url": f"{c.links.app_url}/group/feedback/{meeting.id}",
    }
    return values, c.row.due_at


def _welcome(c: _Context) -> Built:
    cohort = c.facts.cohorts.get(int(c.payload.get("cohort_id") or 0))
    if cohort is None:
        raise _SkipError("the cohort no longer exists")
    values = {
        "cohort_name": cohort.name,
        "start_date": cohort.start_date,
        "discord_invite": _discord_invite(c),
    }
    return values, c.row.due_at


def _discord_invite(c: _Context) -> str | None:
    """Where a recipient not on Discord yet joins the course's server: its standing
    invite, else the sign-in page (signing in with Discord adds them, auth/guild.py).
    None for someone already on Discord, or when the course has no server."""
    user = c.facts.users.get(c.row.user_id or 0)
    guild_id = c.links.discord_guild_id
    if user is None or user.discord_id or not guild_id:
        return None
    return c.facts.invites.get(guild_id) or f"{c.links.app_url}/signin"


def _group_assigned(c: _Context) -> Built:
    group = c.group()
    first = group.next_meeting_at or group.first_meeting_at
    values = {
        "group_name": group.name,
        "cohort_name": group.cohort_name,
        "facilitation": _facilitation(c, group),
        "weekly_time": first,
        "first_meeting": first,
        "channel_url": c.links.channel_url(group),
    }
    return values, c.row.due_at


def _facilitation(c: _Context, group: Group) -> str:
    """Who facilitates, from the reader's side: a facilitator is never 'facilitated by' themself."""
    facilitators = [m for m in c.facts.members.get(group.id, ()) if m.role == "facilitator"]
    others = " and ".join(m.display_name for m in facilitators if m.user_id != c.row.user_id)
    if any(m.user_id == c.row.user_id for m in facilitators):
        return (
            f"which you are facilitating with {others}" if others else "which you are facilitating"
        )
    return f"facilitated by {others}" if others else "with a facilitator to be announced"


def _member_joined(c: _Context) -> Built:
    group = c.group()
    member = c.facts.users.get(int(c.payload.get("member_id") or 0))
    if member is None or not c.facts.is_member(group.id, member.id):
        raise _SkipError("the new member is no longer in the group")
    mention = Mention(member.display_name, member.discord_id)
    return {"member": mention, "group_name": group.name}, c.row.due_at


def _removed(c: _Context) -> Built:
    group = c.group()
    return {"group_name": group.name, "cohort_name": group.cohort_name}, c.row.due_at


def _group_cancelled(c: _Context) -> Built:
    group = c.group()  # its people are no longer members: that is the news
    return {"group_name": group.name, "cohort_name": group.cohort_name}, c.row.due_at


def _member_left(c: _Context) -> Built:
    group = c.group()
    member = c.facts.users.get(int(c.payload.get("member_id") or 0))
    learners = [m for m in c.facts.members.get(group.id, ()) if m.role == "learner"]
    values = {
        "member_name": member.display_name if member else "A learner",
        "group_name": group.name,
        "reason": str(c.payload.get("reason") or "").strip() or "(none given)",
        "remaining": str(len(learners)),
    }
    return values, c.row.due_at


def _guest_visit(c: _Context) -> Built:
    group = c.group()
    guest = c.facts.users.get(int(c.payload.get("member_id") or 0))
    meeting = c.facts.meetings.get(int(c.payload.get("meeting_id") or 0))
    if meeting is None:
        raise _SkipError("the meeting no longer exists")
    if c.now >= meeting.starts_at:
        raise _SkipError("the meeting has already started")
    values = {
        "guest_name": guest.display_name if guest else "A learner",
        "guest_group_name": str(c.payload.get("guest_group_name") or "another group"),
        "group_name": group.name,
        "meeting_number": str(meeting.meeting_number),
        "meeting_time": meeting.starts_at,
    }
    return values, c.row.due_at


_BUILDERS: dict[str, Callable[[_Context], Built]] = {
    "meeting_reminder_24h": _reminder,
    "meeting_reminder_1h": _reminder,
    "module_nudge_3d": _nudge,
    "facilitator_digest": _digest,
    "low_attendance_alert": _alert,
    "meeting_changed": _meeting_changed,
    "meeting_feedback": _feedback_request,
    "welcome": _welcome,
    "group_assigned": _group_assigned,
    "member_joined": _member_joined,
    "removed_from_group": _removed,
    "member_left": _member_left,
    "guest_visit_booked": _guest_visit,
    "guest_visit_cancelled": _guest_visit,
    "group_cancelled": _group_cancelled,
}
