"""The retention policy: a finished group's Discord channels go after a retention period.

A group completed or cancelled (and archived) more than `keep_for` ago has its
messages exported, then its channels deleted, so a server's 500 channels hold
live groups rather than every group it ever had:

1. export: every message of its text channel (or thread) and of its voice
   channel's chat, paged backwards from the newest (GET /channels/{id}/messages,
   `before`, 100 a page), written as one JSON document to the content bucket at
   `discord-exports/cohort-<id>/group-<id>.json`; the key is stored on the group
   (groups.discord_export_key: the admin finds the export there);
2. delete: its channels (or thread), then groups.discord_removed_at records it
   is done, and the reconcile leaves the group alone from then on;
3. when none of a cohort's groups on a server has channels left, the cohort's
   own channels there (categories, the thread spaces' channel and voice room,
   its shared channel), the shared channel's messages exported first to
   `discord-exports/cohort-<id>/cohort-<server>.json`.

Each step is recorded before the next, so a run that stops anywhere is taken
up by the next one: an export already written is not written again, a channel
already gone (404) counts as deleted. Nothing is deleted before its export is
stored. The hourly sweep runs it (`discord_retention` step) when
DISCORD_RETENTION_DAYS and CONTENT_BUCKET are set.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, exists, func, select, update

from roundtable.config import get_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import cohort_discord_channels, cohorts, groups
from roundtable.discord.rest import DiscordApiError
from roundtable.jobs import enqueue
from roundtable.jobs.registry import JobContext, JobResult, job_handler
from roundtable.sync.desired import ARCHIVED_STATUSES, Group, load_groups
from roundtable.sync.discord_ops import UNKNOWN_CHANNEL, GuildOps

logger = logging.getLogger(__name__)

EXPORT_PREFIX = "discord-exports"
BATCH = 25  # groups a run handles at most: each is two lists and two deletes at least


@dataclass
class RetentionReport:
    exported: dict[int, str] = field(default_factory=dict)  # group id -> S3 key
    removed: list[int] = field(default_factory=list)
    messages: int = 0
    cohort_channels_deleted: int = 0
    failures: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "exported": {str(k): v for k, v in self.exported.items()},
            "removed": self.removed,
            "messages": self.messages,
            "cohort_channels_deleted": self.cohort_channels_deleted,
            "failures": {str(k): v for k, v in self.failures.items()},
        }


def export_key(group: Group) -> str:
    return f"{EXPORT_PREFIX}/cohort-{group.cohort_id}/group-{group.id}.json"


def groups_due(engine: Engine, *, now: datetime, keep_for: timedelta) -> list[int]:
    """Archived groups that ended before the retention period and still have channels."""
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(groups.c.id)
                .where(
                    groups.c.status.in_(ARCHIVED_STATUSES),
                    groups.c.archived_at.is_not(None),
                    groups.c.published_at.is_not(None),
                    groups.c.discord_removed_at.is_(None),
                    groups.c.completed_at <= now - keep_for,
                )
                .order_by(groups.c.id)
                .limit(BATCH)
            )
        )


def apply_retention(
    engine: Engine,
    ops: GuildOps,
    *,
    s3: Any,
    bucket: str,
    now: datetime,
    keep_for: timedelta,
) -> RetentionReport:
    """Export then delete the channels of groups past retention (at most BATCH a run).

    `ops`: the default server's (Services.discord); `s3`: a boto3 S3 client. A group
    that fails is reported and retried by the next run; the others go on."""
    report = RetentionReport()
    due = groups_due(engine, now=now, keep_for=keep_for)
    with engine.connect() as conn:
        found = load_groups(conn, due, now=now)
    for group in found:
        guild = ops.for_guild(group.guild_id or ops.guild_id)
        try:
            key = group.export_key or _export(engine, guild, group, s3, bucket, now, report)
            report.exported[group.id] = key
            _delete_group_channels(engine, guild, group, now)
            report.removed.append(group.id)
        except (DiscordApiError, OSError) as exc:  # OSError: botocore's network errors
            logger.warning("retention of group %s stopped: %s", group.id, exc)
            report.failures[group.id] = str(exc)
    for cohort_id, guild_id in sorted({(g.cohort_id, g.guild_id or ops.guild_id) for g in found}):
        report.cohort_channels_deleted += _delete_emptied_cohort_channels(
            engine, ops, cohort_id, guild_id, _Bucket(s3, bucket, now)
        )
    return report


def _export(
    engine: Engine,
    guild: GuildOps,
    group: Group,
    s3: Any,
    bucket: str,
    now: datetime,
    report: RetentionReport,
) -> str:
    channels = []
    for kind, channel_id in _own_channels(group):
        messages = list(guild.messages(channel_id))
        messages.reverse()  # oldest first, as people read them
        report.messages += len(messages)
        channels.append({"kind": kind, "channel_id": channel_id, "messages": messages})
    document = {
        "group": {"id": group.id, "name": group.name, "status": group.status},
        "cohort": {"id": group.cohort_id, "name": group.cohort_name},
        "guild_id": guild.guild_id,
        "space": group.space,
        "ended_at": group.ended_at.isoformat() if group.ended_at else None,
        "exported_at": now.isoformat(),
        "channels": channels,
    }
    key = export_key(group)
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(document, ensure_ascii=False).encode(),
        ContentType="application/json",
    )
    with transaction(engine) as conn:  # written before anything is deleted
        conn.execute(update(groups).where(groups.c.id == group.id).values(discord_export_key=key))
    return key


def _own_channels(group: Group) -> list[tuple[str, str]]:
    """The group's own channels: a thread space's voice room is the cohort's, not its own."""
    found = [("thread" if group.in_thread else "text", group.text_channel_id)]
    if not group.in_thread:
        found.append(("voice", group.voice_channel_id))
    return [(kind, channel_id) for kind, channel_id in found if channel_id]


