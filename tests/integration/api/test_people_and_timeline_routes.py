"""The person page and the facilitator's timeline through the web API (their JSON shapes)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts, signups
from tests.integration.api.builders import World


def test_the_dossier_shows_availability_on_the_wire_and_a_withdrawn_enrollment(
    engine: Engine, world: World, client_for: Callable[[int | None], TestClient]
) -> None:
    with transaction(engine) as conn:
        conn.execute(
            update(signups)
            .where(signups.c.user_id == world.learner)
            .values(withdrawn_at=cohorts.c.created_at, withdrawal_reason="Too busy")
            .where(cohorts.c.id == signups.c.cohort_id)
        )

    response = client_for(world.admin).get(f"/api/admin/users/{world.learner}/dossier")

    assert response.status_code == 200, response.text
    body = response.json()
    # The world's people are free all week: intervals in their wire form, as PUT takes them.
    assert body["intervals"][0] == {
        "weekday": 0,
        "start": "00:00",
        "end": "24:00",
        "kind": "available",
    }
    assert body["availability"]["text"].startswith("Monday 00:00–24:00; Tuesday")
    assert [e["withdrawal_reason"] for e in body["enrollments"]] == ["Too busy"]
    assert [g["group_id"] for g in body["groups"]] == [world.group]


def test_the_timeline_lists_the_groups_learners_and_meetings(
    engine: Engine, world: World, client_for: Callable[[int | None], TestClient]
) -> None:
    response = client_for(world.fac_here).get(f"/api/facilitator/groups/{world.group}/timeline")

    assert response.status_code == 200, response.text
    body = response.json()
    assert [m["user_id"] for m in body["members"]] == [world.learner]
    assert body["meetings"] and all("attendance" in m for m in body["meetings"])
    # The world's cohort follows a course the demo content does not have: said, not hidden.
    assert body["content_problem"] is not None
