"""Enrollments and my groups name their course, so the SPA links to it directly."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts
from tests.integration.api.builders import World


def test_my_enrollments_and_my_groups_carry_the_cohorts_course_slug(
    engine: Engine, world: World, client_for: Callable[[int | None], TestClient]
) -> None:
    with transaction(engine) as conn:
        conn.execute(
            update(cohorts).where(cohorts.c.id == world.cohort).values(course_slug="ai-governance")
        )
    learner = client_for(world.learner)

    enrollments = learner.get("/api/users/me").json()["enrollments"]
    groups = learner.get("/api/groups/mine").json()["groups"]

    assert [(e["cohort_id"], e["course_slug"]) for e in enrollments] == [
        (world.cohort, "ai-governance")
    ]
    assert [(g["id"], g["course_slug"]) for g in groups] == [(world.group, "ai-governance")]
