from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import groups, jobs
from roundtable.jobs import enqueue, get_job, run_job
from tests.fakes.discord import APPLICATION_ID, error
from tests.fakes.discord_guild import GUILD_ID, TEXT, VOICE, FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.integration.sync.world import (
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    meeting_rows,
    switch_group,
)


@pytest.fixture
def cohort(engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar) -> dict:
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Jobs", meetings=2)
        people = [add_person(conn, n) for n in ("Ada", "Bo", "Cy")]
        first = add_preview_group(conn, cohort_id, "Group 1", learners=people[:2])
        second = add_preview_group(conn, cohort_id, "Group 2", learners=people[2:])
    for person in people:
        guild.add_member(person.discord_id)
    return {"id": cohort_id, "groups": [first, second], "people": people}


def _run(engine: Engine, kind: str, payload: dict, *, max_attempts: int = 5) -> dict:
    with engine.begin() as conn:
        job_id = enqueue(conn, kind, payload, max_attempts=max_attempts)
    run_job(engine, job_id)
    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job is not None
    return job


def test_the_publish_job_publishes_and_queues_the_group_assigned_notifications(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, cohort: dict
) -> None:
    job = _run(engine, "publish_cohort", {"cohort_id": cohort["id"]})

    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["activated"] == cohort["groups"]
    assert job["result"]["announced"] == cohort["groups"]
    with engine.connect() as conn:
        queued = conn.execute(
            select(jobs.c.kind, jobs.c.payload).where(jobs.c.kind == "send_notification")
        ).all()
    [(_, payload)] = queued  # one job: the groups' e-mails go packed
    assert payload == {"kind": "group_assigned", "group_ids": cohort["groups"]}


def test_a_permanent_failure_leaves_a_failed_job_with_a_clear_error_and_nothing_half_applied(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, cohort: dict
) -> None:
    forbidden = error(403, 50013, "Missing Permissions")
    guild.fail_next("POST", rf"/guilds/{GUILD_ID}/channels", forbidden, times=1)

    job = _run(engine, "publish_cohort", {"cohort_id": cohort["id"]}, max_attempts=1)

    assert job["status"] == "failed"
    assert "publishing cohort" in job["error"] and "Missing Permissions" in job["error"]
    for group_id in cohort["groups"]:
        row = group_row(engine, group_id)
        assert row.status == "active" and len(meeting_rows(engine, group_id)) == 2
        assert row.synced_at is None  # the hourly sweep (or a retry) finishes it
        assert (row.discord_text_channel_id, row.discord_role_id) == (None, None)
        assert calendar.event(row.gcal_event_id)["status"] == "confirmed"  # stored ids are real
    assert guild.channels == {} and list(guild.roles) == [GUILD_ID]

    again = _run(engine, "publish_cohort", {"cohort_id": cohort["id"]})

    assert again["status"] == "succeeded", again["error"]
    names = sorted(c["name"] for c in guild.channels.values() if c["type"] in (TEXT, VOICE))
    assert names == ["Group 1 voice", "Group 2 voice", "group-1", "group-2", "jobs-general"]
    # @everyone and the groups' roles (which open the cohort's channel: no cohort role)
    assert len(guild.roles) == 3 and len(calendar.live_events()) == 2


def test_a_job_payload_without_a_cohort_fails_with_a_message_naming_the_field(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar
) -> None:
    job = _run(engine, "publish_cohort", {"cohort": 3}, max_attempts=1)

    assert job["status"] == "failed"
    assert "positive integer cohort_id" in job["error"]


def test_the_sync_group_job_also_revokes_the_role_of_the_group_a_member_left(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, cohort: dict
) -> None:
    assert _run(engine, "publish_cohort", {"cohort_id": cohort["id"]})["status"] == "succeeded"
    bo, (first, second) = cohort["people"][1], cohort["groups"]
    switch_group(engine, bo, first, second, datetime.now(UTC))

    job = _run(engine, "sync_group", {"group_id": second})

    assert job["status"] == "succeeded", job["error"]
    assert bo.discord_id in guild.holders(group_row(engine, second).discord_role_id)
    assert bo.discord_id not in guild.holders(group_row(engine, first).discord_role_id)
    with engine.connect() as conn:
        unsynced = conn.scalars(select(groups.c.id).where(groups.c.synced_at.is_(None))).all()
    assert unsynced == []


def test_the_sync_cohort_job_makes_no_mutating_call_when_nothing_changed(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, cohort: dict
) -> None:
    _run(engine, "publish_cohort", {"cohort_id": cohort["id"]})
    guild.clear_log()
    calendar.clear_log()

    job = _run(engine, "sync_cohort", {"cohort_id": cohort["id"]})

    assert job["status"] == "succeeded"
    assert guild.mutating_requests() == [] and calendar.mutating_requests() == []


@pytest.mark.usefixtures("discord_replies")
def test_a_publish_from_discord_is_answered_with_the_result_or_once_with_the_final_error(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, cohort: dict
) -> None:
    reply_to = {"application_id": APPLICATION_ID, "token": "publish-token"}
    forbidden = error(403, 50013, "Missing Permissions")
    guild.fail_next("POST", rf"/guilds/{GUILD_ID}/channels", forbidden, times=1)

    failed = _run(engine, "publish_cohort", {"cohort_id": cohort["id"], "reply_to": reply_to})

    assert failed["status"] == "queued"  # retried with backoff: no answer yet
    assert "publish-token" not in guild.original_responses

    done = _run(engine, "publish_cohort", {"cohort_id": cohort["id"], "reply_to": reply_to})

    assert done["status"] == "succeeded", done["error"]
    content = guild.original_responses["publish-token"]["content"]
    assert content == (  # the first attempt activated the groups; this one finished them
        "✅ Published 0 group(s); 2 live in all.\nDiscord: 8 created, 3 roles granted."
    )
