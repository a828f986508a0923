"""Commands for every member: /group, /next-meeting (+ RSVP buttons), /checkin, /progress."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, and_, func, select

from roundtable.config import get_settings
from roundtable.db.tables import attendances, content_progress, group_members, groups, meetings
from roundtable.errors import NotFoundError, PermissionDeniedError, ValidationError
from roundtable.meetings.attendance import check_in, is_active_member, record_rsvp
from roundtable_edge.discord.handlers.common import (
    active_groups,
    connect,
    group_members_of,
    require_user,
)
from roundtable_edge.discord.interactions import (
    DANGER,
    SUCCESS,
    Context,
    action_row,
    button,
    discord_time,
    message,
    update_message,
)

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RSVP_ID = re.compile(r"^rsvp:(\d{1,10}):(yes|no)$")
_RSVP_LABELS = {
    "attending": "you're attending",
    "not_attending": "you can't make it",
    "tentative": "you might come",
    "pending": "you haven't answered yet",
}


def group(context: Context) -> dict[str, Any]:
    """/group: my group(s), facilitator, weekly time in my zone, next meeting, channel."""
    with connect(context) as conn:
        user = require_user(conn, context.interaction)
        mine = active_groups(conn, user.id)
        if not mine:
            raise NotFoundError("You are not in a group yet. Groups are announced when published.")
        parts = [_describe_group(conn, row, user, context.now) for row in mine]
    return message("\n\n".join(parts))


def next_meeting(context: Context) -> dict[str, Any]:
    """/next-meeting: the next meeting of my group, with RSVP buttons."""
    with connect(context) as conn:
        user = require_user(conn, context.interaction)
        meeting = _next_meeting_for(conn, user.id, context.now)
        if meeting is None:
            raise NotFoundError("You have no upcoming meeting.")
        rsvp = _rsvp_of(conn, meeting.id, user.id)
    return message(_meeting_text(meeting, rsvp), components=_rsvp_buttons(meeting.id))


def rsvp_button(context: Context) -> dict[str, Any]:
    """Attending / Can't make it: record the clicking member's RSVP."""
    match = _RSVP_ID.match(context.interaction.custom_id)
    if match is None:
        raise ValidationError("This button is malformed; run /next-meeting again.")
    meeting_id, answer = int(match.group(1)), match.group(2)
    with connect(context) as conn:
        user = require_user(conn, context.interaction)
        meeting = _meeting(conn, meeting_id)
        # The custom_id comes from the client: check the clicker may answer for it.
        if not is_active_member(conn, meeting.group_id, user.id):
            raise PermissionDeniedError(f"Only members of {meeting.group_name} can answer this.")
        if meeting.ends_at <= context.now:
            raise ValidationError("This meeting is over; RSVPs are closed.")
        status = "attending" if answer == "yes" else "not_attending"
        record_rsvp(conn, meeting_id, user.id, status, "discord", now=context.now)
    return update_message(_meeting_text(meeting, status), components=_rsvp_buttons(meeting_id))


def checkin(context: Context) -> dict[str, Any]:
    """/checkin: record attendance at the meeting happening now."""
    with connect(context) as conn:
        user = require_user(conn, context.interaction)
        result = check_in(conn, user.id, context.now)
    when = discord_time(result.starts_at, "t")
    if result.already_checked_in:
        first = discord_time(result.checked_in_at, "t")
        return message(f"You were already checked in to {result.group_name} (at {first}).")
    return message(
        f"Checked in to {result.group_name}, meeting {result.meeting_number} "
        f"(starts {when}). Enjoy the discussion!"
    )


def progress(context: Context) -> dict[str, Any]:
    """/progress: modules completed and in progress."""
    with connect(context) as conn:
        user = require_user(conn, context.interaction)
        completed, started = module_counts(conn, [user.id]).get(user.id, (0, 0))
    url = f"{get_settings().public_base_url}/course"
    if completed == 0 and started == 0:
        return message(f"You haven't started a module yet. Start here: {url}")
    return message(
        f"You have completed {completed} module{'s' if completed != 1 else ''}"
        f" and have {started} in progress. Continue at {url}"
    )


def module_counts(conn: Connection, user_ids: list[int]) -> dict[int, tuple[int, int]]:
    """user id → (modules completed, modules started but not completed)."""
    done = func.count().filter(content_progress.c.completed_at.is_not(None))
    started = func.count().filter(content_progress.c.completed_at.is_(None))
    rows = conn.execute(
        select(content_progress.c.user_id, done, started)
        .where(
            content_progress.c.user_id.in_(user_ids),
            content_progress.c.content_type == "module",
        )
        .group_by(content_progress.c.user_id)
    ).all()
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


# -- helpers -------------------------------------------------------------------
def _meeting(conn: Connection, meeting_id: int) -> Any:
    row = conn.execute(_meeting_query().where(meetings.c.id == meeting_id)).first()
    if row is None:
        raise NotFoundError("That meeting no longer exists.")
    return row


def _meeting_query() -> Any:
    return select(
        meetings.c.id,
        meetings.c.group_id,
        meetings.c.meeting_number,
        meetings.c.starts_at,
        meetings.c.ends_at,
        groups.c.name.label("group_name"),
    ).join(groups, groups.c.id == meetings.c.group_id)


def _next_meeting_for(conn: Connection, user_id: int, now: datetime) -> Any:
    mine = and_(
        group_members.c.group_id == meetings.c.group_id,
        group_members.c.user_id == user_id,
        group_members.c.status == "active",
    )
    return conn.execute(
        _meeting_query()
        .join(group_members, mine)
        .where(meetings.c.ends_at > now, groups.c.status != "cancelled")
        .order_by(meetings.c.starts_at)
        .limit(1)
    ).first()


def _rsvp_of(conn: Connection, meeting_id: int, user_id: int) -> str:
    status = conn.scalar(
        select(attendances.c.rsvp).where(
            attendances.c.meeting_id == meeting_id, attendances.c.user_id == user_id
        )
    )
    return str(status or "pending")


def _meeting_text(meeting: Any, rsvp: str) -> str:
    return (
        f"**{meeting.group_name}**, meeting {meeting.meeting_number}: "
        f"{discord_time(meeting.starts_at)} ({discord_time(meeting.starts_at, 'R')}).\n"
        f"Your answer: {_RSVP_LABELS.get(rsvp, rsvp)}."
    )


def _rsvp_buttons(meeting_id: int) -> list[dict[str, Any]]:
    return [
        action_row(
            button("Attending", f"rsvp:{meeting_id}:yes", style=SUCCESS),
            button("Can't make it", f"rsvp:{meeting_id}:no", style=DANGER),
        )
    ]


def _describe_group(conn: Connection, row: Any, user: Any, now: datetime) -> str:
    members = group_members_of(conn, row.id)
    facilitators = [m.display_name for m in members if m.role == "facilitator"]
    learners = [m.display_name for m in members if m.role == "learner"]
    upcoming = _next_meeting_for_group(conn, row.id, now)
    role = " — you facilitate" if row.role == "facilitator" else ""
    lines = [
        f"**{row.name}** ({row.cohort_name}){role}",
        f"Facilitator: {', '.join(facilitators) or 'not assigned yet'}",
        f"Members: {', '.join(learners) or 'none yet'}",
        f"Meets: {_weekly_time(row, user.timezone, upcoming or row.first_meeting_at)}",
    ]
    if upcoming is not None:
        lines.append(f"Next meeting: {discord_time(upcoming)} ({discord_time(upcoming, 'R')})")
    if row.discord_text_channel_id:
        lines.append(f"Channel: <#{row.discord_text_channel_id}>")
    return "\n".join(lines)


def _next_meeting_for_group(conn: Connection, group_id: int, now: datetime) -> Any:
    return conn.scalar(
        select(meetings.c.starts_at)
        .where(meetings.c.group_id == group_id, meetings.c.ends_at > now)
        .order_by(meetings.c.starts_at)
        .limit(1)
    )


def _weekly_time(row: Any, timezone: str, example: datetime) -> str:
    """The weekly slot as this viewer sees it around `example` (a real meeting date)."""
    try:
        local = example.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        local, timezone = example, "UTC"
    anchor = f"{_DAYS[row.weekday]} {row.local_time:%H:%M} {row.anchor_timezone}"
    mine = f"{_DAYS[local.weekday()]}s at {local:%H:%M} in your zone ({timezone})"
    return mine if row.anchor_timezone == timezone else f"{mine}; anchored to {anchor}"
