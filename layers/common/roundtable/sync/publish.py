"""Publish a cohort: its preview groups become active and appear outside.

First, each group to publish is given a Discord server with room for it
(servers.py: usage read from Discord; nothing fits → DiscordCapacityError with
the numbers, before anything is written). Then, in one transaction: every
preview group with members becomes active with its meeting rows and its
server and space (all or nothing: a group whose weekly time is invalid stops
the whole publish before anything is written). Then the external state is
reconciled (reconcile.sync_groups). Publishing again finds no preview group,
and the reconcile finds nothing to change.

At scale the reconcile fans out (`fan_out=True`, what the publish job does):
one Discord worker making one call at a time is bound by latency (about 12
calls a second), not by the bot's shared budget (45 a second for all workers,
discord/budget.py). The cohort's groups on each server are cut, in the order
their categories are numbered, into chunks of PUBLISH_CHUNK groups (whole
categories, so no two chunks make the same category). A server's first chunk
makes the cohort's shared spaces there (its channel, and role), so it runs
before that server's other chunks: the first server's in the publish job,
under the cohort's exclusive lock; each other server's as a `sync_groups` job
that queues its server's other chunks when it succeeds ("then"), so servers
are published side by side (a cohort of 20,000 groups spans about 80 servers,
most of them one chunk: reconciled one after another they would take hours,
far past a worker's 15 minutes). Every chunk job is queued with a key per
chunk (a retried publish queues nothing twice), runs beside the others under a
shared cohort lock, and is retried alone when it fails.
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
from roundtable.jobs import enqueue
from roundtable.scheduling.joins import apply_proposed_joins
from roundtable.sync.desired import GROUPS_PER_CATEGORY
from roundtable.sync.invitation_budget import check_before_publish
from roundtable.sync.reconcile import Services, groups_needing_sync, sync_groups
from roundtable.sync.series import write_meetings
from roundtable.sync.servers import Placement, place_groups, plan_for_cohort


@dataclass
class Activation:
    activated: list[int] = field(default_factory=list)
    empty: list[int] = field(
        default_factory=list
    )  # preview groups without members: left as preview


# Groups one `sync_groups` job reconciles: whole categories (25 groups each), and few
# enough that a chunk of channel_and_role groups (about 9 calls each, 80 ms apiece)
# ends within minutes, far inside the worker's 15; large enough that the listings
# each chunk reads first (channels, roles, members 1,000 a page) stay a small share.
PUBLISH_CHUNK = 10 * GROUPS_PER_CATEGORY
# What the publish job reconciles itself when its cohort has more than one chunk: the
# first server's first category, which makes the cohort's shared spaces there.
PUBLISH_LEAD = GROUPS_PER_CATEGORY


def publish_cohort(
    engine: Engine, cohort_id: int, services: Services, *, now: datetime, fan_out: bool = False
) -> dict[str, Any]:
    """Place the cohort's preview groups on servers, activate them, then reconcile all its
    live groups: here, or (`fan_out`) the first chunk per server here and the rest as
    queued `sync_groups` jobs ("queued_chunks": their job ids). Raises
    DiscordCapacityError (nothing changed) when they do not fit, InvitationBudgetError
    when their Google series would pass an organiser user's invitation budget."""
    placement = plan_for_cohort(engine, services.discord, cohort_id)
    # Google's invitations per organiser user, counted before anything is written too.
    check_before_publish(engine, services.calendar_services(), cohort_id, now=now)
    activation = activate_preview_groups(engine, cohort_id, now=now, placement=placement)
    with engine.connect() as conn:
        live = list(
            conn.scalars(
                select(groups.c.id)
                .where(groups.c.cohort_id == cohort_id, groups.c.status == "active")
                .order_by(groups.c.id)
            )
        )
    all_live, plan = live, ChunkPlan()
    if fan_out:
        plan = publish_chunks(engine, cohort_id)
        live = plan.first
    report = sync_groups(engine, live, services, now=now)
    # Only once the first chunk made the cohort's shared spaces (else the retry queues).
    queued = queue_chunks(engine, cohort_id, plan.queued) if not report.failures else []
    return {
        "cohort_id": cohort_id,
        "activated": activation.activated,
        "left_in_preview": activation.empty,
        "live_groups": len(all_live),
        **report.as_dict(),
        "queued_chunks": queued,
        "queued_groups": plan.later if queued else 0,
    }


