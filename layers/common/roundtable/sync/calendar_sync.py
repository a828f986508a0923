"""Reconcile each live group's Google Calendar series with the database.

One recurring master event per group, in the group's anchor zone, with
RRULE FREQ=WEEKLY;COUNT=<meetings>: Google expands it per date in that zone,
so the local time holds across daylight-saving changes, exactly as the
`meetings` rows do (series.py).

Only the master event is ever written (a per-occurrence update would mail
every attendee once per meeting). Who Google emails: `sendUpdates` applies to
all guests of a request, so it is "all" only when someone is added (their
invitation) or the time moves (everyone must know); removing someone or a
cosmetic change is sent with "none".

A guest visit gets an event of its own (one meeting, the guest its only
attendee, id chosen from the visit), not an attendee on the series'
occurrence: writing an occurrence would mail the whole group, and a later
time change of the master drops per-occurrence changes. A cancelled visit's
event loses its attendee with "all", so Google sends the guest a cancellation.

A cancelled group's series ends: its RRULE becomes UNTIL the last meeting held
before the cancellation (patched with "all": every attendee's calendar drops
the meetings that will not happen; the held ones keep their answers), or the
event is deleted with "all" when no meeting was held. Attendees stay as they
were. Its guests' events lose their attendee, as for a cancelled visit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, update

from roundtable.db.engine import transaction
from roundtable.db.tables import groups, guest_visits
from roundtable.sync.calendar import CalendarApiError, CalendarClient, EventWrite
from roundtable.sync.desired import (
    Group,
    Guest,
    calendar_event,
    ended_recurrence,
    event_id,
    guest_calendar_event,
    guest_event_id,
    next_event_id,
)
from roundtable.sync.meet import (
    CONFERENCE_DATA_VERSION,
    MEET,
    conference_patch,
    create_request,
    meet_link,
    store_meet_urls,
)

logger = logging.getLogger(__name__)

MAX_GENERATIONS = 5  # ids tried for one group in one run when Google says 409
# Fields Google may leave out of an answer when they hold their default.
_DEFAULTS: dict[str, Any] = {
    "guestsCanSeeOtherGuests": True,
    "guestsCanInviteOthers": True,
    "guestsCanModify": False,
    "description": "",
}
_PLAIN_FIELDS = ("summary", "description", *tuple(k for k in _DEFAULTS if k != "description"))


@dataclass
class CalendarReport:
    created: int = 0
    recreated: int = 0
    adopted: int = 0
    patched: int = 0
    unchanged: int = 0
    invited: int = 0
    without_attendees: int = 0
    ended: int = 0  # cancelled groups' series cut short (a patch) or deleted
    # .ics e-mails (sync/invitations.py): invitations, updates, cancellations sent.
    emailed: int = 0
    email_updates: int = 0
    email_cancellations: int = 0
    failures: dict[int, str] = field(default_factory=dict)
    # Groups whose Meet conference Google still makes: read again by the next sync.
    meet_pending: set[int] = field(default_factory=set)
    # The first 403 quotaExceeded Google answered in this run (sync/organisers.py).
    quota_error: CalendarApiError | None = None

    @property
    def mutations(self) -> int:
        """Events written to Google: created (recreated included), patched, ended."""
        return self.created + self.patched + self.ended

    def fail(self, group_id: int, outcome: CalendarApiError | str) -> None:
        """Record a group's failure; a quota answer is kept for the organiser's block."""
        if isinstance(outcome, CalendarApiError) and outcome.quota_exceeded:
            self.quota_error = self.quota_error or outcome
        self.failures[group_id] = str(outcome)

    def merge(self, other: CalendarReport) -> None:
        """Add another run's counts and failures (one run per organiser, and the e-mails)."""
        for name, value in other.__dict__.items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
        self.failures.update(other.failures)
        self.meet_pending |= other.meet_pending
        self.quota_error = self.quota_error or other.quota_error

    def as_dict(self) -> dict[str, Any]:
        counts = {k: v for k, v in self.__dict__.items() if k != "quota_error"}
        return {
            **counts,
            "failures": {str(k): v for k, v in self.failures.items()},
            "meet_pending": sorted(self.meet_pending),
        }


@dataclass
class _Write:
    group: Group
    write: EventWrite
    invited: int = 0


