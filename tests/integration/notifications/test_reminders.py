"""Meeting reminders through the sweep, on real Postgres with fake SendGrid and Discord."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import notification_attempts, notifications
from roundtable.notifications import Providers, sweep
from roundtable.notifications.audit import meeting_notifications, summarize
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import Delivered, FakeSendGrid
from tests.integration.notifications.world import MEETING_AT, World, study_group

DUE_24H = MEETING_AT - timedelta(hours=24)
DUE_1H = MEETING_AT - timedelta(hours=1)


@pytest.fixture(autouse=True)
def _no_low_attendance_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about reminders; the alert has tests of its own."""
    monkeypatch.setenv("LOW_ATTENDANCE_THRESHOLD", "0")


def _statuses(engine: Engine, meeting_id: int) -> dict[str, dict[str, int]]:
    with engine.connect() as conn:
        return summarize(meeting_notifications(conn, meeting_id))


def _reminders(fake: FakeSendGrid, address: str) -> list[Delivered]:
    return [e for e in fake.delivered_to(address) if "meets" in e.subject]


def _dm_texts(fake: FakeDiscord, discord_id: str) -> list[str]:
    channel = fake.dm_channels.get(discord_id)
    if channel is None:
        return []
    return [m["content"] for m in fake.channel_messages.get(channel["id"], [])]


def _discord_id(engine: Engine, user_id: int) -> str:
    from roundtable.db.tables import users

    with engine.connect() as conn:
        return str(conn.scalar(select(users.c.discord_id).where(users.c.id == user_id)))


def _email(engine: Engine, user_id: int) -> str:
    from roundtable.db.tables import users

    with engine.connect() as conn:
        return str(conn.scalar(select(users.c.email).where(users.c.id == user_id)))


def _channel_of(engine: Engine, group_id: int) -> str:
    from roundtable.db.tables import groups

    with engine.connect() as conn:
        return str(
            conn.scalar(select(groups.c.discord_text_channel_id).where(groups.c.id == group_id))
        )


