"""Through the send job: the welcome email invites people not yet on Discord to the
course's server, and says nothing of it to people already there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roundtable.config import get_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import discord_servers
from roundtable.jobs import run_job, submit
from roundtable.notifications import Providers, sweep
from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.oneoff import queue_notification
from tests.fakes.discord import FakeDiscord
from tests.fakes.sendgrid import Delivered, FakeSendGrid
from tests.integration.notifications.world import World

INVITE = "https://discord.gg/rtSpring?x=1&y=2"
PARAGRAPH = "you're not on it yet"


@pytest.fixture
def default_server(world: World, fake_discord: FakeDiscord) -> None:
    """The default server (DISCORD_GUILD_ID, set by fake_discord) with a standing
    invite, and another server with an invite that is not this learner's."""
    world._insert(
        discord_servers, {"guild_id": "100000000000000099", "name": "Main", "invite_url": INVITE}
    )
    world._insert(
        discord_servers,
        {"guild_id": "100000000000000098", "name": "Other", "invite_url": "https://discord.gg/no"},
    )


def _welcome_email(world: World, fake_sendgrid: FakeSendGrid, user_id: int) -> Delivered:
    from roundtable.db.engine import get_engine

    job = submit(
        "send_notification", {"kind": "welcome", "user_id": user_id, "cohort_id": world.cohort()}
    )
    run_job(get_engine(), job)
    [email] = fake_sendgrid.delivered
    return email


@pytest.mark.usefixtures("default_server")
def test_a_learner_without_discord_is_invited_to_the_default_server(
    world: World, fake_sendgrid: FakeSendGrid
) -> None:
    email = _welcome_email(world, fake_sendgrid, world.user("Ada", discord_id=None))
    assert f"{PARAGRAPH}.\nJoin it here: {INVITE}" in email.text
    assert '<a href="https://discord.gg/rtSpring?x=1&amp;y=2">join the server</a>' in email.html
    assert "discord.gg/no" not in email.text + email.html


@pytest.mark.usefixtures("default_server")
def test_a_learner_on_discord_is_not(world: World, fake_sendgrid: FakeSendGrid) -> None:
    email = _welcome_email(world, fake_sendgrid, world.user("Bo"))
    assert "You're enrolled in" in email.text
    assert PARAGRAPH not in email.text + email.html
    assert "discord.gg" not in email.text + email.html


@pytest.mark.usefixtures("fake_discord")
def test_without_an_invite_configured_the_sign_in_page_adds_them(
    world: World, fake_sendgrid: FakeSendGrid
) -> None:
    email = _welcome_email(world, fake_sendgrid, world.user("Cy", discord_id=None))
    signin = f"{get_settings().public_base_url}/signin"
    assert f"Join it here: {signin}" in email.text
    assert f'<a href="{signin}">join the server</a>' in email.html


@pytest.mark.usefixtures("default_server")
def test_welcomes_sent_together_share_a_body_only_with_the_same_invite(
    world: World, fake_sendgrid: FakeSendGrid, providers: Providers
) -> None:
    """Emails of one kind share a body with per-recipient substitutions; the invite
    paragraph is part of the body, so those with and without it get their own."""
    cohort = world.cohort()
    people = [
        world.user("Ada", discord_id=None),
        world.user("Bo"),
        world.user("Cy", discord_id=None),
    ]
    now = datetime.now(UTC)
    with transaction(world.engine) as conn:
        for user_id in people:
            payload = {"kind": "welcome", "user_id": user_id, "cohort_id": cohort}
            queue_notification(conn, payload, now, load_catalogue())

    sweep(world.engine, now, providers=providers)

    by_name = {email.name: email for email in fake_sendgrid.delivered}
    assert sorted(by_name) == ["Ada", "Bo", "Cy"]
    for name in ("Ada", "Cy"):
        assert f"Hi {name}," in by_name[name].text and INVITE in by_name[name].text
    assert "Hi Bo," in by_name["Bo"].text and PARAGRAPH not in by_name["Bo"].text
