"""The facilitator's timeline on real Postgres, with the demo course's content.

The demo course ("running-discussion-groups") is due like this:
meeting 1: Why talk it through?; meeting 2: Questions that open a conversation;
meeting 3: Balancing the room, and A facilitator's checklist (optional).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert, select, update

from roundtable.content.bundle import Bundle, build_bundle
from roundtable.content.progress import Learner, mark_section_complete
from roundtable.db.tables import (
    attendances,
    chat_sessions,
    cohorts,
    group_members,
    guest_visits,
    meetings,
)
from roundtable.errors import NotFoundError, PermissionDeniedError
from roundtable.groups.timeline import GroupTimeline, group_timeline
from roundtable.people.profiles import get_viewer
from tests.integration.api.builders import add_member, make_cohort, make_group, make_user

DEMO = Path(__file__).resolve().parents[3] / "content"
FIRST = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)  # a Tuesday
AFTER_THIRD = FIRST + timedelta(weeks=2, hours=2)  # meetings 1–3 held; 4 is next
BEFORE_SECOND = FIRST + timedelta(days=2)  # meeting 1 held; 2 is next

REQUIRED = {  # module slug → its required sections
    "why-discuss": ["why-discuss.reading-vs-understanding"],
    "good-questions": ["good-questions.open-closed", "good-questions.silence"],
    "balancing-the-room": ["balancing-the-room.three-moves", "balancing-the-room.ending"],
}


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return build_bundle(DEMO)[0]


def _complete(conn: Connection, bundle: Bundle, user_id: int, module: str, *sections: str) -> None:
    for section in sections or REQUIRED[module]:
        mark_section_complete(
            conn,
            learner=Learner(user_id=user_id),
            bundle=bundle,
            module_slug=module,
            section_id=section,
            now=FIRST,
        )


def _check_in(conn: Connection, meeting_id: int, user_id: int) -> None:
    conn.execute(
        insert(attendances).values(
            meeting_id=meeting_id, user_id=user_id, rsvp="attending", checked_in_at=FIRST
        )
    )


@pytest.fixture
def world(engine: Engine, bundle: Bundle) -> dict[str, Any]:
    """Owls (Fay facilitates; Ana keeps up, Ben lags, Cy vanished); Larks (Finn, Lea)."""
    with engine.begin() as conn:
        cohort = make_cohort(conn, "Spring", status="running")
        conn.execute(update(cohorts).values(course_slug="running-discussion-groups"))
        owls = make_group(
            conn, cohort, "Owls", first_meeting=FIRST, meeting_count=5, text_channel_id="555"
        )
        larks = make_group(conn, cohort, "Larks", first_meeting=FIRST, meeting_count=5)
        names = ("Fay", "Ana", "Ben", "Cy", "Finn", "Lea", "Root")
        p = {n: make_user(conn, n, admin=n == "Root") for n in names}
        add_member(conn, owls, p["Fay"], cohort, "facilitator")
        for learner in ("Ana", "Ben", "Cy"):
            add_member(conn, owls, p[learner], cohort)
        add_member(conn, larks, p["Finn"], cohort, "facilitator")
        add_member(conn, larks, p["Lea"], cohort)
        conn.execute(update(group_members).values(joined_at=FIRST - timedelta(days=7)))
        series = {
            (row.group_id, row.meeting_number): row.id
            for row in conn.execute(
                select(meetings.c.id, meetings.c.group_id, meetings.c.meeting_number)
            )
        }
        for number in (1, 2, 3):
            _check_in(conn, series[(owls, number)], p["Ana"])
        _check_in(conn, series[(owls, 1)], p["Ben"])
        _complete(conn, bundle, p["Ana"], "why-discuss")
        _complete(conn, bundle, p["Ana"], "good-questions")
        _complete(conn, bundle, p["Ana"], "balancing-the-room")
        _complete(conn, bundle, p["Ben"], "why-discuss")
        _complete(conn, bundle, p["Ben"], "good-questions", "good-questions.silence")
        conn.execute(insert(chat_sessions).values(user_id=p["Ben"], module_id="module-why-discuss"))
    return {"p": p, "owls": owls, "larks": larks, "meeting": series}


def _timeline(
    engine: Engine, bundle: Bundle, who: int, group: int, now: datetime = AFTER_THIRD
) -> GroupTimeline:
    with engine.connect() as conn:
        return group_timeline(conn, get_viewer(conn, who), group, now, bundle=lambda: bundle)


def test_the_grid_names_each_module_due_by_each_meeting_with_every_learners_state(
    engine: Engine, bundle: Bundle, world: dict[str, Any]
) -> None:
    p = world["p"]
    found = _timeline(engine, bundle, p["Fay"], world["owls"])

    assert [m.display_name for m in found.members] == ["Ana", "Ben", "Cy"]  # learners only
    assert [(m.number, m.held, m.is_next) for m in found.meetings] == [
        (1, True, False),
        (2, True, False),
        (3, True, False),
        (4, False, True),
        (5, False, False),
    ]
    due = {m.number: [d.title for d in m.due] for m in found.meetings}
    assert due == {
        1: ["Why talk it through?"],
        2: ["Questions that open a conversation"],
        3: ["Balancing the room", "A facilitator's checklist"],
        4: [],
        5: [],
    }
    questions = found.meetings[1].due[0]
    assert questions.section_titles == ["Open, closed, and in between", "When the room goes quiet"]
    states = {s.user_id: (s.status, s.sections_done, s.sections_total) for s in questions.states}
    assert states == {
        p["Ana"]: ("completed", 2, 2),
        p["Ben"]: ("in_progress", 1, 2),
        p["Cy"]: ("not_started", 0, 2),
    }
    assert found.meetings[2].due[1].optional
    assert found.content_problem is None and found.after_last_meeting == []


def test_no_raw_content_ids_reach_the_facilitator(
    engine: Engine, bundle: Bundle, world: dict[str, Any]
) -> None:
    found = _timeline(engine, bundle, world["p"]["Fay"], world["owls"])

    shown = [t for m in found.meetings for d in m.due for t in (d.title, *d.section_titles)]
    shown += [t for m in found.members for t in m.behind_on]
    assert shown and not [t for t in shown if "." in t.split()[0] or t.startswith("module-")]


def test_behind_before_the_next_meeting_counts_every_required_module_due_by_then(
    engine: Engine, bundle: Bundle, world: dict[str, Any]
) -> None:
    p = world["p"]
    late = {
        m.display_name: (m.behind, m.behind_on)
        for m in _timeline(engine, bundle, p["Fay"], world["owls"]).members
    }
    early = {
        m.display_name: (m.behind, m.behind_on)
        for m in _timeline(engine, bundle, p["Fay"], world["owls"], BEFORE_SECOND).members
    }

    # Before meeting 4: everything required from meetings 1–3 (the optional checklist is not).
    assert late == {
        "Ana": (False, []),
        "Ben": (True, ["Questions that open a conversation", "Balancing the room"]),
        "Cy": (
            True,
            ["Why talk it through?", "Questions that open a conversation", "Balancing the room"],
        ),
    }
    # Before meeting 2: only what is due by meeting 2; Ben's half-done module still counts.
    assert early == {
        "Ana": (False, []),
        "Ben": (True, ["Questions that open a conversation"]),
        "Cy": (True, ["Why talk it through?", "Questions that open a conversation"]),
    }


def test_missed_meetings_in_a_row_flag_the_inactive_and_attendance_is_per_meeting(
    engine: Engine, bundle: Bundle, world: dict[str, Any]
) -> None:
    p = world["p"]
    found = _timeline(engine, bundle, p["Fay"], world["owls"])

    flags = {m.display_name: (m.missed_in_a_row, m.inactive) for m in found.members}
    assert flags == {"Ana": (0, False), "Ben": (2, False), "Cy": (3, True)}
    assert found.inactive_after == 3
    outcomes = {
        m.number: {a.display_name: a.outcome for a in m.attendance} for m in found.meetings[:4]
    }
    assert outcomes[1] == {"Fay": "missed", "Ana": "attended", "Ben": "attended", "Cy": "missed"}
    assert outcomes[3]["Ben"] == "missed"
    assert set(outcomes[4].values()) == {"upcoming"}
    roles = [a.role for a in found.meetings[0].attendance]
    assert roles == ["facilitator", "learner", "learner", "learner"]


def test_the_channel_link_and_the_readable_chats(
    engine: Engine, bundle: Bundle, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_GUILD_ID", "111")
    found = _timeline(engine, bundle, world["p"]["Fay"], world["owls"])

    assert found.discord_channel_url == "https://discord.com/channels/111/555"
    assert {m.display_name: m.chat_sessions for m in found.members} == {"Ana": 0, "Ben": 1, "Cy": 0}


def test_guests_appear_at_the_meeting_they_visit_and_members_away_are_shown_away(
    engine: Engine, bundle: Bundle, world: dict[str, Any]
) -> None:
    p, meeting = world["p"], world["meeting"]
    lea_own, owls_fourth = meeting[(world["larks"], 4)], meeting[(world["owls"], 4)]
    cy_own, larks_fifth = meeting[(world["owls"], 5)], meeting[(world["larks"], 5)]
    with engine.begin() as conn:
        conn.execute(
            insert(guest_visits).values(
                user_id=p["Lea"], host_meeting_id=owls_fourth, own_meeting_id=lea_own
            )
        )
        conn.execute(
            insert(guest_visits).values(
                user_id=p["Cy"], host_meeting_id=larks_fifth, own_meeting_id=cy_own
            )
        )

    found = _timeline(engine, bundle, p["Fay"], world["owls"])

    fourth = {a.display_name: a for a in found.meetings[3].attendance}
    assert (fourth["Lea"].role, fourth["Lea"].guest_from_group, fourth["Lea"].rsvp) == (
        "guest",
        "Larks",
        "attending",
    )
    fifth = {a.display_name: a for a in found.meetings[4].attendance}
    assert fifth["Cy"].visiting_group == "Larks" and "Lea" not in fifth
    assert [m.display_name for m in found.members] == ["Ana", "Ben", "Cy"]  # guests aren't members


def test_a_course_missing_from_the_content_keeps_meetings_and_says_why(
    engine: Engine, bundle: Bundle, world: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        conn.execute(update(cohorts).values(course_slug="no-such-course"))

    found = _timeline(engine, bundle, world["p"]["Fay"], world["owls"])

    assert found.content_problem is not None and "no-such-course" in found.content_problem
    assert len(found.meetings) == 5 and all(m.due == [] for m in found.meetings)
    assert [m.behind for m in found.members] == [False, False, False]


def test_an_admin_sees_any_group(engine: Engine, bundle: Bundle, world: dict[str, Any]) -> None:
    found = _timeline(engine, bundle, world["p"]["Root"], world["larks"])

    assert (found.group_name, [m.display_name for m in found.members]) == ("Larks", ["Lea"])


@pytest.mark.parametrize("who", ["Finn", "Ana"])  # another group's facilitator; a learner
def test_only_the_groups_facilitator_or_an_admin_may_look(
    who: str, engine: Engine, bundle: Bundle, world: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDeniedError, match="You don't facilitate Owls"):
        _timeline(engine, bundle, world["p"][who], world["owls"])


def test_a_missing_group_is_not_found(
    engine: Engine, bundle: Bundle, world: dict[str, Any]
) -> None:
    with pytest.raises(NotFoundError, match="no group 999"):
        _timeline(engine, bundle, world["p"]["Root"], 999)
