"""Meetings missed in a row, and who that makes inactive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select, update

from roundtable.config import reset_settings
from roundtable.db.tables import attendances, group_members, meetings
from roundtable.meetings.activity import absences
from tests.integration.api.builders import add_member, make_cohort, make_group, make_user

FIRST = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)


def _world(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        cohort = make_cohort(conn, "Spring", status="running")
        group = make_group(conn, cohort, "Group 1", first_meeting=FIRST, meeting_count=6)
        people = {n: make_user(conn, n) for n in ("Ana", "Ben", "Cy", "Fay")}
        for name in ("Ana", "Ben", "Cy"):
            add_member(conn, group, people[name], cohort)
        add_member(conn, group, people["Fay"], cohort, "facilitator")
        conn.execute(update(group_members).values(joined_at=FIRST - timedelta(days=7)))
    return {"group": group, **people}


def _check_in(engine: Engine, group: int, user: int, number: int) -> None:
    with engine.begin() as conn:
        meeting = conn.scalar(
            select(meetings.c.id).where(
                meetings.c.group_id == group, meetings.c.meeting_number == number
            )
        )
        conn.execute(
            insert(attendances).values(
                meeting_id=meeting, user_id=user, checked_in_at=FIRST + timedelta(weeks=number - 1)
            )
        )


def test_misses_count_back_from_the_latest_meeting_to_the_last_one_attended(engine: Engine) -> None:
    w = _world(engine)
    # Four meetings held by now (the fifth has not ended).
    now = FIRST + timedelta(weeks=3, hours=2)
    _check_in(engine, w["group"], w["Ana"], 4)  # came last week: none missed
    _check_in(engine, w["group"], w["Ben"], 1)  # came once, then missed three
    # Cy never came: four missed.

    with engine.connect() as conn:
        found = absences(conn, [w["group"]], now)

    missed = {user: a.missed_in_a_row for (_, user), a in found.items()}
    inactive = {user for (_, user), a in found.items() if a.inactive}
    assert missed == {w["Ana"]: 0, w["Ben"]: 3, w["Cy"]: 4}
    assert inactive == {w["Ben"], w["Cy"]}  # facilitators are not counted


def test_meetings_before_someone_joined_are_not_theirs_to_miss(engine: Engine) -> None:
    w = _world(engine)
    with engine.begin() as conn:
        conn.execute(
            update(group_members)
            .where(group_members.c.user_id == w["Cy"])
            .values(joined_at=FIRST + timedelta(weeks=2, hours=3))
        )
    now = FIRST + timedelta(weeks=3, hours=2)
    with engine.connect() as conn:
        found = absences(conn, [w["group"]], now, inactive_after=2)
    assert found[(w["group"], w["Cy"])].missed_in_a_row == 1
    assert not found[(w["group"], w["Cy"])].inactive


def test_the_threshold_is_the_callers(engine: Engine) -> None:
    w = _world(engine)
    now = FIRST + timedelta(weeks=1, hours=2)  # two meetings held
    with engine.connect() as conn:
        found = absences(conn, [w["group"]], now, inactive_after=2)
    assert all(a.inactive for a in found.values()) and len(found) == 3


def test_by_default_the_threshold_is_the_inactive_after_missed_setting(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = _world(engine)
    now = FIRST + timedelta(weeks=3, hours=2)  # four meetings held; nobody came
    monkeypatch.setenv("INACTIVE_AFTER_MISSED", "5")
    reset_settings()
    try:
        with engine.connect() as conn:
            found = absences(conn, [w["group"]], now)
    finally:
        monkeypatch.delenv("INACTIVE_AFTER_MISSED")
        reset_settings()
    assert {a.missed_in_a_row for a in found.values()} == {4}
    assert not any(a.inactive for a in found.values())
