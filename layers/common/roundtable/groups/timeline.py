"""The facilitator's timeline of one group: meetings, what is due by each, who keeps up.

For each meeting: the modules due by it (from the course's progression, where
the modules listed before a meeting marker are due by that meeting), each
learner's state on each (completed, in progress, not started — by title,
never by id), and who came (members, and guests from other groups; a member
visiting another group that week is shown as away). For each learner: missed
meetings in a row (inactive after the INACTIVE_AFTER_MISSED setting), whether they are
behind before the next meeting (a required module due by then not
completed), how many tutor chats the facilitator may read, and how many
assessed questions they have answered.

Access is facilitation's: admins see every group, a facilitator only the
groups they actively facilitate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import aliased

from roundtable.config import get_settings
from roundtable.content.bundle import Bundle, UnknownContentError
from roundtable.content.progress_views import CourseProgress, ModuleProgress, members_progress
from roundtable.db.tables import (
    assessment_answers,
    attendances,
    chat_sessions,
    cohorts,
    group_members,
    groups,
    guest_visits,
    meetings,
    users,
)
from roundtable.groups.facilitation import require_group_access
from roundtable.groups.learners import channel_url
from roundtable.meetings.activity import absences
from roundtable.meetings.times import format_moment
from roundtable.people.profiles import Viewer

logger = logging.getLogger(__name__)

ItemStatus = Literal["completed", "in_progress", "not_started"]
Outcome = Literal["attended", "missed", "upcoming", "not_a_member"]


@dataclass(frozen=True)
class LearnerState:
    """One learner's state on one due module."""

    user_id: int
    status: ItemStatus
    sections_done: int  # required sections
    sections_total: int


@dataclass(frozen=True)
class DueModule:
    """A module due by a meeting, with every learner's state on it (in `members` order)."""

    slug: str
    title: str
    optional: bool
    section_titles: list[str]
    states: list[LearnerState]


@dataclass(frozen=True)
class Presence:
    """Someone at (or expected at) a meeting: a member, or a guest from another group."""

    user_id: int
    display_name: str
    role: str  # learner | facilitator | guest
    rsvp: str
    outcome: Outcome
    visiting_group: str | None  # a member away that week: the group they visit
    guest_from_group: str | None  # a guest: their own group


@dataclass(frozen=True)
class TimelineMeeting:
    id: int
    number: int
    starts_at: datetime
    local_label: str  # in the viewer's zone
    held: bool  # over by now
    is_next: bool
    due: list[DueModule]
    attendance: list[Presence]


@dataclass(frozen=True)
class TimelineMember:
    """A learner of the group, with the flags a facilitator acts on."""

    user_id: int
    display_name: str
    missed_in_a_row: int
    inactive: bool
    behind: bool
    behind_on: list[str]  # titles of required modules due by the next meeting, not completed
    chat_sessions: int  # tutor chats the facilitator may read (facilitation.chat_transcripts)
    answers: int = 0  # questions answered, the tutor's feedback readable (tutor.assessment)


@dataclass(frozen=True)
class GroupTimeline:
    group_id: int
    group_name: str
    cohort_id: int
    cohort_name: str
    course_slug: str
    discord_channel_url: str | None
    next_meeting_number: int | None
    inactive_after: int
    content_problem: str | None  # why no modules are shown, when the content cannot say
    members: list[TimelineMember]
    meetings: list[TimelineMeeting]
    after_last_meeting: list[DueModule]  # modules the course places after its last meeting


BundleSource = Callable[[], Bundle]


def _live_bundle() -> Bundle:
    from roundtable.content.live import load_live_bundle

    return load_live_bundle()


