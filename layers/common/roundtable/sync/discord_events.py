"""A Discord scheduled event per group meeting, so meetings show in the server's Events list.

Desired (from the database): each live group's next `EVENTS_PER_GROUP` meetings
still to come have an event on the group's server: a VOICE event in the group's
voice channel, or an EXTERNAL one with a location when the group has none (a
`thread_no_voice` space). A meeting under way keeps its event (Discord shows it
as live); any other meeting with an event (over, no longer among the next ones,
or its group completed or cancelled) has it deleted, as has an event of the
group's whose meeting row is gone (a cohort given fewer meetings).

Actual (from Discord): the server's scheduled events, read once per server.
An event whose time, name, place or kind differs is patched (a moved meeting
moves its event); one deleted by hand, or ended by Discord, is made again.
Each event id is stored in `meetings.discord_event_id` as soon as Discord
answers, so a failure later in the run never leaves an event made twice.

Why only the next few meetings: Discord allows 100 scheduled events not yet
completed per server, and a server holds up to a few hundred groups. Two per
group keep this week's and next week's meeting in the list; the rest are made
as meetings pass (the hourly sweep syncs a group whose meeting with an event
has ended: `meeting_event_ended_since_sync`). When a server is full anyway
(admins' own events count too), the earliest meetings get events first and the
others wait for a later sync (`EventReport.over_limit`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, exists, select, update

from roundtable.db.engine import transaction
from roundtable.db.tables import groups, meetings
from roundtable.discord.client import DiscordApiError
from roundtable.sync import desired as want
from roundtable.sync.discord_ops import MAX_SCHEDULED_EVENTS, GuildOps

logger = logging.getLogger(__name__)

EVENTS_PER_GROUP = 2  # this week's and next week's meeting; see the module docstring
EVENT_LIMIT = 100  # scheduled events not yet completed per server (Discord's limit)
VOICE_EVENT, EXTERNAL_EVENT = 2, 3  # entity types
GUILD_ONLY = 2  # privacy level: members of the server (the only one Discord accepts)


@dataclass
class EventReport:
    created: int = 0
    moved: int = 0
    deleted: int = 0
    over_limit: list[int] = field(default_factory=list)  # meetings waiting for room
    failures: dict[int, str] = field(default_factory=dict)  # group id -> error

    @property
    def mutations(self) -> int:
        return self.created + self.moved + self.deleted

    def as_dict(self) -> dict[str, Any]:
        result = {**self.__dict__}
        result["failures"] = {str(k): v for k, v in self.failures.items()}
        return result


@dataclass(frozen=True)
class MeetingEvent:
    """One meeting that has, or should have, a scheduled event."""

    meeting_id: int
    group: want.Group
    number: int
    starts_at: datetime
    ends_at: datetime
    event_id: str | None
    voice_channel_id: str | None  # read after the channels were reconciled
    state: str  # "wanted" | "under_way" (left alone) | "unwanted"


def load_meeting_events(
    conn: Connection, group_list: list[want.Group], *, now: datetime
) -> list[MeetingEvent]:
    """The groups' meetings that should have an event, or have one, in start order."""
    by_id = {g.id: g for g in group_list if g.has_outside_state}
    if not by_id:
        return []
    rows = conn.execute(
        select(meetings, groups.c.discord_voice_channel_id)
        .join(groups, groups.c.id == meetings.c.group_id)
        .where(meetings.c.group_id.in_(by_id))
        .order_by(meetings.c.starts_at, meetings.c.id)
    ).all()
    upcoming: dict[int, int] = {}
    result = []
    for row in rows:
        group = by_id[row.group_id]
        state = _state(group, row, now, upcoming)
        if state == "wanted" or row.discord_event_id is not None:
            result.append(
                MeetingEvent(
                    row.id,
                    group,
                    row.meeting_number,
                    row.starts_at,
                    row.ends_at,
                    row.discord_event_id,
                    row.discord_voice_channel_id,
                    state,
                )
            )
    return result


