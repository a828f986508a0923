"""Moving a published group's weekly time: only meetings still to come move, members are
checked on each of them (daylight saving included), the calendar and members follow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from roundtable.db.engine import transaction
from roundtable.db.tables import groups, jobs, meetings
from roundtable.errors import ConflictError, ValidationError
from roundtable.groups import admin as group_admin
from roundtable.sync.series import write_meetings
from tests.integration.api.builders import (
    add_member,
    enroll,
    give_availability,
    make_cohort,
    make_group,
    make_user,
)

# Thursday 18 March 2027: meetings 1 and 2 (Tuesdays 9 and 16 March) are history.
NOW = datetime(2027, 3, 18, 12, 0, tzinfo=UTC)
LONDON_TUESDAY_18 = datetime(2027, 3, 9, 18, 0, tzinfo=UTC)  # GMT until 28 March
ClientFor = Callable[[int | None], TestClient]


@pytest.fixture
def owls(engine: Engine) -> dict[str, int]:
    """A London group on Tuesdays 18:00, six meetings from 9 March 2027, two members."""
    with transaction(engine) as conn:
        cohort = make_cohort(conn, start_date=date(2027, 3, 8), meetings=6)
        group = make_group(
            conn,
            cohort,
            "Owls",
            anchor_timezone="Europe/London",
            weekday=1,
            first_meeting=LONDON_TUESDAY_18,
            meeting_count=6,
        )
        ann = make_user(conn, "Ann", timezone="Europe/London")
        bea = make_user(conn, "Bea", timezone="UTC")
        admin = make_user(conn, "Ada Admin", admin=True)
        for person in (ann, bea):
            enroll(conn, person, cohort)
            add_member(conn, group, person, cohort)
        # Ann: Mondays and Tuesdays 17:00–21:00 London time, whatever the season.
        give_availability(conn, ann, (0, "17:00", "21:00"), (1, "17:00", "21:00"))
        # Bea, in UTC: Mondays 17:30–20:00, so Monday 18:00 London fits in winter only.
        give_availability(conn, bea, (0, "17:30", "20:00"), (1, "17:00", "20:00"))
    return {"cohort": cohort, "group": group, "ann": ann, "bea": bea, "admin": admin}


def _move(
    engine: Engine,
    ids: dict[str, int],
    *,
    force: bool = False,
    now: datetime = NOW,
    **changes: Any,
) -> Any:
    with transaction(engine) as conn:
        return group_admin.update_group(
            conn,
            ids["group"],
            changes,
            force=force,
            admin_id=ids["admin"],
            viewer_zone="UTC",
            now=now,
        )


def _meetings(engine: Engine, group_id: int) -> list[tuple[int, datetime]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(meetings.c.meeting_number, meetings.c.starts_at)
            .where(meetings.c.group_id == group_id)
            .order_by(meetings.c.meeting_number)
        )
        return [(r.meeting_number, r.starts_at) for r in rows]


def _jobs(engine: Engine) -> list[tuple[str, dict[str, Any], str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(jobs.c.kind, jobs.c.payload, jobs.c.dedup_key).order_by(jobs.c.id)
        )
        return [(r.kind, r.payload, r.dedup_key) for r in rows]


def _utc(day: int, month: int, hour: int) -> datetime:
    return datetime(2027, month, day, hour, 0, tzinfo=UTC)


def test_only_the_meetings_still_to_come_move_keeping_the_local_time_across_daylight_saving(
    engine: Engine, owls: dict[str, int]
) -> None:
    before = _meetings(engine, owls["group"])

    view = _move(engine, owls, weekday=0, local_time=time(18, 30))

    assert view.anchor_label == "Monday 18:30 (Europe/London)"
    assert _meetings(engine, owls["group"]) == [
        *before[:2],  # held on Tuesdays: history keeps its time
        (3, datetime(2027, 3, 22, 18, 30, tzinfo=UTC)),  # the first Monday after now, GMT
        (4, datetime(2027, 3, 29, 17, 30, tzinfo=UTC)),  # BST from 28 March: 18:30 London
        (5, datetime(2027, 4, 5, 17, 30, tzinfo=UTC)),
        (6, datetime(2027, 4, 12, 17, 30, tzinfo=UTC)),
    ]
    with transaction(engine) as conn:  # the calendar sync's own rewrite agrees
        assert not write_meetings(conn, owls["group"], now=NOW).changed
        row = conn.execute(select(groups).where(groups.c.id == owls["group"])).one()
    assert (row.anchor_timezone, row.weekday, row.local_time) == ("Europe/London", 0, time(18, 30))


def test_the_calendar_follows_and_members_hear_once_about_the_next_meeting(
    engine: Engine, owls: dict[str, int]
) -> None:
    _move(engine, owls, weekday=0, local_time=time(18, 30))

    with engine.connect() as conn:
        third = conn.scalar(
            select(meetings.c.id).where(
                meetings.c.group_id == owls["group"], meetings.c.meeting_number == 3
            )
        )
    assert _jobs(engine) == [
        (
            "send_notification",
            {
                "kind": "meeting_changed",
                "meeting_id": third,
                "previous_starts_at": "2027-03-23T18:00:00+00:00",
            },
            None,
        ),
        ("sync_group", {"group_id": owls["group"]}, f"sync_group:{owls['group']}"),
    ]


def test_a_time_someone_cannot_make_after_the_clocks_change_is_refused_naming_them(
    engine: Engine, owls: dict[str, int]
) -> None:
    before = _meetings(engine, owls["group"])
    with pytest.raises(ValidationError, match="Bea cannot make 3 of 4 remaining meetings") as exc:
        _move(engine, owls, weekday=0, local_time=time(18, 0))
    assert "Ann" not in str(exc.value) and exc.value.field == "local_time"
    assert _meetings(engine, owls["group"]) == before and _jobs(engine) == []

    _move(engine, owls, weekday=0, local_time=time(18, 0), force=True)
    assert _meetings(engine, owls["group"])[2:3] == [(3, _utc(22, 3, 18))]


def test_the_same_time_again_moves_nothing_and_tells_nobody(
    engine: Engine, owls: dict[str, int]
) -> None:
    before = _meetings(engine, owls["group"])
    _move(engine, owls, weekday=1, local_time=time(18, 0))
    assert _meetings(engine, owls["group"]) == before
    assert [kind for kind, _, _ in _jobs(engine)] == ["sync_group"]


def test_a_group_whose_meetings_have_all_started_cannot_move(
    engine: Engine, owls: dict[str, int]
) -> None:
    meeting_six_under_way = datetime(2027, 4, 13, 17, 30, tzinfo=UTC)
    with pytest.raises(ConflictError, match="every meeting of Owls has started"):
        _move(engine, owls, weekday=0, local_time=time(18, 30), now=meeting_six_under_way)


def test_admins_move_a_published_group_through_the_api(
    engine: Engine, client_for: ClientFor
) -> None:
    with transaction(engine) as conn:
        cohort = make_cohort(conn, meetings=4)
        group = make_group(conn, cohort, "Larks", meeting_count=4)  # Tuesdays, from next fortnight
        ivy = make_user(conn, "Ivy")
        enroll(conn, ivy, cohort)
        add_member(conn, group, ivy, cohort)
        give_availability(conn, ivy, (4, "09:00", "12:00"))
        admin = client_for(make_user(conn, "Ada Admin", admin=True))
    url = f"/api/admin/groups/{group}"

    refused = admin.patch(url, json={"weekday": 4, "local_time": "18:00:00"})
    assert (
        refused.status_code == 422
        and "Ivy cannot make 4 of 4" in refused.json()["error"]["message"]
    )
    moved = admin.patch(url, json={"weekday": 4, "local_time": "10:00:00"})

    assert moved.status_code == 200 and moved.json()["anchor_label"] == "Friday 10:00 (UTC)"
    starts = [s for _, s in _meetings(engine, group)]
    assert len(starts) == 4 and all((s.weekday(), s.hour) == (4, 10) for s in starts)
