"""What facilitators see of their own groups: progress, attendance, chats.

Access: admins see every group; a facilitator sees only groups they
actively facilitate, and only the members of those groups. The web's
facilitator pages and Discord's /attendance, /group-progress and their group
autocomplete call these same functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select

from roundtable.content.progress_counts import module_counts
from roundtable.db.tables import (
    attendances,
    chat_messages,
    chat_sessions,
    cohorts,
    content_progress,
    group_members,
    groups,
    meetings,
    users,
)
from roundtable.errors import NotFoundError, PermissionDeniedError, ValidationError
from roundtable.meetings.guests import BookedGuest, booked_guests
from roundtable.meetings.times import format_moment
from roundtable.people.profiles import Viewer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FacilitatedGroup:
    id: int
    name: str
    status: str
    cohort_id: int
    cohort_name: str
    member_count: int
    next_meeting_at: datetime | None


@dataclass(frozen=True)
class MemberProgress:
    user_id: int
    display_name: str
    completed_modules: int
    modules_in_progress: int
    completed_sections: int
    total_time_s: int
    chat_messages: int
    last_active_at: datetime | None


@dataclass(frozen=True)
class AttendanceEntry:
    user_id: int
    display_name: str
    rsvp: str
    checked_in_at: datetime | None
    outcome: str  # attended | missed | upcoming
    guest_from: str | None = None  # a guest visiting from this group (meetings.guests)


@dataclass(frozen=True)
class MeetingAttendance:
    id: int
    number: int
    starts_at: datetime
    local_label: str
    is_past: bool
    members: list[AttendanceEntry]


@dataclass(frozen=True)
class RecentAttendance:
    """A group's last meeting (already started) and next one, with everyone's answers."""

    group: FacilitatedGroup
    last: MeetingAttendance | None
    next: MeetingAttendance | None


@dataclass(frozen=True)
class GroupProgress:
    group: FacilitatedGroup
    members: list[MemberProgress]


@dataclass(frozen=True)
class ContentTitle:
    """What a content id is called in the live course content."""

    title: str
    module_title: str | None  # the module a section or outcome belongs to


ContentTitles = Mapping[str, ContentTitle]


@dataclass(frozen=True)
class ProgressItem:
    content_id: str
    content_type: str
    started_at: datetime
    completed_at: datetime | None
    total_time_s: int
    title: str  # "<id> (removed)" when the live content no longer has it
    module_title: str | None


@dataclass(frozen=True)
class ChatMessageView:
    role: str
    content: str
    created_at: datetime


@dataclass(frozen=True)
class ChatView:
    id: int
    module_id: str
    started_at: datetime
    last_active_at: datetime
    archived: bool
    messages: list[ChatMessageView]
    module_title: str  # as the live content names it, like ProgressItem.title


def facilitates(viewer_id: int, group_id: Any) -> Any:
    """The condition that the viewer actively facilitates `group_id` (a value or a column)."""
    return exists().where(
        group_members.c.group_id == group_id,
        group_members.c.user_id == viewer_id,
        group_members.c.role == "facilitator",
        group_members.c.status == "active",
    )


def require_facilitator(conn: Connection, viewer: Viewer) -> None:
    """PermissionDeniedError unless the viewer is an admin or facilitates some group."""
    if viewer.is_admin:
        return
    if not conn.scalar(select(facilitates(viewer.id, group_members.c.group_id))):
        raise PermissionDeniedError("Only facilitators can see this: you facilitate no group.")


def require_group_access(conn: Connection, viewer: Viewer, group_id: int) -> Any:
    """The group row if the viewer may see it: 404 if missing, 403 if not theirs."""
    group = conn.execute(select(groups).where(groups.c.id == group_id)).first()
    if group is None:
        raise NotFoundError(f"There is no group {group_id}.", field="group_id")
    if not viewer.is_admin and not conn.scalar(select(facilitates(viewer.id, group_id))):
        raise PermissionDeniedError(f"You don't facilitate {group.name}.")
    return group


def require_member(conn: Connection, viewer: Viewer, group_id: int, user_id: int) -> str:
    """The member's name, after checking access to the group and membership of the user."""
    require_group_access(conn, viewer, group_id)
    name = conn.scalar(
        select(users.c.display_name)
        .join(group_members, group_members.c.user_id == users.c.id)
        .where(
            group_members.c.group_id == group_id,
            group_members.c.user_id == user_id,
            group_members.c.status == "active",
        )
    )
    if name is None:
        raise NotFoundError(f"user {user_id} is not a member of group {group_id}")
    return str(name)


