"""The services behind /group, /next-meeting, /progress, /attendance, /group-progress and the
group autocomplete (the web calls the same ones), on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update

from roundtable.config import get_settings
from roundtable.content.progress_counts import ModuleCounts, module_counts, my_module_counts
from roundtable.db.tables import groups
from roundtable.errors import NotFoundError, PermissionDeniedError, ValidationError
from roundtable.groups import facilitation, learners
from roundtable.meetings.attendance import rsvp
from roundtable.people.profiles import Viewer, get_viewer
from tests.integration.discord import data

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture
def world(engine: Engine) -> dict[str, Any]:
    """Owls (Fay facilitates, Lena learns) and Larks (Fay and Finn facilitate); admin Root."""
    with engine.begin() as conn:
        cohort = data.add_cohort(conn)
        people = {
            name: data.add_user(conn, name.title(), timezone=zone)
            for name, zone in (
                ("fay", "UTC"),
                ("lena", "Europe/Berlin"),
                ("finn", "UTC"),
                ("olli", "UTC"),
            )
        }
        people["root"] = data.add_user(conn, "Root", is_admin=True)
        owls = data.add_group(conn, cohort, "Owls_100%", first_meeting_at=FIRST, channel_id="77")
        larks = data.add_group(conn, cohort, "Larks", first_meeting_at=FIRST)
        preview = data.add_group(
            conn, cohort, "Preview Owls", first_meeting_at=FIRST, status="preview"
        )
        data.add_member(conn, owls, people["fay"], cohort, "facilitator")
        data.add_member(conn, owls, people["lena"], cohort)
        data.add_member(conn, larks, people["fay"], cohort, "facilitator")
        data.add_member(conn, larks, people["finn"], cohort, "facilitator")
        meetings = [
            data.add_meeting(conn, owls, cohort, n, FIRST + timedelta(weeks=n - 1))
            for n in (1, 2, 3)
        ]
        viewers = {name: get_viewer(conn, user) for name, user in people.items()}
    return {"v": viewers, "owls": owls, "larks": larks, "preview": preview, "meetings": meetings}


def _viewer(world: dict[str, Any], name: str) -> Viewer:
    viewer: Viewer = world["v"][name]
    return viewer


# -- members ---------------------------------------------------------------------------
def test_my_groups_carry_the_discord_channel_and_the_anchor_zone(
    engine: Engine, world: dict[str, Any]
) -> None:
    with engine.connect() as conn:
        (mine,) = learners.my_groups(conn, _viewer(world, "lena"), get_settings(), NOW)
    assert mine.discord_channel_id == "77"
    assert (mine.weekly_time.timezone, mine.weekly_time.anchor_timezone) == ("Europe/Berlin", "UTC")
    assert mine.weekly_time.local.label == "Tuesday 19:00 CET"
    assert [m.number for m in mine.next_meetings] == [2, 3]


def test_next_meeting_is_the_soonest_not_over_with_my_answer(
    engine: Engine, world: dict[str, Any]
) -> None:
    lena = _viewer(world, "lena")
    second = world["meetings"][1]
    with engine.begin() as conn:
        rsvp(conn, lena, second, "tentative", "web", NOW)
        found = learners.next_meeting(conn, lena, NOW)
        still_running = learners.next_meeting(conn, lena, FIRST + timedelta(weeks=1, minutes=30))
        after_the_last = learners.next_meeting(conn, lena, FIRST + timedelta(weeks=3))
    assert found is not None and still_running is not None
    assert (found.group_name, found.meeting.id, found.meeting.my_rsvp) == (
        "Owls_100%",
        second,
        "tentative",
    )
    assert found.meeting.local_label == "Tue 10 Mar 2026, 19:00 CET"
    assert still_running.meeting.id == second
    assert after_the_last is None


def test_next_meeting_ignores_unpublished_groups_and_non_members(
    engine: Engine, world: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        conn.execute(update(groups).where(groups.c.id == world["owls"]).values(status="preview"))
        assert learners.next_meeting(conn, _viewer(world, "lena"), NOW) is None
        assert learners.next_meeting(conn, _viewer(world, "olli"), NOW) is None


def test_module_counts_count_completed_and_started_modules_only(
    engine: Engine, world: dict[str, Any]
) -> None:
    lena, olli = _viewer(world, "lena"), _viewer(world, "olli")
    with engine.begin() as conn:
        data.add_module_progress(conn, lena.id, "m1", done=True)
        data.add_module_progress(conn, lena.id, "m2", done=False)
        data.add_module_progress(conn, olli.id, "m1", done=True)
        assert my_module_counts(conn, lena) == ModuleCounts(completed=1, in_progress=1)
        assert module_counts(conn, [olli.id, _viewer(world, "fay").id]) == {
            olli.id: ModuleCounts(1, 0),
            _viewer(world, "fay").id: ModuleCounts(0, 0),
        }


# -- facilitators: which group --------------------------------------------------------------
def test_choose_group_takes_the_only_facilitated_group(
    engine: Engine, world: dict[str, Any]
) -> None:
    with engine.connect() as conn:
        chosen = facilitation.choose_group(conn, _viewer(world, "finn"), None, NOW)
    assert chosen.id == world["larks"]


def test_choose_group_asks_which_when_there_are_several(
    engine: Engine, world: dict[str, Any]
) -> None:
    with engine.connect() as conn:
        with pytest.raises(ValidationError, match=r"several groups \(Larks, Owls_100%\)"):
            facilitation.choose_group(conn, _viewer(world, "fay"), None, NOW)


@pytest.mark.parametrize("who", ["lena", "root"])  # an admin facilitating nothing too
def test_choose_group_refuses_who_facilitates_nothing(
    who: str, engine: Engine, world: dict[str, Any]
) -> None:
    with engine.connect() as conn:
        with pytest.raises(PermissionDeniedError, match="you facilitate no group"):
            facilitation.choose_group(conn, _viewer(world, who), None, NOW)


def test_choose_group_checks_the_named_group(engine: Engine, world: dict[str, Any]) -> None:
    with engine.connect() as conn:
        with pytest.raises(PermissionDeniedError, match="You don't facilitate Owls_100%"):
            facilitation.choose_group(conn, _viewer(world, "finn"), world["owls"], NOW)
        with pytest.raises(NotFoundError, match="There is no group 999"):
            facilitation.choose_group(conn, _viewer(world, "finn"), 999, NOW)
        by_admin = facilitation.choose_group(conn, _viewer(world, "root"), world["owls"], NOW)
    assert (by_admin.name, by_admin.member_count) == ("Owls_100%", 2)


def test_recent_attendance_is_the_last_started_and_the_next_meeting(
    engine: Engine, world: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        rsvp(conn, _viewer(world, "lena"), world["meetings"][1], "attending", "discord", NOW)
        found = facilitation.recent_attendance(conn, _viewer(world, "fay"), world["owls"], NOW)
    assert found.last is not None and found.next is not None
    assert (found.last.number, found.next.number) == (1, 2)
    assert {e.display_name: e.rsvp for e in found.next.members} == {
        "Fay": "pending",
        "Lena": "attending",
    }


def test_group_progress_lists_learners_with_module_counts(
    engine: Engine, world: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        data.add_module_progress(conn, _viewer(world, "lena").id, "m1", done=False)
        found = facilitation.group_progress(conn, _viewer(world, "fay"), world["owls"], NOW)
    (lena,) = found.members
    assert (found.group.name, lena.completed_modules, lena.modules_in_progress) == (
        "Owls_100%",
        0,
        1,
    )


# -- facilitators: autocomplete ----------------------------------------------------------------
def test_search_offers_my_groups_matching_the_text_literally(
    engine: Engine, world: dict[str, Any]
) -> None:
    with engine.connect() as conn:

        def names(who: str, text: str) -> list[str]:
            found = facilitation.search_facilitated_groups(conn, _viewer(world, who), text, NOW)
            return [g.name for g in found]

        assert names("fay", "") == ["Larks", "Owls_100%"]
        assert names("fay", "OWL") == ["Owls_100%"]
        assert names("fay", "100%") == ["Owls_100%"]
        assert names("fay", "s_1") == ["Owls_100%"]
        assert names("fay", "%") == ["Owls_100%"]  # a wildcard is a character, not "anything"
        assert names("finn", "owl") == []
        assert names("lena", "") == []
        assert names("root", "owls") == ["Owls_100%"]  # admins: every published group
