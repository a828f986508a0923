"""The cohort's choice of Discord reminders through the admin API (docs/notifications.md,
"Reminders as one group post")."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

ClientFor = Callable[[int | None], TestClient]
COHORT = {
    "name": "Governance — Autumn",
    "course_slug": "running-discussion-groups",
    "start_date": "2027-01-11",
}


def test_a_cohort_sends_dms_unless_an_admin_chooses_group_posts(admin: TestClient) -> None:
    created = admin.post("/api/admin/cohorts", json=COHORT).json()
    assert created["discord_reminders"] == "dm"
    edited = admin.patch(
        f"/api/admin/cohorts/{created['id']}", json={"discord_reminders": "group_post"}
    )
    assert edited.status_code == 200
    assert admin.get(f"/api/admin/cohorts/{created['id']}").json()["discord_reminders"] == (
        "group_post"
    )


def test_an_unknown_choice_is_refused_naming_the_field(admin: TestClient) -> None:
    refused = admin.post("/api/admin/cohorts", json={**COHORT, "discord_reminders": "pigeon"})
    assert refused.status_code == 422
    assert "discord_reminders" in refused.text
