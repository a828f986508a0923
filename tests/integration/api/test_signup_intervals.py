"""Admin signups carry each person's weekly intervals and zone, for the heat map."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from roundtable.db.engine import transaction
from tests.integration.api.builders import enroll, give_availability, make_cohort, make_user


def test_signups_list_each_persons_intervals_in_their_own_zone(
    engine: Engine, client_for: Callable[[int | None], TestClient]
) -> None:
    with transaction(engine) as conn:
        admin = make_user(conn, "Ada Admin", admin=True)
        cohort = make_cohort(conn)
        ben = make_user(conn, "Ben", timezone="America/New_York")
        nobody = make_user(conn, "Nia", timezone="Asia/Kolkata")
        give_availability(conn, ben, (3, "18:00", "20:00"), (1, "07:30", "24:00"))
        give_availability(conn, ben, (5, "10:00", "11:00"), kind="if_needed")
        enroll(conn, ben, cohort)
        enroll(conn, nobody, cohort)

    answer = client_for(admin).get(f"/api/admin/cohorts/{cohort}/signups")

    assert answer.status_code == 200
    by_name = {s["display_name"]: s for s in answer.json()["signups"]}
    assert by_name["Ben"]["timezone"] == "America/New_York"
    assert by_name["Ben"]["intervals"] == [
        {"weekday": 1, "start": "07:30", "end": "24:00", "kind": "available"},
        {"weekday": 3, "start": "18:00", "end": "20:00", "kind": "available"},
        {"weekday": 5, "start": "10:00", "end": "11:00", "kind": "if_needed"},
    ]
    assert by_name["Nia"]["intervals"] == []
    assert by_name["Nia"]["timezone"] == "Asia/Kolkata"
