"""Admin: cohorts, signups, scheduling, editing the preview, publishing, members, users."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update

from roundtable.config import reset_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import (
    cohorts,
    group_members,
    groups,
    jobs,
    meetings,
    notification_attempts,
    notifications,
    scheduling_runs,
    signups,
)
from tests.integration.api.builders import (
    add_member,
    enroll,
    give_availability,
    make_cohort,
    make_facilitator,
    make_group,
    make_user,
)

ClientFor = Callable[[int | None], TestClient]
COHORT = {
    "name": "Governance — Autumn",
    "course_slug": "running-discussion-groups",  # a course of the repository's content
    "start_date": "2027-01-11",
    "number_of_meetings": 6,
    "meeting_minutes": 90,
    "min_group_size": 3,
    "max_group_size": 7,
    "target_group_size": 5,
    "anchor_timezone": "Europe/London",
}


@pytest.fixture
def admin(engine: Engine, client_for: ClientFor) -> TestClient:
    with transaction(engine) as conn:
        return client_for(make_user(conn, "Ada Admin", admin=True, timezone="Europe/Berlin"))


def _jobs(engine: Engine) -> list[tuple[str, dict[str, Any], str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(jobs.c.kind, jobs.c.payload, jobs.c.dedup_key).order_by(jobs.c.id)
        )
        return [(r.kind, r.payload, r.dedup_key) for r in rows]


def test_admins_create_and_edit_cohorts(admin: TestClient) -> None:
    created = admin.post("/api/admin/cohorts", json=COHORT)
    assert created.status_code == 201
    cohort = created.json()
    assert cohort["status"] == "open" and cohort["meeting_minutes"] == 90
    edited = admin.patch(
        f"/api/admin/cohorts/{cohort['id']}", json={"status": "draft", "max_group_size": 8}
    )
    assert (edited.json()["status"], edited.json()["max_group_size"]) == ("draft", 8)
    assert admin.get(f"/api/admin/cohorts/{cohort['id']}").json()["name"] == COHORT["name"]
    listed = admin.get("/api/admin/cohorts").json()["cohorts"]
    assert [(c["name"], c["learners"], c["preview_groups"]) for c in listed] == [
        (COHORT["name"], 0, 0)
    ]


@pytest.mark.parametrize(
    ("change", "status", "field", "fragment"),
    [
        (
            {"name": "Governance — Autumn"},
            409,
            "name",
            "a cohort named 'Governance — Autumn' exists",
        ),
        ({"min_group_size": 6, "target_group_size": 5}, 422, "target_group_size", "6 ≤ 5 ≤ 7"),
        ({"anchor_timezone": "Europe/Londres"}, 422, "anchor_timezone", "'Europe/Londres'"),
        ({"meeting_minutes": 50}, 422, "meeting_minutes", "multiple of 15"),
    ],
)
def test_bad_cohort_settings_are_refused_with_the_field(
    admin: TestClient, change: dict[str, Any], status: int, field: str, fragment: str
) -> None:
    admin.post("/api/admin/cohorts", json=COHORT)
    response = admin.post("/api/admin/cohorts", json={**COHORT, "name": "Other", **change})
    assert response.status_code == status
    assert response.json()["error"]["field"] == field
    assert fragment in response.json()["error"]["message"]


def test_a_cohort_of_a_course_the_content_lacks_is_refused_naming_the_field(
    admin: TestClient,
) -> None:
    refused = admin.post("/api/admin/cohorts", json={**COHORT, "course_slug": "governance"})

    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "course_slug"
    assert error["message"] == (
        "there is no course 'governance' in the course content (courses: running-discussion-groups)"
    )
    assert admin.get("/api/admin/cohorts").json()["cohorts"] == []


def test_an_edit_may_not_switch_to_an_unknown_course_but_keeps_an_unchanged_one(
    admin: TestClient, engine: Engine
) -> None:
    cohort = admin.post("/api/admin/cohorts", json=COHORT).json()
    url = f"/api/admin/cohorts/{cohort['id']}"
    switched = admin.patch(url, json={"course_slug": "governance"})
    assert (switched.status_code, switched.json()["error"]["field"]) == (422, "course_slug")
    # A course the content has since lost does not block editing the rest of the cohort.
    with transaction(engine) as conn:
        conn.execute(update(cohorts).where(cohorts.c.id == cohort["id"]).values(course_slug="old"))
    edited = admin.patch(url, json={"max_group_size": 8})
    assert (edited.status_code, edited.json()["course_slug"]) == (200, "old")


def test_a_cohort_cannot_be_created_while_the_course_content_is_broken(
    admin: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_DIR", "tests/fixtures/content/broken/broken-module-reference")
    reset_settings()

    refused = admin.post("/api/admin/cohorts", json=COHORT)

    # Its course cannot be checked: said so, rather than taking any slug.
    assert refused.status_code == 503
    assert "course content cannot be shown" in refused.json()["error"]["message"]


def test_per_group_anchors_are_allowed(admin: TestClient) -> None:
    response = admin.post("/api/admin/cohorts", json={**COHORT, "anchor_timezone": "per_group"})
    assert response.status_code == 201


@pytest.fixture
def preview(engine: Engine) -> dict[str, int]:
    """Two preview groups (Tue and Thu 18:00 UTC) and an unplaced learner."""
    with transaction(engine) as conn:
        cohort = make_cohort(conn, start_date=date.today() + timedelta(days=30), meetings=4)
        ids = {
            "cohort": cohort,
            "tue": make_group(conn, cohort, "Preview Tuesday", status="preview", weekday=1),
            "thu": make_group(conn, cohort, "Preview Thursday", status="preview", weekday=3),
            "ana": make_user(conn, "Ana", timezone="UTC"),
            "ben": make_user(conn, "Ben", timezone="UTC"),
            "cleo": make_user(conn, "Cleo", timezone="Asia/Tokyo"),
            "fay": make_user(conn, "Fay"),
        }
        make_facilitator(conn, ids["fay"])
        for person in ("ana", "ben", "cleo"):
            enroll(conn, ids[person], cohort)
        enroll(conn, ids["fay"], cohort, "facilitator")
        give_availability(conn, ids["ana"], (1, "17:00", "20:00"))
        give_availability(conn, ids["ben"], (1, "17:00", "20:00"), (3, "17:00", "20:00"))
        give_availability(conn, ids["fay"], (1, "18:00", "19:00"), kind="if_needed")
        add_member(conn, ids["tue"], ids["ana"], cohort)
        add_member(conn, ids["tue"], ids["fay"], cohort, "facilitator")
        add_member(conn, ids["thu"], ids["ben"], cohort)
        conn.execute(
            update(signups)
            .where(signups.c.user_id == ids["cleo"])
            .values(unplaced_reason="no_availability", unplaced_detail={"note": "no times given"})
        )
        conn.execute(
            insert(scheduling_runs).values(
                cohort_id=cohort, params={}, stats={"placed": 3, "gap": 0.0}, notes=["optimal"]
            )
        )
    return ids


def test_signups_show_availability_summaries_and_placements(
    admin: TestClient, preview: dict[str, int]
) -> None:
    rows = admin.get(f"/api/admin/cohorts/{preview['cohort']}/signups").json()["signups"]
    by_name = {r["display_name"]: r for r in rows}
    assert [r["display_name"] for r in rows] == ["Ana", "Ben", "Cleo", "Fay"]  # signup order
    assert by_name["Ben"]["availability"]["days"] == ["Tuesday", "Thursday"]
    assert by_name["Fay"]["availability"]["if_needed_minutes"] == 60
    assert (
        by_name["Fay"]["facilitator_certified"] is True
        and by_name["Ana"]["facilitator_certified"] is None
    )
    assert by_name["Ana"]["group_name"] == "Preview Tuesday"
    assert by_name["Cleo"]["unplaced_reason"] == "no_availability"


def test_running_the_scheduler_is_a_job_and_a_second_request_is_refused_while_it_waits(
    admin: TestClient, preview: dict[str, int], engine: Engine
) -> None:
    url = f"/api/admin/cohorts/{preview['cohort']}/schedule"
    first = admin.post(url, json={"params": {"time_limit_seconds": 30, "use_if_needed": False}})
    again = admin.post(url, json={})
    assert first.status_code == 202
    job_id = first.json()["job_id"]
    assert first.json() == {"job_id": job_id, "status_url": f"/api/jobs/{job_id}"}
    assert again.status_code == 409
    assert f"already in progress (job #{job_id})" in again.json()["error"]["message"]
    assert _jobs(engine) == [
        (
            "schedule_cohort",
            {
                "cohort_id": preview["cohort"],
                "params": {"time_limit_seconds": 30, "use_if_needed": False},
            },
            f"schedule_cohort:{preview['cohort']}",
        )
    ]
    job = admin.get(f"/api/jobs/{job_id}").json()
    assert (job["kind"], job["status"]) == ("schedule_cohort", "queued")


def test_scheduling_sizes_are_checked_against_the_cohorts_own(
    admin: TestClient, preview: dict[str, int], engine: Engine
) -> None:
    url = f"/api/admin/cohorts/{preview['cohort']}/schedule"
    refused = admin.post(url, json={"params": {"min_group_size": 9}})  # the cohort's max is 8
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == (
        "The smallest group size (9) cannot be larger than the largest (8, the cohort's setting)."
    )
    assert _jobs(engine) == []


def test_the_preview_lists_groups_problems_and_the_unplaced(
    admin: TestClient, preview: dict[str, int]
) -> None:
    body = admin.get(f"/api/admin/cohorts/{preview['cohort']}/preview").json()
    tuesday, thursday = sorted(body["groups"], key=lambda g: g["name"], reverse=True)
    assert tuesday["name"] == "Preview Tuesday"
    assert (tuesday["learner_count"], tuesday["facilitator_count"]) == (1, 1)
    assert tuesday["weekly_time"]["local"]["label"].startswith("Tuesday 19:00 CET")
    assert tuesday["problems"] == []  # Fay fits through her if-needed hour
    assert thursday["problems"] == []
    assert body["summary"] == {
        "groups": 2,
        "learners": 2,
        "facilitators": 1,
        "unplaced": 1,
        "facilitators_used": 1,
        "sizes": [{"learners": 1, "groups": 2}],
    }
    assert body["next_cursor"] is None
    unplaced = admin.get(f"/api/admin/cohorts/{preview['cohort']}/preview/unplaced").json()
    assert unplaced["next_cursor"] is None
    assert unplaced["unplaced"] == [
        {
            "user_id": preview["cleo"],
            "display_name": "Cleo",
            "role": "learner",
            "reason": "no_availability",
            "detail": {"note": "no times given"},
        }
    ]
    assert body["run"]["stats"] == {"placed": 3, "gap": 0.0}


def test_moving_someone_to_a_preview_group_they_cannot_attend_is_refused_unless_forced(
    admin: TestClient, preview: dict[str, int], engine: Engine
) -> None:
    url = f"/api/admin/groups/{preview['thu']}/members"
    refused = admin.post(url, json={"user_id": preview["ana"]})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("availability_conflict", "user_id")
    # What the conflict is, in plain words; how to override is the page's to say.
    assert error["message"].startswith("Ana cannot make 4 of 4 meetings (first: Thu ")
    assert "force" not in error["message"]
    forced = admin.post(url, json={"user_id": preview["ana"], "force": True}).json()
    assert (forced["previous_group_id"], forced["sync_job_ids"]) == (preview["tue"], [])
    assert _jobs(engine) == []  # previews have nothing to sync


def test_moving_someone_who_fits_between_preview_groups(
    admin: TestClient, preview: dict[str, int], engine: Engine
) -> None:
    moved = admin.post(
        f"/api/admin/groups/{preview['tue']}/members", json={"user_id": preview["ben"]}
    )
    assert moved.status_code == 200 and moved.json()["previous_group_id"] == preview["thu"]
    with engine.connect() as conn:
        active = (
            conn.execute(
                select(group_members.c.group_id).where(
                    group_members.c.user_id == preview["ben"], group_members.c.status == "active"
                )
            )
            .scalars()
            .all()
        )
    assert active == [preview["tue"]]


def test_a_preview_groups_time_moves_only_where_everyone_can_come(
    admin: TestClient, preview: dict[str, int]
) -> None:
    url = f"/api/admin/groups/{preview['tue']}"
    refused = admin.patch(url, json={"local_time": "19:30:00"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "local_time"
    assert "Ana cannot make 4 of 4 meetings" in refused.json()["error"]["message"]
    assert "Fay cannot make 4 of 4 meetings" in refused.json()["error"]["message"]
    moved = admin.patch(
        url, json={"local_time": "18:00:00", "anchor_timezone": "UTC", "name": "Early Owls"}
    )
    assert moved.status_code == 200
    assert (moved.json()["name"], moved.json()["anchor_label"]) == (
        "Early Owls",
        "Tuesday 18:00 (UTC)",
    )


def test_publishing_is_a_job_and_needs_a_preview(
    admin: TestClient, preview: dict[str, int], engine: Engine
) -> None:
    accepted = admin.post(f"/api/admin/cohorts/{preview['cohort']}/publish")
    assert accepted.status_code == 202
    assert _jobs(engine)[-1] == (
        "publish_cohort",
        {"cohort_id": preview["cohort"]},
        f"publish_cohort:{preview['cohort']}",
    )
    with transaction(engine) as conn:
        empty = make_cohort(conn, "Empty")
    refused = admin.post(f"/api/admin/cohorts/{empty}/publish")
    assert (
        refused.status_code == 409 and "run scheduling first" in refused.json()["error"]["message"]
    )


def test_a_run_that_only_proposed_joins_into_published_groups_can_be_published(
    admin: TestClient, published: dict[str, int], engine: Engine
) -> None:
    url = f"/api/admin/cohorts/{published['cohort']}/publish"
    assert admin.post(url).status_code == 409  # no preview groups, no run yet
    with transaction(engine) as conn:
        newcomer = make_user(conn, "Nell Newcomer")
        proposal = {"user_id": newcomer, "group_id": published["larks"]}
        conn.execute(
            insert(scheduling_runs).values(
                cohort_id=published["cohort"], params={}, stats={"proposed_joins": [proposal]}
            )
        )

    accepted = admin.post(url)

    assert accepted.status_code == 202
    assert _jobs(engine)[-1][0] == "publish_cohort"


def test_proposed_joins_already_applied_leave_nothing_to_publish(
    admin: TestClient, published: dict[str, int], engine: Engine
) -> None:
    with transaction(engine) as conn:
        stats = {
            "proposed_joins": [{"user_id": published["ivy"], "group_id": published["larks"]}],
            "joins_applied_at": "2027-01-01T00:00:00+00:00",
        }
        conn.execute(
            insert(scheduling_runs).values(cohort_id=published["cohort"], params={}, stats=stats)
        )
    refused = admin.post(f"/api/admin/cohorts/{published['cohort']}/publish")
    assert refused.status_code == 409
    assert "no preview groups or proposed joins" in refused.json()["error"]["message"]


@pytest.fixture
def published(engine: Engine) -> dict[str, int]:
    with transaction(engine) as conn:
        cohort = make_cohort(conn)
        ids = {
            "cohort": cohort,
            "owls": make_group(conn, cohort, "Owls", meeting_count=4),
            "larks": make_group(conn, cohort, "Larks", meeting_count=4),
            "ivy": make_user(conn, "Ivy"),
        }
        enroll(conn, ids["ivy"], cohort)
        give_availability(conn, ids["ivy"], *[(d, "00:00", "24:00") for d in range(7)])
        add_member(conn, ids["owls"], ids["ivy"], cohort)
    return ids


def test_moving_a_member_between_published_groups_syncs_both(
    admin: TestClient, published: dict[str, int], engine: Engine
) -> None:
    moved = admin.post(
        f"/api/admin/groups/{published['larks']}/members", json={"user_id": published["ivy"]}
    )
    assert moved.json()["previous_group_id"] == published["owls"]
    assert {k for _, _, k in _jobs(engine) if k} == {
        f"sync_group:{published['larks']}",
        f"sync_group:{published['owls']}",
    }
    ivy, owls, larks = published["ivy"], published["owls"], published["larks"]
    assert sorted(
        (p["kind"], p["group_id"]) for kind, p, _ in _jobs(engine) if kind == "send_notification"
    ) == [("group_assigned", larks), ("member_joined", larks), ("removed_from_group", owls)]
    assert all(p["user_id"] == ivy for kind, p, _ in _jobs(engine) if kind == "send_notification")


def test_removing_a_member_keeps_history_and_syncs_the_group(
    admin: TestClient, published: dict[str, int], engine: Engine
) -> None:
    url = f"/api/admin/groups/{published['owls']}/members/{published['ivy']}"
    assert admin.delete(url).json()["previous_group_id"] == published["owls"]
    assert admin.delete(url).status_code == 404
    with engine.connect() as conn:
        row = conn.execute(select(group_members.c.status, group_members.c.reason_for_leaving)).one()
    assert tuple(row) == ("removed", "removed by an admin")
    assert _jobs(engine) == [
        (
            "send_notification",
            {
                "kind": "removed_from_group",
                "group_id": published["owls"],
                "user_id": published["ivy"],
            },
            None,
        ),
        ("sync_group", {"group_id": published["owls"]}, f"sync_group:{published['owls']}"),
    ]


def test_renaming_a_published_group_syncs_it_and_a_finished_groups_time_is_fixed(
    admin: TestClient, published: dict[str, int], engine: Engine
) -> None:
    url = f"/api/admin/groups/{published['owls']}"
    assert admin.patch(url, json={"name": "Night Owls"}).json()["name"] == "Night Owls"
    assert [k for _, _, k in _jobs(engine)] == [f"sync_group:{published['owls']}"]
    assert admin.patch(url, json={"name": "Larks"}).status_code == 409
    with transaction(engine) as conn:
        conn.execute(
            update(groups).where(groups.c.id == published["owls"]).values(status="completed")
        )
    finished = admin.patch(url, json={"weekday": 4})
    assert (
        finished.status_code == 409 and "no longer changes" in finished.json()["error"]["message"]
    )


def test_syncs_are_jobs(admin: TestClient, published: dict[str, int], engine: Engine) -> None:
    assert admin.post(f"/api/admin/groups/{published['owls']}/sync").status_code == 202
    assert admin.post(f"/api/admin/cohorts/{published['cohort']}/sync").status_code == 202
    assert [k for _, _, k in _jobs(engine)] == [
        f"sync_group:{published['owls']}",
        f"sync_cohort:{published['cohort']}",
    ]
    listed = admin.get("/api/admin/jobs?kind=sync_cohort").json()["jobs"]
    assert [j["kind"] for j in listed] == ["sync_cohort"]


def test_user_search_matches_names_usernames_and_emails_literally(
    admin: TestClient, engine: Engine
) -> None:
    with transaction(engine) as conn:
        make_user(conn, "Grace Hopper", email="grace@navy.example")
        make_user(conn, "100% Real", email="real@example.org")
        make_user(conn, "Alan", discord_id="42")

    def names(query: str) -> list[str]:
        found = admin.get(f"/api/admin/users?query={query}").json()["users"]
        return [u["display_name"] for u in found]

    assert names("navy") == ["Grace Hopper"]
    assert names("%25") == ["100% Real"]  # a literal %, not a wildcard
    assert names("a") == ["100% Real", "Ada Admin", "Alan", "Grace Hopper"]


def test_admins_read_anyones_profile(admin: TestClient, published: dict[str, int]) -> None:
    profile = admin.get(f"/api/admin/users/{published['ivy']}").json()
    assert profile["enrollments"][0]["group_name"] == "Owls"
    assert admin.get("/api/admin/users/999999").status_code == 404


def test_jobs_are_visible_to_admins_and_their_creator_only(
    engine: Engine, client_for: ClientFor, admin: TestClient
) -> None:
    with transaction(engine) as conn:
        cohort = make_cohort(conn)
        learner, other = make_user(conn, "Lou"), make_user(conn, "Oz")
    welcome = (
        client_for(learner).post(f"/api/cohorts/{cohort}/enroll", json={}).json()["welcome_job_id"]
    )
    assert client_for(learner).get(f"/api/jobs/{welcome}").json()["kind"] == "send_notification"
    assert admin.get(f"/api/jobs/{welcome}").status_code == 200
    hidden = client_for(other).get(f"/api/jobs/{welcome}")
    assert hidden.status_code == 404 and hidden.json()["error"]["message"] == f"no job {welcome}"


def test_admins_read_what_was_sent_about_a_meeting_with_every_attempt(
    admin: TestClient, engine: Engine
) -> None:
    with transaction(engine) as conn:
        cohort = make_cohort(conn)
        group = make_group(conn, cohort, "Owls", meeting_count=2)
        ivy = make_user(conn, "Ivy", email="ivy@example.org")
        first, second = conn.scalars(
            select(meetings.c.id).where(meetings.c.group_id == group).order_by(meetings.c.id)
        ).all()
        sent, failed = (
            conn.execute(
                insert(notifications)
                .values(
                    kind="meeting_reminder_24h",
                    reference_type="meeting",
                    reference_id=first,
                    user_id=ivy,
                    channel=channel,
                    recipient=str(ivy),
                    status=outcome,
                    attempts=1,
                    last_error=error,
                )
                .returning(notifications.c.id)
            ).scalar_one()
            for channel, outcome, error in (
                ("email", "sent", None),
                ("discord_dm", "failed", "Discord 403: Cannot send messages to this user"),
            )
        )
        conn.execute(
            insert(notification_attempts),
            [
                {"notification_id": sent, "outcome": "sent"},
                {"notification_id": failed, "outcome": "failed", "error": "Cannot send"},
            ],
        )

    answer = admin.get(f"/api/admin/meetings/{first}/notifications")

    assert answer.status_code == 200
    body = answer.json()
    assert body["summary"] == {"meeting_reminder_24h": {"sent": 1, "failed": 1}}
    by_channel = {n["channel"]: n for n in body["notifications"]}
    assert by_channel["discord_dm"]["last_error"].startswith("Discord 403")
    assert by_channel["email"]["display_name"] == "Ivy"
    assert [a["outcome"] for a in by_channel["discord_dm"]["attempts_log"]] == ["failed"]
    quiet = admin.get(f"/api/admin/meetings/{second}/notifications").json()
    assert quiet == {"meeting_id": second, "summary": {}, "notifications": []}
    missing = admin.get("/api/admin/meetings/999999/notifications")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "no meeting 999999"


def test_the_cohort_status_counts_signups_waiting_reasons_groups_and_jobs(
    admin: TestClient, preview: dict[str, int], engine: Engine
) -> None:
    url = f"/api/admin/cohorts/{preview['cohort']}"
    job_id = admin.post(f"{url}/schedule", json={}).json()["job_id"]

    found = admin.get(f"{url}/status")

    assert found.status_code == 200
    body = found.json()
    assert body["cohort"]["id"] == preview["cohort"] and body["cohort"]["status"] == "open"
    assert (body["learners"], body["facilitators"], body["waiting"]) == (3, 1, 1)  # Cleo waits
    assert body["unplaced"] == [{"reason": "no_availability", "count": 1}]
    assert body["groups"] == {"preview": 2}
    assert [(j["id"], j["kind"], j["status"]) for j in body["recent_jobs"]] == [
        (job_id, "schedule_cohort", "queued")
    ]
    assert body["calendar"] == {
        "invitations": "google",
        "organisers": [],  # no group published yet
        "emailed": 0,
        "email_cancelled": 0,
    }
    assert admin.get("/api/admin/cohorts/999999/status").status_code == 404
