"""Admins see per meeting what was sent to whom, on which channel, and what failed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from roundtable.notifications import Providers, sweep
from roundtable.notifications.audit import meeting_notifications, summarize
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.notifications.world import MEETING_AT, World


@pytest.fixture(autouse=True)
def _no_low_attendance_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOW_ATTENDANCE_THRESHOLD", "0")


def test_the_meeting_log_lists_each_recipient_with_outcome_and_every_attempt(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
) -> None:
    cohort = world.cohort()
    group_id = world.group(cohort, channel_id=None)
    world.member(group_id, world.user("Ada", discord_id="400000000000000001"))
    world.member(group_id, world.user("Bo", discord_id="400000000000000002"))
    meeting_id = world.meeting(group_id, 1, MEETING_AT)
    other_meeting = world.meeting(group_id, 2, MEETING_AT + timedelta(days=7))
    fake_discord.dms_closed.add("400000000000000002")
    fake_sendgrid.server_error_next()
    at = MEETING_AT - timedelta(minutes=50)
    sweep(engine, at, providers=providers)
    sweep(engine, at + timedelta(minutes=5), providers=providers)

    with engine.connect() as conn:
        rows = meeting_notifications(conn, meeting_id)
        other = meeting_notifications(conn, other_meeting)

    assert other == []
    reminders = [r for r in rows if r["kind"] == "meeting_reminder_1h"]
    by_key = {(r["display_name"], r["channel"]): r for r in reminders}
    assert by_key[("Ada", "email")]["status"] == "sent"
    assert [a["outcome"] for a in by_key[("Ada", "email")]["attempts_log"]] == ["failed", "sent"]
    bo_dm = by_key[("Bo", "discord_dm")]
    assert bo_dm["status"] == "failed" and "Cannot send messages" in bo_dm["last_error"]
    assert summarize(rows)["meeting_reminder_1h"] == {"sent": 3, "failed": 1}
    assert summarize(rows)["meeting_reminder_24h"] == {"skipped": 4}
