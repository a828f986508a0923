"""The hourly Zoom step: each Zoom group's coming meetings on Zoom, and the check-ins
from the participants reports of its past ones.

One scheduled Zoom meeting (type 2) per meeting of ours rather than one recurring
meeting (type 8): each is at the meeting's exact instant, so a weekly time that
crosses a DST change, or one meeting moved, needs no occurrence arithmetic, and
each report belongs to exactly one of our meetings. Meetings are made for the
next HORIZON only, which bounds the calls (Zoom allows 100 meeting creates and
updates per user a day) and leaves a moved weekly time few meetings to patch.

A meeting whose time or length changed is patched; one no longer wanted (its
group cancelled, completed or moved off Zoom, or the meeting gone) is deleted
(a 404 counts as deleted). The Zoom call comes first and the row is written
after it, one meeting per transaction, so a failure leaves the rest done and the
next hour retries it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from roundtable.db.engine import transaction
from roundtable.db.tables import (
    attendances,
    cohorts,
    group_members,
    groups,
    guest_visits,
    meetings,
    users,
    zoom_meetings,
)
from roundtable.venues.choice import effective_venue
from roundtable.venues.zoom_api import Participant, ZoomApiError, ZoomClient

logger = logging.getLogger(__name__)

HORIZON = timedelta(days=8)
# Zoom's report is ready shortly after the meeting ends; until then it answers 404.
REPORT_DELAY = timedelta(minutes=30)
# A report still missing this long after the meeting: none will come (nobody joined).
REPORT_GIVE_UP = timedelta(days=3)


@dataclass
class ZoomReport:
    created: int = 0
    moved: int = 0
    removed: int = 0
    reports_read: int = 0
    check_ins: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def sync_zoom(engine: Engine, client: Callable[[], ZoomClient], *, now: datetime) -> ZoomReport:
    """Reconcile Zoom meetings, then read the reports due; the client is made only if needed."""
    run = _Run(engine, client, now, ZoomReport())
    wanted, held = _wanted(engine, now), _held(engine, now)
    for meeting_id, plan in wanted.items():
        run.attempt(f"meeting {meeting_id}", partial(run.place, plan, held.get(meeting_id)))
    for meeting_id, (zoom_id, _, _) in held.items():
        if meeting_id not in wanted:
            run.attempt(f"meeting {meeting_id}", partial(run.remove, meeting_id, zoom_id))
    for meeting_id, uuid in _reports_due(engine, now):
        run.attempt(f"report {meeting_id}", partial(run.read_report, meeting_id, uuid))
    return run.report


@dataclass(frozen=True)
class _Plan:
    meeting_id: int
    topic: str
    starts_at: datetime
    minutes: int


def _wanted(engine: Engine, now: datetime) -> dict[int, _Plan]:
    """The meetings of active Zoom groups that start within the horizon."""
    with transaction(engine) as conn:
        rows = conn.execute(
            select(
                meetings.c.id,
                meetings.c.starts_at,
                meetings.c.ends_at,
                meetings.c.meeting_number,
                groups.c.name,
            )
            .join(groups, groups.c.id == meetings.c.group_id)
            .join(cohorts, cohorts.c.id == groups.c.cohort_id)
            .where(
                effective_venue() == "zoom",
                groups.c.status == "active",
                meetings.c.starts_at > now,
                meetings.c.starts_at <= now + HORIZON,
            )
        ).all()
    return {
        r.id: _Plan(
            r.id,
            f"{r.name} — meeting {r.meeting_number}",
            r.starts_at,
            int((r.ends_at - r.starts_at).total_seconds() // 60),
        )
        for r in rows
    }


def _held(engine: Engine, now: datetime) -> dict[int, tuple[int, datetime, int]]:
    """Zoom meetings not yet started, by our meeting: (Zoom id, its start, its length)."""
    with transaction(engine) as conn:
        rows = conn.execute(select(zoom_meetings).where(zoom_meetings.c.starts_at > now)).all()
    return {r.meeting_id: (r.zoom_meeting_id, r.starts_at, r.minutes) for r in rows}


@dataclass
class _Run:
    engine: Engine
    make_client: Callable[[], ZoomClient]
    now: datetime
    report: ZoomReport
    _client: ZoomClient | None = None

    @property
    def client(self) -> ZoomClient:
        if self._client is None:
            self._client = self.make_client()
        return self._client

    def attempt(self, what: str, step: Callable[[], None]) -> None:
        try:
            step()
        except ZoomApiError as exc:  # this one waits for the next hour; the others go on
            logger.warning("zoom: %s failed: %s", what, exc)
            self.report.failures[what] = str(exc)

    def place(self, plan: _Plan, current: tuple[int, datetime, int] | None) -> None:
        """Make the meeting's Zoom meeting, or move it to the meeting's time and length."""
        if current is None:
            made = self.client.create_meeting(plan.topic, plan.starts_at, plan.minutes)
            with transaction(self.engine) as conn:
                conn.execute(
                    insert(zoom_meetings).values(
                        meeting_id=plan.meeting_id,
                        zoom_meeting_id=made.id,
                        zoom_uuid=made.uuid,
                        join_url=made.join_url,
                        starts_at=plan.starts_at,
                        minutes=plan.minutes,
                    )
                )
            self.report.created += 1
            return
        zoom_id, starts_at, minutes = current
        if (starts_at, minutes) == (plan.starts_at, plan.minutes):
            return
        try:
            self.client.update_meeting(zoom_id, plan.starts_at, plan.minutes)
        except ZoomApiError as exc:
            if not exc.not_found:
                raise
            _forget(self.engine, plan.meeting_id)  # deleted on Zoom by hand: made anew
            self.place(plan, None)
            return
        with transaction(self.engine) as conn:
            conn.execute(
                update(zoom_meetings)
                .where(zoom_meetings.c.meeting_id == plan.meeting_id)
                .values(starts_at=plan.starts_at, minutes=plan.minutes)
            )
        self.report.moved += 1

    def remove(self, meeting_id: int, zoom_id: int) -> None:
        self.client.delete_meeting(zoom_id)
        _forget(self.engine, meeting_id)
        self.report.removed += 1

    def read_report(self, meeting_id: int, uuid: str) -> None:
        """Check-ins from the meeting's participants report, once."""
        try:
            participants = list(self.client.report_participants(uuid))
        except ZoomApiError as exc:
            if not exc.not_found:
                raise
            participants = []  # no report yet, or never (nobody joined)
            if not _gave_up(self.engine, meeting_id, self.now):
                return
        with transaction(self.engine) as conn:
            self.report.check_ins += record_zoom_check_ins(conn, meeting_id, participants)
            conn.execute(
                update(zoom_meetings)
                .where(zoom_meetings.c.meeting_id == meeting_id)
                .values(attendance_read_at=self.now)
            )
        self.report.reports_read += 1