def _state(group: want.Group, row: Any, now: datetime, upcoming: dict[int, int]) -> str:
    if group.status not in want.LIVE_STATUSES:
        return "unwanted"
    if row.starts_at <= now < row.ends_at:
        return "under_way"
    if row.starts_at <= now:
        return "unwanted"
    upcoming[group.id] = upcoming.get(group.id, 0) + 1
    return "wanted" if upcoming[group.id] <= EVENTS_PER_GROUP else "unwanted"


def event_body(meeting: MeetingEvent) -> dict[str, Any]:
    """The event as Discord takes it (create and patch alike)."""
    group = meeting.group
    body: dict[str, Any] = {
        "name": f"{group.name} · meeting {meeting.number}"[:100],
        "description": (
            f"Meeting {meeting.number} of {group.number_of_meetings} of {group.name} "
            f"({group.cohort_name})."
        )[:1000],
        "scheduled_start_time": _iso(meeting.starts_at),
        "scheduled_end_time": _iso(meeting.ends_at),
        "privacy_level": GUILD_ONLY,
    }
    if meeting.voice_channel_id:
        body |= {"entity_type": VOICE_EVENT, "channel_id": meeting.voice_channel_id}
        body["entity_metadata"] = None
    else:  # no voice channel (text-only threads): an external event says where
        location = f"The {group.name} thread on Discord"[:100]
        body |= {"entity_type": EXTERNAL_EVENT, "channel_id": None}
        body["entity_metadata"] = {"location": location}
    return body


