"""A signed /schedule: deferred at once, then the worker edits in the real summary.

The job's reply listener (roundtable_edge.discord.replies, installed by the
worker and here by the discord_replies fixture) edits the deferred response.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from roundtable.db.tables import availability_blocks, facilitators
from roundtable.jobs import run_job
from tests.fakes.discord import FakeDiscord
from tests.functions.discord.conftest import Call
from tests.integration.discord import data
from tests.integration.discord.data import command, option


def _available_monday_evening(conn: Any, user_id: int) -> None:
    conn.execute(
        availability_blocks.insert().values(
            user_id=user_id, kind="available", weekday=0, start_minute=17 * 60, end_minute=21 * 60
        )
    )


@pytest.mark.usefixtures("discord_replies")
def test_schedule_defers_then_the_worker_edits_in_the_summary_with_buttons(
    call: Call, engine: Engine, fake_discord: FakeDiscord
) -> None:
    pytest.importorskip("roundtable.scheduling.job")
    with engine.begin() as conn:
        cohort = data.add_cohort(conn, "Spring Cohort")
        data.add_user(conn, "Root", discord_id="205", is_admin=True)
        fran = data.add_user(conn, "Fran")
        conn.execute(facilitators.insert().values(user_id=fran, certified_at=datetime.now(UTC)))
        data.add_signup(conn, fran, cohort, role="facilitator")
        _available_monday_evening(conn, fran)
        for n in range(5):
            learner = data.add_user(conn, f"Learner {n}")
            data.add_signup(conn, learner, cohort)
            _available_monday_evening(conn, learner)
    payload = command("schedule", [option("cohort", str(cohort))], user_id="205")
    assert call(payload) == (200, {"type": 5, "data": {"flags": 64}})
    outcome = run_job(engine)
    assert outcome is not None and outcome["status"] == "succeeded", outcome
    edited = fake_discord.original_responses[payload["token"]]
    assert "Scheduling result for Spring Cohort" in edited["content"]
    assert "placed 5 of 5 learners" in edited["content"]
    custom_ids = [b["custom_id"] for b in edited["components"][0]["components"]]
    assert custom_ids[0].startswith(f"publish:{cohort}:")
