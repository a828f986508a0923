"""The RSVP and check-in use cases (every door calls them) on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from roundtable.db.tables import attendances
from roundtable.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from roundtable.meetings.attendance import check_in, rsvp
from roundtable.people.profiles import Viewer, get_viewer
from tests.integration.discord import data

START = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


@pytest.fixture
def meeting(engine: Engine) -> dict[str, Any]:
    with engine.begin() as conn:
        cohort = data.add_cohort(conn)
        member = data.add_user(conn, "Mia")
        stranger = data.add_user(conn, "Sam")
        group = data.add_group(conn, cohort, "Night Owls", first_meeting_at=START)
        data.add_member(conn, group, member, cohort)
        first = data.add_meeting(conn, group, cohort, 1, START)
        second = data.add_meeting(conn, group, cohort, 2, START + timedelta(days=7))
        viewers = {"member": get_viewer(conn, member), "stranger": get_viewer(conn, stranger)}
    return {**viewers, "first": first, "second": second}


def test_rsvp_is_created_then_updated_in_place(engine: Engine, meeting: Any) -> None:
    member: Viewer = meeting["member"]
    with engine.begin() as conn:
        rsvp(conn, member, meeting["first"], "attending", "discord", START)
        later = START + timedelta(minutes=1)
        saved = rsvp(conn, member, meeting["first"], "not_attending", "web", later)
    assert (saved.status, saved.source, saved.rsvp_at) == ("not_attending", "web", later)
    assert (saved.group_name, saved.meeting_number) == ("Night Owls", 1)
    with engine.connect() as conn:
        row = conn.execute(select(attendances)).one()
    assert (row.user_id, row.rsvp, row.rsvp_source) == (member.id, "not_attending", "web")


@pytest.mark.parametrize(
    ("answer", "source", "message"),
    [
        ("yes", "discord", "got 'yes'"),
        ("pending", "web", "got 'pending'"),  # taking an answer back is not an answer
        ("attending", "carrier pigeon", "got 'carrier pigeon'"),
    ],
)
def test_rsvp_rejects_unknown_answers_and_sources(
    answer: str, source: str, message: str, engine: Engine, meeting: Any
) -> None:
    with engine.begin() as conn:
        with pytest.raises(ValidationError, match=message):
            rsvp(conn, meeting["member"], meeting["first"], answer, source, START)


def test_rsvp_needs_an_existing_meeting_and_a_member(engine: Engine, meeting: Any) -> None:
    with engine.begin() as conn:
        with pytest.raises(NotFoundError, match="Meeting 999 does not exist"):
            rsvp(conn, meeting["member"], 999, "attending", "discord", START)
        with pytest.raises(PermissionDeniedError, match="Only members of Night Owls"):
            rsvp(conn, meeting["stranger"], meeting["first"], "attending", "discord", START)


def test_rsvp_closes_when_the_meeting_ends(engine: Engine, meeting: Any) -> None:
    ends = START + timedelta(hours=1)
    with engine.begin() as conn:
        last_second = ends - timedelta(seconds=1)
        running = rsvp(conn, meeting["member"], meeting["first"], "attending", "web", last_second)
        assert running.status == "attending"
        with pytest.raises(ConflictError, match="over"):
            rsvp(conn, meeting["member"], meeting["first"], "not_attending", "web", ends)
    with engine.connect() as conn:
        assert conn.scalar(select(attendances.c.rsvp)) == "attending"


@pytest.mark.parametrize(
    ("offset", "opens"),
    [
        (timedelta(minutes=-15), True),
        (timedelta(minutes=-16), False),
        (timedelta(minutes=60), True),
        (timedelta(minutes=61), False),
    ],
)
def test_check_in_is_open_from_15_minutes_before_to_60_after_the_start(
    offset: timedelta, opens: bool, engine: Engine, meeting: Any
) -> None:
    with engine.begin() as conn:
        if opens:
            result = check_in(conn, meeting["member"], START + offset)
            assert result.meeting_id == meeting["first"]
        else:
            with pytest.raises(ConflictError, match="no meeting to check in to"):
                check_in(conn, meeting["member"], START + offset)


def test_check_in_is_recorded_even_when_an_rsvp_row_exists(engine: Engine, meeting: Any) -> None:
    # The predecessor silently dropped this check-in (ON CONFLICT DO NOTHING).
    with engine.begin() as conn:
        rsvp(conn, meeting["member"], meeting["first"], "attending", "calendar", START)
        check_in(conn, meeting["member"], START + timedelta(minutes=5))
    with engine.connect() as conn:
        row = conn.execute(select(attendances)).one()
    assert row.rsvp == "attending" and row.checked_in_at == START + timedelta(minutes=5)


def test_a_second_check_in_keeps_the_first_time(engine: Engine, meeting: Any) -> None:
    with engine.begin() as conn:
        first = check_in(conn, meeting["member"], START)
        again = check_in(conn, meeting["member"], START + timedelta(minutes=20))
    assert not first.already_checked_in
    assert again.already_checked_in and again.checked_in_at == START


def test_no_open_meeting_names_the_next_one(engine: Engine, meeting: Any) -> None:
    with engine.begin() as conn:
        with pytest.raises(ConflictError, match=r"Night Owls, meeting 2\) starts at 2026-03-17"):
            check_in(conn, meeting["member"], START + timedelta(hours=3))


def test_a_non_member_cannot_check_in(engine: Engine, meeting: Any) -> None:
    with engine.begin() as conn:
        with pytest.raises(ConflictError, match="none coming up"):
            check_in(conn, meeting["stranger"], START)


def test_check_in_refuses_a_naive_time(engine: Engine, meeting: Any) -> None:
    with engine.begin() as conn:
        with pytest.raises(ValidationError, match="time zone"):
            check_in(conn, meeting["member"], datetime(2026, 3, 10, 18, 0))