def _delete_group_channels(engine: Engine, guild: GuildOps, group: Group, now: datetime) -> None:
    for _, channel_id in _own_channels(group):
        guild.delete_channel(channel_id, reason="Roundtable: retention period over, exported")
    with transaction(engine) as conn:
        conn.execute(
            update(groups)
            .where(groups.c.id == group.id)
            .values(
                discord_text_channel_id=None,
                discord_voice_channel_id=None,
                discord_welcome_message_id=None,
                discord_removed_at=now,
            )
        )


@dataclass(frozen=True)
class _Bucket:
    """Where exports go, and when they are made."""

    s3: Any
    name: str
    now: datetime


# The cohort's channels people write in (discord_cohort.py): exported before they go.
_COHORT_TALK = ("chat", "threads")


def _export_cohort_channel(
    guild: GuildOps, cohort_id: int, channel_id: str, bucket: _Bucket
) -> None:
    """The cohort's shared channel's messages (its threads are exported with their groups)."""
    try:
        messages = list(guild.messages(channel_id))
    except DiscordApiError as exc:
        if exc.code != UNKNOWN_CHANNEL:
            raise
        return  # deleted by an earlier run, after its export
    messages.reverse()  # oldest first
    document = {
        "cohort": {"id": cohort_id},
        "guild_id": guild.guild_id,
        "exported_at": bucket.now.isoformat(),
        "channels": [{"kind": "cohort", "channel_id": channel_id, "messages": messages}],
    }
    bucket.s3.put_object(
        Bucket=bucket.name,
        Key=f"{EXPORT_PREFIX}/cohort-{cohort_id}/cohort-{guild.guild_id}.json",
        Body=json.dumps(document, ensure_ascii=False).encode(),
        ContentType="application/json",
    )