def reconcile_calendar(
    engine: Engine, client: CalendarClient, group_list: list[Group], *, namespace: str
) -> CalendarReport:
    """Create, recreate or patch the series of each live group, end those of cancelled
    groups; a second run writes nothing."""
    report = CalendarReport()
    live = [g for g in group_list if g.status == "active"]
    cancelled = [g for g in group_list if g.status == "cancelled"]
    _end_series(client, cancelled, report)
    stored = [g.gcal_event_id for g in live if g.gcal_event_id]
    actual = client.get_events(stored) if stored else {}
    creates: dict[int, _Write] = {}
    patches: dict[int, _Write] = {}
    answers: dict[int, dict[str, Any]] = {}  # each group's series as Google last showed it
    for group in live:
        desired = calendar_event(group)
        event = actual.get(group.gcal_event_id) if group.gcal_event_id else None
        if event is not None and event.get("status") != "cancelled":
            answers[group.id] = event
            _plan_patch(group, desired, event, patches, report)
        elif not desired["attendees"]:
            report.without_attendees += 1  # nobody to invite yet; created once someone has an email
        else:
            creates[group.id] = _Write(group, _create_write(group, event, namespace))
            report.recreated += group.gcal_event_id is not None
    _create(engine, client, creates, patches, namespace, report, answers)
    _patch(client, patches, report, answers)
    pending = _store_meet_links(engine, live, answers)
    # The outbox only records calls: no link will ever come back to wait for.
    report.meet_pending = set() if client.outbox else pending
    _reconcile_guest_events(engine, client, [*live, *cancelled], namespace, report)
    return report


def _end_series(client: CalendarClient, cancelled: list[Group], report: CalendarReport) -> None:
    """No occurrence after the cancellation: cut the rule short, or delete an unheld series."""
    stored = [g for g in cancelled if g.gcal_event_id]
    if not stored:
        return
    actual = client.get_events(g.gcal_event_id for g in stored if g.gcal_event_id)
    deletes: dict[str, Group] = {}
    patches: dict[str, Group] = {}
    for group in stored:
        event = actual.get(group.gcal_event_id or "")
        if event is None or event.get("status") == "cancelled":
            report.unchanged += 1  # gone already (deleted here, or in Google)
            continue
        recurrence = ended_recurrence(group)
        if recurrence is None:
            deletes[event["id"]] = group
        elif event.get("recurrence") != recurrence:
            patches[event["id"]] = group
        else:
            report.unchanged += 1
    if deletes:
        outcomes = client.delete_events(deletes, send_updates="all")
        _count_ended(outcomes, deletes, report, gone_ok=True)
    if patches:
        writes = [
            EventWrite(key, {"recurrence": ended_recurrence(group)}, "all")
            for key, group in patches.items()
        ]
        _count_ended(client.patch_events(writes), patches, report, gone_ok=False)


def _count_ended(
    outcomes: dict[str, Any],
    groups_by_event: dict[str, Group],
    report: CalendarReport,
    *,
    gone_ok: bool,
) -> None:
    for key, group in groups_by_event.items():
        outcome = outcomes[key]
        gone = isinstance(outcome, CalendarApiError) and outcome.status in (404, 410)
        if isinstance(outcome, CalendarApiError) and not (gone_ok and gone):
            report.fail(group.id, outcome)
        else:
            report.ended += 1


def _reconcile_guest_events(
    engine: Engine,
    client: CalendarClient,
    live: list[Group],
    namespace: str,
    report: CalendarReport,
) -> None:
    """Each visit's own event: created while the visit gives access, emptied once cancelled."""
    visits = [
        (group, guest)
        for group in live
        for guest in group.guests
        if guest.gcal_event_id or guest.has_access
    ]
    stored = [guest.gcal_event_id for _, guest in visits if guest.gcal_event_id]
    actual = client.get_events(stored) if stored else {}
    inserts: dict[str, tuple[Group, Guest, EventWrite]] = {}
    patches: dict[str, tuple[Group, EventWrite, int]] = {}
    for group, guest in visits:
        desired = guest_calendar_event(group, guest)
        event = actual.get(guest.gcal_event_id) if guest.gcal_event_id else None
        if event is not None and event.get("status") != "cancelled":
            planned = _guest_patch(desired, event)
            if planned is None:
                report.unchanged += 1
                continue
            body, send_updates, invited = planned
            patches[event["id"]] = (group, EventWrite(event["id"], body, send_updates), invited)
        elif guest.has_access and desired["attendees"]:
            write = EventWrite(guest_event_id(namespace, guest.visit_id), desired, "all")
            inserts[write.event_id] = (group, guest, write)
    _insert_guest_events(engine, client, inserts, report)
    _patch_guest_events(client, patches, report)


def _insert_guest_events(
    engine: Engine,
    client: CalendarClient,
    inserts: dict[str, tuple[Group, Guest, EventWrite]],
    report: CalendarReport,
) -> None:
    if not inserts:
        return
    outcomes = client.insert_events(write for _, _, write in inserts.values())
    for key, (group, guest, _) in inserts.items():
        outcome = outcomes[key]
        conflict = isinstance(outcome, CalendarApiError) and outcome.status == 409
        if isinstance(outcome, CalendarApiError) and not conflict:
            report.fail(group.id, outcome)
            continue
        # 409: an earlier run made it and its commit was lost; adopted, compared next run.
        _store_guest_event_id(engine, guest.visit_id, key)
        if conflict:
            report.adopted += 1
        else:
            report.created += 1
            report.invited += 1


