"""One-off notifications through the `send_notification` job: queued once, sent at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts, group_members, groups, notifications, users
from roundtable.jobs import get_job, run_job, submit
from roundtable.notifications import request_notification
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.notifications.world import World, study_group

# Jobs run on the real clock, so these meetings are in the real future.
SOON = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _fakes(fake_sendgrid: FakeSendGrid, fake_discord: FakeDiscord) -> None:
    """Every test here talks to the fake providers."""


def _run(kind: str, **fields: Any) -> dict[str, Any]:
    job_id = submit("send_notification", {"kind": kind, **fields})
    outcome = run_job(_engine(), job_id)
    assert outcome is not None
    return outcome


def _engine() -> Engine:
    from roundtable.db.engine import get_engine

    return get_engine()


def _user(engine: Engine, user_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(users).where(users.c.id == user_id)).one()


def _dms(fake: FakeDiscord, discord_id: str) -> list[dict[str, Any]]:
    channel = fake.dm_channels.get(discord_id)
    return fake.channel_messages.get(channel["id"], []) if channel else []


def test_welcome_goes_by_email_and_dm_once_however_often_the_job_runs(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid, fake_discord: FakeDiscord
) -> None:
    cohort = world.cohort("Alignment Spring 2026")
    ada = world.user("Ada", tz="Asia/Kathmandu")

    first = _run("welcome", user_id=ada, cohort_id=cohort)
    second = _run("welcome", user_id=ada, cohort_id=cohort)

    assert first["result"]["queued"] == 2 and first["result"]["sent"] == 2
    assert second["result"]["queued"] == 0
    [email] = fake_sendgrid.delivered
    assert email.subject == "Welcome to Alignment Spring 2026"
    assert "Monday 2 March 2026" in email.text
    [dm] = _dms(fake_discord, _user(engine, ada).discord_id)
    assert "**Alignment Spring 2026**" in dm["content"]


def test_request_notification_enqueues_the_job_in_the_callers_transaction(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid
) -> None:
    cohort = world.cohort()
    ada = world.user("Ada")
    with transaction(engine) as conn:
        job_id = request_notification(conn, "welcome", user_id=ada, cohort_id=cohort)
    run_job(engine, job_id)
    assert [e.to for e in fake_sendgrid.delivered] == ["ada@example.org"]


def test_group_assigned_tells_each_member_the_weekly_time_in_their_zone(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world, meeting_at=datetime(2027, 1, 13, 15, 0, tzinfo=UTC))

    outcome = _run("group_assigned", group_id=group.group_id)

    assert outcome["result"]["queued"] == 8
    by_name = {e.name: e for e in fake_sendgrid.delivered}
    ada = by_name["Ada Group Ada"]
    assert ada.subject == "Your group for Cohort of Group Ada: Group Ada"
    assert "Wednesdays at 16:00 CET" in ada.text
    assert "facilitated by Fay Group Ada" in ada.text
    fay = by_name["Fay Group Ada"]
    assert "Group Ada for Cohort of Group Ada, which you are facilitating." in fay.text
    assert "facilitated by" not in fay.text + fay.html
    assert "https://discord.com/channels/100000000000000099/" in ada.text
    assert "Wednesdays at 20:30 IST" in by_name["Bo Group Ada"].text
    assert "Thursdays at 01:30 ACDT" in by_name["Fay Group Ada"].text


def test_a_publish_chunk_tells_its_groups_in_one_job_and_one_request(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid
) -> None:
    """A chunk's groups in one job: their members' e-mails share one body, each with
    their own group and time as substitutions, so they go in one SendGrid request
    (issue 22: one request per group was 20,000 requests at 100,000 learners)."""
    ada = study_group(world, meeting_at=datetime(2027, 1, 13, 15, 0, tzinfo=UTC))
    bea = study_group(world, meeting_at=datetime(2027, 1, 14, 9, 0, tzinfo=UTC), name="Group Bea")

    outcome = _run("group_assigned", group_ids=[ada.group_id, bea.group_id])

    assert outcome["result"]["queued"] == 16  # 8 members, each by e-mail and DM
    [request] = fake_sendgrid.accepted
    assert len(request["personalizations"]) == 8
    by_name = {e.name: e for e in fake_sendgrid.delivered}
    assert by_name["Ada Group Ada"].subject == "Your group for Cohort of Group Ada: Group Ada"
    assert "Wednesdays at 16:00 CET" in by_name["Ada Group Ada"].text
    assert by_name["Ada Group Bea"].subject == "Your group for Cohort of Group Bea: Group Bea"
    assert "Thursdays at 10:00 CET" in by_name["Ada Group Bea"].text
    # Run again (a retried chunk): nobody is told twice.
    assert _run("group_assigned", group_ids=[ada.group_id, bea.group_id])["result"]["queued"] == 0


@pytest.mark.parametrize(
    ("group_ids", "error"),
    [([], "group_ids"), ([0], "group_ids"), ("12", "group_ids"), ([999_999], "no groups")],
)
def test_a_chunk_payload_with_bad_group_ids_is_refused_by_name(
    engine: Engine, group_ids: Any, error: str
) -> None:
    outcome = _run("group_assigned", group_ids=group_ids)
    assert outcome["status"] == "failed" and error in outcome["error"]


def test_a_group_post_cohort_tells_group_assigned_by_email_and_not_a_dm_each(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid, fake_discord: FakeDiscord
) -> None:
    """The group's welcome post in its channel mentions every member (sync/desired.py):
    one Discord call per group instead of a DM per member (issue 22)."""
    group = study_group(world, meeting_at=datetime(2027, 1, 13, 15, 0, tzinfo=UTC))
    with transaction(engine) as conn:
        cohort_id = conn.scalar(select(groups.c.cohort_id).where(groups.c.id == group.group_id))
        conn.execute(
            update(cohorts).where(cohorts.c.id == cohort_id).values(discord_reminders="group_post")
        )

    outcome = _run("group_assigned", group_id=group.group_id)

    assert outcome["result"]["queued"] == 4  # the e-mails only: 4 members, 8 rows with DMs
    assert len(fake_sendgrid.delivered) == 4
    assert not fake_discord.dm_channels
    with transaction(engine) as conn:  # a group with no channel yet: DMs as before
        conn.execute(
            update(groups).where(groups.c.id == group.group_id).values(discord_text_channel_id=None)
        )
        conn.execute(notifications.delete())
    assert _run("group_assigned", group_id=group.group_id)["result"]["queued"] == 8


def test_member_joined_is_a_channel_post_that_pings_only_the_new_member(
    engine: Engine, world: World, fake_discord: FakeDiscord
) -> None:
    group = study_group(world, meeting_at=SOON)
    newcomer = world.user("Dee")
    world.member(group.group_id, newcomer)

    _run("member_joined", group_id=group.group_id, user_id=newcomer)

    with engine.connect() as conn:
        channel = conn.scalar(
            select(groups.c.discord_text_channel_id).where(groups.c.id == group.group_id)
        )
    [post] = fake_discord.channel_messages[channel]
    discord_id = _user(engine, newcomer).discord_id
    assert f"<@{discord_id}>" in post["content"]
    assert post["allowed_mentions"] == {"parse": [], "users": [discord_id]}


def test_meeting_changed_tells_members_the_old_and_new_time_once_per_change(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid, fake_discord: FakeDiscord
) -> None:
    group = study_group(world, meeting_at=SOON)
    new_time = SOON + timedelta(days=1)
    world.move_meeting(group.meeting_id, new_time)

    _run("meeting_changed", meeting_id=group.meeting_id, previous_starts_at=SOON.isoformat())
    repeat = _run(
        "meeting_changed", meeting_id=group.meeting_id, previous_starts_at=SOON.isoformat()
    )
    world.move_meeting(group.meeting_id, new_time + timedelta(hours=2))
    again = _run(
        "meeting_changed", meeting_id=group.meeting_id, previous_starts_at=new_time.isoformat()
    )

    assert repeat["result"]["queued"] == 0
    assert again["result"]["queued"] == 9
    ada_emails = fake_sendgrid.delivered_to(_user(engine, group.ada).email)
    assert [e.subject for e in ada_emails] == ["Group Ada: meeting 1 has moved"] * 2
    with engine.connect() as conn:
        channel = conn.scalar(
            select(groups.c.discord_text_channel_id).where(groups.c.id == group.group_id)
        )
    posts = [m["content"] for m in fake_discord.channel_messages[channel]]
    assert len(posts) == 2 and all("has moved to <t:" in p for p in posts)


def test_removed_from_group_reaches_the_member_who_left(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world, meeting_at=SOON)
    with engine.begin() as conn:
        conn.execute(
            update(group_members)
            .where(group_members.c.user_id == group.cy)
            .values(status="removed", left_at=datetime.now(UTC))
        )

    _run("removed_from_group", group_id=group.group_id, user_id=group.cy)

    [email] = fake_sendgrid.delivered
    assert email.subject == "You've left Group Ada"
    with engine.connect() as conn:
        reference = conn.execute(select(notifications.c.reference_type)).scalars().all()
    assert set(reference) == {"group_member"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"kind": "postcard"}, "kind must be one of"),
        ({"kind": "meeting_reminder_1h"}, "kind must be one of"),
        ({"kind": "welcome", "user_id": "7", "cohort_id": 1}, "positive integer user_id"),
        ({"kind": "meeting_changed", "meeting_id": 1}, "no meeting 1"),
    ],
)
def test_a_bad_payload_fails_the_job_with_a_clear_error(
    engine: Engine, payload: dict[str, Any], message: str
) -> None:
    job_id = submit("send_notification", payload, max_attempts=1)
    run_job(engine, job_id)
    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job is not None and job["status"] == "failed"
    assert message in job["error"]


def test_meeting_changed_needs_the_previous_time_with_an_offset(
    engine: Engine, world: World
) -> None:
    group = study_group(world, meeting_at=SOON)
    job_id = submit(
        "send_notification",
        {
            "kind": "meeting_changed",
            "meeting_id": group.meeting_id,
            "previous_starts_at": "2027-01-01 10:00",
        },
        max_attempts=1,
    )
    run_job(engine, job_id)
    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job is not None and "previous_starts_at as ISO 8601 with an offset" in job["error"]
