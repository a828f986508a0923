"""Whether a scheduling run's proposed joins still wait to be published, and voiding them.

Kept apart from `joins` (which checks availability) so the Discord function's
/publish and Discard answer with nothing but the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from roundtable.db.tables import scheduling_runs


def proposals_settled(stats: dict[str, Any] | None) -> bool:
    """True once a run's proposals were applied by a publish or discarded by an admin."""
    stats = stats or {}
    return bool(stats.get("joins_applied_at") or stats.get("joins_discarded_at"))


def pending_proposed_joins(conn: Connection, cohort_id: int) -> int:
    """How many joins the cohort's latest run proposed that are neither published nor voided."""
    stats = conn.scalar(
        select(scheduling_runs.c.stats)
        .where(scheduling_runs.c.cohort_id == cohort_id)
        .order_by(scheduling_runs.c.id.desc())
        .limit(1)
    )
    if proposals_settled(stats):
        return 0
    return len((stats or {}).get("proposed_joins") or [])


def discard_proposed_joins(conn: Connection, run_id: int, now: datetime) -> int:
    """Void a run's unapplied proposed joins so no publish applies them; how many were voided."""
    stats = conn.scalar(
        select(scheduling_runs.c.stats).where(scheduling_runs.c.id == run_id).with_for_update()
    )
    if proposals_settled(stats):
        return 0
    voided = len((stats or {}).get("proposed_joins") or [])
    if voided:
        marked = {**(stats or {}), "joins_discarded_at": now.isoformat()}
        conn.execute(
            update(scheduling_runs).where(scheduling_runs.c.id == run_id).values(stats=marked)
        )
    return voided
