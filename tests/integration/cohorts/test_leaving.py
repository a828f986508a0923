"""A learner leaves a cohort: signup withdrawn, membership ended, the right people told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from roundtable.cohorts.leaving import leave_cohort
from roundtable.db.tables import group_members, jobs, signups
from roundtable.errors import ConflictError, NotFoundError, ValidationError
from roundtable.people.profiles import get_viewer
from tests.integration.api.builders import add_member, enroll, make_cohort, make_group, make_user

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def running(engine: Engine) -> dict[str, int]:
    """A running cohort: Fay facilitates Group 1 with Ana and Ben."""
    with engine.begin() as conn:
        cohort = make_cohort(conn, "Spring", status="running")
        group = make_group(conn, cohort, "Group 1", first_meeting=NOW + timedelta(days=1))
        fay, ana, ben = (make_user(conn, n) for n in ("Fay", "Ana", "Ben"))
        enroll(conn, fay, cohort, "facilitator")
        add_member(conn, group, fay, cohort, "facilitator")
        for learner in (ana, ben):
            enroll(conn, learner, cohort)
            add_member(conn, group, learner, cohort)
    return {"cohort": cohort, "group": group, "fay": fay, "ana": ana, "ben": ben}


def _notification_jobs(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [
            p
            for (p,) in conn.execute(
                select(jobs.c.payload).where(jobs.c.kind == "send_notification").order_by(jobs.c.id)
            )
        ]


def _leave(engine: Engine, user_id: int, cohort_id: int, reason: str | None = "Moving house"):
    with engine.begin() as conn:
        return leave_cohort(conn, get_viewer(conn, user_id), cohort_id, reason, NOW)


def test_leaving_withdraws_the_signup_ends_the_membership_and_tells_learner_and_facilitator(
    engine: Engine, running: dict[str, int]
) -> None:
    left = _leave(engine, running["ana"], running["cohort"], "  Moving   house ")

    assert (left.cohort_name, left.group_name, left.reason) == ("Spring", "Group 1", "Moving house")
    with engine.connect() as conn:
        signup = conn.execute(
            select(signups.c.withdrawn_at, signups.c.withdrawal_reason).where(
                signups.c.user_id == running["ana"]
            )
        ).one()
        membership = conn.execute(
            select(group_members.c.status, group_members.c.reason_for_leaving).where(
                group_members.c.user_id == running["ana"]
            )
        ).one()
        syncs = conn.scalars(select(jobs.c.payload).where(jobs.c.kind == "sync_group")).all()
    assert signup == (NOW, "Moving house")
    assert membership == ("removed", "left the cohort: Moving house")
    assert syncs == [{"group_id": running["group"]}]
    kinds = [(p["kind"], p["user_id"]) for p in _notification_jobs(engine)]
    assert kinds == [("removed_from_group", running["ana"]), ("member_left", running["ana"])]


def test_leaving_twice_is_refused_and_changes_nothing_more(
    engine: Engine, running: dict[str, int]
) -> None:
    _leave(engine, running["ana"], running["cohort"])
    before = _notification_jobs(engine)

    with pytest.raises(ConflictError, match="You already left Spring"):
        _leave(engine, running["ana"], running["cohort"])
    assert _notification_jobs(engine) == before


def test_a_facilitator_leading_a_group_is_sent_to_an_admin(
    engine: Engine, running: dict[str, int]
) -> None:
    with pytest.raises(ConflictError, match="You facilitate Group 1: ask an admin"):
        _leave(engine, running["fay"], running["cohort"])


def test_someone_not_enrolled_cannot_leave(engine: Engine, running: dict[str, int]) -> None:
    with engine.begin() as conn:
        stranger = make_user(conn, "Sid")
    with pytest.raises(NotFoundError, match="You are not enrolled in Spring"):
        _leave(engine, stranger, running["cohort"])


def test_a_completed_cohort_has_nothing_to_leave(engine: Engine, running: dict[str, int]) -> None:
    with engine.begin() as conn:
        done = make_cohort(conn, "Autumn", status="completed")
        enroll(conn, running["ben"], done)
    with pytest.raises(ConflictError, match="Autumn is completed: there is nothing left to leave"):
        _leave(engine, running["ben"], done)


def test_a_learner_not_yet_in_a_group_just_withdraws(engine: Engine) -> None:
    with engine.begin() as conn:
        cohort = make_cohort(conn, "Summer", status="open")
        ana = make_user(conn, "Ana")
        enroll(conn, ana, cohort)
    left = _leave(engine, ana, cohort, None)
    assert (left.group_id, left.reason) == (None, None)
    assert _notification_jobs(engine) == []


def test_an_overlong_reason_is_refused_before_anything_changes(
    engine: Engine, running: dict[str, int]
) -> None:
    with pytest.raises(ValidationError, match="under 500 characters"):
        _leave(engine, running["ana"], running["cohort"], "x" * 501)
    with engine.connect() as conn:
        assert (
            conn.scalar(select(signups.c.withdrawn_at).where(signups.c.user_id == running["ana"]))
            is None
        )