def group_timeline(
    conn: Connection,
    viewer: Viewer,
    group_id: int,
    now: datetime,
    *,
    bundle: BundleSource = _live_bundle,
) -> GroupTimeline:
    """The group's timeline for its facilitator (or an admin); 404 no group, 403 not theirs."""
    require_group_access(conn, viewer, group_id)
    group = _group(conn, group_id)
    learners = _learners(conn, group_id)
    series = conn.execute(
        select(meetings).where(meetings.c.group_id == group_id).order_by(meetings.c.meeting_number)
    ).all()
    upcoming = [m for m in series if m.starts_at >= now]
    next_number = upcoming[0].meeting_number if upcoming else None

    progress, problem = _progress(conn, [p.id for p in learners], group.course_slug, bundle)
    due = _due_by_meeting(progress, [p.id for p in learners])
    numbers = {m.meeting_number for m in series}
    runs = absences(conn, [group_id], now)
    chats = _chat_counts(conn, [p.id for p in learners])
    answered = _answer_counts(conn, [p.id for p in learners])
    presence = _presence(conn, group_id, series, now)

    members = []
    for person in learners:
        run = runs.get((group_id, person.id))
        late = _behind_on(due, person.id, next_number)
        members.append(
            TimelineMember(
                person.id,
                person.display_name,
                run.missed_in_a_row if run else 0,
                run.inactive if run else False,
                bool(late),
                late,
                chats.get(person.id, 0),
                answered.get(person.id, 0),
            )
        )
    return GroupTimeline(
        group_id=group_id,
        group_name=group.name,
        cohort_id=group.cohort_id,
        cohort_name=group.cohort_name,
        course_slug=group.course_slug,
        discord_channel_url=channel_url(
            get_settings(), group.discord_text_channel_id, group.discord_guild_id
        ),
        next_meeting_number=next_number,
        inactive_after=get_settings().inactive_after_missed,
        content_problem=problem,
        members=members,
        meetings=[
            TimelineMeeting(
                m.id,
                m.meeting_number,
                m.starts_at,
                format_moment(m.starts_at, viewer.timezone),
                m.ends_at <= now,
                m.meeting_number == next_number,
                due.get(m.meeting_number, []),
                presence.get(m.id, []),
            )
            for m in series
        ],
        # Modules due by no meeting, or by a meeting number this group does not have.
        after_last_meeting=[
            module for number, mods in due.items() if number not in numbers for module in mods
        ],
    )


def _group(conn: Connection, group_id: int) -> Any:
    return conn.execute(
        select(
            groups.c.name,
            groups.c.cohort_id,
            groups.c.discord_text_channel_id,
            groups.c.discord_guild_id,
            cohorts.c.name.label("cohort_name"),
            cohorts.c.course_slug,
        )
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(groups.c.id == group_id)
    ).one()


def _learners(conn: Connection, group_id: int) -> Sequence[Any]:
    return conn.execute(
        select(users.c.id, users.c.display_name)
        .join(group_members, group_members.c.user_id == users.c.id)
        .where(
            group_members.c.group_id == group_id,
            group_members.c.status == "active",
            group_members.c.role == "learner",
        )
        .order_by(users.c.display_name, users.c.id)
    ).all()


def _progress(
    conn: Connection, user_ids: list[int], course_slug: str, bundle: BundleSource
) -> tuple[dict[int, CourseProgress], str | None]:
    """Each learner's course progress; empty with the reason when the content cannot give it."""
    try:
        loaded = bundle()
    except Exception:  # the timeline stays readable (meetings, attendance) without content
        logger.exception("course content unavailable: the timeline shows no modules")
        return {}, "The course content is unavailable right now, so modules are not shown."
    try:
        found = members_progress(conn, user_ids=user_ids, bundle=loaded, course_slug=course_slug)
    except UnknownContentError:
        return {}, f"The course content has no course {course_slug!r}, so modules are not shown."
    return found, None


def _due_by_meeting(
    progress: dict[int, CourseProgress], user_ids: list[int]
) -> dict[int | None, list[DueModule]]:
    """Meeting number (None: after the last) → the modules due by it, with each learner's state."""
    if not progress:
        return {}
    # Every learner's progress has the same shape (the course's); read the modules off one.
    template = progress[user_ids[0]]
    due: dict[int | None, list[DueModule]] = {}
    for u, unit in enumerate(template.units):
        for k, module in enumerate(unit.modules):
            states = [_state(progress[uid].units[u].modules[k], uid) for uid in user_ids]
            due.setdefault(unit.meeting, []).append(
                DueModule(
                    module.slug,
                    module.title,
                    module.optional,
                    [s.title for s in module.sections],
                    states,
                )
            )
    return due


def _state(module: ModuleProgress, user_id: int) -> LearnerState:
    return LearnerState(user_id, module.status, module.required_done, module.required_total)


def _behind_on(
    due: dict[int | None, list[DueModule]], user_id: int, next_number: int | None
) -> list[str]:
    """Required modules due by the next meeting (or earlier) that the learner has not completed."""
    if next_number is None:
        return []
    late = []
    for number, modules in due.items():
        if number is None or number > next_number:
            continue
        for module in modules:
            state = next(s for s in module.states if s.user_id == user_id)
            if not module.optional and state.status != "completed":
                late.append(module.title)
    return late


