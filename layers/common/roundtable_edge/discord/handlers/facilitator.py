"""Facilitator commands: /attendance and /group-progress (admins may use them too).

Presenters over `roundtable.groups.facilitation`, the functions behind the
web's facilitator pages: the same access rule (admins see every group, a
facilitator the groups they actively facilitate) and the same refusals.
"""

from __future__ import annotations

from typing import Any

from roundtable.groups import facilitation
from roundtable.groups.facilitation import MeetingAttendance
from roundtable_edge.discord.handlers.common import connect, find_user, resolve_group
from roundtable_edge.discord.handlers.member import viewer_for, viewer_of
from roundtable_edge.discord.interactions import Context, autocomplete_result, discord_time, message

_RSVP_MARKS = {
    "attending": "✅ coming",
    "not_attending": "❌ can't make it",
    "tentative": "❔ maybe",
    "pending": "… no answer",
}


def attendance(context: Context) -> dict[str, Any]:
    """/attendance [group]: RSVPs and check-ins for the last and the next meeting."""
    with connect(context) as conn:
        viewer, chosen = viewer_of(conn, context), _group_option(conn, context)
        found = facilitation.recent_attendance(conn, viewer, chosen, context.now)
    sections = [f"**{found.group.name}** — attendance"]
    for title, meeting in (("Last meeting", found.last), ("Next meeting", found.next)):
        sections.append(_meeting_section(title, meeting))
    return message("\n\n".join(sections))


def group_progress(context: Context) -> dict[str, Any]:
    """/group-progress [group]: modules completed (and in progress) per learner."""
    with connect(context) as conn:
        viewer, chosen = viewer_of(conn, context), _group_option(conn, context)
        found = facilitation.group_progress(conn, viewer, chosen, context.now)
    if not found.members:
        return message(f"**{found.group.name}** has no learners yet.")
    lines = [f"**{found.group.name}** — modules completed (in progress)"]
    for member in found.members:
        lines.append(
            f"{member.display_name}: {member.completed_modules} ({member.modules_in_progress})"
        )
    return message("\n".join(lines))


def autocomplete_my_group(context: Context) -> dict[str, Any]:
    """Groups the caller facilitates (every group, for admins) matching what they typed."""
    _, typed = context.interaction.focused_option
    with connect(context) as conn:
        user = find_user(conn, context.interaction)
        if user is None:  # unlinked: the commands themselves will say how to link
            return autocomplete_result([])
        viewer = viewer_for(user, context)
        found = facilitation.search_facilitated_groups(conn, viewer, typed, context.now)
    return autocomplete_result([(f"{g.name} ({g.cohort_name})", g.id) for g in found])


def _group_option(conn: Any, context: Context) -> int | None:
    """The `group` option's group id (checked to exist), or None when not given."""
    wanted = context.interaction.options.get("group")
    return None if wanted is None else int(resolve_group(conn, wanted).id)


def _meeting_section(title: str, meeting: MeetingAttendance | None) -> str:
    if meeting is None:
        return f"{title}: none."
    lines = [f"{title} (meeting {meeting.number}, {discord_time(meeting.starts_at)}):"]
    for entry in meeting.members:
        rsvp = _RSVP_MARKS.get(entry.rsvp, "… no answer")
        checked = (
            f", checked in {discord_time(entry.checked_in_at, 't')}" if entry.checked_in_at else ""
        )
        lines.append(f"- {entry.display_name}: {rsvp}{checked}")
    return "\n".join(lines)
