"""Admin: Google's invitation budget per organiser user before publishing (issue 22)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from roundtable.config import reset_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import jobs
from roundtable.sync.organisers import INVITATIONS_PER_USER
from tests.builders import add_member
from tests.builders import add_user as make_user
from tests.integration.api.builders import make_cohort, make_group


@pytest.fixture
def cohort(engine: Engine) -> int:
    """Two preview groups of two learners each: four invitations."""
    with transaction(engine) as conn:
        cohort_id = make_cohort(conn, start_date=date.today() + timedelta(days=30), meetings=4)
        for number in range(2):
            group_id = make_group(conn, cohort_id, f"Group {number}", status="preview")
            for k in range(2):
                learner = make_user(conn, f"Learner {number}{k}", email=f"l{number}{k}@example.com")
                add_member(conn, group_id, learner, cohort_id)
    return cohort_id


def test_the_admin_sees_each_organiser_user_s_invitations_against_google_s_limit(
    admin: TestClient, cohort: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_CALENDAR_ORGANISERS", "one@org.test, two@org.test")
    reset_settings()

    shown = admin.get(f"/api/admin/cohorts/{cohort}/calendar-budget")

    assert shown.status_code == 200
    body = shown.json()
    assert (body["invitations"], body["fits"], body["new_groups"]) == ("google", True, 2)
    assert body["new_invitations"] == 4
    assert [(u["user"], u["adds"], u["left"], u["limit"]) for u in body["users"]] == [
        ("one@org.test", 2, INVITATIONS_PER_USER, INVITATIONS_PER_USER),
        ("two@org.test", 2, INVITATIONS_PER_USER, INVITATIONS_PER_USER),
    ]


def test_publishing_is_refused_before_any_job_when_an_organiser_is_blocked(
    admin: TestClient, engine: Engine, cohort: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from roundtable.sync.organisers import record_quota_hit

    monkeypatch.setenv("GOOGLE_CALENDAR_ORGANISERS", "one@org.test")
    reset_settings()
    record_quota_hit(engine, "one@org.test", "quotaExceeded", "Calendar usage limits exceeded.",
                     now=datetime.now(UTC))  # fmt: skip

    refused = admin.post(f"/api/admin/cohorts/{cohort}/publish")

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "calendar_invitations_over_budget"
    assert "one@org.test: 4 invitation(s) for 2 group(s)" in error["message"]
    assert "0 of 10000 left" in error["message"]
    with engine.connect() as conn:
        assert conn.scalars(select(jobs.c.kind)).all() == []
