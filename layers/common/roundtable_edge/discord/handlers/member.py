"""Commands for every member: /group, /next-meeting (+ RSVP buttons), /checkin, /progress.

Presenters only: each reads its options, calls the domain service the web
calls too (`groups.learners`, `meetings.attendance`, `content.progress_views`)
and words the answer for Discord. Refusals are the services' own.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from roundtable.config import get_settings
from roundtable.content.progress_counts import my_module_counts
from roundtable.errors import NotFoundError, ValidationError
from roundtable.groups.learners import MyGroup, my_groups
from roundtable.groups.learners import next_meeting as next_meeting_of
from roundtable.meetings.attendance import check_in, rsvp
from roundtable.meetings.times import WeeklyTimeView
from roundtable.people.profiles import Viewer
from roundtable_edge.discord.handlers.common import connect, is_admin, require_user
from roundtable_edge.discord.interactions import (
    DANGER,
    MAX_DATABASE_ID,
    SUCCESS,
    Context,
    action_row,
    button,
    discord_time,
    message,
    update_message,
)

_RSVP_ID = re.compile(r"^rsvp:(\d{1,10}):(yes|no)$")
_ANSWERS = {"yes": "attending", "no": "not_attending"}
_RSVP_LABELS = {
    "attending": "you're attending",
    "not_attending": "you can't make it",
    "tentative": "you might come",
    "pending": "you haven't answered yet",
}


def viewer_of(conn: Any, context: Context) -> Viewer:
    """The linked user behind the interaction as services see them (or how to link)."""
    return viewer_for(require_user(conn, context.interaction), context)


def viewer_for(user: Viewer, context: Context) -> Viewer:
    """A linked user as services see them: admin also through the Discord admin role."""
    return dataclasses.replace(user, is_admin=is_admin(user, context.interaction))


def group(context: Context) -> dict[str, Any]:
    """/group: my group(s), facilitator, weekly time in my zone, next meeting, channel."""
    with connect(context) as conn:
        viewer = viewer_of(conn, context)
        mine = my_groups(conn, viewer, get_settings(), context.now)
    if not mine:
        raise NotFoundError("You are not in a group yet. Groups are announced when published.")
    return message("\n\n".join(_describe_group(g) for g in mine))


def next_meeting(context: Context) -> dict[str, Any]:
    """/next-meeting: the next meeting of my groups, with RSVP buttons."""
    with connect(context) as conn:
        found = next_meeting_of(conn, viewer_of(conn, context), context.now)
    if found is None:
        raise NotFoundError("You have no upcoming meeting.")
    meeting = found.meeting
    text = _meeting_text(found.group_name, meeting.number, meeting.starts_at, meeting.my_rsvp)
    return message(text, components=_rsvp_buttons(meeting.id))


def rsvp_button(context: Context) -> dict[str, Any]:
    """Attending / Can't make it: record the clicking member's RSVP."""
    match = _RSVP_ID.match(context.interaction.custom_id)
    if match is None or not 1 <= int(match.group(1)) <= MAX_DATABASE_ID:
        raise ValidationError("This button is malformed; run /next-meeting again.")
    meeting_id, answer = int(match.group(1)), _ANSWERS[match.group(2)]
    # The custom_id comes from the client: the service checks the clicker may answer.
    with connect(context) as conn:
        saved = rsvp(conn, viewer_of(conn, context), meeting_id, answer, "discord", context.now)
    text = _meeting_text(saved.group_name, saved.meeting_number, saved.starts_at, saved.status)
    return update_message(text, components=_rsvp_buttons(meeting_id))


def checkin(context: Context) -> dict[str, Any]:
    """/checkin: record attendance at the meeting happening now."""
    with connect(context) as conn:
        result = check_in(conn, viewer_of(conn, context), context.now)
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
        counts = my_module_counts(conn, viewer_of(conn, context))
    url = f"{get_settings().public_base_url}/course"
    if counts.completed == 0 and counts.in_progress == 0:
        return message(f"You haven't started a module yet. Start here: {url}")
    plural = "s" if counts.completed != 1 else ""
    return message(
        f"You have completed {counts.completed} module{plural}"
        f" and have {counts.in_progress} in progress. Continue at {url}"
    )


# -- wording -------------------------------------------------------------------
def _meeting_text(group_name: str, number: int, starts_at: datetime, answer: str | None) -> str:
    status = answer or "pending"
    return (
        f"**{group_name}**, meeting {number}: "
        f"{discord_time(starts_at)} ({discord_time(starts_at, 'R')}).\n"
        f"Your answer: {_RSVP_LABELS.get(status, status)}."
    )


def _rsvp_buttons(meeting_id: int) -> list[dict[str, Any]]:
    return [
        action_row(
            button("Attending", f"rsvp:{meeting_id}:yes", style=SUCCESS),
            button("Can't make it", f"rsvp:{meeting_id}:no", style=DANGER),
        )
    ]


def _describe_group(mine: MyGroup) -> str:
    facilitators = [m.display_name for m in mine.members if m.role == "facilitator"]
    learners = [m.display_name for m in mine.members if m.role == "learner"]
    role = " — you facilitate" if mine.my_role == "facilitator" else ""
    lines = [
        f"**{mine.name}** ({mine.cohort_name}){role}",
        f"Facilitator: {', '.join(facilitators) or 'not assigned yet'}",
        f"Members: {', '.join(learners) or 'none yet'}",
        f"Meets: {_weekly_time(mine.weekly_time)}",
    ]
    if mine.next_meetings:
        upcoming = mine.next_meetings[0].starts_at
        lines.append(f"Next meeting: {discord_time(upcoming)} ({discord_time(upcoming, 'R')})")
    if mine.discord_channel_id:
        lines.append(f"Channel: <#{mine.discord_channel_id}>")
    return "\n".join(lines)


def _weekly_time(view: WeeklyTimeView) -> str:
    """'Tuesdays at 19:00 CET in your zone (Europe/Berlin); anchored to Tuesday 18:00 (UTC)'."""
    local = view.local
    text = f"{local.weekday_name}s at {local.time} {local.zone_abbreviation}"
    text += f" in your zone ({view.timezone})"
    if view.timezone != view.anchor_timezone:
        text += f"; anchored to {view.anchor_label}"
    if view.note:
        text += f". {view.note}"
    return text
