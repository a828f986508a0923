"""The hourly `sync_rsvps` function end to end: real handler, EventBridge event, fakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from devserver.functions import load_function
from roundtable.db.tables import attendances, outbox, rate_limits, refresh_tokens
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, default_services
from tests.conftest import load_event
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar, google_error
from tests.integration.sync.world import (
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    switch_group,
)

# The function reads the real clock: this cohort starts next week, whenever the tests run.
NOW = datetime.now(UTC)
NEXT_WEEK = NOW + timedelta(days=7)


@dataclass
class _Context:
    function_name: str = "roundtable-sync-rsvps"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:sync"
    aws_request_id: str = "0f1e2d3c-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def _run_hourly() -> dict[str, Any]:
    handler = load_function("sync_rsvps").handler
    return handler(load_event("eventBridgeScheduledEvent.json"), _Context())  # type: ignore[no-any-return]


@pytest.fixture
def published(engine: Engine, guild: FakeDiscordGuild, services: Services) -> dict:
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Hourly", meetings=3)
        ada, bo, cy = (add_person(conn, n) for n in ("Ada", "Bo", "Cy"))
        first = add_preview_group(conn, cohort_id, "Group 1", first=NEXT_WEEK, learners=[ada, bo])
        second = add_preview_group(conn, cohort_id, "Group 2", first=NEXT_WEEK, learners=[cy])
    for person in (ada, bo, cy):
        guild.add_member(person.discord_id)
    publish_cohort(engine, cohort_id, services, now=NOW)
    return {"groups": [first, second], "people": [ada, bo, cy]}


def test_an_idle_hourly_run_makes_one_calendar_call_and_no_discord_call(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, published: dict
) -> None:
    first = _run_hourly()
    guild.clear_log()
    calendar.clear_log()

    second = _run_hourly()

    assert first["status"] == second["status"] == "ok"
    assert second["groups_synced"] == 2 and second["changes"] == 0
    assert len(calendar.api_calls()) == 1 and guild.requests == []


def test_the_hourly_run_records_answers_and_reconciles_changed_memberships(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, published: dict
) -> None:
    (first, second), bo = published["groups"], published["people"][1]
    calendar.respond(group_row(engine, first).gcal_event_id, "Ada@Example.com", "accepted")
    switch_group(engine, bo, first, second, datetime.now(UTC))

    summary = _run_hourly()

    assert summary["status"] == "ok" and summary["changes"] == 3
    assert summary["members"]["synced"] == [first, second]
    assert bo.discord_id in guild.holders(group_row(engine, second).discord_role_id)
    assert bo.discord_id not in guild.holders(group_row(engine, first).discord_role_id)
    with engine.connect() as conn:
        assert set(conn.scalars(select(attendances.c.rsvp))) == {"attending"}


def test_the_hourly_run_purges_expired_refresh_tokens(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, published: dict
) -> None:
    import uuid

    user_id = published["people"][0].id
    with engine.begin() as conn:
        for days, token in ((-1, "old"), (10, "fresh")):
            conn.execute(
                refresh_tokens.insert().values(
                    token_hash=token,
                    user_id=user_id,
                    family_id=uuid.uuid4(),
                    expires_at=datetime.now(UTC) + timedelta(days=days),
                )
            )

    summary = _run_hourly()

    assert summary["expired_logins"] == {"refresh_tokens": 1, "oauth_states": 0}
    with engine.connect() as conn:
        assert list(conn.scalars(select(refresh_tokens.c.token_hash))) == ["fresh"]


def test_the_hourly_run_purges_rate_limit_windows_that_ended_long_ago(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, published: dict
) -> None:
    current = datetime.now(UTC).replace(second=0, microsecond=0)
    with engine.begin() as conn:
        for bucket, start in (
            ("writes:user:1", current - timedelta(hours=3)),
            ("writes:user:2", current),
        ):
            conn.execute(rate_limits.insert().values(bucket=bucket, window_start=start, hits=5))

    summary = _run_hourly()

    assert summary["rate_limits"] == {"windows_purged": 1}
    with engine.connect() as conn:
        assert list(conn.scalars(select(rate_limits.c.bucket))) == ["writes:user:2"]


def test_a_failing_calendar_is_reported_and_the_other_steps_still_run(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, published: dict
) -> None:
    # Not retried: the delegated user lost access to the calendar.
    forbidden = google_error(403, "forbidden", "Forbidden")
    calendar.fail_next("GET", r"/calendar/v3/calendars/primary/events", forbidden)

    summary = _run_hourly()

    assert summary["status"] == "partial"
    failures = summary["rsvps"]["failures"]
    assert set(failures) == {str(g) for g in published["groups"]}
    assert "403 (forbidden)" in failures[str(published["groups"][0])]
    assert summary["jobs"] == {
        "requeued_stale": 0,
        "failed_stale": 0,
        "failed_exhausted": 0,
        "dispatched": 0,
    }


def test_without_credentials_publishing_records_what_it_would_do_in_the_outbox(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISCORD_BOT_TOKEN", "GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_CALENDAR_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCORD_GUILD_ID", "300000000000000001")
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Local", meetings=2)
        person = add_person(conn, "Ada")
        add_preview_group(conn, cohort_id, "Group 1", learners=[person])
    services = default_services(engine)

    first = publish_cohort(engine, cohort_id, services, now=NOW)
    with engine.connect() as conn:
        recorded = conn.execute(select(outbox.c.service, outbox.c.operation)).all()
    again = publish_cohort(engine, cohort_id, services, now=NOW)
    with engine.connect() as conn:
        after = conn.execute(select(outbox.c.service, outbox.c.operation)).all()

    assert first["failures"] == {} and again["failures"] == {}
    operations = {(service, op.split(" ")[0]) for service, op in recorded}
    assert ("google_calendar", "events.insert") in operations
    assert ("discord", "POST") in operations and ("discord", "PUT") in operations
    assert len(after) == len(recorded)  # a second publish would do nothing


def test_the_cli_publishes_in_outbox_mode_and_lists_what_would_be_sent(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from roundtable_edge.cli import main

    for name in ("DISCORD_BOT_TOKEN", "GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_CALENDAR_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DISCORD_GUILD_ID", raising=False)
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Cli", meetings=2)
        person = add_person(conn, "Ada")
        add_preview_group(conn, cohort_id, "Group 1", first=NEXT_WEEK, learners=[person])

    assert main(["sync", "publish", str(cohort_id)]) == 0
    capsys.readouterr()
    assert main(["sync", "outbox"]) == 0

    listed = capsys.readouterr().out
    assert "google_calendar  events.insert" in listed
    assert "POST /guilds/0/roles" in listed and "POST /channels/" in listed
