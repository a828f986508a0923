"""Facilitator commands: /attendance and /group-progress (admins may use them too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from roundtable.db.tables import attendances, cohorts, groups, meetings
from roundtable.errors import PermissionDeniedError, ValidationError
from roundtable_edge.discord.handlers.common import (
    active_groups,
    connect,
    find_user,
    group_members_of,
    is_admin,
    like,
    require_user,
    resolve_group,
)
from roundtable_edge.discord.handlers.member import module_counts
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
        chosen = _facilitated_group(conn, context)
        members = group_members_of(conn, chosen.id)
        last = _meeting_near(conn, chosen.id, context.now, before=True)
        upcoming = _meeting_near(conn, chosen.id, context.now, before=False)
        sections = [f"**{chosen.name}** — attendance"]
        for title, meeting in (("Last meeting", last), ("Next meeting", upcoming)):
            sections.append(_meeting_section(conn, title, meeting, members))
    return message("\n\n".join(sections))


def group_progress(context: Context) -> dict[str, Any]:
    """/group-progress [group]: modules completed per member."""
    with connect(context) as conn:
        chosen = _facilitated_group(conn, context)
        learners = [m for m in group_members_of(conn, chosen.id) if m.role == "learner"]
        counts = module_counts(conn, [m.id for m in learners])
    if not learners:
        return message(f"**{chosen.name}** has no learners yet.")
    lines = [f"**{chosen.name}** — modules completed (in progress)"]
    for member in learners:
        done, started = counts.get(member.id, (0, 0))
        lines.append(f"{member.display_name}: {done} ({started})")
    return message("\n".join(lines))


def autocomplete_my_group(context: Context) -> dict[str, Any]:
    """Groups the caller facilitates (every group, for admins) matching what they typed."""
    _, typed = context.interaction.focused_option
    with connect(context) as conn:
        user = find_user(conn, context.interaction)
        if is_admin(user, context.interaction):
            rows = conn.execute(
                select(groups.c.id, groups.c.name, cohorts.c.name.label("cohort_name"))
                .join(cohorts, cohorts.c.id == groups.c.cohort_id)
                .where(groups.c.name.ilike(like(typed)), groups.c.status != "cancelled")
                .order_by(groups.c.first_meeting_at.desc())
                .limit(25)
            ).all()
        elif user is not None:
            rows = [
                r
                for r in active_groups(conn, user.id, role="facilitator")
                if typed.lower() in r.name.lower()
            ]
        else:
            rows = []
    return autocomplete_result([(f"{r.name} ({r.cohort_name})", r.id) for r in rows])


def _facilitated_group(conn: Connection, context: Context) -> Any:
    """The group named by the option (checked), or the caller's only facilitated group."""
    user = require_user(conn, context.interaction)
    wanted = context.interaction.options.get("group")
    mine = active_groups(conn, user.id, role="facilitator")
    if wanted is not None:
        chosen = resolve_group(conn, wanted)
        if chosen.id not in {g.id for g in mine} and not is_admin(user, context.interaction):
            raise PermissionDeniedError(f"You don't facilitate {chosen.name}.")
        return chosen
    if not mine:
        raise PermissionDeniedError("Only facilitators can use this: you facilitate no group.")
    if len(mine) > 1:
        names = ", ".join(g.name for g in mine)
        raise ValidationError(f"You facilitate several groups ({names}); pick one with `group`.")
    return mine[0]


def _meeting_near(conn: Connection, group_id: int, now: datetime, *, before: bool) -> Any:
    query = select(meetings).where(meetings.c.group_id == group_id)
    if before:
        query = query.where(meetings.c.starts_at <= now).order_by(meetings.c.starts_at.desc())
    else:
        query = query.where(meetings.c.starts_at > now).order_by(meetings.c.starts_at)
    return conn.execute(query.limit(1)).first()


def _meeting_section(conn: Connection, title: str, meeting: Any, members: list[Any]) -> str:
    if meeting is None:
        return f"{title}: none."
    rows = conn.execute(
        select(attendances.c.user_id, attendances.c.rsvp, attendances.c.checked_in_at).where(
            attendances.c.meeting_id == meeting.id
        )
    ).all()
    by_user = {r.user_id: r for r in rows}
    lines = [f"{title} (meeting {meeting.meeting_number}, {discord_time(meeting.starts_at)}):"]
    for member in members:
        record = by_user.get(member.id)
        rsvp = _RSVP_MARKS.get(record.rsvp if record else "pending", "… no answer")
        checked = (
            f", checked in {discord_time(record.checked_in_at, 't')}"
            if (record and record.checked_in_at)
            else ""
        )
        lines.append(f"- {member.display_name}: {rsvp}{checked}")
    return "\n".join(lines)