def facilitated_groups(conn: Connection, viewer: Viewer, now: datetime) -> list[FacilitatedGroup]:
    """The groups I facilitate (admins: every published group)."""
    require_facilitator(conn, viewer)
    return _groups(conn, _visible_to(viewer), now)


def search_facilitated_groups(
    conn: Connection, viewer: Viewer, text: str, now: datetime, *, limit: int = 25
) -> list[FacilitatedGroup]:
    """`facilitated_groups` whose name contains `text` (any case); none for non-facilitators."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matching = and_(_visible_to(viewer), groups.c.name.ilike(f"%{escaped}%"))
    return _groups(conn, matching, now, limit=limit)


def choose_group(
    conn: Connection, viewer: Viewer, group_id: int | None, now: datetime
) -> FacilitatedGroup:
    """The group a facilitator means: the one named (access-checked), else their only one.

    No group named: the one group I facilitate myself (admins too: "every group"
    is no answer); ValidationError naming them when I facilitate several;
    PermissionDeniedError when I facilitate none.
    """
    if group_id is not None:
        require_group_access(conn, viewer, group_id)
        return _groups(conn, groups.c.id == group_id, now)[0]
    mine = _groups(conn, _own(viewer), now)
    if not mine:
        raise PermissionDeniedError("Only facilitators can use this: you facilitate no group.")
    if len(mine) > 1:
        names = ", ".join(g.name for g in mine)
        raise ValidationError(
            f"You facilitate several groups ({names}); pick one.", field="group_id"
        )
    return mine[0]


def _own(viewer: Viewer) -> Any:
    return and_(groups.c.status != "cancelled", facilitates(viewer.id, groups.c.id))


def _visible_to(viewer: Viewer) -> Any:
    if viewer.is_admin:
        return groups.c.status.not_in(("cancelled", "preview"))
    return _own(viewer)


def _groups(
    conn: Connection, condition: Any, now: datetime, *, limit: int | None = None
) -> list[FacilitatedGroup]:
    members = (
        select(func.count())
        .where(group_members.c.group_id == groups.c.id, group_members.c.status == "active")
        .scalar_subquery()
    )
    upcoming = (
        select(func.min(meetings.c.starts_at))
        .where(meetings.c.group_id == groups.c.id, meetings.c.starts_at >= now)
        .scalar_subquery()
    )
    query = (
        select(
            groups.c.id,
            groups.c.name,
            groups.c.status,
            groups.c.cohort_id,
            cohorts.c.name.label("cohort_name"),
            members.label("members"),
            upcoming.label("next_meeting_at"),
        )
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(condition)
        .order_by(cohorts.c.start_date.desc(), groups.c.name, groups.c.id)
        .limit(limit)
    )
    return [
        FacilitatedGroup(
            r.id, r.name, r.status, r.cohort_id, r.cohort_name, r.members, r.next_meeting_at
        )
        for r in conn.execute(query)
    ]


def group_progress(
    conn: Connection, viewer: Viewer, group_id: int | None, now: datetime
) -> GroupProgress:
    """`member_progress` of the group `choose_group` picks."""
    chosen = choose_group(conn, viewer, group_id, now)
    return GroupProgress(chosen, member_progress(conn, viewer, chosen.id))


def member_progress(conn: Connection, viewer: Viewer, group_id: int) -> list[MemberProgress]:
    """Each active learner's progress summary: completions, time, chat activity."""
    require_group_access(conn, viewer, group_id)
    done = content_progress.c.completed_at.is_not(None)

    progress = (
        select(
            content_progress.c.user_id,
            func.count()
            .filter(and_(done, content_progress.c.content_type == "section"))
            .label("sections"),
            func.sum(content_progress.c.total_time_s).label("seconds"),
            func.max(content_progress.c.last_heartbeat_at).label("seen"),
        )
        .group_by(content_progress.c.user_id)
        .subquery()
    )
    chats = (
        select(
            chat_sessions.c.user_id,
            func.count(chat_messages.c.id).filter(chat_messages.c.role == "user").label("n"),
            func.max(chat_sessions.c.last_active_at).label("seen"),
        )
        .select_from(
            chat_sessions.outerjoin(chat_messages, chat_messages.c.session_id == chat_sessions.c.id)
        )
        .group_by(chat_sessions.c.user_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            users.c.id,
            users.c.display_name,
            progress.c.sections,
            progress.c.seconds,
            progress.c.seen.label("progress_seen"),
            chats.c.n,
            chats.c.seen.label("chat_seen"),
        )
        .join(group_members, group_members.c.user_id == users.c.id)
        .outerjoin(progress, progress.c.user_id == users.c.id)
        .outerjoin(chats, chats.c.user_id == users.c.id)
        .where(
            group_members.c.group_id == group_id,
            group_members.c.status == "active",
            group_members.c.role == "learner",
        )
        .order_by(users.c.display_name)
    ).all()
    modules = module_counts(conn, [r.id for r in rows])
    return [
        MemberProgress(
            r.id,
            r.display_name,
            modules[r.id].completed,
            modules[r.id].in_progress,
            r.sections or 0,
            r.seconds or 0,
            r.n or 0,
            _latest(r.progress_seen, r.chat_seen),
        )
        for r in rows
    ]


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def attendance(
    conn: Connection, viewer: Viewer, group_id: int, now: datetime
) -> list[MeetingAttendance]:
    """Every meeting of the group with each member's RSVP and check-in, then its guests."""
    require_group_access(conn, viewer, group_id)
    people = conn.execute(
        select(users.c.id, users.c.display_name)
        .join(group_members, group_members.c.user_id == users.c.id)
        .where(group_members.c.group_id == group_id, group_members.c.status == "active")
        .order_by(users.c.display_name)
    ).all()
    rows = conn.execute(
        select(meetings).where(meetings.c.group_id == group_id).order_by(meetings.c.meeting_number)
    ).all()
    marks = {
        (a.meeting_id, a.user_id): a
        for a in conn.execute(
            select(attendances).where(attendances.c.meeting_id.in_([m.id for m in rows]))
        )
    }
    guests = booked_guests(conn, [m.id for m in rows])
    return [
        MeetingAttendance(
            m.id,
            m.meeting_number,
            m.starts_at,
            format_moment(m.starts_at, viewer.timezone),
            m.starts_at < now,
            [_entry(marks.get((m.id, p.id)), p, m.starts_at < now) for p in people]
            + [_guest_entry(marks, m, g, now) for g in guests.get(m.id, [])],
        )
        for m in rows
    ]


