"""The module nudge, the facilitator digest and the low-attendance alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import users
from roundtable.notifications import DueModule, Providers, sweep
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import Delivered, FakeSendGrid
from tests.integration.notifications.world import MEETING_AT, World, study_group

NUDGE_DUE = MEETING_AT - timedelta(days=3)
DIGEST_DUE = MEETING_AT - timedelta(hours=3)
ALERT_DUE = MEETING_AT - timedelta(hours=24)


def modules_due(course_slug: str, meeting_number: int) -> list[DueModule]:
    """A two-module course where both modules are due by meeting 1."""
    assert course_slug == "alignment"
    if meeting_number < 1:
        return []
    return [
        DueModule("mod-risks", "Risks from AI"),
        DueModule("mod-goals", "Goal misgeneralisation"),
    ]


def _email(engine: Engine, user_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(select(users.c.email).where(users.c.id == user_id)))


def _mail(fake: FakeSendGrid, engine: Engine, user_id: int, subject_part: str) -> list[Delivered]:
    return [e for e in fake.delivered_to(_email(engine, user_id)) if subject_part in e.subject]


@pytest.fixture(autouse=True)
def _threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOW_ATTENDANCE_THRESHOLD", "2")


def test_the_module_nudge_reaches_only_members_behind_and_lists_what_they_miss(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
) -> None:
    group = study_group(world)
    for module in ("mod-risks", "mod-goals"):
        world.complete_module(group.ada, module)  # Ada is done
    world.complete_module(group.bo, "mod-risks")  # Bo has one left; Cy has both

    summary = sweep(
        engine, NUDGE_DUE + timedelta(minutes=3), providers=providers, modules_due=modules_due
    )

    assert summary["queued"]["module_nudge_3d"] == 4  # Bo and Cy, by email and DM
    assert _mail(fake_sendgrid, engine, group.ada, "modules to finish") == []
    assert _mail(fake_sendgrid, engine, group.facilitator, "modules to finish") == []
    [bo] = _mail(fake_sendgrid, engine, group.bo, "modules to finish")
    assert "Goal misgeneralisation" in bo.text and "Risks from AI" not in bo.text
    assert "<li>Goal misgeneralisation</li>" in bo.html
    [cy] = _mail(fake_sendgrid, engine, group.cy, "modules to finish")
    assert "Risks from AI" in cy.text and "Goal misgeneralisation" in cy.text
    assert "Wednesday 11 March 2026, 11:00 EDT" in cy.text


def test_a_member_who_declined_is_not_nudged(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    world.rsvp(group.meeting_id, group.cy, "not_attending")
    sweep(engine, NUDGE_DUE + timedelta(minutes=3), providers=providers, modules_due=modules_due)
    assert _mail(fake_sendgrid, engine, group.cy, "modules to finish") == []
    assert len(_mail(fake_sendgrid, engine, group.bo, "modules to finish")) == 1


def test_no_nudge_without_course_content_to_judge_progress_by(
    engine: Engine, world: World, providers: Providers
) -> None:
    study_group(world)
    summary = sweep(engine, NUDGE_DUE + timedelta(minutes=3), providers=providers)
    assert summary["queued"]["module_nudge_3d"] == 0


def test_the_facilitator_digest_says_who_is_coming_who_declined_and_who_is_behind(
    engine: Engine,
    world: World,
    providers: Providers,
    fake_sendgrid: FakeSendGrid,
    fake_discord: FakeDiscord,
) -> None:
    group = study_group(world)
    world.rsvp(group.meeting_id, group.ada, "attending")
    world.rsvp(group.meeting_id, group.bo, "not_attending")
    world.rsvp(group.meeting_id, group.cy, "tentative")
    for module in ("mod-risks", "mod-goals"):
        world.complete_module(group.ada, module)

    sweep(engine, DIGEST_DUE + timedelta(minutes=1), providers=providers, modules_due=modules_due)

    [digest] = _mail(fake_sendgrid, engine, group.facilitator, "who's coming")
    coming = digest.text.split("Coming:")[1].split("Declined:")[0]
    declined = digest.text.split("Declined:")[1].split("No answer yet:")[0]
    no_answer = digest.text.split("No answer yet:")[1].split("Behind")[0]
    behind = digest.text.split("Behind on the modules due by this meeting:")[1]
    assert "Ada Group Ada" in coming and "Bo" not in coming
    assert "Bo Group Ada" in declined
    assert "Cy Group Ada (maybe)" in no_answer
    assert "Bo Group Ada: Risks from AI, Goal misgeneralisation" in behind
    assert "Ada Group Ada" not in behind
    assert "Thursday 12 March 2026, 01:30 ACDT" in digest.text  # the facilitator is in Adelaide
    for learner in (group.ada, group.bo, group.cy):
        assert _mail(fake_sendgrid, engine, learner, "who's coming") == []


def test_low_attendance_alerts_the_facilitator_when_too_few_said_yes(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    world.rsvp(group.meeting_id, group.ada, "attending")

    sweep(engine, ALERT_DUE + timedelta(minutes=1), providers=providers)

    [alert] = _mail(fake_sendgrid, engine, group.facilitator, "Low attendance")
    words = " ".join(alert.text.split())
    assert "Only 1 of 3 members of Group Ada" in words and "(fewer than 2)" in words
    assert _mail(fake_sendgrid, engine, group.ada, "Low attendance") == []


def test_no_low_attendance_alert_when_enough_said_yes(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    world.rsvp(group.meeting_id, group.ada, "attending")
    world.rsvp(group.meeting_id, group.cy, "attending")
    summary = sweep(engine, ALERT_DUE + timedelta(minutes=1), providers=providers)
    assert summary["queued"]["low_attendance_alert"] == 0


def test_the_alert_fires_later_if_members_decline_after_the_first_check(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world)
    world.rsvp(group.meeting_id, group.ada, "attending")
    world.rsvp(group.meeting_id, group.cy, "attending")
    sweep(engine, ALERT_DUE + timedelta(minutes=1), providers=providers)
    world.set_rsvp(group.meeting_id, group.cy, "not_attending")

    later = sweep(engine, ALERT_DUE + timedelta(hours=5), providers=providers)

    assert later["queued"]["low_attendance_alert"] == 2
    assert len(_mail(fake_sendgrid, engine, group.facilitator, "Low attendance")) == 1
