"""Paged admin lists: signups and jobs page by keyset cursor (roundtable/paging.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, update

from roundtable.db.engine import transaction
from roundtable.db.tables import jobs, signups
from roundtable.paging import encode_cursor, encode_named_cursor
from tests.builders import add_meeting
from tests.integration.api.builders import (
    add_member,
    enroll,
    give_availability,
    make_cohort,
    make_group,
    make_user,
)

ClientFor = Callable[[int | None], TestClient]


@pytest.fixture
def cohort(engine: Engine) -> int:
    with transaction(engine) as conn:
        return make_cohort(conn)


def _sign_up(engine: Engine, cohort_id: int, names: list[str]) -> list[int]:
    ids = []
    with transaction(engine) as conn:
        for name in names:
            user_id = make_user(conn, name)
            enroll(conn, user_id, cohort_id, "facilitator" if name.startswith("F") else "learner")
            give_availability(conn, user_id, (1, "18:00", "20:00"))
            ids.append(user_id)
    return ids


def _page(admin: TestClient, cohort_id: int, **query: object) -> dict[str, object]:
    response = admin.get(f"/api/admin/cohorts/{cohort_id}/signups", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_signup_pages_return_every_row_once_while_rows_are_added_and_withdrawn(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    first_ids = _sign_up(engine, cohort, [f"Learner {n:02d}" for n in range(7)])
    seen: list[int] = []
    page = _page(admin, cohort, limit=3)
    added: list[int] = []
    while True:
        rows = page["signups"]
        assert isinstance(rows, list) and len(rows) <= 3
        seen += [row["user_id"] for row in rows]
        if not added:  # someone signs up between pages (sorts after every cursor)
            added = _sign_up(engine, cohort, ["Late Learner", "Fran Facilitator"])
        if page["next_cursor"] is None:
            break
        page = _page(admin, cohort, limit=3, cursor=page["next_cursor"])
    assert seen == first_ids + added  # signup order, each exactly once
    assert len(set(seen)) == len(seen)


def test_a_withdrawal_between_pages_neither_repeats_nor_skips_anyone(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    ids = _sign_up(engine, cohort, [f"Learner {n}" for n in range(6)])
    first = _page(admin, cohort, limit=2)
    with transaction(engine) as conn:  # someone on the first page withdraws
        conn.execute(
            update(signups)
            .where(signups.c.user_id == ids[0])
            .values(withdrawn_at=signups.c.created_at)
        )
    rest: list[int] = []
    cursor = first["next_cursor"]
    while cursor is not None:
        page = _page(admin, cohort, limit=2, cursor=cursor)
        rest += [row["user_id"] for row in page["signups"]]  # type: ignore[union-attr]
        cursor = page["next_cursor"]
    assert rest == ids[2:]


def test_the_last_page_has_no_cursor_and_an_empty_cohort_one_empty_page(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    assert _page(admin, cohort) == {"signups": [], "next_cursor": None}
    _sign_up(engine, cohort, ["Ana", "Ben"])
    page = _page(admin, cohort, limit=2)
    assert len(page["signups"]) == 2 and page["next_cursor"] is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eDox"}, "cursor"),  # base64 of "x:1": not one of ours
        ({"cursor": "a" * 65}, "cursor"),
    ],
)
def test_bad_page_sizes_and_cursors_are_refused_by_name(
    admin: TestClient, cohort: int, query: dict[str, object], field: str
) -> None:
    response = admin.get(f"/api/admin/cohorts/{cohort}/signups", params=query)
    assert response.status_code == 422
    assert field in response.text


def test_jobs_page_from_newest_to_oldest(admin: TestClient, engine: Engine) -> None:
    with transaction(engine) as conn:
        ids = [
            conn.execute(
                insert(jobs).values(kind="sync_group", payload={"n": n})
            ).inserted_primary_key[0]
            for n in range(5)
        ]
    first = admin.get("/api/admin/jobs", params={"limit": 2, "kind": "sync_group"}).json()
    assert [job["id"] for job in first["jobs"]] == [ids[4], ids[3]]
    second = admin.get(
        "/api/admin/jobs", params={"limit": 2, "kind": "sync_group", "cursor": first["next_cursor"]}
    ).json()
    third = admin.get(
        "/api/admin/jobs",
        params={"limit": 2, "kind": "sync_group", "cursor": second["next_cursor"]},
    ).json()
    assert [job["id"] for job in second["jobs"] + third["jobs"]] == [ids[2], ids[1], ids[0]]
    assert third["next_cursor"] is None
    assert first["next_cursor"] == encode_cursor(ids[3])


# --- the preview's groups, its unplaced, the live cohort's groups ----------------------


def _groups(engine: Engine, cohort_id: int, names: list[str], status: str) -> dict[str, int]:
    """Groups of one learner each (and a facilitator in the first), made in this order."""
    made = {}
    with transaction(engine) as conn:
        for n, name in enumerate(names):
            group = make_group(conn, cohort_id, name, status=status)
            learner = make_user(conn, f"Learner of {name}")
            enroll(conn, learner, cohort_id)
            add_member(conn, group, learner, cohort_id)
            if n == 0:
                leader = make_user(conn, "Fay")
                enroll(conn, leader, cohort_id, "facilitator")
                add_member(conn, group, leader, cohort_id, "facilitator")
            made[name] = group
    return made


def _all_pages(
    admin: TestClient, url: str, key: str, **query: object
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(every row in page order, every page's body) following next_cursor."""
    rows: list[dict[str, object]] = []
    bodies: list[dict[str, object]] = []
    cursor = None
    while True:
        response = admin.get(url, params={**query, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        bodies.append(body)
        rows += body[key]
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, bodies


# Made out of name order (names are unique in a cohort; the id after the name keeps the
# keyset total all the same).
NAMES = ["Owls", "Bees", "Larks", "Ants", "Bats", "Crows", "Moths"]


def test_preview_groups_page_by_name_each_once_with_the_whole_previews_summary(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    _groups(engine, cohort, NAMES, status="preview")
    with transaction(engine) as conn:  # a published group is not the preview's
        make_group(conn, cohort, "Aardvarks", status="active")
    url = f"/api/admin/cohorts/{cohort}/preview"

    rows, bodies = _all_pages(admin, url, "groups", limit=3)

    assert [len(body["groups"]) for body in bodies] == [3, 3, 1]  # type: ignore[arg-type]
    assert [row["name"] for row in rows] == sorted(NAMES)
    assert len({row["id"] for row in rows}) == len(NAMES)
    summary = {
        "groups": 7,
        "learners": 7,
        "facilitators": 1,
        "unplaced": 0,
        "facilitators_used": 1,
        "sizes": [{"learners": 1, "groups": 7}],
    }
    assert all(body["summary"] == summary for body in bodies)
    assert bodies[-1]["next_cursor"] is None


def test_a_preview_group_added_between_pages_appears_once_where_its_name_sorts(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    _groups(engine, cohort, ["Ants", "Bees", "Crows", "Moths"], status="preview")
    url = f"/api/admin/cohorts/{cohort}/preview"
    first = admin.get(url, params={"limit": 2}).json()
    _groups(engine, cohort, ["Aardvarks", "Dingos"], status="preview")  # before / after it
    rest, _ = _all_pages(admin, url, "groups", limit=2, cursor=first["next_cursor"])
    assert [g["name"] for g in first["groups"] + rest] == [
        "Ants",
        "Bees",
        "Crows",
        "Dingos",
        "Moths",
    ]


def test_the_unplaced_page_in_signup_order_with_their_reasons(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    ids = _sign_up(engine, cohort, ["Zoe", "Ana", "Ben", "Cleo", "Dan"])
    with transaction(engine) as conn:
        conn.execute(
            update(signups)
            .where(signups.c.user_id.in_(ids[:4]))
            .values(unplaced_reason="no_availability", unplaced_detail={"note": "none given"})
        )
        conn.execute(  # withdrawn: no longer waiting
            update(signups).where(signups.c.user_id == ids[3]).values(withdrawn_at=func.now())
        )
    url = f"/api/admin/cohorts/{cohort}/preview/unplaced"

    rows, bodies = _all_pages(admin, url, "unplaced", limit=2)

    assert [row["display_name"] for row in rows] == ["Zoe", "Ana", "Ben"]
    assert rows[0] == {
        "user_id": ids[0],
        "display_name": "Zoe",
        "role": "learner",
        "reason": "no_availability",
        "detail": {"note": "none given"},
    }
    assert len(bodies) == 2 and bodies[-1]["next_cursor"] is None
    summary = admin.get(f"/api/admin/cohorts/{cohort}/preview").json()["summary"]
    assert summary["unplaced"] == 3


def test_live_groups_page_by_name_and_the_first_page_counts_the_whole_cohort(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    _groups(engine, cohort, NAMES, status="active")
    with transaction(engine) as conn:  # still a preview: not live
        make_group(conn, cohort, "Aardvarks", status="preview")
    url = f"/api/admin/cohorts/{cohort}/live"

    rows, bodies = _all_pages(admin, url, "groups", limit=3, zone="UTC")

    assert [row["name"] for row in rows] == sorted(NAMES)
    first, *others = bodies
    assert first["counts"] is not None
    counts: dict[str, int] = first["counts"]  # type: ignore[assignment]
    assert (counts["groups"], counts["learners"], counts["facilitators"]) == (7, 7, 1)
    assert all(body["counts"] is None for body in others)
    assert bodies[-1]["next_cursor"] is None and len(others) == 2


def test_feedback_by_group_pages_by_name_and_every_page_has_the_weeks(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    made = _groups(engine, cohort, NAMES, status="active")
    held = datetime.now(UTC) - timedelta(days=2)
    with transaction(engine) as conn:
        for group in made.values():
            add_meeting(conn, group, cohort, 1, held)
    url = f"/api/admin/cohorts/{cohort}/feedback"

    rows, bodies = _all_pages(admin, url, "groups", limit=3)

    assert [row["group_name"] for row in rows] == sorted(NAMES)
    assert [len(body["groups"]) for body in bodies] == [3, 3, 1]  # type: ignore[arg-type]
    assert all(body["group_count"] == 7 for body in bodies)
    weeks = [[(w["meeting_number"], w["meetings_held"]) for w in b["weeks"]] for b in bodies]  # type: ignore[attr-defined]
    assert weeks == [[(1, 7)]] * 3


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("feedback", {"limit": 2001}, "limit"),
        ("feedback", {"cursor": encode_cursor(1)}, "cursor"),
        ("preview", {"limit": 0}, "limit"),
        ("preview", {"limit": 501}, "limit"),
        ("preview", {"cursor": "not-a-cursor"}, "cursor"),
        ("preview", {"cursor": encode_cursor(3)}, "cursor"),  # a signups cursor: not by name
        ("preview/unplaced", {"limit": 1001}, "limit"),
        ("preview/unplaced", {"cursor": "eDox"}, "cursor"),
        ("live", {"limit": 501}, "limit"),
        ("live", {"cursor": "bjE6WzEsIDJd"}, "cursor"),  # n1:[1, 2]: a name must be text
        ("live", {"cursor": "a" * 65}, "cursor"),
    ],
)
def test_bad_page_sizes_and_cursors_of_the_group_lists_are_refused_by_name(
    admin: TestClient, cohort: int, path: str, query: dict[str, object], field: str
) -> None:
    response = admin.get(f"/api/admin/cohorts/{cohort}/{path}", params=query)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in (error.get("field") or "") + error["message"]


def test_the_preview_summary_counts_group_sizes_and_facilitators_over_every_page(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    with transaction(engine) as conn:
        leader = make_user(conn, "Fay")
        enroll(conn, leader, cohort, "facilitator")
        for name, learners in (("Ants", 3), ("Bees", 1), ("Crows", 3), ("Dingos", 0)):
            group = make_group(conn, cohort, name, status="preview")
            add_member(conn, group, leader, cohort, "facilitator")  # one person, four places
            for n in range(learners):
                learner = make_user(conn, f"{name} learner {n}")
                enroll(conn, learner, cohort)
                add_member(conn, group, learner, cohort)
    url = f"/api/admin/cohorts/{cohort}/preview"

    first = admin.get(url, params={"limit": 1}).json()

    assert len(first["groups"]) == 1
    assert first["summary"]["sizes"] == [
        {"learners": 0, "groups": 1},
        {"learners": 1, "groups": 1},
        {"learners": 3, "groups": 2},
    ]
    assert (first["summary"]["facilitators"], first["summary"]["facilitators_used"]) == (4, 1)


def test_a_move_form_finds_any_group_of_the_cohort_by_part_of_its_name(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    _groups(engine, cohort, NAMES, status="active")
    long_name = "Ω" * 80  # the longest name, in 2-byte characters: its cursor still fits
    with transaction(engine) as conn:
        make_group(conn, cohort, "Bears", status="preview")  # not a live group
        longest = make_group(conn, cohort, long_name, status="active")
        make_group(conn, make_cohort(conn, "Another"), "Bees of another cohort")
    url = f"/api/admin/cohorts/{cohort}/groups"

    every, bodies = _all_pages(admin, url, "groups", status="active", limit=2)
    found = admin.get(url, params={"status": "active", "name": " b  "}).json()["groups"]
    previews = admin.get(url, params={"status": "preview", "name": "B"}).json()["groups"]
    after_long = admin.get(
        url, params={"status": "active", "cursor": encode_named_cursor(long_name, longest)}
    )

    assert [g["name"] for g in every] == [*sorted(NAMES), long_name]
    assert len(bodies) == 4
    assert [g["name"] for g in found] == ["Bats", "Bees"]
    assert found[0]["learner_count"] == 1 and found[0]["status"] == "active"
    assert [g["name"] for g in previews] == ["Bears"]
    assert after_long.status_code == 200, after_long.text
    assert after_long.json()["groups"] == []
    refused = admin.get(url, params={"status": "completed"})
    assert refused.status_code == 422


def test_the_heat_map_counts_every_signup_in_the_viewers_zone(
    admin: TestClient, engine: Engine
) -> None:
    from datetime import date

    with transaction(engine) as conn:
        cohort = make_cohort(conn, start_date=date(2027, 1, 11))  # Berlin on CET
        berlin, london, gone = (
            make_user(conn, name, timezone=zone)
            for name, zone in (("Bo", "Europe/Berlin"), ("Lu", "UTC"), ("Wes", "UTC"))
        )
        for user in (berlin, london, gone):
            enroll(conn, user, cohort)
        give_availability(conn, berlin, (0, "18:00", "19:00"))
        give_availability(conn, london, (0, "17:00", "17:30"))
        give_availability(conn, london, (0, "17:30", "18:00"), kind="if_needed")
        give_availability(conn, gone, (6, "10:00", "12:00"))
        conn.execute(
            update(signups).where(signups.c.user_id == gone).values(withdrawn_at=func.now())
        )

    body = admin.get(f"/api/admin/cohorts/{cohort}/availability", params={"zone": "UTC"}).json()
    tokyo = admin.get(
        f"/api/admin/cohorts/{cohort}/availability", params={"zone": "Asia/Tokyo"}
    ).json()

    assert (body["zone"], body["week_of"], body["signups"]) == ("UTC", "2027-01-11", 2)
    # Berlin's Monday 18:00-19:00 is 17:00-18:00 UTC in January: both people at 17:00.
    assert body["available"][0][34:37] == [2, 1, 0]
    assert body["if_needed"][0][34:37] == [0, 1, 0]
    assert sum(map(sum, body["available"])) == 3 and sum(body["available"][6]) == 0
    # Tokyo is UTC+9: Monday 17:00 UTC is Tuesday 02:00 there.
    assert tokyo["available"][1][4:6] == [2, 1]
    bad = admin.get(f"/api/admin/cohorts/{cohort}/availability", params={"zone": "Mars/Base"})
    assert bad.status_code == 422