def _of_group(event: dict[str, Any], group: want.Group) -> bool:
    """Whether an event is one `event_body` made for a meeting of this group."""
    whose = rf"{re.escape(group.name)} \({re.escape(group.cohort_name)}\)"
    described = rf"Meeting \d+ of \d+ of {whose}\."
    name = str(event.get("name") or "")
    return name.startswith(f"{group.name} · meeting "[:100]) and bool(
        re.fullmatch(described, str(event.get("description") or ""))
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def differs(actual: dict[str, Any], body: dict[str, Any]) -> bool:
    """Whether Discord's event is not what `body` asks for."""
    for key in ("name", "description", "entity_type", "privacy_level"):
        if actual.get(key) != body[key]:
            return True
    if str(actual.get("channel_id") or "") != str(body["channel_id"] or ""):
        return True
    location = (actual.get("entity_metadata") or {}).get("location")
    if location != (body["entity_metadata"] or {}).get("location"):
        return True
    return any(
        _moment(actual.get(key)) != _moment(body[key])
        for key in ("scheduled_start_time", "scheduled_end_time")
    )


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


# -- the reconcile ----------------------------------------------------------------------
def reconcile_meeting_events(
    engine: Engine, ops: GuildOps, group_list: list[want.Group], *, now: datetime
) -> EventReport:
    """Make the servers' scheduled events match the groups' meetings; idempotent.

    Runs after the channels are reconciled (an event takes place in the group's
    voice channel). A server that cannot be read fails its own groups only."""
    report = EventReport()
    with engine.connect() as conn:
        wanted = load_meeting_events(conn, group_list, now=now)
    by_guild: dict[str, list[MeetingEvent]] = {}
    for meeting in wanted:
        by_guild.setdefault(meeting.group.guild_id or ops.guild_id, []).append(meeting)
    for guild_id, found in sorted(by_guild.items()):
        guild_ops = ops.for_guild(guild_id)
        try:
            actual = None if guild_ops.outbox else _listed(guild_ops)
        except DiscordApiError as exc:
            logger.warning("Scheduled events of server %s unreadable: %s", guild_id, exc)
            report.failures.update({m.group.id: str(exc) for m in found})
            continue
        events = _GuildEvents(engine, guild_ops, actual, report)
        events.reconcile(found)
        events.delete_orphans(found)
    return report


def _listed(ops: GuildOps) -> dict[str, dict[str, Any]]:
    return {str(event["id"]): event for event in ops.scheduled_events()}


@dataclass
class _GuildEvents:
    engine: Engine
    ops: GuildOps
    actual: dict[str, dict[str, Any]] | None  # None: the outbox, nothing to read
    report: EventReport
    full: bool = False
    made: set[str] = field(default_factory=set)  # ids created in this run

    def reconcile(self, found: list[MeetingEvent]) -> None:
        # Deletions first: they make room under the server's limit for the creations.
        ordered = sorted(found, key=lambda m: m.state != "unwanted")
        for meeting in ordered:
            try:
                if meeting.state == "unwanted":
                    self._delete(meeting)
                elif meeting.state == "wanted":
                    self._ensure(meeting)
            except DiscordApiError as exc:
                logger.warning("Scheduled event of meeting %s failed: %s", meeting.meeting_id, exc)
                self.report.failures[meeting.group.id] = str(exc)

    def delete_orphans(self, found: list[MeetingEvent]) -> None:
        """Events of these groups whose meeting row is gone (a cohort given fewer
        meetings deletes its future meetings' rows, ids and all)."""
        if self.actual is None:
            return
        stored = {m.event_id for m in found} | self.made
        for group in {m.group.id: m.group for m in found}.values():
            for event_id, event in list(self.actual.items()):
                if event_id not in stored and _of_group(event, group):
                    try:
                        self.ops.delete_scheduled_event(event_id)
                    except DiscordApiError as exc:
                        self.report.failures[group.id] = str(exc)
                        continue
                    self.actual.pop(event_id)
                    self.report.deleted += 1

    def _delete(self, meeting: MeetingEvent) -> None:
        assert meeting.event_id is not None  # unwanted meetings are loaded only with one
        if self.actual is None or self.actual.pop(meeting.event_id, None) is not None:
            self.ops.delete_scheduled_event(meeting.event_id)
            self.report.deleted += 1
        self._save(meeting, None)

    def _ensure(self, meeting: MeetingEvent) -> None:
        body = event_body(meeting)
        if meeting.event_id and self.actual is None:
            return  # the outbox: trust what we stored
        actual = self.actual or {}
        current = actual.get(meeting.event_id or "")
        if current is not None:
            if differs(current, body):
                actual[str(current["id"])] = self.ops.edit_scheduled_event(str(current["id"]), body)
                self.report.moved += 1
            return
        self._create(meeting, body)

    def _create(self, meeting: MeetingEvent, body: dict[str, Any]) -> None:
        if self.full or (self.actual is not None and len(self.actual) >= EVENT_LIMIT):
            self.report.over_limit.append(meeting.meeting_id)
            return
        try:
            event = self.ops.create_scheduled_event(body)
        except DiscordApiError as exc:
            if exc.code != MAX_SCHEDULED_EVENTS:
                raise
            self.full = True  # events made by others since we read the list
            self.report.over_limit.append(meeting.meeting_id)
            return
        if self.actual is not None:
            self.actual[str(event["id"])] = event
        self.report.created += 1
        self.made.add(str(event["id"]))
        self._save(meeting, str(event["id"]))

    def _save(self, meeting: MeetingEvent, event_id: str | None) -> None:
        with transaction(self.engine) as conn:
            conn.execute(
                update(meetings)
                .where(meetings.c.id == meeting.meeting_id)
                .values(discord_event_id=event_id)
            )


def meeting_event_ended_since_sync(now: datetime) -> ColumnElement[bool]:
    """Groups (a condition on `groups`) with a meeting over whose event is still stored.

    Nothing in the database changes when a meeting passes, so the hourly sweep asks
    this to find the groups whose next meeting should get its event."""
    return exists().where(
        and_(
            meetings.c.group_id == groups.c.id,
            meetings.c.discord_event_id.is_not(None),
            meetings.c.ends_at <= now,
        )
    )
