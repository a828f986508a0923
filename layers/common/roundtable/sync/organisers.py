"""Which Google calendar holds each group's series, and organisers Google made read-only.

Organisers (docs/sync.md "Several organisers"): GOOGLE_CALENDAR_ORGANISERS lists
Workspace users, each holding series on their own primary calendar (its id is
the user's address). A group gets one at its first calendar write, the one with
the fewest live groups, and keeps it (`groups.calendar_organiser`): moving a
series would re-invite every member. Without the setting every group is on
"default" (GOOGLE_CALENDAR_ID as GOOGLE_DELEGATED_USER), as before. Google's
invitation limit is per user, so organisers that are calendars of one user
share one limit: sharding only helps across distinct users.

Quota blocks: when Google answers 403 quotaExceeded, the organiser's calendar is
read-only for hours, up to days. The organiser is blocked (`calendar_quota_blocks`)
until `retry_at` (1 h after the first hit, doubling per hit, at most a day): no
write is tried for its groups before then, the sync reports those groups as
waiting (so the job retries with backoff and the hourly sweep after it), the
operator gets a warning log and the CalendarQuotaBlocked metric, and the admin
sees the block in the cohort's calendar state. The first write that succeeds
afterwards lifts the block.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from roundtable import telemetry
from roundtable.db.engine import transaction
from roundtable.db.tables import calendar_quota_blocks, groups
from roundtable.sync.calendar_api import DEFAULT_ORGANISER

logger = logging.getLogger(__name__)

# Google: "about 10,000 external invitations in a short period" per user (Calendar usage
# limits); publishing checks it first (invitation_budget.py).
INVITATIONS_PER_USER = 10_000
FIRST_QUOTA_WAIT = timedelta(hours=1)
LONGEST_QUOTA_WAIT = timedelta(days=1)


@dataclass(frozen=True)
class QuotaBlock:
    """An organiser Google made read-only, as last seen."""

    organiser: str
    reason: str
    message: str
    hits: int
    first_hit_at: datetime
    last_hit_at: datetime
    retry_at: datetime

    def describe(self) -> str:
        return (
            f"Google Calendar refused invitations from organiser {self.organiser} "
            f"({self.reason}: {self.message}) since {self.first_hit_at:%Y-%m-%d %H:%M} UTC; "
            f"next try after {self.retry_at:%Y-%m-%d %H:%M} UTC"
        )


def configured_organisers(setting: Iterable[str]) -> tuple[str, ...]:
    """The organisers new groups may get: the setting's, else the one default calendar."""
    listed = tuple(dict.fromkeys(o.strip().lower() for o in setting if o.strip()))
    return listed or (DEFAULT_ORGANISER,)


def assign_organisers(
    engine: Engine, group_ids: list[int], choices: tuple[str, ...]
) -> dict[int, str]:
    """Each group's organiser: the stored one, else (stored now) the least loaded choice.

    Load is the number of live groups an organiser holds; ties go to the first
    listed. One transaction, the groups' rows locked, so two syncs agree.
    """
    if not group_ids:
        return {}
    with transaction(engine) as conn:
        rows = conn.execute(
            select(groups.c.id, groups.c.calendar_organiser, groups.c.gcal_event_id)
            .where(groups.c.id.in_(group_ids))
            .order_by(groups.c.id)
            .with_for_update()
        ).all()
        stored = {r.id: str(r.calendar_organiser) for r in rows if r.calendar_organiser}
        # A series made before organisers were stored is on the default calendar.
        new = {r.id: DEFAULT_ORGANISER for r in rows if r.id not in stored and r.gcal_event_id}
        missing = [r.id for r in rows if r.id not in stored and r.id not in new]
        if missing:
            load = live_group_load(conn, choices)
            for group_id in missing:
                organiser = pick_organiser(load, choices)
                load[organiser] += 1
                new[group_id] = organiser
        for group_id, organiser in new.items():
            conn.execute(
                update(groups).where(groups.c.id == group_id).values(calendar_organiser=organiser)
            )
    return {**stored, **new}


def pick_organiser(load: Counter[str], choices: tuple[str, ...]) -> str:
    """The organiser a new group gets: the least loaded, ties to the first listed."""
    return min(choices, key=lambda o: (load[o], choices.index(o)))


def live_group_load(conn: Connection, choices: tuple[str, ...]) -> Counter[str]:
    """Live groups each organiser choice holds (what new groups are shared out by)."""
    counts = conn.execute(
        select(groups.c.calendar_organiser, func.count())
        .where(groups.c.status == "active", groups.c.calendar_organiser.in_(choices))
        .group_by(groups.c.calendar_organiser)
    ).all()
    load: Counter[str] = Counter(dict.fromkeys(choices, 0))
    load.update({str(organiser): int(n) for organiser, n in counts})
    return load


