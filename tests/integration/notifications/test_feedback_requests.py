"""After a meeting ends, its learners are asked for feedback, once, by e-mail and DM."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import users
from roundtable.meetings.feedback import DEFAULT_FORM, submit_feedback
from roundtable.notifications import Providers, sweep
from roundtable.people.profiles import get_viewer
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.notifications.world import MEETING_AT, World, study_group

ENDED = MEETING_AT + timedelta(hours=1, minutes=2)


@pytest.fixture(autouse=True)
def _no_low_attendance_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOW_ATTENDANCE_THRESHOLD", "0")


def _email(engine: Engine, user_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(select(users.c.email).where(users.c.id == user_id)))


def _asked(fake: FakeSendGrid, address: str) -> list[str]:
    return [e.text for e in fake.delivered_to(address) if e.subject.startswith("How was meeting")]


def test_each_learner_is_asked_once_with_a_link_to_the_form_and_the_facilitator_is_not(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
) -> None:
    group = study_group(world)

    early = sweep(engine, MEETING_AT + timedelta(minutes=30), providers=providers)
    first = sweep(engine, ENDED, providers=providers)
    second = sweep(engine, ENDED + timedelta(minutes=5), providers=providers)

    assert early["queued"]["meeting_feedback"] == 0
    assert first["queued"]["meeting_feedback"] == 6  # three learners × e-mail and DM
    assert second["queued"]["meeting_feedback"] == 0
    for learner in (group.ada, group.bo, group.cy):
        (text,) = _asked(fake_sendgrid, _email(engine, learner))
        assert f"/group/feedback/{group.meeting_id}" in text
    assert _asked(fake_sendgrid, _email(engine, group.facilitator)) == []
    dms = [m["content"] for ms in fake_discord.channel_messages.values() for m in ms]
    assert sum("How was meeting 1" in m for m in dms) == 3


def test_who_declined_or_already_answered_is_not_asked(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    world.rsvp(group.meeting_id, group.bo, "not_attending")
    with engine.begin() as conn:
        ada = get_viewer(conn, group.ada)
        submit_feedback(conn, ada, group.meeting_id, {"overall": 5}, ENDED, lambda _: DEFAULT_FORM)

    sweep(engine, ENDED, providers=providers)

    assert _asked(fake_sendgrid, _email(engine, group.ada)) == []
    assert _asked(fake_sendgrid, _email(engine, group.bo)) == []
    assert len(_asked(fake_sendgrid, _email(engine, group.cy))) == 1


def test_meetings_that_ended_more_than_a_day_ago_are_not_swept(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    study_group(world)

    summary = sweep(engine, ENDED + timedelta(days=1, minutes=1), providers=providers)

    assert summary["queued"]["meeting_feedback"] == 0
    assert fake_sendgrid.delivered == []