def recent_attendance(
    conn: Connection, viewer: Viewer, group_id: int | None, now: datetime
) -> RecentAttendance:
    """The last and the next meeting of the group `choose_group` picks, from `attendance`."""
    chosen = choose_group(conn, viewer, group_id, now)
    series = attendance(conn, viewer, chosen.id, now)
    past = [m for m in series if m.is_past]
    upcoming = [m for m in series if not m.is_past]
    return RecentAttendance(chosen, past[-1] if past else None, upcoming[0] if upcoming else None)


def _entry(mark: Any, person: Any, past: bool) -> AttendanceEntry:
    checked = mark.checked_in_at if mark is not None else None
    outcome = "upcoming" if not past else ("attended" if checked else "missed")
    return AttendanceEntry(
        person.id, person.display_name, mark.rsvp if mark else "pending", checked, outcome
    )


def _guest_entry(
    marks: Mapping[tuple[int, int], Any], meeting: Any, guest: BookedGuest, now: datetime
) -> AttendanceEntry:
    """A guest's line: their answer and check-in at this meeting, marked as a guest."""
    entry = _entry(
        marks.get((meeting.id, guest.user_id)),
        _Person(guest.user_id, guest.display_name),
        meeting.starts_at < now,
    )
    return replace(entry, guest_from=guest.from_group_name)


