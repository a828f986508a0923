"""The regroup routes end to end: ask, read the proposal while and after it is computed, apply."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts
from roundtable.jobs import run_job
from tests.integration.api.builders import World


def test_an_admin_asks_reads_and_applies_a_regroup(
    engine: Engine, world: World, client_for: Callable[[int | None], TestClient]
) -> None:
    # The world's two groups each have a facilitator and one learner (minimum 4): both
    # are below it. Merging them takes one move and dissolves the other group.
    with transaction(engine) as conn:
        conn.execute(update(cohorts).where(cohorts.c.id == world.cohort).values(status="running"))
    admin = client_for(world.admin)
    base = f"/api/admin/cohorts/{world.cohort}/regroup"

    asked = admin.post(base)
    assert asked.status_code == 202, asked.text
    job_id = asked.json()["job_id"]
    assert asked.json()["proposal_url"] == f"{base}/{job_id}"
    waiting = admin.get(f"{base}/{job_id}").json()
    assert (waiting["status"], waiting["proposal"]) == ("queued", None)

    assert run_job(engine, job_id)["status"] == "succeeded"  # type: ignore[index]
    proposal = admin.get(f"{base}/{job_id}").json()["proposal"]
    assert proposal["moves_count"] == 1 and proposal["proven_optimal"] is True
    assert (proposal["below_min_before"], proposal["below_min_after"]) == (2, 1)
    assert proposal["dissolved"] == 1
    move = proposal["moves"][0]
    assert move["summary"] == (
        f"{move['name']}: {move['from_group']} → {move['to_group']}, "
        f"{move['weekday']}s {move['local_time']} your time ({move['timezone']})"
    )

    applied = admin.post(f"{base}/{job_id}/apply")
    assert applied.status_code == 200, applied.text
    assert applied.json()["moved"] == 1 and len(applied.json()["dissolved_group_ids"]) == 1
    again = admin.post(f"{base}/{job_id}/apply")
    assert again.status_code == 409 and "applied" in again.json()["error"]["message"]


def test_a_proposal_of_another_cohort_is_not_found(
    engine: Engine, world: World, client_for: Callable[[int | None], TestClient]
) -> None:
    with transaction(engine) as conn:
        conn.execute(update(cohorts).where(cohorts.c.id == world.cohort).values(status="running"))
    admin = client_for(world.admin)
    job_id = admin.post(f"/api/admin/cohorts/{world.cohort}/regroup").json()["job_id"]

    response = admin.get(f"/api/admin/cohorts/{world.cohort + 1}/regroup/{job_id}")

    assert response.status_code == 404