def quota_blocks(conn: Connection, organisers: Iterable[str] | None = None) -> list[QuotaBlock]:
    """Recorded blocks (past their retry time too, until a write succeeds), by organiser."""
    query = select(calendar_quota_blocks).order_by(calendar_quota_blocks.c.organiser)
    if organisers is not None:
        query = query.where(calendar_quota_blocks.c.organiser.in_(list(organisers)))
    return [_block(row) for row in conn.execute(query)]


def active_blocks(engine: Engine, now: datetime) -> dict[str, QuotaBlock]:
    """Organisers not to write to yet (their retry time is still ahead)."""
    with engine.connect() as conn:
        return {b.organiser: b for b in quota_blocks(conn) if b.retry_at > now}


def record_quota_hit(
    engine: Engine, organiser: str, reason: str, message: str, *, now: datetime
) -> QuotaBlock:
    """Block the organiser: 1 h after the first hit, twice as long per further hit (≤ 1 day)."""
    table = calendar_quota_blocks
    with transaction(engine) as conn:
        statement = pg_insert(table).values(
            organiser=organiser,
            reason=reason,
            message=message,
            hits=1,
            first_hit_at=now,
            last_hit_at=now,
            retry_at=now + FIRST_QUOTA_WAIT,
        )
        row = conn.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.organiser],
                set_={
                    "reason": reason,
                    "message": message,
                    "hits": table.c.hits + 1,
                    "last_hit_at": now,
                    "retry_at": now + _wait_after(table.c.hits + 1),
                },
            ).returning(table)
        ).one()
    block = _block(row)
    telemetry.count("CalendarQuotaBlocked", Organiser=organiser)
    logger.warning("calendar organiser blocked by Google: %s", block.describe())
    return block


def _wait_after(hits: Any) -> Any:
    """SQL for min(FIRST_QUOTA_WAIT · 2^(hits-1), LONGEST_QUOTA_WAIT)."""
    first = int(FIRST_QUOTA_WAIT.total_seconds())
    longest = int(LONGEST_QUOTA_WAIT.total_seconds())
    seconds = func.least(first * func.power(2, hits - 1), longest)
    return func.make_interval(0, 0, 0, 0, 0, 0, seconds)


def clear_quota_block(engine: Engine, organiser: str) -> bool:
    """A write went through: the organiser is writable again. Whether a block was lifted."""
    with transaction(engine) as conn:
        gone = conn.execute(
            delete(calendar_quota_blocks).where(calendar_quota_blocks.c.organiser == organiser)
        ).rowcount
    if gone:
        logger.info("calendar organiser %s accepts invitations again", organiser)
    return bool(gone)


def _block(row: Any) -> QuotaBlock:
    return QuotaBlock(
        row.organiser,
        row.reason,
        row.message,
        int(row.hits),
        row.first_hit_at,
        row.last_hit_at,
        row.retry_at,
    )


# -- what the admin sees ------------------------------------------------------------------
@dataclass(frozen=True)
class OrganiserState:
    """One organiser calendar holding some of the cohort's series."""

    organiser: str
    groups: int  # the cohort's groups on it (with a series, or about to get one)
    blocked: bool  # Google refuses its writes and the retry time is still ahead
    problem: str | None  # the block, described (kept until a write succeeds again)


@dataclass(frozen=True)
class CalendarState:
    """How a cohort's members get calendar invitations, and what holds them up."""

    invitations: str  # "google" | "ics"
    organisers: list[OrganiserState]
    emailed: int  # .ics: members holding an invitation
    email_cancelled: int  # .ics: invitations cancelled (members who left, cancelled groups)


def cohort_calendar_state(conn: Connection, cohort_id: int, now: datetime) -> CalendarState:
    """The cohort's choice, its organisers with any quota block, and e-mailed invitations.

    A read for the cohort status (cohorts/status.py checks the admin)."""
    from roundtable.db.tables import calendar_invitations, cohorts

    choice = conn.scalar(select(cohorts.c.calendar_invitations).where(cohorts.c.id == cohort_id))
    counts: Counter[str] = Counter()
    for organiser, n in conn.execute(
        select(groups.c.calendar_organiser, func.count())
        .where(
            groups.c.cohort_id == cohort_id,
            groups.c.calendar_organiser.is_not(None) | groups.c.gcal_event_id.is_not(None),
        )
        .group_by(groups.c.calendar_organiser)
    ):
        counts[organiser or DEFAULT_ORGANISER] += int(n)  # a series from before: the default's
    blocks = {b.organiser: b for b in quota_blocks(conn, counts)}
    organisers = [
        OrganiserState(
            name,
            n,
            name in blocks and blocks[name].retry_at > now,
            blocks[name].describe() if name in blocks else None,
        )
        for name, n in sorted(counts.items())
    ]
    states: dict[str, int] = dict(
        conn.execute(
            select(calendar_invitations.c.state, func.count())
            .join(groups, groups.c.id == calendar_invitations.c.group_id)
            .where(groups.c.cohort_id == cohort_id)
            .group_by(calendar_invitations.c.state)
        ).all()
    )
    return CalendarState(
        str(choice or "google"),
        organisers,
        int(states.get("invited", 0)),
        int(states.get("cancelled", 0)),
    )
