"""Job kinds `publish_cohort`, `sync_groups`, `sync_group` and `sync_cohort`.

A job whose reconcile left any group failed raises SyncIncompleteError naming
the groups and the service's answer, so the job row shows a clear error and
the queue retries it with backoff; what succeeded is already stored, so the
retry only does the rest. Payloads:

    publish_cohort  {"cohort_id": 3, "reply_to": {...}?}   (reply_to: opaque, for listeners)
    sync_groups     {"cohort_id": 3, "group_ids": [12, 13], "then": [[14, 15]]?}
                    (a chunk the publish queued; "then": chunks it queues once it succeeded)
    sync_group      {"group_id": 12}
    sync_cohort     {"cohort_id": 3}
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeGuard

from sqlalchemy import Connection, Engine, exists, select

from roundtable.db.engine import transaction
from roundtable.db.tables import groups, notifications
from roundtable.errors import ValidationError
from roundtable.jobs import enqueue
from roundtable.jobs.registry import JobContext, JobResult, job_handler
from roundtable.notifications.oneoff import MAX_GROUPS_PER_JOB
from roundtable.sync.calendars import group_calendar
from roundtable.sync.desired import ARCHIVED_STATUSES, LIVE_STATUSES
from roundtable.sync.outcomes import PublishResult
from roundtable.sync.publish import Chunk, publish_cohort, queue_chunks
from roundtable.sync.reconcile import default_services, groups_needing_sync, sync_groups
from roundtable.sync.rsvps import sync_group_rsvps


class SyncIncompleteError(RuntimeError):
    """Some groups could not be reconciled; the message names them and why."""


@job_handler("publish_cohort")
def publish_cohort_job(ctx: JobContext) -> PublishResult:
    """Publish a cohort's preview groups; reconcile the first chunk per server here and
    queue the rest for parallel workers (publish.py); ends once they are queued."""
    cohort_id = _positive_int(ctx.payload, "cohort_id")
    services = default_services(ctx.engine)
    report = publish_cohort(ctx.engine, cohort_id, services, now=_now(), fan_out=True)
    report["announced"] = announce_groups(ctx.engine, report["groups"], report["failures"])
    _raise_on_failures(f"publishing cohort {cohort_id}", report["failures"])
    return PublishResult.from_report(report)


@job_handler("sync_groups")
def sync_groups_job(ctx: JobContext) -> JobResult:
    """Reconcile one chunk of a published cohort beside its other chunks, then announce
    its groups; a failed chunk is retried alone (what succeeded is stored). A server's
    first chunk ("then": its server's other chunks) queues those once it succeeded."""
    cohort_id = _positive_int(ctx.payload, "cohort_id")
    ids = _group_ids(ctx.payload.get("group_ids"), "group_ids")
    then = ctx.payload.get("then", [])
    if not isinstance(then, list):
        raise ValidationError(f"job payload's then must be a list, got {then!r}", field="then")
    later = [_group_ids(chunk, "then") for chunk in then]
    _check_in_cohort(ctx.engine, cohort_id, [*ids, *(g for chunk in later for g in chunk)])
    services = default_services(ctx.engine)
    result = sync_groups(ctx.engine, ids, services, now=_now(), shared_lock=True).as_dict()
    result["announced"] = announce_groups(ctx.engine, result["groups"], result["failures"])
    _raise_on_failures(f"syncing {len(ids)} groups of cohort {cohort_id}", result["failures"])
    result["queued_chunks"] = queue_chunks(ctx.engine, cohort_id, [Chunk(c) for c in later])
    return result


def _group_ids(value: Any, name: str) -> list[int]:
    if not isinstance(value, list) or not value or not all(_is_id(g) for g in value):
        raise ValidationError(
            f"job payload needs {name} as a non-empty list of group ids, got {value!r}", field=name
        )
    return value


def _check_in_cohort(engine: Engine, cohort_id: int, ids: list[int]) -> None:
    with engine.connect() as conn:
        ours = set(
            conn.scalars(
                select(groups.c.id).where(groups.c.id.in_(ids), groups.c.cohort_id == cohort_id)
            )
        )
    if ours != set(ids):
        raise ValidationError(f"groups {sorted(set(ids) - ours)} are not in cohort {cohort_id}")


@job_handler("sync_group")
def sync_group_job(ctx: JobContext) -> JobResult:
    """Reconcile one group (and its cohort's other changed groups, e.g. a switch's old group)."""
    group_id = _positive_int(ctx.payload, "group_id")
    with ctx.engine.connect() as conn:
        group = conn.execute(
            select(groups.c.cohort_id, groups.c.status).where(groups.c.id == group_id)
        ).first()
    if group is None:
        raise ValidationError(f"no group with id {group_id}", field="group_id")
    services = default_services(ctx.engine)
    now = _now()
    ids = sorted({group_id, *groups_needing_sync(ctx.engine, cohort_id=group.cohort_id)})
    result = sync_groups(ctx.engine, ids, services, now=now).as_dict()
    if group.status in LIVE_STATUSES:  # a cancelled group's series has no answers to come
        calendar = group_calendar(ctx.engine, services.calendar_services(), group_id)
        rsvps = sync_group_rsvps(ctx.engine, calendar, group_id, now=now)
        result["rsvps"] = rsvps.as_dict()
    _raise_on_failures(f"syncing group {group_id}", result["failures"])
    return result


@job_handler("sync_cohort")
def sync_cohort_job(ctx: JobContext) -> JobResult:
    """Reconcile every published group of a cohort."""
    cohort_id = _positive_int(ctx.payload, "cohort_id")
    with ctx.engine.connect() as conn:
        ids = list(
            conn.scalars(
                select(groups.c.id).where(
                    groups.c.cohort_id == cohort_id,
                    groups.c.status.in_((*LIVE_STATUSES, *ARCHIVED_STATUSES)),
                )
            )
        )
    result = sync_groups(ctx.engine, ids, default_services(ctx.engine), now=_now()).as_dict()
    _raise_on_failures(f"syncing cohort {cohort_id}", result["failures"])
    return result


def announce_groups(engine: Engine, group_ids: list[int], failures: dict[str, str]) -> list[int]:
    """Queue `group_assigned` for published groups whose members were never told.

    After the reconcile, so the message can link the group's channel; keyed on
    the notifications ledger, so a retried or repeated publish tells nobody twice.
    One job for all of them: their e-mails then go packed, up to SendGrid's 1,000
    recipients a request (notifications/oneoff.py), not one request per group.
    """
    ready = [g for g in group_ids if str(g) not in failures]
    with transaction(engine) as conn:
        untold = [group_id for group_id in ready if not _announced(conn, group_id)]
        for part in _parts(untold, MAX_GROUPS_PER_JOB):
            payload = {"kind": "group_assigned", "group_ids": part}
            key = f"group_assigned:{part[0]}-{part[-1]}:{len(part)}"
            enqueue(conn, "send_notification", payload, dedup_key=key)
    return untold


def _parts(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _announced(conn: Connection, group_id: int) -> bool:
    return bool(
        conn.scalar(
            select(
                exists().where(
                    notifications.c.kind == "group_assigned",
                    notifications.c.reference_type == "group",
                    notifications.c.reference_id == group_id,
                )
            )
        )
    )


def _raise_on_failures(what: str, failures: dict[str, str]) -> None:
    if failures:
        listed = "; ".join(f"group {g}: {message}" for g, message in sorted(failures.items()))
        raise SyncIncompleteError(f"{what}: {len(failures)} group(s) not reconciled — {listed}")


def _positive_int(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    if not _is_id(value):
        raise ValidationError(
            f"job payload needs a positive integer {name}, got {value!r}", field=name
        )
    return value


def _is_id(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _now() -> datetime:
    return datetime.now(UTC)