@dataclass(frozen=True)
class _Person:
    id: int
    display_name: str


def content_titles(bundle_data: Mapping[str, Any]) -> dict[str, ContentTitle]:
    """Titles by content id of every module, outcome and section of a content bundle."""
    titles: dict[str, ContentTitle] = {}
    for module in bundle_data.get("modules", {}).values():
        titles[module["id"]] = ContentTitle(module["title"], None)
        for outcome in module.get("outcomes", []):
            titles[outcome["id"]] = ContentTitle(outcome["title"], module["title"])
            for section in outcome.get("sections", []):
                titles[section["id"]] = ContentTitle(section["title"], module["title"])
    return titles


def live_content_titles() -> ContentTitles | None:
    """Titles from the live content; None when it cannot be read (the view then shows ids)."""
    from roundtable.content.live import load_live_bundle

    try:
        return content_titles(load_live_bundle().data)
    except Exception:  # progress stays readable when content is broken or unpublished
        logger.exception("course content unavailable: facilitator progress shows ids only")
        return None


def progress_detail(
    conn: Connection,
    viewer: Viewer,
    group_id: int,
    user_id: int,
    titles: Callable[[], ContentTitles | None] = live_content_titles,
) -> tuple[str, list[ProgressItem]]:
    """A member's progress rows, most recent first, named as the live content names them."""
    name = require_member(conn, viewer, group_id, user_id)
    rows = conn.execute(
        select(content_progress)
        .where(content_progress.c.user_id == user_id)
        .order_by(content_progress.c.started_at.desc(), content_progress.c.id.desc())
    ).all()
    known = titles() if rows else {}
    return name, [
        ProgressItem(
            r.content_id,
            r.content_type,
            r.started_at,
            r.completed_at,
            r.total_time_s,
            *_title(known, r.content_id),
        )
        for r in rows
    ]


def _title(known: ContentTitles | None, content_id: str) -> tuple[str, str | None]:
    if known is None:  # content unavailable: we cannot say it was removed
        return content_id, None
    found = known.get(content_id)
    return (found.title, found.module_title) if found else (f"{content_id} (removed)", None)


def chat_transcripts(
    conn: Connection,
    viewer: Viewer,
    group_id: int,
    user_id: int,
    titles: Callable[[], ContentTitles | None] = live_content_titles,
) -> tuple[str, list[ChatView]]:
    """A member's tutor chats (active and archived), newest first, with their messages."""
    name = require_member(conn, viewer, group_id, user_id)
    sessions = conn.execute(
        select(chat_sessions)
        .where(chat_sessions.c.user_id == user_id)
        .order_by(chat_sessions.c.last_active_at.desc(), chat_sessions.c.id.desc())
    ).all()
    messages: dict[int, list[ChatMessageView]] = {s.id: [] for s in sessions}
    for m in conn.execute(
        select(chat_messages)
        .where(chat_messages.c.session_id.in_(list(messages)))
        .order_by(chat_messages.c.id)
    ):
        messages[m.session_id].append(ChatMessageView(m.role, m.content, m.created_at))
    known = titles() if sessions else {}
    return name, [
        ChatView(
            s.id,
            s.module_id,
            s.started_at,
            s.last_active_at,
            s.archived_at is not None,
            messages[s.id],
            _title(known, s.module_id)[0],
        )
        for s in sessions
    ]