def _delete_emptied_cohort_channels(
    engine: Engine, ops: GuildOps, cohort_id: int, guild_id: str, bucket: _Bucket
) -> int:
    """The cohort's own channels on a server, once none of its groups there has channels."""
    on_server = func.coalesce(groups.c.discord_guild_id, ops.guild_id) == guild_id
    still_there = exists().where(
        groups.c.cohort_id == cohort_id,
        on_server,
        groups.c.published_at.is_not(None),
        groups.c.discord_removed_at.is_(None),
    )
    table = cohort_discord_channels
    with engine.connect() as conn:
        if conn.scalar(select(still_there)):
            return 0
        rows = conn.execute(
            select(table.c.id, table.c.purpose, table.c.channel_id)
            .where(table.c.cohort_id == cohort_id, table.c.guild_id == guild_id)
            .order_by(table.c.purpose.desc())  # channels before the categories holding them
        ).all()
        legacy = conn.execute(
            select(cohorts.c.discord_category_id, cohorts.c.discord_archive_category_id).where(
                cohorts.c.id == cohort_id
            )
        ).one()
    guild = ops.for_guild(guild_id)
    reason = "Roundtable: retention period over"
    for row in rows:
        if row.purpose in _COHORT_TALK:
            _export_cohort_channel(guild, cohort_id, row.channel_id, bucket)
        guild.delete_channel(row.channel_id, reason=reason)
        with transaction(engine) as conn:
            conn.execute(delete(table).where(table.c.id == row.id))
    if guild_id != ops.guild_id:
        return len(rows)
    # The first categories of cohorts from before cohort_discord_channels, on the default server.
    known = {row.channel_id for row in rows}
    extra = [c for c in legacy if c and c not in known]
    for channel_id in extra:
        guild.delete_channel(channel_id, reason=reason)
    with transaction(engine) as conn:
        conn.execute(
            update(cohorts)
            .where(cohorts.c.id == cohort_id)
            .values(discord_category_id=None, discord_archive_category_id=None)
        )
    return len(rows) + len(extra)


# -- the hourly step and the job -----------------------------------------------------------
def retention_policy() -> tuple[timedelta, str] | None:
    """(retention period, content bucket) from settings; None when the policy is off."""
    settings = get_settings()
    if settings.discord_retention_days <= 0 or not settings.content_bucket:
        return None
    return timedelta(days=settings.discord_retention_days), settings.content_bucket


def request_retention(engine: Engine, *, now: datetime) -> dict[str, Any]:
    """The hourly step: queue the retention job when groups are due (one at a time)."""
    policy = retention_policy()
    if policy is None:
        return {"skipped": "DISCORD_RETENTION_DAYS or CONTENT_BUCKET not set"}
    due = groups_due(engine, now=now, keep_for=policy[0])
    if not due:
        return {"due": 0}
    with transaction(engine) as conn:
        job_id = enqueue(conn, RETENTION_JOB, {}, dedup_key=RETENTION_JOB)
    return {"due": len(due), "job_id": job_id}


RETENTION_JOB = "discord_retention"


@job_handler(RETENTION_JOB)
def retention_job(ctx: JobContext) -> JobResult:
    """Apply the retention policy; a group left unfinished fails the job, so it is retried."""
    import boto3  # only this job needs it

    from roundtable.sync.reconcile import default_services

    policy = retention_policy()
    if policy is None:
        return {"skipped": "DISCORD_RETENTION_DAYS or CONTENT_BUCKET not set"}
    keep_for, bucket = policy
    ops = default_services(ctx.engine).discord
    s3 = boto3.client("s3", region_name=get_settings().aws_region)
    report = apply_retention(
        ctx.engine, ops, s3=s3, bucket=bucket, now=datetime.now(UTC), keep_for=keep_for
    )
    if report.failures:
        named = "; ".join(f"group {k}: {v}" for k, v in sorted(report.failures.items()))
        raise RuntimeError(f"retention unfinished for {len(report.failures)} group(s): {named}")
    return report.as_dict()