@dataclass
class Chunk:
    """A `sync_groups` job's groups, and the chunks it queues once it succeeds (a
    server's first chunk: the server's others wait for the shared spaces it makes)."""

    group_ids: list[int]
    then: list[list[int]] = field(default_factory=list)

    def payload(self, cohort_id: int) -> dict[str, Any]:
        payload: dict[str, Any] = {"cohort_id": cohort_id, "group_ids": self.group_ids}
        if self.then:
            payload["then"] = self.then
        return payload


@dataclass
class ChunkPlan:
    first: list[int] = field(default_factory=list)  # reconciled by the publish job itself
    queued: list[Chunk] = field(default_factory=list)  # queued when it succeeds

    @property
    def later(self) -> int:
        """Groups the queued chunks reconcile, theirs and what they queue in turn."""
        return sum(len(c.group_ids) + sum(len(t) for t in c.then) for c in self.queued)


def publish_chunks(engine: Engine, cohort_id: int) -> ChunkPlan:
    """The cohort's groups still to sync, cut into chunks per server from all its published
    groups in id order (the order desired.py numbers categories by), so chunks hold whole
    categories: the first server's first chunk for the publish job, its other chunks
    queued, and each other server's first chunk queued with that server's others after."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(groups.c.id, groups.c.discord_guild_id)
            .where(
                groups.c.cohort_id == cohort_id,
                groups.c.published_at.is_not(None),
                groups.c.discord_removed_at.is_(None),
            )
            .order_by(groups.c.id)
        ).all()
    stale = set(groups_needing_sync(engine, cohort_id=cohort_id))
    by_server: dict[str, list[int]] = {}
    for group_id, guild_id in rows:
        by_server.setdefault(str(guild_id or ""), []).append(group_id)
    plan = ChunkPlan()
    for ids in by_server.values():
        cuts = [ids[i : i + PUBLISH_CHUNK] for i in range(0, len(ids), PUBLISH_CHUNK)]
        lead = [g for g in cuts[0] if g in stale]
        rest = [chunk for chunk in ([g for g in c if g in stale] for c in cuts[1:]) if chunk]
        if not plan.first and not plan.queued:  # the first server: its lead in the job
            plan.first = lead
            plan.queued += [Chunk(chunk) for chunk in rest]
        elif lead:
            plan.queued.append(Chunk(lead, then=rest))
        else:  # its shared spaces were made before (a retried publish)
            plan.queued += [Chunk(chunk) for chunk in rest]
    if plan.queued and len(plan.first) > PUBLISH_LEAD:
        # More than one chunk: the job makes the shared spaces with one category and the
        # rest of its chunk runs beside the others, not before them (a chunk alone runs
        # at one worker's 12 calls a second, a quarter of the shared budget).
        plan.queued.insert(0, Chunk(plan.first[PUBLISH_LEAD:]))
        plan.first = plan.first[:PUBLISH_LEAD]
    return plan


def queue_chunks(engine: Engine, cohort_id: int, chunks: list[Chunk]) -> list[int]:
    """One `sync_groups` job per chunk, keyed by the chunk (one queued per chunk at a time)."""
    with transaction(engine) as conn:
        return [
            enqueue(
                conn,
                "sync_groups",
                chunk.payload(cohort_id),
                dedup_key=f"sync_groups:{cohort_id}:{chunk.group_ids[0]}-{chunk.group_ids[-1]}",
            )
            for chunk in chunks
        ]


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