def _forget(engine: Engine, meeting_id: int) -> None:
    with transaction(engine) as conn:
        conn.execute(delete(zoom_meetings).where(zoom_meetings.c.meeting_id == meeting_id))


def _reports_due(engine: Engine, now: datetime) -> list[tuple[int, str]]:
    with transaction(engine) as conn:
        rows = conn.execute(
            select(zoom_meetings.c.meeting_id, zoom_meetings.c.zoom_uuid)
            .join(meetings, meetings.c.id == zoom_meetings.c.meeting_id)
            .where(
                zoom_meetings.c.attendance_read_at.is_(None),
                meetings.c.ends_at <= now - REPORT_DELAY,
            )
        ).all()
    return [(r.meeting_id, r.zoom_uuid) for r in rows]


def _gave_up(engine: Engine, meeting_id: int, now: datetime) -> bool:
    with transaction(engine) as conn:
        ends_at = conn.scalar(select(meetings.c.ends_at).where(meetings.c.id == meeting_id))
    return ends_at is None or ends_at <= now - REPORT_GIVE_UP


def record_zoom_check_ins(conn: Any, meeting_id: int, participants: Iterable[Participant]) -> int:
    """Check in the meeting's people (its group's members, its guests) that the report
    lists, by e-mail, at their first join; a check-in already earlier is kept. How
    many attendances changed (0 when read again)."""
    first: dict[str, datetime] = {}
    for p in participants:
        first[p.email] = min(p.join_time, first.get(p.email, p.join_time))
    if not first:
        return 0
    people = conn.execute(
        select(users.c.id, func.lower(users.c.email).label("email")).where(
            func.lower(users.c.email).in_(first),
            or_(users.c.id.in_(_members_of(meeting_id)), users.c.id.in_(_guests_of(meeting_id))),
        )
    ).all()
    changed = 0
    for person in people:
        changed += _check_in(conn, meeting_id, person.id, first[person.email])
    return changed


def _members_of(meeting_id: int) -> Any:
    return (
        select(group_members.c.user_id)
        .join(meetings, meetings.c.group_id == group_members.c.group_id)
        .where(meetings.c.id == meeting_id)
    )


def _guests_of(meeting_id: int) -> Any:
    return select(guest_visits.c.user_id).where(
        and_(guest_visits.c.host_meeting_id == meeting_id, guest_visits.c.status != "cancelled")
    )


def _check_in(conn: Any, meeting_id: int, user_id: int, joined_at: datetime) -> int:
    """The earlier of the check-in held and Zoom's join, with the source of the one kept."""
    statement = pg_insert(attendances).values(
        meeting_id=meeting_id, user_id=user_id, checked_in_at=joined_at, check_in_source="zoom"
    )
    held = attendances.c.checked_in_at
    statement = statement.on_conflict_do_update(
        index_elements=[attendances.c.meeting_id, attendances.c.user_id],
        set_={"checked_in_at": joined_at, "check_in_source": "zoom"},
        where=or_(held.is_(None), held > joined_at),
    )
    return int(conn.execute(statement).rowcount or 0)
