"""The `schedule_cohort` job: progress and result, the worker function, the Discord reply.

The reply goes through the job's listener (roundtable_edge.discord.replies),
installed here by the discord_replies fixture as the worker installs it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, update

from roundtable.db.engine import transaction
from roundtable.db.tables import jobs
from roundtable.jobs import enqueue, get_job, run_job
from tests.fakes.discord import APPLICATION_ID, FakeDiscord
from tests.integration.scheduling.world import (
    add_cohort,
    add_facilitator,
    add_person,
    preview_groups,
    refusing_member_inserts,
    runs,
)

MONDAY = {"Monday": [("17:00", "21:00")]}
TOKEN = "schedule-interaction-token"
INTERACTION = {"application_id": APPLICATION_ID, "token": TOKEN}
QUICK = {"time_limit_seconds": 10}
pytestmark = pytest.mark.usefixtures("discord_replies")


@pytest.fixture
def cohort(engine: Engine) -> int:
    """One facilitator and five learners free on Monday evening; one learner never free."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Winter Cohort")
        add_facilitator(conn, cohort_id, "Europe/London", MONDAY)
        for _ in range(5):
            add_person(conn, cohort_id, "Europe/London", MONDAY)
        add_person(conn, cohort_id, "Europe/London", {})
    return cohort_id


def _enqueue(engine: Engine, payload: dict[str, Any], *, max_attempts: int = 2) -> int:
    with transaction(engine) as conn:
        return enqueue(conn, "schedule_cohort", payload, max_attempts=max_attempts)


