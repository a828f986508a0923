"""`sync_groups`: bring Discord, Google Calendar and the meetings rows in line with the DB.

The invitations (Google series or .ics e-mails) of each slice of groups go out as soon
as the slice's Discord part is done, so a publish chunk's requests to Google or
SendGrid spread over its run: sent at its end, five parallel chunks ending together
sent a thousand e-mails at once, SendGrid answered 429, and the workers waiting it
out left the shared Discord budget idle (issue 22, docs/scale.md).

The unit every entry point uses (publish, sync_group, sync_cohort, the hourly
sweep, end of cohort). Runs under a per-cohort Postgres advisory lock, so two
workers never create the same channel or event twice. A live group counts as
synced (groups.synced_at) only when both systems succeeded for it and every
member got their role; a completed or cancelled group counts as archived
(groups.archived_at) once both succeeded; the hourly sweep picks up the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, exists, func, select, text, update

from roundtable import telemetry
from roundtable.config import get_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import groups, jobs
from roundtable.discord.rest import DiscordApiError
from roundtable.sync.calendar import CalendarClient, get_calendar_client
from roundtable.sync.calendar_sync import CalendarReport
from roundtable.sync.calendars import (
    CalendarServices,
    default_calendar_services,
    reconcile_calendars,
)
from roundtable.sync.desired import LIVE_STATUSES, guest_access_ended_since_sync, load_groups
from roundtable.sync.discord_events import (
    EventReport,
    meeting_event_ended_since_sync,
    reconcile_meeting_events,
)
from roundtable.sync.discord_ops import GuildOps
from roundtable.sync.discord_sync import DiscordLimitError, DiscordReport, reconcile_discord
from roundtable.sync.series import write_meetings
from roundtable.sync.servers import SyncConfigError as SyncConfigError  # where it was
from roundtable.sync.servers import default_guild_ops

logger = logging.getLogger(__name__)

_LOCK_CLASS = 0x5EC7  # first key of pg_advisory_lock(int, int): "sync", second: cohort id


@dataclass
class Services:
    """The outside world the sync talks to, passed in so tests can point it at fakes."""

    discord: GuildOps
    calendar: CalendarClient
    namespace: str  # keeps calendar event ids of different deployments apart
    bot_id: str | None
    # Organisers and .ics e-mail (sync/calendars.py); None: the one calendar above.
    calendars: CalendarServices | None = None

    def calendar_services(self) -> CalendarServices:
        if self.calendars is None:
            self.calendars = default_calendar_services(self.calendar, None)
        return self.calendars


def default_services(engine: Engine | None = None) -> Services:
    """Clients from settings (outbox mode without credentials in the local stack)."""
    settings = get_settings()
    calendar = get_calendar_client(engine)
    return Services(
        discord=default_guild_ops(engine),
        calendar=calendar,
        namespace=settings.public_base_url,
        bot_id=settings.discord_application_id,
        calendars=default_calendar_services(calendar, engine),
    )


@dataclass
class SyncReport:
    group_ids: list[int]
    meetings_changed: list[int] = field(default_factory=list)
    discord: DiscordReport = field(default_factory=DiscordReport)
    calendar: CalendarReport = field(default_factory=CalendarReport)
    events: EventReport = field(default_factory=EventReport)  # Discord scheduled events
    synced: list[int] = field(default_factory=list)
    archived: list[int] = field(default_factory=list)

    @property
    def failures(self) -> dict[int, str]:
        merged: dict[int, list[str]] = {}
        for source in (self.discord.failures, self.calendar.failures, self.events.failures):
            for group_id, message in source.items():
                merged.setdefault(group_id, []).append(message)
        return {group_id: "; ".join(messages) for group_id, messages in merged.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "groups": self.group_ids,
            "meetings_changed": self.meetings_changed,
            "discord": self.discord.as_dict(),
            "calendar": self.calendar.as_dict(),
            "events": self.events.as_dict(),
            "synced": self.synced,
            "archived": self.archived,
            "failures": {str(k): v for k, v in self.failures.items()},
        }


def sync_groups(
    engine: Engine,
    group_ids: list[int],
    services: Services,
    *,
    now: datetime,
    shared_lock: bool = False,
) -> SyncReport:
    """Reconcile these groups everywhere; per-group failures are reported, not raised.

    `shared_lock`: one of a published cohort's disjoint chunks (publish.py), run beside
    its other chunks; a whole-cohort sync still waits for all of them, and they for it."""
    report = SyncReport(sorted(set(group_ids)))
    if not report.group_ids:
        return report
    started = _database_now(engine)
    with engine.connect() as conn:
        cohort_ids = set(
            conn.scalars(select(groups.c.cohort_id).where(groups.c.id.in_(report.group_ids)))
        )
    with cohort_locks(engine, cohort_ids, shared=shared_lock):
        report.meetings_changed = _write_meetings(engine, report.group_ids, now)
        with engine.connect() as conn:
            group_list = load_groups(conn, report.group_ids, now=now)
        invited: set[int] = set()

        def invite(part: list[Any]) -> None:  # each slice's invitations after its Discord
            report.calendar.merge(_calendar(engine, services, part, now))
            invited.update(g.id for g in part)

        report.discord = _discord(engine, services, group_list, now, invite)
        report.events = reconcile_meeting_events(engine, services.discord, group_list, now=now)
        rest = [g for g in group_list if g.id not in invited]  # no Discord part, or it failed
        if rest:
            invite(rest)
        report.synced = _mark_synced(engine, group_list, report, started)
        report.archived = _mark_archived(engine, group_list, report, now)
    discord_mutations = report.discord.mutations + report.events.mutations
    telemetry.count("SyncMutations", discord_mutations, Service="discord")
    telemetry.count("SyncMutations", report.calendar.mutations, Service="google_calendar")
    return report


def _write_meetings(engine: Engine, group_ids: list[int], now: datetime) -> list[int]:
    """Meeting rows follow the group's weekly time (a time change moves them in place)."""
    changed = []
    with transaction(engine) as conn:
        live = conn.scalars(
            select(groups.c.id).where(
                groups.c.id.in_(group_ids), groups.c.status.in_(LIVE_STATUSES)
            )
        ).all()
        for group_id in live:
            if write_meetings(conn, group_id, now=now).changed:
                changed.append(group_id)
    return changed


