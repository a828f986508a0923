"""The hourly sweep behind the `sync_rsvps` function.

Steps, each isolated (one failing never stops the next): RSVPs of every
active series (one listing per organiser calendar: sync/calendars.py);
reconcile of groups whose members changed or that never fully synced; end
of cohort for finished groups; the Discord retention job queued when
groups are past it (sync/retention.py); retry of due jobs; then the purges its
caller passes (roundtable.housekeeping.HOURLY_PURGES: expired refresh
tokens and login states, finished rate-limit windows), each in a
transaction of its own. An idle run makes one Google Calendar call per
organiser calendar (the incremental events.list) and no Discord call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from roundtable.config import get_settings
from roundtable.db.engine import transaction
from roundtable.jobs import retry_due_jobs
from roundtable.sync.calendars import sync_rsvps_everywhere
from roundtable.sync.lifecycle import complete_finished_groups
from roundtable.sync.reconcile import Services, groups_needing_sync, sync_groups
from roundtable.sync.retention import request_retention

logger = logging.getLogger(__name__)


Purge = Callable[[Connection, datetime], dict[str, int]]


def run_hourly_sync(
    engine: Engine,
    services: Callable[[], Services],
    *,
    now: datetime,
    purges: Mapping[str, Purge] | None = None,
) -> dict[str, Any]:
    """Run every step, then each purge by name; a structured summary with the failures of each."""
    summary: dict[str, Any] = {"failures": {}}
    made: list[Services] = []

    def lazily() -> Services:  # no clients (and no credentials) unless a step needs them
        if not made:
            made.append(services())
        return made[0]

    steps: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("rsvps", lambda: _rsvps(engine, lazily(), now)),
        ("members", lambda: _changed_groups(engine, lazily, now)),
        ("lifecycle", lambda: complete_finished_groups(engine, lazily(), now=now)),
        ("discord_retention", lambda: request_retention(engine, now=now)),
        ("zoom", lambda: _zoom(engine, now)),
        ("jobs", lambda: retry_due_jobs(engine)),
    ]
    steps += [(name, _in_transaction(engine, purge, now)) for name, purge in (purges or {}).items()]
    for name, step in steps:
        try:
            summary[name] = step()
        except Exception as exc:  # recorded in the summary and the log; the next step runs
            logger.exception("hourly sync step %s failed", name)
            summary["failures"][name] = f"{type(exc).__name__}: {exc}"
    summary["groups_synced"] = summary.get("rsvps", {}).get("groups_synced", 0)
    summary["changes"] = summary.get("rsvps", {}).get("changes", 0)
    return summary


def _rsvps(engine: Engine, services: Services, now: datetime) -> dict[str, Any]:
    """Every organiser calendar's RSVPs (one incremental listing each)."""
    return sync_rsvps_everywhere(engine, services.calendar_services(), now=now).as_dict()


def _zoom(engine: Engine, now: datetime) -> dict[str, Any]:
    """Zoom groups' meetings on Zoom, and check-ins from past meetings' reports."""
    from roundtable.venues.zoom_api import client_from_settings
    from roundtable.venues.zoom_sync import sync_zoom

    return sync_zoom(engine, lambda: client_from_settings(get_settings()), now=now).as_dict()


def _changed_groups(
    engine: Engine, services: Callable[[], Services], now: datetime
) -> dict[str, Any]:
    group_ids = groups_needing_sync(engine, now=now)
    if not group_ids:
        return {"groups": [], "synced": [], "failures": {}}
    report = sync_groups(engine, group_ids, services(), now=now)
    return {
        "groups": report.group_ids,
        "synced": report.synced,
        "pending": sorted(report.discord.pending_groups),
        "failures": {str(k): v for k, v in report.failures.items()},
    }


def _in_transaction(engine: Engine, purge: Purge, now: datetime) -> Callable[[], dict[str, int]]:
    def step() -> dict[str, int]:
        with transaction(engine) as conn:
            return purge(conn, now)

    return step
