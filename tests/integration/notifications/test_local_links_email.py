"""Through the send job: emails from a local stack say where their links lead."""

from __future__ import annotations

import pytest

from roundtable.config import reset_settings
from roundtable.jobs import run_job, submit
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.notifications.world import World

NOTE = "Sent by a local Roundtable stack: its links point at that stack"


def _welcome_email(world: World, fake_sendgrid: FakeSendGrid) -> tuple[str, str]:
    from roundtable.db.engine import get_engine

    job = submit(
        "send_notification",
        {"kind": "welcome", "user_id": world.user("Ada"), "cohort_id": world.cohort()},
    )
    run_job(get_engine(), job)
    [email] = fake_sendgrid.delivered
    return email.text, email.html


@pytest.mark.usefixtures("fake_discord")
def test_an_email_from_the_local_stack_says_its_links_lead_there(
    world: World, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    reset_settings()
    text, html = _welcome_email(world, fake_sendgrid)
    assert NOTE in text and NOTE in html
    assert "http://127.0.0.1:8000" in text


@pytest.mark.usefixtures("fake_discord")
def test_an_email_from_a_site_does_not(
    world: World, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://courses.example")
    reset_settings()
    text, html = _welcome_email(world, fake_sendgrid)
    assert "https://courses.example" in text
    assert "local Roundtable stack" not in text + html
