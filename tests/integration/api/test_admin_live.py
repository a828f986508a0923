"""The live cohort routes, and live group edits through the web as the lifecycle allows."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from roundtable.db.engine import transaction
from roundtable.db.tables import cohorts
from tests.integration.api.builders import (
    World,
    enroll,
    give_availability,
    make_facilitator,
    make_user,
)

Clients = Callable[[int | None], TestClient]


def _admin(client_for: Clients, world: World) -> TestClient:
    return client_for(world.admin)


def test_the_live_page_in_the_zone_asked_for(world: World, client_for: Clients) -> None:
    admin = _admin(client_for, world)
    body = admin.get(f"/api/admin/cohorts/{world.cohort}/live?zone=America/New_York").json()

    assert body["phase"] == "open" and body["viewer_zone"] == "America/New_York"
    owls = next(g for g in body["groups"] if g["name"] == "Tuesday Owls")
    assert owls["weekly_time"]["timezone"] == "America/New_York"
    assert owls["anchor_time"]["timezone"] == "UTC"
    assert owls["anchor_time"]["local"]["time"] == "18:00"
    assert [m["display_name"] for m in owls["members"]] == ["Fay Facilitator", "Lena Learner"]
    assert owls["next_meeting"]["number"] == 1
    assert body["counts"]["groups"] == 2
    # Without a zone: the admin's own.
    assert admin.get(f"/api/admin/cohorts/{world.cohort}/live").json()["viewer_zone"] == "UTC"


def test_an_unknown_zone_is_a_422_naming_it(world: World, client_for: Clients) -> None:
    response = _admin(client_for, world).get(f"/api/admin/cohorts/{world.cohort}/live?zone=Nope")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "zone"


def _newcomers(engine: Engine, world: World) -> tuple[int, int]:
    with transaction(engine) as conn:
        facilitator = make_user(conn, "Gus Guide")
        make_facilitator(conn, facilitator)
        give_availability(conn, facilitator, *[(d, "00:00", "24:00") for d in range(7)])
        busy = make_user(conn, "Bea Busy")  # no availability at all
        enroll(conn, busy, world.cohort)
    return facilitator, busy


def test_create_a_group_by_hand_then_see_it_live(
    engine: Engine, world: World, client_for: Clients
) -> None:
    facilitator, busy = _newcomers(engine, world)
    admin = _admin(client_for, world)
    body = {
        "name": "Saturday Wrens",
        "facilitator_id": facilitator,
        "anchor_timezone": "UTC",
        "weekday": 5,
        "local_time": "10:00",
        "member_ids": [world.other_learner, busy],
    }
    refused = admin.post(f"/api/admin/cohorts/{world.cohort}/groups", json=body)
    assert refused.status_code == 422
    assert refused.json()["error"]["message"].startswith("Bea Busy cannot make 8 of 8 meetings")

    created = admin.post(f"/api/admin/cohorts/{world.cohort}/groups", json={**body, "force": True})
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["forced_despite"][0].startswith("Bea Busy cannot make 8 of 8")
    assert made["members"][0]["previous_group_name"] == "Thursday Larks"
    live = admin.get(f"/api/admin/cohorts/{world.cohort}/live").json()
    assert live["phase"] == "running"  # a live group made by hand: the cohort runs
    wrens = next(g for g in live["groups"] if g["name"] == "Saturday Wrens")
    assert wrens["facilitator_names"] == ["Gus Guide"]
    assert {m["display_name"] for m in wrens["members"]} == {"Gus Guide", "Olli Other", "Bea Busy"}


def test_a_forced_move_says_why_it_was_forced(
    engine: Engine, world: World, client_for: Clients
) -> None:
    _, busy = _newcomers(engine, world)
    admin = _admin(client_for, world)
    path = f"/api/admin/groups/{world.group}/members"
    assert admin.post(path, json={"user_id": busy}).status_code == 422
    moved = admin.post(path, json={"user_id": busy, "force": True}).json()
    assert moved["changed"] and moved["forced_despite"][0].startswith("Bea Busy cannot make")
    fits = admin.post(path, json={"user_id": world.other_learner}).json()
    assert fits["changed"] and fits["forced_despite"] == []


def test_a_completed_cohorts_live_groups_no_longer_change(
    engine: Engine, world: World, client_for: Clients
) -> None:
    facilitator, _ = _newcomers(engine, world)
    with transaction(engine) as conn:
        conn.execute(update(cohorts).where(cohorts.c.id == world.cohort).values(status="completed"))
    admin = _admin(client_for, world)
    attempts = [
        admin.post(
            f"/api/admin/groups/{world.group}/members", json={"user_id": world.other_learner}
        ),
        admin.delete(f"/api/admin/groups/{world.group}/members/{world.learner}"),
        admin.patch(f"/api/admin/groups/{world.group}", json={"name": "Renamed"}),
        admin.post(
            f"/api/admin/cohorts/{world.cohort}/groups",
            json={
                "name": "Late",
                "facilitator_id": facilitator,
                "anchor_timezone": "UTC",
                "weekday": 5,
                "local_time": "10:00",
                "member_ids": [world.other_learner],
            },
        ),
    ]
    reason = "Alignment Fundamentals — Spring is completed: its groups can no longer change."
    assert [(r.status_code, r.json()["error"]["message"]) for r in attempts] == [(409, reason)] * 4