def _patch_guest_events(
    client: CalendarClient,
    patches: dict[str, tuple[Group, EventWrite, int]],
    report: CalendarReport,
) -> None:
    if not patches:
        return
    outcomes = client.patch_events(write for _, write, _ in patches.values())
    for key, (group, _, invited) in patches.items():
        outcome = outcomes[key]
        if isinstance(outcome, CalendarApiError):
            report.fail(group.id, outcome)
        else:
            report.patched += 1
            report.invited += invited


def _guest_patch(
    desired: dict[str, Any], actual: dict[str, Any]
) -> tuple[dict[str, Any], str, int] | None:
    """The patch for a guest's event; the guest is emailed of any change that concerns them."""
    body: dict[str, Any] = {}
    for key in ("start", "end"):
        if not _same_time(desired[key], actual.get(key)):
            body[key] = desired[key]
    for key in ("summary", "description"):
        if actual.get(key, _DEFAULTS.get(key)) != desired[key]:
            body[key] = desired[key]
    attendees, added = _attendee_patch(desired, actual)
    if attendees is not None:
        body["attendees"] = attendees
    if not body:
        return None
    mails = "start" in body or "end" in body or attendees is not None
    return body, "all" if mails else "none", added


def _store_guest_event_id(engine: Engine, visit_id: int, new_id: str) -> None:
    with transaction(engine) as conn:
        conn.execute(
            update(guest_visits).where(guest_visits.c.id == visit_id).values(gcal_event_id=new_id)
        )


def _create_write(group: Group, event: dict[str, Any] | None, namespace: str) -> EventWrite:
    if group.gcal_event_id is None:
        new_id = event_id(namespace, group.id)
    elif event is None:
        new_id = group.gcal_event_id  # stored but never reached Google (or purged)
    else:
        new_id = next_event_id(group.gcal_event_id, namespace, group.id)  # deleted in Google
    return _create_write_with_id(group, new_id)


def _create_write_with_id(group: Group, new_id: str) -> EventWrite:
    """The insert of a group's series; a Meet group's asks Google for its conference."""
    body = calendar_event(group)
    if group.meeting_venue != MEET:
        return EventWrite(new_id, body, send_updates="all")
    return EventWrite(new_id, {**body, **create_request(new_id)}, "all", CONFERENCE_DATA_VERSION)


def _store_meet_links(
    engine: Engine, live: list[Group], answers: dict[int, dict[str, Any]]
) -> set[int]:
    """Store each group's Meet link as Google answered it (cleared once it meets
    elsewhere); the Meet groups Google gave no link yet (pending), to read again.

    A group whose series could not be read keeps its link."""
    links: dict[int, str | None] = {}
    pending: set[int] = set()
    for group in live:
        if group.meeting_venue != MEET:
            link = None
        elif group.id in answers:
            link = meet_link(answers[group.id])
            if link is None:
                pending.add(group.id)
        else:
            continue
        if link != group.meet_url:
            links[group.id] = link
    store_meet_urls(engine, links)
    return pending


def _plan_patch(
    group: Group,
    desired: dict[str, Any],
    event: dict[str, Any],
    patches: dict[int, _Write],
    report: CalendarReport,
) -> None:
    planned = diff_event(desired, event)
    conference = conference_patch(group.meeting_venue, event)
    if planned is None and conference is None:
        report.unchanged += 1
        return
    body, send_updates, invited = planned or ({}, "none", 0)
    write = EventWrite(event["id"], body, send_updates)
    if conference is not None:
        # A link made or removed is no news to mail about: the group page and reminders show it.
        write.body = {**body, **conference}
        write.conference_data_version = CONFERENCE_DATA_VERSION
    patches[group.id] = _Write(group, write, invited)


def diff_event(
    desired: dict[str, Any], actual: dict[str, Any]
) -> tuple[dict[str, Any], str, int] | None:
    """The patch body turning actual into desired, who to email, and how many are invited."""
    body: dict[str, Any] = {}
    moved = not (
        _same_time(desired["start"], actual.get("start"))
        and _same_time(desired["end"], actual.get("end"))
        and desired["recurrence"] == actual.get("recurrence")
    )
    if moved:
        body.update(start=desired["start"], end=desired["end"], recurrence=desired["recurrence"])
    for key in _PLAIN_FIELDS:
        if actual.get(key, _DEFAULTS.get(key)) != desired[key]:
            body[key] = desired[key]
    if _reminders(actual) != _reminders(desired):
        body["reminders"] = desired["reminders"]
    attendees, added = _attendee_patch(desired, actual)
    if attendees is not None:
        body["attendees"] = attendees
    if not body:
        return None
    return body, "all" if moved or added else "none", added


