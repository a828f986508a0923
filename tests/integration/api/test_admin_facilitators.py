"""Admin: listing facilitator applicants, certifying them, limiting their groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from roundtable.db.engine import transaction
from roundtable.db.tables import group_members
from roundtable.scheduling.service import run_scheduling
from tests.integration.api.builders import make_user
from tests.integration.scheduling.world import NOW, add_cohort, add_facilitator, add_person

ClientFor = Callable[[int | None], TestClient]
TUESDAY_EVENING = {"Tuesday": [("18:00", "20:00")]}


@pytest.fixture
def people(engine: Engine) -> dict[str, int]:
    with transaction(engine) as conn:
        return {
            "admin": make_user(conn, "Ada Admin", admin=True),
            "certified": add_facilitator(conn, None, "UTC", {}, name="Cora Certified"),
            "applicant": add_facilitator(
                conn, None, "Europe/Berlin", {}, name="Abe Applicant", certified=False
            ),
            "nobody": add_person(conn, None, "UTC", {}, name="Nina Never-applied"),
        }


@pytest.fixture
def admin(people: dict[str, int], client_for: ClientFor) -> TestClient:
    return client_for(people["admin"])


def _names(answer: Any) -> list[str]:
    return [f["display_name"] for f in answer.json()["facilitators"]]


def test_the_list_shows_applicants_awaiting_certification_first(admin: TestClient) -> None:
    answer = admin.get("/api/admin/facilitators")

    assert answer.status_code == 200
    assert _names(answer) == ["Abe Applicant", "Cora Certified"]
    applicant = answer.json()["facilitators"][0]
    assert applicant["is_certified"] is False and applicant["certified_at"] is None
    assert applicant["timezone"] == "Europe/Berlin"
    assert applicant["max_active_groups"] == 2 and applicant["active_groups"] == 0
    assert _names(admin.get("/api/admin/facilitators?status=applicants")) == ["Abe Applicant"]
    assert _names(admin.get("/api/admin/facilitators?status=certified")) == ["Cora Certified"]


def test_an_unknown_list_filter_is_refused_naming_the_parameter(admin: TestClient) -> None:
    answer = admin.get("/api/admin/facilitators?status=everyone")

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "status"


def test_certifying_is_idempotent_and_uncertifying_withdraws_it(
    admin: TestClient, people: dict[str, int]
) -> None:
    path = f"/api/admin/facilitators/{people['applicant']}/certification"

    first = admin.post(path)
    again = admin.post(path)

    assert first.status_code == again.status_code == 200
    assert first.json()["is_certified"] is True
    assert again.json()["certified_at"] == first.json()["certified_at"]
    withdrawn = admin.delete(path)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["is_certified"] is False
    assert _names(admin.get("/api/admin/facilitators?status=applicants")) == ["Abe Applicant"]


def test_someone_who_never_applied_cannot_be_certified(
    admin: TestClient, people: dict[str, int]
) -> None:
    answer = admin.post(f"/api/admin/facilitators/{people['nobody']}/certification")

    assert answer.status_code == 404
    assert "has not applied" in answer.json()["error"]["message"]


@pytest.mark.parametrize("value", [0, 10])
def test_max_active_groups_accepts_zero_to_ten(
    admin: TestClient, people: dict[str, int], value: int
) -> None:
    answer = admin.patch(
        f"/api/admin/facilitators/{people['certified']}", json={"max_active_groups": value}
    )

    assert answer.status_code == 200
    assert answer.json()["max_active_groups"] == value


@pytest.mark.parametrize("value", [-1, 11])
def test_max_active_groups_outside_zero_to_ten_is_refused_and_nothing_changes(
    admin: TestClient, people: dict[str, int], value: int
) -> None:
    path = f"/api/admin/facilitators/{people['certified']}"

    answer = admin.patch(path, json={"max_active_groups": value})

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "max_active_groups"
    listed = admin.get("/api/admin/facilitators?status=certified").json()["facilitators"]
    assert listed[0]["max_active_groups"] == 2


def test_a_certified_applicant_is_placed_by_the_next_scheduling_run(
    engine: Engine, admin: TestClient
) -> None:
    with transaction(engine) as conn:
        cohort = add_cohort(conn, min_group_size=3)
        applicant = add_facilitator(conn, cohort, "UTC", TUESDAY_EVENING, certified=False)
        for _ in range(4):
            add_person(conn, cohort, "UTC", TUESDAY_EVENING)

    def leads_a_group() -> bool:
        run_scheduling(engine, cohort, {"require_facilitator": True}, now=NOW, time_limit=10.0)
        with engine.connect() as conn:
            role = conn.scalar(
                select(group_members.c.role).where(group_members.c.user_id == applicant)
            )
        return role == "facilitator"

    assert not leads_a_group()
    assert admin.post(f"/api/admin/facilitators/{applicant}/certification").status_code == 200
    assert leads_a_group()
