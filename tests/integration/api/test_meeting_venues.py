"""A cohort's meeting venue through the admin API, and the join link on My group
(docs/sync.md, "Meeting venues")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from roundtable.db.engine import transaction
from roundtable.db.tables import zoom_meetings
from tests import builders
from tests.integration.api.builders import make_user

ClientFor = Callable[[int | None], TestClient]
COHORT = {
    "name": "Governance — Winter",
    "course_slug": "running-discussion-groups",
    "start_date": "2027-01-11",
}


def test_discord_unless_an_admin_chooses_another_venue(admin: TestClient) -> None:
    created = admin.post("/api/admin/cohorts", json=COHORT).json()
    assert created["meeting_venue"] == "discord"
    url = f"/api/admin/cohorts/{created['id']}"

    assert admin.patch(url, json={"meeting_venue": "zoom"}).status_code == 200
    assert admin.get(url).json()["meeting_venue"] == "zoom"
    assert admin.patch(url, json={"meeting_venue": "google_meet"}).status_code == 200


def test_meet_is_refused_for_a_cohort_with_ics_invitations(admin: TestClient) -> None:
    refused = admin.post(
        "/api/admin/cohorts",
        json={**COHORT, "calendar_invitations": "ics", "meeting_venue": "google_meet"},
    )
    assert refused.status_code == 422
    assert "Google Meet links are made on the groups' Google Calendar series" in refused.text
    created = admin.post(
        "/api/admin/cohorts", json={**COHORT, "meeting_venue": "google_meet"}
    ).json()
    switched = admin.patch(
        f"/api/admin/cohorts/{created['id']}", json={"calendar_invitations": "ics"}
    )
    assert switched.status_code == 422 and "meeting_venue" in switched.text


def test_my_group_shows_the_next_zoom_meetings_join_link(
    engine: Engine, client_for: ClientFor
) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    with transaction(engine) as conn:
        cohort_id = builders.add_cohort(
            conn, "Zoomers", start_date=soon.date(), meeting_venue="zoom"
        )
        learner = make_user(conn, "Bo Learner")
        group_id = builders.add_group(
            conn, cohort_id, "Group 1", first_meeting_at=soon, published_at=soon
        )
        builders.add_member(conn, group_id, learner, cohort_id)
        meeting_id = builders.add_meeting(conn, group_id, cohort_id, 1, soon)
        conn.execute(
            insert(zoom_meetings).values(
                meeting_id=meeting_id,
                zoom_meeting_id=81_000_000_001,
                zoom_uuid="abc==",
                join_url="https://zoom.us/j/81000000001?pwd=x",
                starts_at=soon,
                minutes=60,
            )
        )
        bystander = make_user(conn, "Cy Discord")
        other = builders.add_cohort(conn, "Discorders", start_date=soon.date())
        other_group = builders.add_group(
            conn, other, "Group 2", first_meeting_at=soon, published_at=soon
        )
        builders.add_member(conn, other_group, bystander, other)

    (mine,) = client_for(learner).get("/api/groups/mine").json()["groups"]
    assert mine["meeting_venue"] == "zoom"
    assert mine["join_url"] == "https://zoom.us/j/81000000001?pwd=x"
    (theirs,) = client_for(bystander).get("/api/groups/mine").json()["groups"]
    assert (theirs["meeting_venue"], theirs["join_url"]) == ("discord", None)
