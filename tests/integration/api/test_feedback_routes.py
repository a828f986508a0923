"""Feedback after a meeting through the web API: answer, read back, staff views, refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from roundtable.db.engine import transaction
from tests.builders import add_meeting
from tests.integration.api.builders import World

ClientFor = Callable[[int | None], TestClient]


@pytest.fixture
def ended(world: World, engine: Engine) -> int:
    """A meeting of the learner's group that ended half an hour ago."""
    with transaction(engine) as conn:
        start = datetime.now(UTC) - timedelta(minutes=90)
        return add_meeting(conn, world.group, world.cohort, 20, start)


def test_a_learner_finds_answers_and_changes_their_feedback(
    world: World, ended: int, client_for: ClientFor
) -> None:
    learner = client_for(world.learner)

    listed = learner.get("/api/feedback/open").json()["forms"]
    first = learner.put(
        f"/api/meetings/{ended}/feedback",
        json={"answers": {"overall": 4, "comments": "Good pace."}},
    )
    second = learner.put(f"/api/meetings/{ended}/feedback", json={"answers": {"overall": 5}})
    read = learner.get(f"/api/meetings/{ended}/feedback").json()

    assert [(f["meeting_id"], f["state"], f["answered_at"]) for f in listed] == [
        (ended, "open", None)
    ]
    assert [q["id"] for q in listed[0]["questions"]] == ["overall", "comments"]  # the default form
    assert first.status_code == 200, first.text
    assert (first.json()["replaced"], second.json()["replaced"]) == (False, True)
    assert [(a["question_id"], a["value"]) for a in read["answers"]] == [("overall", 5)]


def test_the_facilitator_and_the_admin_read_it(
    world: World, ended: int, client_for: ClientFor
) -> None:
    client_for(world.learner).put(
        f"/api/meetings/{ended}/feedback", json={"answers": {"overall": 2, "comments": "Too fast"}}
    )

    group = client_for(world.fac_here).get(f"/api/facilitator/groups/{world.group}/feedback")
    cohort = client_for(world.admin).get(f"/api/admin/cohorts/{world.cohort}/feedback")

    assert group.status_code == 200, group.text
    (meeting,) = group.json()["meetings"]
    assert meeting["meeting_number"] == 20 and meeting["average_rating"] == 2.0
    (response,) = meeting["responses"]
    assert response["author_name"] == "Lena Learner"
    assert [a["value"] for a in response["answers"]] == [2, "Too fast"]
    weeks = cohort.json()["weeks"]
    assert [(w["meeting_number"], w["responses"], w["distribution"]) for w in weeks] == [
        (20, 1, [0, 1, 0, 0, 0])
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {"overall": 9}}, "overall"),
        ({"answers": {"comments": "no rating"}}, "overall"),
        ({"answers": {"mood": "fine", "overall": 3}}, "answers"),
        ({"answers": {"overall": [1]}}, None),
        ({}, None),
    ],
)
def test_bad_answers_get_a_422_naming_the_question(
    world: World, ended: int, client_for: ClientFor, body: dict[str, object], field: str | None
) -> None:
    answered = client_for(world.learner).put(f"/api/meetings/{ended}/feedback", json=body)

    assert answered.status_code == 422, answered.text
    error = answered.json()["error"]
    if field is not None:
        assert error["field"] == field
    assert client_for(world.learner).get(f"/api/meetings/{ended}/feedback").json()["answers"] == []


def test_someone_elses_meeting_is_refused(world: World, ended: int, client_for: ClientFor) -> None:
    refused = client_for(world.other_learner).put(
        f"/api/meetings/{ended}/feedback", json={"answers": {"overall": 3}}
    )

    assert refused.status_code == 403
    assert "Tuesday Owls" in refused.json()["error"]["message"]
