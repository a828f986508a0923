"""Paged admin lists: signups and jobs page by keyset cursor (roundtable/paging.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, update

from roundtable.db.engine import transaction
from roundtable.db.tables import jobs, signups
from roundtable.paging import encode_cursor
from tests.integration.api.builders import enroll, give_availability, make_cohort, make_user

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
