"""Membership changes tell people: joins, switches and removals queue one-off notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from roundtable.cohorts.leaving import leave_cohort
from roundtable.db.engine import transaction
from roundtable.db.tables import groups, jobs, signups, users
from roundtable.groups.memberships import place_learner, soft_remove
from roundtable.jobs import run_job
from roundtable.people.profiles import get_viewer
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.notifications.world import World, study_group

SOON = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _fakes(fake_sendgrid: FakeSendGrid, fake_discord: FakeDiscord) -> None:
    """Every test here talks to the fake providers."""


def _notification_jobs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            dict(p)
            for p in conn.scalars(
                select(jobs.c.payload).where(jobs.c.kind == "send_notification").order_by(jobs.c.id)
            )
        ]


def _run_notification_jobs(engine: Engine) -> None:
    with engine.connect() as conn:
        ids = conn.scalars(select(jobs.c.id).where(jobs.c.kind == "send_notification")).all()
    for job_id in ids:
        outcome = run_job(engine, job_id)
        assert outcome is not None and outcome["status"] == "succeeded", outcome


def _channel(engine: Engine, group_id: int) -> str:
    with engine.connect() as conn:
        return str(
            conn.scalar(select(groups.c.discord_text_channel_id).where(groups.c.id == group_id))
        )


def test_a_newcomer_to_a_published_group_hears_their_group_and_the_channel_welcomes_them(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid, fake_discord: FakeDiscord
) -> None:
    group = study_group(world, meeting_at=SOON)
    dee = world.user("Dee", tz="Europe/Berlin")
    with transaction(engine) as conn:
        place_learner(conn, dee, group.group_id, group.cohort_id, SOON, reason="x", created_by=None)

    assert _notification_jobs(engine) == [
        {"kind": "group_assigned", "group_id": group.group_id, "user_id": dee},
        {"kind": "member_joined", "group_id": group.group_id, "user_id": dee},
    ]
    _run_notification_jobs(engine)
    [email] = fake_sendgrid.delivered
    assert (email.to, email.subject) == (
        "dee@example.org",
        "Your group for Cohort of Group Ada: Group Ada",
    )
    with engine.connect() as conn:
        discord_id = conn.scalar(select(users.c.discord_id).where(users.c.id == dee))
    [post] = fake_discord.channel_messages[_channel(engine, group.group_id)]
    assert f"<@{discord_id}>" in post["content"]


def test_switching_groups_tells_the_member_they_left_the_old_one(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid
) -> None:
    old = study_group(world, meeting_at=SOON, name="Old Owls")
    new = world.group(old.cohort_id, "New Larks")
    with transaction(engine) as conn:
        place_learner(conn, old.cy, new, old.cohort_id, SOON, reason="switched", created_by=None)

    kinds = [(p["kind"], p["group_id"]) for p in _notification_jobs(engine)]
    assert kinds == [
        ("removed_from_group", old.group_id),
        ("group_assigned", new),
        ("member_joined", new),
    ]
    _run_notification_jobs(engine)
    subjects = sorted(e.subject for e in fake_sendgrid.delivered)
    assert subjects == ["You've left Old Owls", "Your group for Cohort of Old Owls: New Larks"]


def test_an_admin_removal_reaches_the_person_removed(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world, meeting_at=SOON)
    with transaction(engine) as conn:
        assert soft_remove(conn, group.bo, group.group_id, "removed by an admin", SOON)

    _run_notification_jobs(engine)
    [email] = fake_sendgrid.delivered
    assert email.subject == "You've left Group Ada" and email.name == "Bo Group Ada"


def test_changes_to_a_preview_group_tell_nobody_yet(engine: Engine, world: World) -> None:
    cohort = world.cohort()
    draft = world.group(cohort, "Draft Group", status="preview", channel_id=None)
    ann = world.user("Ann")
    with transaction(engine) as conn:
        place_learner(conn, ann, draft, cohort, SOON, reason="x", created_by=None)
        soft_remove(conn, ann, draft, "changed my mind", SOON)

    assert _notification_jobs(engine) == []


def test_a_learner_who_leaves_the_cohort_is_told_and_the_facilitator_hears_why(
    engine: Engine, world: World, fake_sendgrid: FakeSendGrid
) -> None:
    group = study_group(world, meeting_at=SOON, name="Owls")
    with transaction(engine) as conn:
        conn.execute(
            insert(signups).values(user_id=group.ada, cohort_id=group.cohort_id, role="learner")
        )
        leave_cohort(
            conn, get_viewer(conn, group.ada), group.cohort_id, "New job, no evenings", SOON
        )

    _run_notification_jobs(engine)
    by_recipient = {email.to: email for email in fake_sendgrid.delivered}
    assert by_recipient["ada.owls@example.org"].subject == "You've left Owls"
    told = by_recipient["fay.owls@example.org"]
    assert told.subject == "Ada Owls has left Owls"
    assert "which now has 2 learners" in told.text
    assert "Their reason: New job, no evenings" in told.text
    assert len(fake_sendgrid.delivered) == 2
