"""Facilitators see their own groups: progress, attendance, a member's work and chats."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from roundtable.config import reset_settings
from roundtable.db.engine import transaction
from roundtable.db.tables import (
    attendances,
    chat_messages,
    chat_sessions,
    content_progress,
    meetings,
)
from tests.integration.api.builders import World, add_member, make_group, make_user

ClientFor = Callable[[int | None], TestClient]
NOW = datetime.now(UTC)


def _learner_activity(engine: Engine, world: World) -> None:
    with transaction(engine) as conn:
        conn.execute(
            insert(content_progress),
            [
                {
                    "user_id": world.learner,
                    "content_id": "m-1",
                    "content_type": "module",
                    "completed_at": NOW,
                    "total_time_s": 600,
                    "last_heartbeat_at": NOW - timedelta(hours=2),
                },
                {
                    "user_id": world.learner,
                    "content_id": "s-1",
                    "content_type": "section",
                    "completed_at": NOW,
                    "total_time_s": 300,
                    "last_heartbeat_at": NOW - timedelta(hours=3),
                },
                {
                    "user_id": world.learner,
                    "content_id": "s-2",
                    "content_type": "section",
                    "completed_at": None,
                    "total_time_s": 45,
                    "last_heartbeat_at": NOW - timedelta(hours=1),
                },
            ],
        )
        session = conn.execute(
            insert(chat_sessions)
            .values(user_id=world.learner, module_id="m-1")
            .returning(chat_sessions.c.id)
        ).scalar_one()
        conn.execute(
            insert(chat_messages),
            [
                {"session_id": session, "role": "user", "content": "What is reward hacking?"},
                {
                    "session_id": session,
                    "role": "assistant",
                    "content": "When a system games its goal.",
                },
                {"session_id": session, "role": "user", "content": "Thanks!"},
            ],
        )


def test_facilitators_list_only_their_groups_admins_all(
    world: World, client_for: ClientFor
) -> None:
    mine = client_for(world.fac_here).get("/api/facilitator/groups").json()["groups"]
    everything = client_for(world.admin).get("/api/facilitator/groups").json()["groups"]
    assert [g["name"] for g in mine] == ["Tuesday Owls"]
    assert mine[0]["member_count"] == 2 and mine[0]["next_meeting_at"] is not None
    assert sorted(g["name"] for g in everything) == ["Thursday Larks", "Tuesday Owls"]
    learner = client_for(world.learner).get("/api/facilitator/groups")
    assert learner.status_code == 403


def test_member_progress_summarises_completions_time_and_chats(
    world: World, client_for: ClientFor, engine: Engine
) -> None:
    _learner_activity(engine, world)
    [member] = (
        client_for(world.fac_here)
        .get(f"/api/facilitator/groups/{world.group}/members")
        .json()["members"]
    )
    assert member["display_name"] == "Lena Learner"
    assert (member["completed_modules"], member["completed_sections"], member["total_time_s"]) == (
        1,
        1,
        945,
    )
    assert member["chat_messages"] == 2 and member["last_active_at"] is not None


def test_attendance_shows_each_members_rsvp_and_outcome(
    world: World, client_for: ClientFor, engine: Engine
) -> None:
    with transaction(engine) as conn:
        past = make_group(
            conn, world.cohort, "Past Group", first_meeting=NOW - timedelta(days=8), meeting_count=3
        )
        add_member(conn, past, world.fac_other, world.cohort, "facilitator")
        pat = make_user(conn, "Pat Past")
        add_member(conn, past, pat, world.cohort)
        first, second = (
            conn.execute(
                select(meetings.c.id)
                .where(meetings.c.group_id == past)
                .order_by(meetings.c.meeting_number)
            )
            .scalars()
            .all()[:2]
        )
        conn.execute(
            insert(attendances).values(
                meeting_id=first,
                user_id=pat,
                rsvp="attending",
                checked_in_at=NOW - timedelta(days=8),
            )
        )
        conn.execute(
            insert(attendances).values(meeting_id=second, user_id=pat, rsvp="not_attending")
        )
    rows = (
        client_for(world.fac_other)
        .get(f"/api/facilitator/groups/{past}/meetings")
        .json()["meetings"]
    )
    pats = [next(m for m in r["members"] if m["display_name"] == "Pat Past") for r in rows]
    assert [(r["number"], r["is_past"]) for r in rows] == [(1, True), (2, True), (3, False)]
    assert [(o["rsvp"], o["outcome"]) for o in pats] == [
        ("attending", "attended"),
        ("not_attending", "missed"),
        ("pending", "upcoming"),
    ]


def test_a_members_progress_and_chats_are_readable_by_their_facilitator(
    world: World, client_for: ClientFor, engine: Engine
) -> None:
    _learner_activity(engine, world)
    base = f"/api/facilitator/groups/{world.group}/members/{world.learner}"
    client = client_for(world.fac_here)
    progress = client.get(f"{base}/progress").json()
    chats = client.get(f"{base}/chats").json()
    assert sorted(i["content_id"] for i in progress["items"]) == ["m-1", "s-1", "s-2"]
    assert [m["content"] for m in chats["chats"][0]["messages"]] == [
        "What is reward hacking?",
        "When a system games its goal.",
        "Thanks!",
    ]


def test_other_facilitators_and_other_groups_members_are_out_of_reach(
    world: World, client_for: ClientFor
) -> None:
    here = f"/api/facilitator/groups/{world.group}"
    other = client_for(world.fac_other)
    assert other.get(f"{here}/members").status_code == 403
    assert other.get(f"{here}/members/{world.learner}/chats").status_code == 403
    # My own group, but someone who is not in it: as if they did not exist.
    mine = client_for(world.fac_here)
    assert mine.get(f"{here}/members/{world.other_learner}/chats").status_code == 404
    assert mine.get("/api/facilitator/groups/999999/members").status_code == 404


def _progress_on(engine: Engine, learner: int, *content_ids: tuple[str, str]) -> None:
    with transaction(engine) as conn:
        conn.execute(
            insert(content_progress),
            [
                {"user_id": learner, "content_id": cid, "content_type": kind, "total_time_s": 60}
                for cid, kind in content_ids
            ],
        )


def test_progress_items_carry_their_titles_from_the_live_content(
    world: World, client_for: ClientFor, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_DIR", "tests/fixtures/content/base")
    reset_settings()  # the world's sessions already read the settings
    _progress_on(
        engine,
        world.learner,
        ("module-first-steps", "module"),
        ("first-steps.read-and-watch", "section"),
        ("first-steps.old-section", "section"),
    )
    base = f"/api/facilitator/groups/{world.group}/members/{world.learner}"

    items = client_for(world.fac_here).get(f"{base}/progress").json()["items"]

    assert sorted((i["content_id"], i["title"], i["module_title"]) for i in items) == [
        ("first-steps.old-section", "first-steps.old-section (removed)", None),
        ("first-steps.read-and-watch", "Read and watch", "First steps"),
        ("module-first-steps", "First steps", None),
    ]


def test_progress_stays_readable_with_ids_when_the_content_is_broken(
    world: World, client_for: ClientFor, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_DIR", "tests/fixtures/content/broken/broken-module-reference")
    reset_settings()
    _progress_on(engine, world.learner, ("module-first-steps", "module"))
    base = f"/api/facilitator/groups/{world.group}/members/{world.learner}"

    answer = client_for(world.fac_here).get(f"{base}/progress")

    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert (item["title"], item["module_title"]) == ("module-first-steps", None)


def test_member_chats_name_their_module_as_the_live_content_does(
    world: World, client_for: ClientFor, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_DIR", "tests/fixtures/content/base")
    reset_settings()
    with transaction(engine) as conn:
        conn.execute(
            insert(chat_sessions),
            [
                {"user_id": world.learner, "module_id": "module-first-steps"},
                {"user_id": world.learner, "module_id": "module-gone"},
            ],
        )
    base = f"/api/facilitator/groups/{world.group}/members/{world.learner}"

    chats = client_for(world.fac_here).get(f"{base}/chats").json()["chats"]

    assert sorted((c["module_id"], c["module_title"]) for c in chats) == [
        ("module-first-steps", "First steps"),
        ("module-gone", "module-gone (removed)"),
    ]
