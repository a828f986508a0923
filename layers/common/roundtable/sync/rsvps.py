"""Pull RSVPs from Google Calendar into `attendances`, incrementally.

Google has no sync token per recurring event (events.instances takes none),
only per calendar (events.list). So the hourly sweep makes one incremental
events.list call for the whole calendar (singleEvents=true: changed
occurrences, each with its attendees' answers) and routes each occurrence
to its group by `recurringEventId`.

`groups.gcal_sync_token` holds the calendar token as of which that group's
RSVPs are known to be current. Groups holding the token used by this sweep
take their changes from it; a group without it (new series, or its last
sweep failed) is read in full with events.instances. A 410 (token expired)
falls back to a full listing, which serves every group at once.

Answers map case-insensitively by email to members (needsAction → pending,
accepted → attending, declined → not_attending, tentative → tentative). Only
changes are written, and a calendar answer older than an answer given
elsewhere (Discord, web) does not overwrite it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text, update

from roundtable.db.engine import transaction
from roundtable.db.tables import group_members, groups, meetings, users
from roundtable.sync.calendar import CalendarClient, ChangeSet, SyncTokenExpiredError
from roundtable.sync.calendar_api import DEFAULT_ORGANISER

logger = logging.getLogger(__name__)

RSVP_BY_RESPONSE = {
    "needsAction": "pending",
    "accepted": "attending",
    "declined": "not_attending",
    "tentative": "tentative",
}
_FULL_SYNC_LOOKBACK = timedelta(days=7)


@dataclass
class RsvpReport:
    groups_synced: int = 0
    changes: int = 0
    full_reads: int = 0
    unmatched_occurrences: int = 0
    failures: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "failures": {str(k): v for k, v in self.failures.items()}}


@dataclass(frozen=True)
class _SeriesGroup:
    id: int
    event_id: str
    sync_token: str | None


def sync_all_rsvps(
    engine: Engine, client: CalendarClient, *, now: datetime, organiser: str | None = None
) -> RsvpReport:
    """The hourly sweep over every active group with a calendar series (on this organiser's
    calendar, given one: sync/organisers.py; calendars.sync_rsvps_everywhere calls it per
    organiser). Calls: one incremental events.list, plus events.instances per group whose
    token is not the shared one."""
    report = RsvpReport()
    series = _active_series(engine, organiser)
    if not series:
        return report
    token = _shared_token(series)
    try:
        changes = _changes(engine, client, token, now)
    except Exception as exc:  # the calendar-wide read failed: every group failed this run
        logger.exception("RSVP sweep could not list calendar changes")
        report.failures.update({g.id: f"listing changes failed: {exc}" for g in series})
        return report
    by_event = _by_series(changes.items)
    for group in series:
        _sync_one(engine, client, group, changes, token, by_event, report, now)
    return report


def sync_group_rsvps(
    engine: Engine, client: CalendarClient, group_id: int, *, now: datetime
) -> RsvpReport:
    """On demand for one group: read its series' occurrences in full."""
    report = RsvpReport()
    with engine.connect() as conn:
        row = conn.execute(
            select(groups.c.id, groups.c.gcal_event_id, groups.c.gcal_sync_token).where(
                groups.c.id == group_id
            )
        ).one()
    if row.gcal_event_id is None:
        return report
    items = client.list_instances(row.gcal_event_id)
    report.full_reads += 1
    with transaction(engine) as conn:
        report.changes += apply_occurrences(conn, group_id, items, report, now)
    report.groups_synced += 1
    return report


def _sync_one(
    engine: Engine,
    client: CalendarClient,
    group: _SeriesGroup,
    changes: ChangeSet,
    token: str | None,
    by_event: dict[str, list[dict[str, Any]]],
    report: RsvpReport,
    now: datetime,
) -> None:
    try:
        if changes.full or group.sync_token == token:
            items = by_event.get(group.event_id, [])
            if not items and group.sync_token == changes.next_sync_token:
                report.groups_synced += 1  # nothing new and the token did not move
                return
        else:
            items = client.list_instances(group.event_id)
            report.full_reads += 1
        with transaction(engine) as conn:
            report.changes += apply_occurrences(conn, group.id, items, report, now)
            conn.execute(
                update(groups)
                .where(groups.c.id == group.id)
                .values(gcal_sync_token=changes.next_sync_token)
            )
        report.groups_synced += 1
    except Exception as exc:  # one group's failure never stops the others
        logger.exception("RSVP sync failed for group %s", group.id)
        report.failures[group.id] = f"{type(exc).__name__}: {exc}"


def _changes(engine: Engine, client: CalendarClient, token: str | None, now: datetime) -> ChangeSet:
    time_min = _earliest_meeting(engine, now) - _FULL_SYNC_LOOKBACK
    if token is None:
        return client.list_changes(None, time_min=time_min)
    try:
        return client.list_changes(token, time_min=time_min)
    except SyncTokenExpiredError:
        logger.info("calendar sync token expired; reading the calendar in full")
        return client.list_changes(None, time_min=time_min)


