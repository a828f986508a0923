"""The cohort's choice of calendar invitations through the admin API (docs/sync.md,
"Calendar invitations by e-mail")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from roundtable.db.engine import transaction
from tests import builders

ClientFor = Callable[[int | None], TestClient]
FIRST = datetime(2027, 1, 13, 18, 0, tzinfo=UTC)
COHORT = {
    "name": "Governance — Winter",
    "course_slug": "running-discussion-groups",
    "start_date": "2027-01-11",
}


def test_google_series_unless_an_admin_chooses_ics_before_publishing(
    engine: Engine, admin: TestClient
) -> None:
    created = admin.post("/api/admin/cohorts", json=COHORT).json()
    assert created["calendar_invitations"] == "google"
    url = f"/api/admin/cohorts/{created['id']}"

    assert admin.patch(url, json={"calendar_invitations": "ics"}).status_code == 200
    assert admin.get(url).json()["calendar_invitations"] == "ics"
    assert admin.get(f"{url}/status").json()["calendar"]["invitations"] == "ics"

    with transaction(engine) as conn:
        builders.add_group(
            conn, created["id"], "Group 1", first_meeting_at=FIRST, published_at=FIRST
        )
    refused = admin.patch(url, json={"calendar_invitations": "google"})
    assert refused.status_code == 409
    assert "published groups" in refused.json()["error"]["message"]
    assert admin.patch(url, json={"calendar_invitations": "ics"}).status_code == 200  # unchanged


def test_an_unknown_choice_is_refused_naming_the_field(admin: TestClient) -> None:
    refused = admin.post("/api/admin/cohorts", json={**COHORT, "calendar_invitations": "fax"})
    assert refused.status_code == 422
    assert "calendar_invitations" in refused.text
