"""The retention policy (issue 22): finished groups' channels exported to S3, then deleted.

The content bucket is moto's S3; Discord is the fake guild, which pages
messages as Discord does (newest first, `before`, 100 at most).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sqlalchemy import Engine, select

from roundtable.config import reset_settings
from roundtable.db.tables import cohort_discord_channels, jobs
from roundtable.jobs import run_job
from roundtable.people.actors import SYSTEM
from roundtable.sync.lifecycle import complete_finished_groups
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, sync_groups
from roundtable.sync.retention import apply_retention, request_retention
from roundtable.sync.servers import set_group_space
from tests.fakes.discord import error
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.integration.sync.world import add_cohort, add_person, add_preview_group, group_row

BUCKET = "roundtable-content"
PUBLISHED = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
ENDED = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)  # the groups are completed then
KEEP_FOR = timedelta(days=90)
PAST_RETENTION = ENDED + KEEP_FOR + timedelta(hours=1)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def _finished_cohort(
    engine: Engine, guild: FakeDiscordGuild, services: Services, *, space: str
) -> tuple[int, list[int]]:
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Spring 2026", meetings=1)
        people = [add_person(conn, name) for name in ("Ann", "Ben")]
        group_ids = [
            add_preview_group(conn, cohort_id, f"Group {n + 1}", learners=[person])
            for n, person in enumerate(people)
        ]
    for person in people:
        guild.add_member(person.discord_id)
    set_group_space(engine, SYSTEM, cohort_id, space)
    assert publish_cohort(engine, cohort_id, services, now=PUBLISHED)["failures"] == {}
    first = group_row(engine, group_ids[0])
    guild.add_messages(first.discord_text_channel_id, 230)  # three pages
    assert complete_finished_groups(engine, services, now=ENDED)["failures"] == {}
    return cohort_id, group_ids


def _retain(engine: Engine, services: Services, s3: Any, now: datetime = PAST_RETENTION) -> Any:
    return apply_retention(
        engine, services.discord, s3=s3, bucket=BUCKET, now=now, keep_for=KEEP_FOR
    )


def _export(s3: Any, key: str) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_retention_exports_every_message_then_frees_the_channels_and_categories(
    engine: Engine, guild: FakeDiscordGuild, services: Services, s3: Any
) -> None:
    cohort_id, group_ids = _finished_cohort(engine, guild, services, space="channel_and_role")
    first = group_row(engine, group_ids[0])
    text_id = first.discord_text_channel_id
    # 2 groups x 2 channels, the live and archive categories, the cohort's channel
    assert len(guild.channels) == 7
    guild.clear_log()

    report = _retain(engine, services, s3)

    assert report.failures == {} and report.removed == group_ids
    exported = _export(s3, report.exported[group_ids[0]])
    messages = exported["channels"][0]["messages"]
    assert messages[0]["content"].startswith("**Welcome to Group 1!**")  # oldest first
    assert [m["content"] for m in messages[1:]] == [f"message {n}" for n in range(1, 231)]
    assert exported["channels"][0]["kind"] == "text" and exported["channels"][1]["kind"] == "voice"
    pages = [
        r for r in guild.requests if r.method == "GET" and r.path.endswith(f"{text_id}/messages")
    ]
    assert len(pages) == 3  # 100, 100, 31
    assert guild.channels == {}  # channels and the cohort's categories, all gone
    row = group_row(engine, group_ids[0])
    assert row.discord_export_key == f"discord-exports/cohort-{cohort_id}/group-{group_ids[0]}.json"
    assert row.discord_removed_at == PAST_RETENTION and row.discord_text_channel_id is None
    with engine.connect() as conn:
        assert not conn.execute(select(cohort_discord_channels)).all()


def test_retention_runs_once_and_the_sync_never_brings_the_channels_back(
    engine: Engine, guild: FakeDiscordGuild, services: Services, s3: Any
) -> None:
    _, group_ids = _finished_cohort(engine, guild, services, space="channel_and_role")
    _retain(engine, services, s3)
    guild.clear_log()

    again = _retain(engine, services, s3, now=PAST_RETENTION + timedelta(days=1))
    sync_groups(engine, group_ids, services, now=PAST_RETENTION)

    assert again.removed == [] and again.exported == {}
    assert guild.requests == [] and guild.channels == {}


def test_groups_within_the_retention_period_keep_their_channels(
    engine: Engine, guild: FakeDiscordGuild, services: Services, s3: Any
) -> None:
    _finished_cohort(engine, guild, services, space="channel_and_role")
    guild.clear_log()

    report = _retain(engine, services, s3, now=ENDED + KEEP_FOR - timedelta(hours=1))

    assert report.removed == [] and guild.requests == [] and len(guild.channels) == 7
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_a_run_stopped_between_export_and_delete_is_finished_by_the_next_without_exporting_again(
    engine: Engine, guild: FakeDiscordGuild, services: Services, s3: Any
) -> None:
    _, group_ids = _finished_cohort(engine, guild, services, space="channel_and_role")
    text_id = group_row(engine, group_ids[0]).discord_text_channel_id
    guild.fail_next("DELETE", rf"/channels/{text_id}", error(403, 50013, "Missing Permissions"))

    stopped = _retain(engine, services, s3)

    assert list(stopped.failures) == [group_ids[0]] and stopped.removed == [group_ids[1]]
    key = group_row(engine, group_ids[0]).discord_export_key
    assert key and len(_export(s3, key)["channels"][0]["messages"]) == 231
    assert text_id in guild.channels and group_row(engine, group_ids[0]).discord_removed_at is None
    guild.clear_log()

    finished = _retain(engine, services, s3)

    assert finished.failures == {} and finished.removed == [group_ids[0]]
    # The group is not read again (the cohort's shared channel is, once, before it goes).
    read = [r.path for r in guild.requests if r.method == "GET" and "/messages" in r.path]
    assert read and f"/channels/{text_id}/messages" not in read
    assert guild.channels == {}


def test_retention_of_a_thread_space_deletes_the_threads_then_the_cohorts_channels(
    engine: Engine, guild: FakeDiscordGuild, services: Services, s3: Any
) -> None:
    _, group_ids = _finished_cohort(engine, guild, services, space="thread")
    thread_id = group_row(engine, group_ids[0]).discord_text_channel_id
    assert thread_id in guild.threads and len(guild.channels) == 3

    report = _retain(engine, services, s3)

    assert report.failures == {}
    exported = _export(s3, report.exported[group_ids[0]])
    assert [c["kind"] for c in exported["channels"]] == ["thread"]  # the voice room is shared
    assert len(exported["channels"][0]["messages"]) == 231  # the welcome and 230 more
    assert guild.threads == {} and guild.channels == {}


def test_the_hourly_step_queues_the_retention_job_only_when_configured_and_due(
    engine: Engine,
    guild: FakeDiscordGuild,
    services: Services,
    s3: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _finished_cohort(engine, guild, services, space="channel")
    assert "skipped" in request_retention(engine, now=PAST_RETENTION)
    monkeypatch.setenv("DISCORD_RETENTION_DAYS", "90")
    monkeypatch.setenv("CONTENT_BUCKET", BUCKET)
    reset_settings()

    early = request_retention(engine, now=ENDED + timedelta(days=1))
    due = request_retention(engine, now=PAST_RETENTION)
    again = request_retention(engine, now=PAST_RETENTION)

    assert early == {"due": 0}
    assert due["due"] == 2 and again["job_id"] == due["job_id"]  # one job at a time
    with engine.connect() as conn:
        assert conn.scalars(select(jobs.c.kind)).all() == ["discord_retention"]

    outcome = run_job(engine, due["job_id"])  # as the worker runs it, with the real clock

    assert outcome is not None and outcome["status"] == "succeeded", outcome
    # two groups' exports and the cohort's shared channel's
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 3 and guild.channels == {}


@pytest.mark.parametrize("space", ["channel_and_role", "thread"])
def test_the_cohorts_shared_channel_is_exported_before_it_goes(
    engine: Engine, guild: FakeDiscordGuild, services: Services, s3: Any, space: str
) -> None:
    cohort_id, _ = _finished_cohort(engine, guild, services, space=space)
    with engine.connect() as conn:
        shared = conn.scalar(
            select(cohort_discord_channels.c.channel_id).where(
                cohort_discord_channels.c.purpose.in_(("chat", "threads"))
            )
        )
    guild.add_messages(shared, 3)  # the whole cohort talked there

    report = _retain(engine, services, s3)

    assert report.failures == {} and not guild.channel_exists(shared)
    exported = _export(s3, f"discord-exports/cohort-{cohort_id}/cohort-{guild.guild_id}.json")
    (channel,) = exported["channels"]
    assert channel["channel_id"] == shared
    assert [m["content"] for m in channel["messages"]] == ["message 1", "message 2", "message 3"]