def _attendee_patch(
    desired: dict[str, Any], actual: dict[str, Any]
) -> tuple[list[dict[str, Any]] | None, int]:
    """The new attendee list (answers of those who stay kept), or None when it matches."""
    guests = [
        a for a in actual.get("attendees", []) if not a.get("organizer") and not a.get("resource")
    ]
    have = {str(a.get("email", "")).lower() for a in guests}
    want = {a["email"] for a in desired["attendees"]}
    if have == want:
        return None, 0
    kept = [a for a in guests if str(a.get("email", "")).lower() in want]
    added = sorted(want - have)
    return kept + [{"email": email} for email in added], len(added)


def _same_time(desired: dict[str, Any], actual: dict[str, Any] | None) -> bool:
    if not actual or actual.get("timeZone") != desired["timeZone"] or "dateTime" not in actual:
        return False
    wanted = datetime.fromisoformat(desired["dateTime"]).replace(
        tzinfo=ZoneInfo(desired["timeZone"])
    )
    have = datetime.fromisoformat(actual["dateTime"].replace("Z", "+00:00"))
    if have.tzinfo is None:
        have = have.replace(tzinfo=ZoneInfo(actual["timeZone"]))
    return wanted == have


def _reminders(event: dict[str, Any]) -> tuple[bool, list[Any]]:
    reminders = event.get("reminders") or {"useDefault": True}
    return bool(reminders.get("useDefault")), list(reminders.get("overrides") or [])


def _create(
    engine: Engine,
    client: CalendarClient,
    creates: dict[int, _Write],
    patches: dict[int, _Write],
    namespace: str,
    report: CalendarReport,
    answers: dict[int, dict[str, Any]],
) -> None:
    """Insert with client ids; a 409 means ours already exists (adopt) or was deleted (next id)."""
    pending = creates
    for _ in range(MAX_GENERATIONS):
        if not pending:
            return
        outcomes = client.insert_events(item.write for item in pending.values())
        conflicts: dict[int, _Write] = {}
        for group_id, item in pending.items():
            outcome = outcomes[item.write.event_id]
            if isinstance(outcome, CalendarApiError) and outcome.status == 409:
                conflicts[group_id] = item
            elif isinstance(outcome, CalendarApiError):
                report.fail(group_id, outcome)
            else:
                _store_event_id(engine, group_id, item.write.event_id)
                answers[group_id] = outcome
                report.created += 1
                report.invited += len(item.write.body.get("attendees", []))
        pending = _resolve_conflicts(engine, client, conflicts, patches, namespace, report, answers)
    for group_id in pending:
        report.fail(group_id, f"no free calendar event id after {MAX_GENERATIONS} tries")


def _resolve_conflicts(
    engine: Engine,
    client: CalendarClient,
    conflicts: dict[int, _Write],
    patches: dict[int, _Write],
    namespace: str,
    report: CalendarReport,
    answers: dict[int, dict[str, Any]],
) -> dict[int, _Write]:
    if not conflicts:
        return {}
    existing = client.get_events(item.write.event_id for item in conflicts.values())
    retry: dict[int, _Write] = {}
    for group_id, item in conflicts.items():
        event = existing.get(item.write.event_id)
        if event is not None and event.get("status") != "cancelled":
            # Created by an earlier attempt whose answer (or our commit) was lost.
            _store_event_id(engine, group_id, item.write.event_id)
            answers[group_id] = event
            report.adopted += 1
            _plan_patch(item.group, calendar_event(item.group), event, patches, report)
        else:
            new_id = next_event_id(item.write.event_id, namespace, group_id)
            retry[group_id] = _Write(item.group, _create_write_with_id(item.group, new_id))
    return retry


def _patch(
    client: CalendarClient,
    patches: dict[int, _Write],
    report: CalendarReport,
    answers: dict[int, dict[str, Any]],
) -> None:
    if not patches:
        return
    outcomes = client.patch_events(item.write for item in patches.values())
    for group_id, item in patches.items():
        outcome = outcomes[item.write.event_id]
        if isinstance(outcome, CalendarApiError):
            report.fail(group_id, outcome)
        else:
            answers[group_id] = outcome
            report.patched += 1
            report.invited += item.invited


def _store_event_id(engine: Engine, group_id: int, new_id: str) -> None:
    """Record the event at once, so a crash after this point cannot create it twice."""
    with transaction(engine) as conn:
        conn.execute(
            update(groups)
            .where(groups.c.id == group_id)
            # A new series has answers of its own: the next RSVP pull reads it in full.
            .values(gcal_event_id=new_id, gcal_sync_token=None)
        )
