"""Display names SendGrid refuses (`,` or `;`, issue 16 finding 6) still get their email.

SendGrid answers 400 for a whole request when any recipient's name contains a
comma or a semicolon, so one such name used to fail the message for everyone
on it, permanently. The fake refuses it as SendGrid does (tests/fakes/contracts.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from roundtable.db.tables import notifications
from roundtable.notifications import Providers, sweep
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.notifications.world import MEETING_AT, World


@pytest.fixture(autouse=True)
def _no_low_attendance_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOW_ATTENDANCE_THRESHOLD", "0")


def test_a_name_with_a_comma_or_semicolon_does_not_sink_the_email_for_the_group(
    engine: Engine, world: World, providers: Providers, fake_sendgrid: FakeSendGrid
) -> None:
    group_id = world.group(world.cohort(), channel_id=None)
    for name in ("Lovelace, Ada", "Grace; Hopper", "Alan Turing"):
        world.member(group_id, world.user(name, discord_id=None))
    world.meeting(group_id, 1, MEETING_AT)

    sweep(engine, MEETING_AT - timedelta(minutes=59), providers=providers)

    with engine.connect() as conn:
        statuses = Counter(
            dict(
                conn.execute(
                    select(notifications.c.status, func.count())
                    .where(notifications.c.kind == "meeting_reminder_1h")
                    .group_by(notifications.c.status)
                ).all()
            )
        )
    assert statuses == Counter(sent=3)
    names = sorted(str(d.name) for d in fake_sendgrid.delivered if "an hour" in d.subject)
    assert names == ["Alan Turing", "Grace Hopper", "Lovelace Ada"]
    assert fake_sendgrid.violations == []