def apply_occurrences(
    conn: Connection,
    group_id: int,
    items: list[dict[str, Any]],
    report: RsvpReport,
    now: datetime,
) -> int:
    """Write the answers in these occurrences to `attendances`; the number of rows changed."""
    meeting_by_start = {
        row.starts_at: row
        for row in conn.execute(
            select(meetings.c.id, meetings.c.starts_at, meetings.c.gcal_instance_id).where(
                meetings.c.group_id == group_id
            )
        )
    }
    user_by_email = _members_by_email(conn, group_id)
    changed = 0
    for item in items:
        if item.get("status") == "cancelled":
            continue
        meeting = meeting_by_start.get(_original_start(item))
        if meeting is None:
            report.unmatched_occurrences += 1
            continue
        if meeting.gcal_instance_id != item.get("id"):
            conn.execute(
                update(meetings)
                .where(meetings.c.id == meeting.id)
                .values(gcal_instance_id=item.get("id"))
            )
        answered_at = _parse_time(item.get("updated")) or now
        for attendee in item.get("attendees", []):
            user_id = user_by_email.get(str(attendee.get("email", "")).strip().lower())
            rsvp = RSVP_BY_RESPONSE.get(str(attendee.get("responseStatus")))
            if user_id is not None and rsvp is not None:
                changed += _record(conn, meeting.id, user_id, rsvp, answered_at)
    return changed


_UPSERT_ANSWER = text(
    """
    INSERT INTO attendances (meeting_id, user_id, rsvp, rsvp_at, rsvp_source)
    VALUES (:meeting_id, :user_id, :rsvp, :answered_at, 'calendar')
    ON CONFLICT (meeting_id, user_id) DO UPDATE
       SET rsvp = excluded.rsvp, rsvp_at = excluded.rsvp_at, rsvp_source = 'calendar'
     WHERE attendances.rsvp IS DISTINCT FROM excluded.rsvp
       AND (attendances.rsvp_at IS NULL OR attendances.rsvp_at <= excluded.rsvp_at)
    RETURNING id
    """
)
# "needsAction" only undoes an earlier calendar answer; it never creates a row
# (an RSVP row must not stand in for "nothing known", see FEATURES.md §8.1).
_RESET_ANSWER = text(
    """
    UPDATE attendances SET rsvp = 'pending', rsvp_at = :answered_at
     WHERE meeting_id = :meeting_id AND user_id = :user_id
       AND rsvp_source = 'calendar' AND rsvp <> 'pending'
       AND (rsvp_at IS NULL OR rsvp_at <= :answered_at)
    RETURNING id
    """
)


def _record(
    conn: Connection, meeting_id: int, user_id: int, rsvp: str, answered_at: datetime
) -> int:
    params = {"meeting_id": meeting_id, "user_id": user_id, "answered_at": answered_at}
    if rsvp == "pending":
        return len(conn.execute(_RESET_ANSWER, params).all())
    return len(conn.execute(_UPSERT_ANSWER, {**params, "rsvp": rsvp}).all())


def _members_by_email(conn: Connection, group_id: int) -> dict[str, int]:
    rows = conn.execute(
        select(func.lower(func.trim(users.c.email)), users.c.id)
        .join(group_members, group_members.c.user_id == users.c.id)
        .where(
            group_members.c.group_id == group_id,
            group_members.c.status == "active",
            users.c.email.is_not(None),
        )
    ).all()
    return {str(email): int(user_id) for email, user_id in rows}


def _active_series(engine: Engine, organiser: str | None) -> list[_SeriesGroup]:
    query = select(groups.c.id, groups.c.gcal_event_id, groups.c.gcal_sync_token).where(
        groups.c.status == "active", groups.c.gcal_event_id.is_not(None)
    )
    if organiser is not None:  # a series from before organisers were stored is the default's
        held_by = func.coalesce(groups.c.calendar_organiser, DEFAULT_ORGANISER)
        query = query.where(held_by == organiser)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(groups.c.id)).all()
    return [_SeriesGroup(r.id, r.gcal_event_id, r.gcal_sync_token) for r in rows]


def _shared_token(series: list[_SeriesGroup]) -> str | None:
    """The token most groups hold: the cheapest incremental read that serves them."""
    counts = Counter(g.sync_token for g in series if g.sync_token)
    return counts.most_common(1)[0][0] if counts else None


def _earliest_meeting(engine: Engine, now: datetime) -> datetime:
    with engine.connect() as conn:
        earliest = conn.scalar(
            select(func.min(meetings.c.starts_at))
            .join(groups, groups.c.id == meetings.c.group_id)
            .where(groups.c.status == "active")
        )
    return earliest or now


def _by_series(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        series_id = item.get("recurringEventId") or item.get("id")
        if series_id:
            result.setdefault(str(series_id), []).append(item)
    return result


def _original_start(item: dict[str, Any]) -> datetime | None:
    """When the occurrence was scheduled by the series (a moved single occurrence keeps it)."""
    source = item.get("originalStartTime") or item.get("start") or {}
    return _parse_time(source.get("dateTime"))


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