def _discord(
    engine: Engine,
    services: Services,
    group_list: list[Any],
    now: datetime,
    each_slice: Callable[[list[Any]], None],
) -> DiscordReport:
    try:
        return reconcile_discord(
            engine,
            services.discord,
            group_list,
            bot_id=services.bot_id,
            now=now,
            each_slice=each_slice,
        )
    except (DiscordApiError, DiscordLimitError) as exc:  # reading the guild failed: all did
        logger.warning("Discord sync failed before any group: %s", exc)
        return DiscordReport(failures={g.id: str(exc) for g in group_list})


def _calendar(
    engine: Engine, services: Services, group_list: list[Any], now: datetime
) -> CalendarReport:
    return reconcile_calendars(
        engine, services.calendar_services(), group_list, namespace=services.namespace, now=now
    )


def _mark_synced(
    engine: Engine, group_list: list[Any], report: SyncReport, started: datetime
) -> list[int]:
    # A Meet conference Google still makes: the next sweep reads the series again.
    unfinished = set(report.failures) | report.discord.pending_groups | report.calendar.meet_pending
    done = [g.id for g in group_list if g.status in LIVE_STATUSES and g.id not in unfinished]
    if done:
        with transaction(engine) as conn:
            # The time the sync read the database: a change made meanwhile is newer.
            conn.execute(update(groups).where(groups.c.id.in_(done)).values(synced_at=started))
    return done


def _mark_archived(
    engine: Engine, group_list: list[Any], report: SyncReport, now: datetime
) -> list[int]:
    """Completed and cancelled groups now cleaned up everywhere (the hourly sweep's marker)."""
    done = [g.id for g in group_list if g.archived and g.id not in report.failures]
    if done:
        with transaction(engine) as conn:
            conn.execute(
                update(groups)
                .where(groups.c.id.in_(done), groups.c.archived_at.is_(None))
                .values(archived_at=now)
            )
    return done


def _database_now(engine: Engine) -> datetime:
    with engine.connect() as conn:
        moment = conn.scalar(text("SELECT now()"))
    assert isinstance(moment, datetime)
    return moment


@contextmanager
def cohort_locks(engine: Engine, cohort_ids: set[int], *, shared: bool = False) -> Iterator[None]:
    """Hold a session advisory lock per cohort (in id order, so two syncs cannot deadlock);
    `shared`: a lock many chunks of one publish hold at once, exclusive of any other sync."""
    kind = "_shared" if shared else ""
    with engine.connect() as conn:
        for cohort_id in sorted(cohort_ids):
            conn.execute(
                text(f"SELECT pg_advisory_lock{kind}(:a, :b)"), {"a": _LOCK_CLASS, "b": cohort_id}
            )
        conn.commit()
        try:
            yield
        finally:
            for cohort_id in sorted(cohort_ids):
                conn.execute(
                    text(f"SELECT pg_advisory_unlock{kind}(:a, :b)"),
                    {"a": _LOCK_CLASS, "b": cohort_id},
                )
            conn.commit()


def _in_chunk() -> Any:
    """The group is in a queued or running `sync_groups` job (a publish's chunk), or in
    the chunks such a job queues when it succeeds (a server's first chunk's "then")."""
    group = func.to_jsonb(groups.c.id)
    return exists().where(
        jobs.c.kind == "sync_groups",
        jobs.c.status.in_(("queued", "running")),
        jobs.c.payload["group_ids"].contains(group)
        | jobs.c.payload["then"].contains(func.jsonb_build_array(func.jsonb_build_array(group))),
    )


def groups_needing_sync(
    engine: Engine, *, cohort_id: int | None = None, now: datetime | None = None
) -> list[int]:
    """Live groups never fully synced, or whose members changed since the last sync.

    Given `now`, also those where a guest's access ended since (desired.py), and those
    with a meeting over whose Discord event is still stored (discord_events.py).
    Not those a publish's chunk still waits to reconcile (its `sync_groups` job will):
    a sweep or a member's sync would otherwise redo a large publish one group at a time.
    """
    stale = (groups.c.synced_at.is_(None)) | (groups.c.members_changed_at > groups.c.synced_at)
    if now is not None:
        stale = stale | guest_access_ended_since_sync(now) | meeting_event_ended_since_sync(now)
    query = select(groups.c.id).where(groups.c.status.in_(LIVE_STATUSES), stale, ~_in_chunk())
    if cohort_id is not None:
        query = query.where(groups.c.cohort_id == cohort_id)
    with engine.connect() as conn:
        return list(conn.scalars(query.order_by(groups.c.id)))