def _chat_counts(conn: Connection, user_ids: list[int]) -> dict[int, int]:
    rows = conn.execute(
        select(chat_sessions.c.user_id, func.count())
        .where(chat_sessions.c.user_id.in_(user_ids))
        .group_by(chat_sessions.c.user_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def _answer_counts(conn: Connection, user_ids: list[int]) -> dict[int, int]:
    """Distinct questions each learner has answered (any attempt)."""
    rows = conn.execute(
        select(
            assessment_answers.c.user_id,
            func.count(assessment_answers.c.segment_id.distinct()),
        )
        .where(assessment_answers.c.user_id.in_(user_ids))
        .group_by(assessment_answers.c.user_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def _presence(
    conn: Connection, group_id: int, series: Sequence[Any], now: datetime
) -> dict[int, list[Presence]]:
    """Meeting id → members (with their answers) then guests, and members away as guests."""
    ids = [m.id for m in series]
    if not ids:
        return {}
    members = conn.execute(
        select(users.c.id, users.c.display_name, group_members.c.role, group_members.c.joined_at)
        .join(group_members, group_members.c.user_id == users.c.id)
        .where(group_members.c.group_id == group_id, group_members.c.status == "active")
        .order_by(group_members.c.role.desc(), users.c.display_name, users.c.id)
    ).all()
    marks = {
        (a.meeting_id, a.user_id): a
        for a in conn.execute(select(attendances).where(attendances.c.meeting_id.in_(ids)))
    }
    visits = _guest_visits(conn, ids)
    found: dict[int, list[Presence]] = {}
    for m in series:
        away = {v.user_id: v for v in visits if v.own_meeting_id == m.id}
        entries = [
            _member_presence(m, p, marks.get((m.id, p.id)), away.get(p.id), now) for p in members
        ]
        entries += [_guest_presence(m, v, now) for v in visits if v.host_meeting_id == m.id]
        found[m.id] = entries
    return found


def _guest_visits(conn: Connection, meeting_ids: list[int]) -> Sequence[Any]:
    """Booked visits into these meetings, or replacing them, with the visit's own answer.

    (roundtable.meetings.guests books them; a guest's RSVP and check-in are on the host meeting.)
    """
    host_meeting = aliased(meetings)
    own_meeting = aliased(meetings)
    host_group = aliased(groups)
    own_group = aliased(groups)
    return conn.execute(
        select(
            guest_visits.c.user_id,
            guest_visits.c.host_meeting_id,
            guest_visits.c.own_meeting_id,
            users.c.display_name,
            host_group.c.name.label("host_group"),
            own_group.c.name.label("own_group"),
            attendances.c.rsvp,
            attendances.c.checked_in_at,
        )
        .join(users, users.c.id == guest_visits.c.user_id)
        .join(host_meeting, host_meeting.c.id == guest_visits.c.host_meeting_id)
        .join(host_group, host_group.c.id == host_meeting.c.group_id)
        .join(own_meeting, own_meeting.c.id == guest_visits.c.own_meeting_id)
        .join(own_group, own_group.c.id == own_meeting.c.group_id)
        .outerjoin(
            attendances,
            and_(
                attendances.c.meeting_id == guest_visits.c.host_meeting_id,
                attendances.c.user_id == guest_visits.c.user_id,
            ),
        )
        .where(
            guest_visits.c.status == "booked",
            or_(
                guest_visits.c.host_meeting_id.in_(meeting_ids),
                guest_visits.c.own_meeting_id.in_(meeting_ids),
            ),
        )
        .order_by(users.c.display_name, guest_visits.c.id)
    ).all()


def _outcome(meeting: Any, checked_in: datetime | None, now: datetime) -> Outcome:
    if meeting.ends_at > now:
        return "upcoming"
    return "attended" if checked_in is not None else "missed"


def _member_presence(meeting: Any, person: Any, mark: Any, visit: Any, now: datetime) -> Presence:
    # Away as a guest that week: their answer and check-in are on the host meeting.
    answer = visit if visit is not None else mark
    rsvp = answer.rsvp if answer is not None else None
    checked = answer.checked_in_at if answer is not None else None
    joined_later = person.joined_at is not None and meeting.starts_at < person.joined_at
    return Presence(
        person.id,
        person.display_name,
        str(person.role),
        str(rsvp or "pending"),
        "not_a_member" if joined_later and answer is None else _outcome(meeting, checked, now),
        visit.host_group if visit is not None else None,
        None,
    )


def _guest_presence(meeting: Any, visit: Any, now: datetime) -> Presence:
    return Presence(
        visit.user_id,
        visit.display_name,
        "guest",
        str(visit.rsvp or "attending"),  # booking a visit is saying they will come
        _outcome(meeting, visit.checked_in_at, now),
        None,
        visit.own_group,
    )
