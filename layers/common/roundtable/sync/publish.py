"""Publish a cohort: its preview groups become active and appear outside.

First, each group to publish is given a Discord server with room for it
(servers.py: usage read from Discord; nothing fits → DiscordCapacityError with
the numbers, before anything is written). Then, in one transaction: every
preview group with members becomes active with its meeting rows and its
server and space (all or nothing: a group whose weekly time is invalid stops
the whole publish before anything is written). Then the external state is
reconciled (reconcile.sync_groups). Publishing again finds no preview group,
and the reconcile finds nothing to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from roundtable.cohorts.lifecycle import mark_running
from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts, group_members, groups
from roundtable.errors import NotFoundError
from roundtable.scheduling.joins import apply_proposed_joins
from roundtable.sync.reconcile import Services, sync_groups
from roundtable.sync.series import write_meetings
from roundtable.sync.servers import Placement, place_groups, plan_for_cohort


@dataclass
class Activation:
    activated: list[int] = field(default_factory=list)
    empty: list[int] = field(
        default_factory=list
    )  # preview groups without members: left as preview


def publish_cohort(
    engine: Engine, cohort_id: int, services: Services, *, now: datetime
) -> dict[str, Any]:
    """Place the cohort's preview groups on servers, activate them, then reconcile all its
    live groups. Raises DiscordCapacityError (nothing changed) when they do not fit."""
    placement = plan_for_cohort(engine, services.discord, cohort_id)
    activation = activate_preview_groups(engine, cohort_id, now=now, placement=placement)
    with engine.connect() as conn:
        live = list(
            conn.scalars(
                select(groups.c.id)
                .where(groups.c.cohort_id == cohort_id, groups.c.status == "active")
                .order_by(groups.c.id)
            )
        )
    report = sync_groups(engine, live, services, now=now)
    return {
        "cohort_id": cohort_id,
        "activated": activation.activated,
        "left_in_preview": activation.empty,
        **report.as_dict(),
    }


def activate_preview_groups(
    engine: Engine, cohort_id: int, *, now: datetime, placement: Placement | None = None
) -> Activation:
    """Preview → active with meeting rows (and the placement's servers), in one transaction."""
    activation = Activation()
    with transaction(engine) as conn:
        found = conn.scalar(select(cohorts.c.id).where(cohorts.c.id == cohort_id).with_for_update())
        if found is None:
            raise NotFoundError(f"no cohort with id {cohort_id}")
        previews = conn.execute(
            select(groups.c.id, func.count(group_members.c.id).label("members"))
            .outerjoin(
                group_members,
                (group_members.c.group_id == groups.c.id) & (group_members.c.status == "active"),
            )
            .where(groups.c.cohort_id == cohort_id, groups.c.status == "preview")
            .group_by(groups.c.id)
            .order_by(groups.c.id)
        ).all()
        for group_id, member_count in previews:
            if member_count == 0:
                activation.empty.append(group_id)
                continue
            conn.execute(
                update(groups)
                .where(groups.c.id == group_id)
                .values(status="active", published_at=now)
            )
            write_meetings(conn, group_id, now=now)
            activation.activated.append(group_id)
        if placement is not None:
            place_groups(conn, placement)
        # Newcomers the latest scheduling run proposed for published groups join now.
        apply_proposed_joins(conn, cohort_id, now=now)
        if activation.activated:
            mark_running(conn, cohort_id)
    return activation