def test_nothing_is_sent_before_the_24_hour_reminder_is_due(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    study_group(world)
    summary = sweep(engine, DUE_24H - timedelta(minutes=1), providers=providers)
    assert summary["queued"]["meeting_reminder_24h"] == 0
    assert summary["sent"] == 0
    assert fake_sendgrid.delivered == []


def test_24_hour_reminder_reaches_every_member_by_email_and_dm_in_their_own_zone(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
) -> None:
    group = study_group(world)
    summary = sweep(engine, DUE_24H + timedelta(minutes=2), providers=providers)

    assert summary["queued"]["meeting_reminder_24h"] == 9  # 4 emails, 4 DMs, 1 channel post
    assert summary["sent"] == 9
    expected = {
        group.ada: "Wednesday 11 March 2026, 16:00 CET",
        group.bo: "Wednesday 11 March 2026, 20:30 IST",
        group.cy: "Wednesday 11 March 2026, 11:00 EDT",
        group.facilitator: "Thursday 12 March 2026, 01:30 ACDT",
    }
    for user_id, local_time in expected.items():
        [email] = fake_sendgrid.delivered_to(_email(engine, user_id))
        assert email.subject == "Group Ada meets tomorrow"
        assert local_time in email.text
        assert local_time in email.html
        [dm] = _dm_texts(fake_discord, _discord_id(engine, user_id))
        assert local_time in dm


def test_channel_post_uses_discord_timestamps_so_each_reader_sees_their_own_time(
    engine: Engine, world: World, providers: Providers, fake_discord: FakeDiscord
) -> None:
    group = study_group(world)
    sweep(engine, DUE_24H + timedelta(minutes=2), providers=providers)
    [post] = fake_discord.channel_messages[_channel_of(engine, group.group_id)]
    unix = int(MEETING_AT.timestamp())
    assert f"<t:{unix}:F>" in post["content"]
    assert "UTC" not in post["content"]
    assert post["allowed_mentions"]["parse"] == []


def test_emails_to_a_group_share_one_sendgrid_request_with_personal_names_and_links(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    cohort = world.cohort()
    group_id = world.group(cohort)
    learners = [world.user(name, tz="Europe/Berlin") for name in ("Ada", "Bo", "Cy")]
    for learner in learners:
        world.member(group_id, learner)
    world.meeting(group_id, 1, MEETING_AT)

    sweep(engine, DUE_24H + timedelta(minutes=2), providers=providers)

    [request] = fake_sendgrid.accepted
    assert len(request["personalizations"]) == 3
    links = set()
    for name in ("Ada", "Bo", "Cy"):
        [email] = fake_sendgrid.delivered_to(f"{name.lower()}@example.org")
        assert email.text.startswith(f"Hi {name},")
        assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = email.headers["List-Unsubscribe"].strip("<>")
        assert link in email.text and "/api/unsubscribe?token=" in link
        links.add(link)
    assert len(links) == 3


def test_two_users_sharing_an_address_are_split_across_requests_instead_of_refused(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    cohort = world.cohort()
    group_id = world.group(cohort)
    for name in ("Ada", "Bo"):
        world.member(group_id, world.user(name, email="family@example.org"))
    world.meeting(group_id, 1, MEETING_AT)

    summary = sweep(engine, DUE_24H + timedelta(minutes=2), providers=providers)

    assert summary["failed"] == summary["retrying"] == 0
    assert len(fake_sendgrid.accepted) == 2
    assert sorted(e.text.split(",")[0] for e in fake_sendgrid.delivered) == ["Hi Ada", "Hi Bo"]


def test_a_second_sweep_at_the_same_moment_sends_nothing_again(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
) -> None:
    study_group(world)
    at = DUE_24H + timedelta(minutes=2)
    sweep(engine, at, providers=providers)
    sent_requests = len(fake_discord.mutating_requests()), len(fake_sendgrid.accepted)

    again = sweep(engine, at, providers=providers)

    assert again["queued"]["meeting_reminder_24h"] == 0
    assert again["claimed"] == 0
    assert (len(fake_discord.mutating_requests()), len(fake_sendgrid.accepted)) == sent_requests


def test_a_member_who_declined_gets_no_reminder_but_the_others_do(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    world.rsvp(group.meeting_id, group.bo, "not_attending")
    world.rsvp(group.meeting_id, group.ada, "attending")

    sweep(engine, DUE_1H + timedelta(minutes=1), providers=providers)

    assert _reminders(fake_sendgrid, _email(engine, group.bo)) == []
    assert len(_reminders(fake_sendgrid, _email(engine, group.ada))) == 1
    assert len(_reminders(fake_sendgrid, _email(engine, group.cy))) == 1


def test_a_decline_after_the_reminder_was_queued_still_stops_it(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    fake_sendgrid.server_error_next(status=503, times=10)
    sweep(engine, DUE_1H + timedelta(minutes=1), providers=providers)
    fake_sendgrid.clear_faults()
    world.rsvp(group.meeting_id, group.bo, "not_attending")

    sweep(engine, DUE_1H + timedelta(minutes=6), providers=providers)

    assert _reminders(fake_sendgrid, _email(engine, group.bo)) == []
    assert len(_reminders(fake_sendgrid, _email(engine, group.ada))) == 1
    with engine.connect() as conn:
        reasons = conn.scalars(
            select(notifications.c.last_error).where(
                notifications.c.user_id == group.bo,
                notifications.c.kind == "meeting_reminder_1h",
                notifications.c.channel == "email",
            )
        ).all()
    assert reasons == ["declined the meeting"]


def test_channel_preferences_are_honoured(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
) -> None:
    group = study_group(world)
    world.set("users", group.ada, email_notifications=False)
    world.set("users", group.bo, dm_notifications=False)

    sweep(engine, DUE_1H + timedelta(minutes=1), providers=providers)

    assert fake_sendgrid.delivered_to(_email(engine, group.ada)) == []
    assert len(_dm_texts(fake_discord, _discord_id(engine, group.ada))) == 1
    assert len(_reminders(fake_sendgrid, _email(engine, group.bo))) == 1
    assert _dm_texts(fake_discord, _discord_id(engine, group.bo)) == []


def test_a_moved_meeting_is_reminded_at_its_new_time_and_not_the_old(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    moved_to = MEETING_AT + timedelta(days=2, hours=3)
    world.move_meeting(group.meeting_id, moved_to)

    at_old_time = sweep(engine, DUE_24H + timedelta(minutes=2), providers=providers)
    at_new_time = sweep(engine, moved_to - timedelta(hours=24, minutes=-2), providers=providers)

    assert at_old_time["queued"]["meeting_reminder_24h"] == 0
    assert at_new_time["queued"]["meeting_reminder_24h"] == 9
    assert _statuses(engine, group.meeting_id)["meeting_reminder_24h"] == {"sent": 9}
    [email] = _reminders(fake_sendgrid, _email(engine, group.ada))
    assert "Friday 13 March 2026, 19:00 CET" in email.text


def test_a_reminder_waiting_for_a_retry_follows_its_meeting_when_it_moves_later(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    fake_sendgrid.server_error_next(times=10)
    sweep(engine, DUE_24H + timedelta(minutes=2), providers=providers)
    fake_sendgrid.clear_faults()
    moved_to = MEETING_AT + timedelta(days=1)
    world.move_meeting(group.meeting_id, moved_to)

    retried_early = sweep(engine, DUE_24H + timedelta(minutes=7), providers=providers)
    at_new_time = sweep(engine, moved_to - timedelta(hours=24), providers=providers)

    assert retried_early["released"] == 4 and retried_early["sent"] == 0
    assert at_new_time["sent"] == 4
    assert _statuses(engine, group.meeting_id)["meeting_reminder_24h"] == {"sent": 9}
    [email] = _reminders(fake_sendgrid, _email(engine, group.ada))
    assert "Thursday 12 March 2026, 16:00 CET" in email.text


def test_a_1_hour_reminder_more_than_50_minutes_late_is_skipped_and_recorded(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    sweep(engine, DUE_1H + timedelta(minutes=55), providers=providers)

    assert _statuses(engine, group.meeting_id)["meeting_reminder_1h"] == {"skipped": 9}
    assert _reminders(fake_sendgrid, _email(engine, group.ada)) == []
    with engine.connect() as conn:
        attempts = conn.execute(
            select(notification_attempts.c.outcome, notification_attempts.c.error)
            .join(notifications)
            .where(notifications.c.kind == "meeting_reminder_1h")
        ).all()
    assert {a.outcome for a in attempts} == {"skipped"}
    assert all("55 minutes late" in a.error for a in attempts)


def test_a_1_hour_reminder_40_minutes_late_is_still_sent(
    engine: Engine, world: World, providers: Providers
) -> None:
    group = study_group(world)
    sweep(engine, DUE_1H + timedelta(minutes=40), providers=providers)
    assert _statuses(engine, group.meeting_id)["meeting_reminder_1h"] == {"sent": 9}


def test_after_downtime_only_reminders_still_useful_go_out(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    # Down for the whole day before the meeting: back 30 minutes before it.
    sweep(engine, MEETING_AT - timedelta(minutes=30), providers=providers)

    statuses = _statuses(engine, group.meeting_id)
    assert statuses["meeting_reminder_24h"] == {"skipped": 9}  # 23.5 hours late
    assert statuses["meeting_reminder_1h"] == {"sent": 9}  # 30 minutes late
    assert {e.subject for e in _reminders(fake_sendgrid, _email(engine, group.ada))} == {
        "Group Ada meets in an hour"
    }


def test_no_reminders_for_a_group_that_is_not_published(
    engine: Engine, world: World, providers: Providers
) -> None:
    cohort = world.cohort()
    group_id = world.group(cohort, status="preview")
    world.member(group_id, world.user("Ada"))
    world.meeting(group_id, 1, MEETING_AT)
    assert sweep(engine, DUE_1H, providers=providers)["claimed"] == 0
