"""Reminders as one group post: a cohort that chooses it gets, per group and reminder,
one post in the group's channel mentioning its members instead of a DM each (email
unchanged); real Postgres, fake SendGrid and Discord."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from roundtable.cohorts.catalog import get_cohort, update_cohort
from roundtable.db.tables import cohorts, groups, notifications, users
from roundtable.errors import ValidationError
from roundtable.notifications import Providers, sweep
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.notifications.world import MEETING_AT, StudyGroup, World, study_group

DUE_24H = MEETING_AT - timedelta(hours=24)
DUE_1H = MEETING_AT - timedelta(hours=1)


@pytest.fixture(autouse=True)
def _no_low_attendance_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOW_ATTENDANCE_THRESHOLD", "0")


def _group_posts(engine: Engine, world: World, name: str) -> StudyGroup:
    group = study_group(world, name=name)
    with engine.begin() as conn:
        conn.execute(
            update(cohorts)
            .where(cohorts.c.id == group.cohort_id)
            .values(discord_reminders="group_post")
        )
    return group


def _channel(engine: Engine, group: StudyGroup) -> str:
    with engine.connect() as conn:
        query = select(groups.c.discord_text_channel_id).where(groups.c.id == group.group_id)
        return str(conn.scalar(query))


def _discord_ids(engine: Engine, *user_ids: int) -> list[str]:
    with engine.connect() as conn:
        query = select(users.c.discord_id).where(users.c.id.in_(user_ids)).order_by(users.c.id)
        return [str(i) for i in conn.scalars(query)]


def _pings(discord_ids: list[str]) -> list[str]:
    return sorted(f"<@{i}>" for i in discord_ids)


def _reminder_dms(fake: FakeDiscord) -> list[dict[str, object]]:
    """DMs that are meeting reminders (the facilitator's digest is a DM either way)."""
    dm_ids = {channel["id"] for channel in fake.dm_channels.values()}
    found = [m for ch, sent in fake.channel_messages.items() if ch in dm_ids for m in sent]
    return [m for m in found if " meets " in str(m["content"])]


def test_each_group_gets_one_post_per_reminder_mentioning_its_members_and_no_dms(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_discord: FakeDiscord,
    fake_sendgrid: FakeSendGrid,
) -> None:
    ada, bo = _group_posts(engine, world, "Group Ada"), _group_posts(engine, world, "Group Bo")
    sweep(engine, DUE_24H + timedelta(minutes=1), providers=providers)
    sweep(engine, DUE_24H + timedelta(minutes=6), providers=providers)  # a later run
    sweep(engine, DUE_1H + timedelta(minutes=1), providers=providers)

    assert _reminder_dms(fake_discord) == []
    for group in (ada, bo):
        posts = fake_discord.channel_messages[_channel(engine, group)]
        assert [p["content"].splitlines()[0][:1] for p in posts] == ["⏰", "🔔"]
        members = _discord_ids(engine, group.facilitator, group.ada, group.bo, group.cy)
        for post in posts:
            assert sorted(post["content"].splitlines()[-1].split()) == _pings(members)
            assert sorted(post["allowed_mentions"]["users"]) == sorted(members)
    # Email is unchanged: each member is reminded by email, twice.
    assert len(fake_sendgrid.delivered_to("ada.group.ada@example.org")) == 2
    with engine.connect() as conn:
        query = select(notifications.c.channel).where(notifications.c.kind.like("meeting_rem%"))
        channels = conn.scalars(query.distinct()).all()
    assert sorted(channels) == ["discord_channel", "email"]


def test_the_post_leaves_out_who_declined_or_turned_discord_reminders_off(
    engine: Engine, world: World, providers: Providers, fake_discord: FakeDiscord
) -> None:
    group = _group_posts(engine, world, "Group Ada")
    world.rsvp(group.meeting_id, group.bo, "not_attending")
    world.set("users", group.cy, dm_notifications=False)
    sweep(engine, DUE_24H + timedelta(minutes=1), providers=providers)
    (post,) = fake_discord.channel_messages[_channel(engine, group)]
    pinged = _discord_ids(engine, group.facilitator, group.ada)
    assert sorted(post["content"].splitlines()[-1].split()) == _pings(pinged)
    assert sorted(post["allowed_mentions"]["users"]) == sorted(pinged)


def test_a_group_without_a_channel_keeps_its_dms(
    engine: Engine, world: World, providers: Providers, fake_discord: FakeDiscord
) -> None:
    group = _group_posts(engine, world, "Group Ada")
    world.set("groups", group.group_id, discord_text_channel_id=None)
    sweep(engine, DUE_24H + timedelta(minutes=1), providers=providers)
    assert len(_reminder_dms(fake_discord)) == 4


def test_a_dm_cohort_posts_without_pinging_anyone(
    engine: Engine, world: World, providers: Providers, fake_discord: FakeDiscord
) -> None:
    group = study_group(world)
    sweep(engine, DUE_24H + timedelta(minutes=1), providers=providers)
    (post,) = fake_discord.channel_messages[_channel(engine, group)]
    assert "<@" not in post["content"] and post["allowed_mentions"]["users"] == []
    assert len(_reminder_dms(fake_discord)) == 4


def test_admins_choose_it_per_cohort_and_an_unknown_choice_is_refused(
    engine: Engine, world: World
) -> None:
    cohort_id = world.cohort()
    now = MEETING_AT - timedelta(days=20)
    with engine.begin() as conn:
        assert get_cohort(conn, cohort_id).discord_reminders == "dm"
        changed = update_cohort(
            conn, cohort_id, {"discord_reminders": "group_post"}, now=now, courses=lambda: []
        )
        assert changed.discord_reminders == "group_post"
        with pytest.raises(ValidationError, match="dm, group_post") as refused:
            update_cohort(
                conn, cohort_id, {"discord_reminders": "pigeon"}, now=now, courses=lambda: []
            )
    assert refused.value.field == "discord_reminders"