def _job(engine: Engine, job_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job is not None
    return job


def test_the_job_records_its_progress_and_stores_the_summary_as_its_result(
    engine: Engine, cohort: int
) -> None:
    job_id = _enqueue(engine, {"cohort_id": cohort, "params": {**QUICK, "seed": 4}})

    outcome = run_job(engine, job_id)

    assert outcome is not None and outcome["status"] == "succeeded", outcome
    job = _job(engine, job_id)
    result = job["result"]
    assert result == outcome["result"]
    assert (result["placed"], result["learners"]) == (5, 6)
    assert result["unplaced_by_reason"] == {"no_availability": 1}
    assert result["preview_group_ids"] == [g["id"] for g in preview_groups(engine, cohort)]
    assert job["progress"] == {"stage": "done", "cohort_id": cohort, "run_id": result["run_id"]}
    run = runs(engine, cohort)[-1]
    assert (run.id, run.job_id) == (result["run_id"], job_id)
    assert (run.params["seed"], run.params["time_limit"]) == (4, 10.0)


def test_the_worker_function_runs_a_scheduling_job_end_to_end(
    engine: Engine, cohort: int, function: Any, lambda_context: Any
) -> None:
    job_id = _enqueue(engine, {"cohort_id": cohort, "params": QUICK})

    answer = function("schedule_cohort").handler({"job_id": job_id}, lambda_context)

    assert answer["status"] == "succeeded", answer
    assert answer["result"]["cohort_name"] == "Winter Cohort"
    assert _job(engine, job_id)["status"] == "succeeded"
    (group,) = preview_groups(engine, cohort)
    assert len(group["members"]) == 6


@pytest.mark.parametrize("key", ["reply_to", "interaction"])  # "interaction": queued before
def test_a_job_from_discord_edits_the_deferred_response_into_the_summary(
    engine: Engine, cohort: int, fake_discord: FakeDiscord, key: str
) -> None:
    job_id = _enqueue(engine, {"cohort_id": cohort, "params": QUICK, key: INTERACTION})

    outcome = run_job(engine, job_id)

    assert outcome is not None and outcome["status"] == "succeeded", outcome
    run_id = outcome["result"]["run_id"]
    edited = fake_discord.original_responses[TOKEN]
    assert "**Scheduling result for Winter Cohort**" in edited["content"]
    assert "placed 5 of 6 learners" in edited["content"]
    assert "no availability: 1" in edited["content"]
    assert "proven optimal" in edited["content"]
    buttons = [b["custom_id"] for b in edited["components"][0]["components"]]
    assert buttons == [f"publish:{cohort}:{run_id}", f"discard:{cohort}:{run_id}"]


def test_a_failed_job_tells_discord_why_and_records_the_error(
    engine: Engine, fake_discord: FakeDiscord
) -> None:
    job_id = _enqueue(engine, {"cohort_id": 999, "reply_to": INTERACTION}, max_attempts=3)

    outcome = run_job(engine, job_id)

    # A missing cohort cannot appear by retrying: failed at once, attempts left or not.
    assert outcome is not None and outcome["status"] == "failed"
    assert _job(engine, job_id)["attempts"] == 1
    assert outcome["error"] == "NotFoundError: no cohort with id 999"
    assert _job(engine, job_id)["error"] == outcome["error"]
    assert fake_discord.original_responses[TOKEN]["content"] == (
        "❌ Scheduling failed: no cohort with id 999"
    )


def test_a_failure_while_saving_keeps_the_previous_preview_and_tells_discord_once_at_the_end(
    engine: Engine, cohort: int, fake_discord: FakeDiscord
) -> None:
    first = run_job(engine, _enqueue(engine, {"cohort_id": cohort, "params": QUICK}))
    assert first is not None and first["status"] == "succeeded"
    job_id = _enqueue(engine, {"cohort_id": cohort, "params": QUICK, "reply_to": INTERACTION})

    with refusing_member_inserts(engine):
        outcome = run_job(engine, job_id)

        assert outcome is not None and outcome["status"] == "queued"  # retried later
        assert "failed while saving" in outcome["error"]
        assert _job(engine, job_id)["progress"]["stage"] == "saving"
        assert TOKEN not in fake_discord.original_responses  # "thinking…" while retries remain
        _make_due(engine, job_id)
        last = run_job(engine, job_id)

    assert last is not None and last["status"] == "failed"
    content = fake_discord.original_responses[TOKEN]["content"]
    assert content.startswith("❌ Scheduling failed: scheduling cohort")
    assert content.endswith("the previous preview is unchanged")
    edits = [r for r in fake_discord.requests if r.path.endswith("/messages/@original")]
    assert len(edits) == 1
    assert [g["id"] for g in preview_groups(engine, cohort)] == first["result"]["preview_group_ids"]


def _make_due(engine: Engine, job_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(run_after=datetime.now(UTC)))


def test_an_expired_interaction_token_does_not_fail_a_saved_schedule(
    engine: Engine, cohort: int, fake_discord: FakeDiscord
) -> None:
    fake_discord.expired_tokens.add(TOKEN)
    job_id = _enqueue(engine, {"cohort_id": cohort, "params": QUICK, "reply_to": INTERACTION})

    outcome = run_job(engine, job_id)

    assert outcome is not None and outcome["status"] == "succeeded"
    assert fake_discord.statuses()[-1] == 401  # the edit was refused; the run stands
    assert preview_groups(engine, cohort) != []


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"cohort_id": "three"}, "cohort_id must be a positive integer, got 'three'"),
        ({"cohort_id": 1, "params": [1]}, "params must be an object, got [1]"),
        (
            {"cohort_id": 1, "params": {"time_limit_seconds": 5000}},
            "time limit 5000.0 s is outside 0..600 s",
        ),
        ({"cohort_id": 1, "params": {"seed": -1}}, "params.seed must be a whole number >= 0"),
    ],
)
def test_a_bad_payload_fails_with_a_message_naming_the_field(
    engine: Engine, cohort: int, payload: dict[str, Any], error: str
) -> None:
    outcome = run_job(engine, _enqueue(engine, payload, max_attempts=5))

    assert outcome is not None and outcome["status"] == "failed"  # no retry can fix the payload
    assert error in outcome["error"]
