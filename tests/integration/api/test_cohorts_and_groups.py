"""Learner journeys: open cohorts, enrolling, my group, joinable groups, joining."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from roundtable.db.engine import transaction
from roundtable.db.tables import attendances, group_members, jobs, meetings
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


def _jobs(engine: Engine) -> list[tuple[str, dict[str, object], str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(jobs.c.kind, jobs.c.payload, jobs.c.dedup_key).order_by(jobs.c.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_learners_see_open_cohorts_and_the_ones_they_are_in(
    engine: Engine, client_for: ClientFor
) -> None:
    with transaction(engine) as conn:
        me = make_user(conn, "Noor")
        make_cohort(conn, "Open Spring")
        make_cohort(conn, "Secret Draft", status="draft")
        closed = make_cohort(
            conn, "Closed Winter", start_date=date.today() - timedelta(days=30), status="running"
        )
        make_cohort(conn, "Closed Autumn", start_date=date.today() - timedelta(days=30))
        enroll(conn, me, closed)
    listed = client_for(me).get("/api/cohorts").json()["cohorts"]
    assert [(c["name"], c["enrollment_open"], c["my_role"]) for c in listed] == [
        ("Closed Winter", False, "learner"),
        ("Open Spring", True, None),
    ]


def test_enrolling_is_idempotent_and_queues_one_welcome(
    engine: Engine, client_for: ClientFor
) -> None:
    with transaction(engine) as conn:
        me, cohort = make_user(conn, "Noor"), make_cohort(conn)
    client = client_for(me)
    first = client.post(f"/api/cohorts/{cohort}/enroll", json={"role": "learner"}).json()
    second = client.post(f"/api/cohorts/{cohort}/enroll", json={}).json()
    assert first["created"] is True and first["welcome_job_id"] is not None
    assert second == {
        "cohort_id": cohort,
        "role": "learner",
        "created": False,
        "welcome_job_id": None,
        "waitlisted": False,
    }
    assert _jobs(engine) == [
        (
            "send_notification",
            {"kind": "welcome", "user_id": me, "cohort_id": cohort},
            f"welcome:{cohort}:{me}",
        )
    ]
    assert client.get("/api/users/me").json()["enrollments"][0]["cohort_id"] == cohort


def test_only_facilitators_enroll_as_facilitator(engine: Engine, client_for: ClientFor) -> None:
    with transaction(engine) as conn:
        me, cohort = make_user(conn, "Noor"), make_cohort(conn)
    client = client_for(me)
    refused = client.post(f"/api/cohorts/{cohort}/enroll", json={"role": "facilitator"})
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "role"
    client.post("/api/users/me/facilitator-application", json={})
    assert (
        client.post(f"/api/cohorts/{cohort}/enroll", json={"role": "facilitator"}).json()["role"]
        == "facilitator"
    )


def test_closed_and_draft_cohorts_refuse_enrollment(engine: Engine, client_for: ClientFor) -> None:
    with transaction(engine) as conn:
        me = make_user(conn, "Noor")
        closed = make_cohort(
            conn, "Past", enrollment_deadline=datetime.now(UTC) - timedelta(hours=1)
        )
        draft = make_cohort(conn, "Draft", status="draft")
    client = client_for(me)
    closed_reply = client.post(f"/api/cohorts/{closed}/enroll", json={})
    assert closed_reply.status_code == 409
    assert closed_reply.json()["error"]["message"] == "enrollment for Past is closed"
    assert client.post(f"/api/cohorts/{draft}/enroll", json={}).status_code == 404
    assert client.get(f"/api/cohorts/{draft}").status_code == 404


LONDON_FIRST = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)  # Tuesday 18:00 GMT


def test_my_group_shows_members_times_in_my_zone_and_my_rsvps(
    engine: Engine, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_GUILD_ID", "111")
    with transaction(engine) as conn:
        me = make_user(conn, "Noor", timezone="America/New_York")
        fac = make_user(conn, "Fatima")
        cohort = make_cohort(conn, start_date=date(2026, 3, 1))
        group = make_group(
            conn,
            cohort,
            "Tuesday Owls",
            anchor_timezone="Europe/London",
            weekday=1,
            local_time=time(18),
            first_meeting=LONDON_FIRST,
            meeting_count=6,
            text_channel_id="999",
        )
        make_group(conn, cohort, "Draft Preview", status="preview")
        add_member(conn, group, me, cohort)
        add_member(conn, group, fac, cohort, "facilitator")
        first_meeting = conn.scalar(select(meetings.c.id).where(meetings.c.meeting_number == 1))
        conn.execute(
            insert(attendances).values(meeting_id=first_meeting, user_id=me, rsvp="attending")
        )
    from api import deps

    client = client_for(me)
    client.app.dependency_overrides[deps.get_now] = lambda: datetime(2026, 3, 1, tzinfo=UTC)
    try:
        [mine] = client.get("/api/groups/mine").json()["groups"]
    finally:
        client.app.dependency_overrides.clear()
    assert mine["name"] == "Tuesday Owls" and mine["my_role"] == "learner"
    assert [(m["display_name"], m["role"]) for m in mine["members"]] == [
        ("Fatima", "facilitator"),
        ("Noor", "learner"),
    ]
    weekly = mine["weekly_time"]
    assert weekly["local"]["label"] == "Tuesday 13:00 EST"
    assert weekly["shifts"] is True
    assert [c["local"]["label"] for c in weekly["changes"]] == [
        "Tuesday 13:00 EST",
        "Tuesday 14:00 EDT",
        "Tuesday 13:00 EDT",
    ]
    meetings_seen = mine["next_meetings"]
    assert len(meetings_seen) == 6
    assert meetings_seen[0]["local_label"] == "Tue 3 Mar 2026, 13:00 EST"
    assert [m["my_rsvp"] for m in meetings_seen[:2]] == ["attending", None]
    assert mine["discord_channel_url"] == "https://discord.com/channels/111/999"


@pytest.fixture
def cohort_with_groups(engine: Engine) -> dict[str, int]:
    """A cohort with a roomy future group, a full one, a started one, and a preview."""
    with transaction(engine) as conn:
        cohort = make_cohort(conn, max_group_size=3)
        ids = {
            "cohort": cohort,
            "roomy": make_group(conn, cohort, "Roomy Tuesday", weekday=1, meeting_count=8),
            "full": make_group(conn, cohort, "Full Wednesday", weekday=2, meeting_count=8),
            "started": make_group(
                conn,
                cohort,
                "Started Friday",
                weekday=4,
                first_meeting=datetime.now(UTC) - timedelta(days=3),
                meeting_count=8,
            ),
            "preview": make_group(conn, cohort, "Preview Sunday", status="preview", weekday=6),
        }
        for n in range(3):
            add_member(conn, ids["full"], make_user(conn, f"Full {n}"), cohort)
        ids["me"] = make_user(conn, "Noor")
        enroll(conn, ids["me"], cohort)
        give_availability(conn, ids["me"], (1, "17:00", "20:00"))  # Tuesdays (UTC)
    return ids


def test_newcomers_see_roomy_groups_that_have_not_started(
    cohort_with_groups: dict[str, int], client_for: ClientFor
) -> None:
    ids = cohort_with_groups
    listed = client_for(ids["me"]).get(f"/api/groups/joinable?cohort_id={ids['cohort']}").json()
    [roomy] = listed["groups"]
    assert roomy["name"] == "Roomy Tuesday"
    assert (roomy["spots_left"], roomy["fits_my_availability"], roomy["meetings_i_would_miss"]) == (
        3,
        True,
        0,
    )


def test_joining_places_me_and_queues_a_sync_of_that_group(
    cohort_with_groups: dict[str, int], client_for: ClientFor, engine: Engine
) -> None:
    ids = cohort_with_groups
    reply = client_for(ids["me"]).post(f"/api/groups/{ids['roomy']}/join")
    assert reply.status_code == 200
    assert reply.json()["changed"] is True and reply.json()["previous_group_id"] is None
    told = {"group_id": ids["roomy"], "user_id": ids["me"]}
    assert sorted(_jobs(engine), key=str) == sorted(
        [
            ("send_notification", {"kind": "group_assigned", **told}, None),
            ("send_notification", {"kind": "member_joined", **told}, None),
            ("sync_group", {"group_id": ids["roomy"]}, f"sync_group:{ids['roomy']}"),
        ],
        key=str,
    )


def test_switching_soft_removes_the_old_membership_and_syncs_both_groups(
    cohort_with_groups: dict[str, int], client_for: ClientFor, engine: Engine
) -> None:
    ids = cohort_with_groups
    with transaction(engine) as conn:
        add_member(conn, ids["started"], ids["me"], ids["cohort"])
    client = client_for(ids["me"])
    listed = client.get(f"/api/groups/joinable?cohort_id={ids['cohort']}").json()["groups"]
    assert [(g["name"], g["is_current"]) for g in listed] == [
        ("Started Friday", True),
        ("Roomy Tuesday", False),
    ]
    reply = client.post(f"/api/groups/{ids['roomy']}/join").json()
    assert reply["previous_group_id"] == ids["started"] and len(reply["sync_job_ids"]) == 2
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                group_members.c.group_id,
                group_members.c.status,
                group_members.c.left_at.is_not(None),
            )
            .where(group_members.c.user_id == ids["me"])
            .order_by(group_members.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (ids["started"], "removed", True),
        (ids["roomy"], "active", False),
    ]
    assert {k for _, _, k in _jobs(engine) if k} == {
        f"sync_group:{ids['started']}",
        f"sync_group:{ids['roomy']}",
    }
    told = {
        (p["kind"], p["group_id"]) for kind, p, _ in _jobs(engine) if kind == "send_notification"
    }
    assert told == {
        ("removed_from_group", ids["started"]),
        ("group_assigned", ids["roomy"]),
        ("member_joined", ids["roomy"]),
    }
    assert client.post(f"/api/groups/{ids['roomy']}/join").json()["changed"] is False


@pytest.mark.parametrize(
    ("target", "status", "message"),
    [
        ("full", 409, "Full Wednesday is full (3 of 3)"),
        ("started", 409, "newcomers join groups that have not started yet"),
        ("preview", 404, "no open group"),
    ],
)
def test_joins_that_break_a_rule_are_refused_with_the_reason(
    cohort_with_groups: dict[str, int],
    client_for: ClientFor,
    engine: Engine,
    target: str,
    status: int,
    message: str,
) -> None:
    ids = cohort_with_groups
    reply = client_for(ids["me"]).post(f"/api/groups/{ids[target]}/join")
    assert reply.status_code == status
    assert message in reply.json()["error"]["message"]
    assert _jobs(engine) == []


def test_only_enrolled_learners_can_join(
    cohort_with_groups: dict[str, int], client_for: ClientFor, engine: Engine
) -> None:
    ids = cohort_with_groups
    with transaction(engine) as conn:
        stranger = make_user(conn, "Stranger")
        fac = make_user(conn, "Facilitator")
        make_facilitator(conn, fac)
        enroll(conn, fac, ids["cohort"], "facilitator")
    assert (
        "enroll in"
        in client_for(stranger).post(f"/api/groups/{ids['roomy']}/join").json()["error"]["message"]
    )
    assert client_for(fac).post(f"/api/groups/{ids['roomy']}/join").status_code == 409


def test_racing_joins_never_overfill_a_group(engine: Engine, client_for: ClientFor) -> None:
    with transaction(engine) as conn:
        cohort = make_cohort(conn, max_group_size=2)
        group = make_group(conn, cohort, "Last Seat", meeting_count=4)
        add_member(conn, group, make_user(conn, "Seated"), cohort)
        racers = [make_user(conn, f"Racer {n}") for n in range(4)]
        for racer in racers:
            enroll(conn, racer, cohort)
    clients = [client_for(r) for r in racers]
    start, statuses = threading.Barrier(len(clients)), []

    def join(client: TestClient) -> None:
        start.wait()
        statuses.append(client.post(f"/api/groups/{group}/join").status_code)

    threads = [threading.Thread(target=join, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409, 409, 409]


def test_joining_two_groups_at_once_leaves_one_active_membership(
    engine: Engine, client_for: ClientFor
) -> None:
    with transaction(engine) as conn:
        cohort = make_cohort(conn)
        first = make_group(conn, cohort, "First", meeting_count=4)
        second = make_group(conn, cohort, "Second", weekday=4, meeting_count=4)
        me = make_user(conn, "Twice")
        enroll(conn, me, cohort)
    start, statuses = threading.Barrier(2), []

    def join(group: int) -> None:
        client = client_for(me)
        start.wait()
        statuses.append(client.post(f"/api/groups/{group}/join").status_code)

    threads = [threading.Thread(target=join, args=(g,)) for g in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as conn:
        active = conn.execute(
            select(group_members.c.group_id).where(
                group_members.c.user_id == me, group_members.c.status == "active"
            )
        ).all()
    assert len(active) == 1  # the database refuses a second active membership
    assert 200 in statuses and set(statuses) <= {200, 409}
