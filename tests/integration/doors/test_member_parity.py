"""The web and Discord answer the same member and facilitator requests alike.

Each scenario runs through both doors at the same pinned clock: the web
through the FastAPI app with a session cookie, Discord through the
interaction router with the engine (what the signed function calls after
verification). A refusal carries the same words at both doors (the HTTP
error body's message and the private Discord answer) and changes nothing; an
accepted request stores the same row whichever door it came through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from roundtable_edge.discord.interactions import EPHEMERAL, parse_interaction, respond
from sqlalchemy import Engine, delete, insert, select

from devserver.functions import load_function
from roundtable.db.tables import attendances, group_members, groups, jobs, signups
from tests.integration.api.builders import SESSION_COOKIE, session_token
from tests.integration.discord import data
from tests.integration.discord.data import command, component, option

# Meeting 2 of Tuesday Owls starts 10 minutes after NOW: check-in is open.
NOW = datetime(2026, 3, 10, 17, 50, tzinfo=UTC)
DISCORD_IDS = {"lena": "301", "fay": "302", "finn": "303", "olli": "304"}


@dataclass(frozen=True)
class Answer:
    """What a door said: refused or not, and the words."""

    refused: bool
    text: str
    status: int = 200  # the web's HTTP status (Discord: 200)


@dataclass(frozen=True)
class World:
    """Tuesday Owls: facilitator Fay, learner Lena. Thursday Larks: facilitator Finn, Olli."""

    users: dict[str, int]
    owls: int
    larks: int
    owls_past: int
    owls_soon: int
    larks_next: int


class Doors:
    """Every person of the world, reachable through the web and through Discord."""

    def __init__(self, engine: Engine, world: World) -> None:
        self.engine = engine
        self.world = world
        self.app = load_function("http_api").app
        from api.deps import get_now  # importable once load_function put http_api on the path

        self.app.dependency_overrides[get_now] = lambda: NOW

    def close(self) -> None:
        self.app.dependency_overrides.clear()

    # -- the web -------------------------------------------------------------------
    def web(self, who: str, method: str, path: str, body: Any = None) -> Answer:
        client = TestClient(self.app, base_url="https://testserver")
        client.cookies.set(SESSION_COOKIE, session_token(self.world.users[who], NOW))
        response = client.request(method, path, json=body)
        if response.status_code >= 400:
            return Answer(True, response.json()["error"]["message"], response.status_code)
        return Answer(False, response.text, response.status_code)

    # -- Discord -------------------------------------------------------------------
    def interact(self, payload: dict[str, Any]) -> Any:
        """Discord's raw answer to an interaction, at NOW."""
        return respond(parse_interaction(json.dumps(payload).encode()), now=NOW, engine=self.engine)

    def discord(self, payload: dict[str, Any], accepted: str | None = None) -> Answer:
        """Run the interaction; `accepted`: words only an accepted answer starts with."""
        answer = self.interact(payload)
        text = str(answer["data"]["content"])
        if answer["type"] == 7:  # the RSVP button updated its message: accepted
            return Answer(False, text)
        assert answer["type"] == 4 and answer["data"]["flags"] == EPHEMERAL, answer
        return Answer(accepted is None or not text.startswith(accepted), text)

    def discord_rsvp(self, who: str, meeting: int, answer: str) -> Answer:
        return self.discord(component(f"rsvp:{meeting}:{answer}", user_id=DISCORD_IDS[who]))

    def discord_command(
        self, who: str, name: str, options: list[dict[str, Any]] | None = None, *, accepted: str
    ) -> Answer:
        return self.discord(command(name, options, user_id=DISCORD_IDS[who]), accepted)


@pytest.fixture
def world(engine: Engine) -> World:
    with engine.begin() as conn:
        cohort = data.add_cohort(conn)
        users = {
            name: data.add_user(conn, name.title(), discord_id=discord_id)
            for name, discord_id in DISCORD_IDS.items()
        }
        first = NOW.replace(hour=18, minute=0) - timedelta(days=7)
        owls = data.add_group(conn, cohort, "Tuesday Owls", first_meeting_at=first)
        larks = data.add_group(conn, cohort, "Thursday Larks", first_meeting_at=first)
        for name, group, role in (
            ("fay", owls, "facilitator"),
            ("lena", owls, "learner"),
            ("finn", larks, "facilitator"),
            ("olli", larks, "learner"),
        ):
            data.add_member(conn, group, users[name], cohort, role)
        owls_past = data.add_meeting(conn, owls, cohort, 1, first)
        owls_soon = data.add_meeting(conn, owls, cohort, 2, first + timedelta(days=7))
        data.add_meeting(conn, owls, cohort, 3, first + timedelta(days=14))
        larks_next = data.add_meeting(conn, larks, cohort, 1, first + timedelta(days=9))
    return World(users, owls, larks, owls_past, owls_soon, larks_next)


@pytest.fixture
def doors(engine: Engine, world: World) -> Iterator[Doors]:
    opened = Doors(engine, world)
    yield opened
    opened.close()


def _attendance_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(attendances).order_by(attendances.c.id)).all())


def _same_refusal(web: Answer, discord: Answer, status: int) -> None:
    assert web.refused and discord.refused
    assert web.status == status
    assert web.text == discord.text


# -- RSVP -----------------------------------------------------------------------------
def test_rsvp_to_a_meeting_of_a_group_you_are_not_in_is_refused_by_both(
    doors: Doors, world: World, engine: Engine
) -> None:
    path = f"/api/meetings/{world.owls_soon}/rsvp"
    web = doors.web("olli", "PUT", path, {"status": "attending"})
    discord = doors.discord_rsvp("olli", world.owls_soon, "yes")
    _same_refusal(web, discord, 403)
    assert "Only members of Tuesday Owls" in web.text
    assert _attendance_rows(engine) == []


def test_rsvp_to_a_meeting_that_is_over_is_refused_by_both(
    doors: Doors, world: World, engine: Engine
) -> None:
    path = f"/api/meetings/{world.owls_past}/rsvp"
    web = doors.web("lena", "PUT", path, {"status": "attending"})
    discord = doors.discord_rsvp("lena", world.owls_past, "yes")
    _same_refusal(web, discord, 409)
    assert "This meeting is over" in web.text
    assert _attendance_rows(engine) == []


def test_rsvp_to_a_meeting_that_does_not_exist_is_refused_by_both(
    doors: Doors, engine: Engine
) -> None:
    web = doors.web("lena", "PUT", "/api/meetings/9999/rsvp", {"status": "attending"})
    discord = doors.discord_rsvp("lena", 9999, "yes")
    _same_refusal(web, discord, 404)
    assert _attendance_rows(engine) == []


@pytest.mark.parametrize(("web_answer", "button"), [("attending", "yes"), ("not_attending", "no")])
def test_an_rsvp_stores_the_same_row_whichever_door(
    web_answer: str, button: str, doors: Doors, world: World, engine: Engine
) -> None:
    path = f"/api/meetings/{world.owls_soon}/rsvp"
    assert not doors.web("lena", "PUT", path, {"status": web_answer}).refused
    (by_web,) = _attendance_rows(engine)
    with engine.begin() as conn:
        conn.execute(delete(attendances))
    assert not doors.discord_rsvp("lena", world.owls_soon, button).refused
    (by_discord,) = _attendance_rows(engine)

    def stored(row: Any) -> tuple[Any, ...]:
        return (row.meeting_id, row.user_id, row.rsvp, row.rsvp_at, row.checked_in_at)

    assert stored(by_web) == stored(by_discord)
    assert stored(by_web) == (world.owls_soon, world.users["lena"], web_answer, NOW, None)
    assert (by_web.rsvp_source, by_discord.rsvp_source) == ("web", "discord")


def test_both_doors_offer_the_same_next_meeting_with_my_answer(doors: Doors, world: World) -> None:
    doors.discord_rsvp("lena", world.owls_soon, "no")
    web = json.loads(doors.web("lena", "GET", "/api/groups/next-meeting").text)
    assert web["meeting"]["meeting"]["id"] == world.owls_soon
    assert web["meeting"]["meeting"]["my_rsvp"] == "not_attending"
    answer = doors.interact(command("next-meeting", user_id=DISCORD_IDS["lena"]))
    buttons = answer["data"]["components"][0]["components"]
    assert buttons[0]["custom_id"] == f"rsvp:{world.owls_soon}:yes"
    assert "meeting 2" in answer["data"]["content"]
    assert "you can't make it" in answer["data"]["content"]


# -- check-in ---------------------------------------------------------------------------
def test_check_in_outside_the_window_is_refused_by_both(
    doors: Doors, world: World, engine: Engine
) -> None:
    # Olli's next meeting is two days away: no window is open.
    web = doors.web("olli", "POST", "/api/meetings/check-in")
    discord = doors.discord_command("olli", "checkin", accepted="Checked in")
    _same_refusal(web, discord, 409)
    assert "no meeting to check in to" in web.text and "Thursday Larks" in web.text
    assert _attendance_rows(engine) == []


def test_check_in_inside_the_window_stores_the_same_row_whichever_door(
    doors: Doors, world: World, engine: Engine
) -> None:
    assert not doors.web("lena", "POST", "/api/meetings/check-in").refused
    (by_web,) = _attendance_rows(engine)
    with engine.begin() as conn:
        conn.execute(delete(attendances))
    assert not doors.discord_command("lena", "checkin", accepted="Checked in").refused
    (by_discord,) = _attendance_rows(engine)
    assert (by_web.meeting_id, by_web.user_id, by_web.checked_in_at) == (
        world.owls_soon,
        world.users["lena"],
        NOW,
    )
    assert (by_discord.meeting_id, by_discord.user_id, by_discord.checked_in_at) == (
        by_web.meeting_id,
        by_web.user_id,
        by_web.checked_in_at,
    )


# -- facilitators -------------------------------------------------------------------------
def test_attendance_of_a_group_you_do_not_facilitate_is_refused_by_both(
    doors: Doors, world: World
) -> None:
    web = doors.web("finn", "GET", f"/api/facilitator/groups/{world.owls}/meetings")
    group = [option("group", world.owls, kind=4)]
    discord = doors.discord_command("finn", "attendance", group, accepted="**Tuesday Owls**")
    _same_refusal(web, discord, 403)
    assert web.text == "You don't facilitate Tuesday Owls."


def test_a_learner_asking_for_attendance_is_refused_by_both(doors: Doors, world: World) -> None:
    web = doors.web("lena", "GET", f"/api/facilitator/groups/{world.owls}/meetings")
    group = [option("group", world.owls, kind=4)]
    discord = doors.discord_command("lena", "attendance", group, accepted="**Tuesday Owls**")
    _same_refusal(web, discord, 403)


def test_member_progress_is_refused_alike_and_counts_alike(
    doors: Doors, world: World, engine: Engine
) -> None:
    with engine.begin() as conn:
        data.add_module_progress(conn, world.users["lena"], "m1", done=True)
        data.add_module_progress(conn, world.users["lena"], "m2", done=False)
    path = f"/api/facilitator/groups/{world.owls}/members"
    web = doors.web("finn", "GET", path)
    group = [option("group", world.owls, kind=4)]
    discord = doors.discord_command("finn", "group-progress", group, accepted="**Tuesday Owls**")
    _same_refusal(web, discord, 403)

    (member,) = json.loads(doors.web("fay", "GET", path).text)["members"]
    shown = doors.discord_command("fay", "group-progress", accepted="**Tuesday Owls**")
    assert (member["completed_modules"], member["modules_in_progress"]) == (1, 1)
    assert "Lena: 1 (1)" in shown.text


# -- leaving a cohort ----------------------------------------------------------------------
def _enroll_everyone(engine: Engine, world: World) -> int:
    with engine.begin() as conn:
        cohort = conn.scalar(select(groups.c.cohort_id).where(groups.c.id == world.owls))
        for name, user_id in world.users.items():
            role = "facilitator" if name in ("fay", "finn") else "learner"
            conn.execute(insert(signups).values(user_id=user_id, cohort_id=cohort, role=role))
    return int(cohort)


def _left(engine: Engine, user_id: int) -> tuple[Any, ...]:
    """What leaving changed for one person: signup, membership, who is told."""
    with engine.connect() as conn:
        signup = conn.execute(
            select(signups.c.withdrawn_at, signups.c.withdrawal_reason).where(
                signups.c.user_id == user_id
            )
        ).one()
        membership = conn.scalar(
            select(group_members.c.status).where(group_members.c.user_id == user_id)
        )
        told = sorted(
            p["kind"]
            for p in conn.scalars(select(jobs.c.payload).where(jobs.c.kind == "send_notification"))
            if p.get("user_id") == user_id
        )
    return (tuple(signup), membership, told)


def test_a_facilitator_leading_a_group_is_refused_alike(
    doors: Doors, world: World, engine: Engine
) -> None:
    cohort = _enroll_everyone(engine, world)
    web = doors.web("fay", "POST", f"/api/cohorts/{cohort}/leave", {"reason": "busy"})
    discord = doors.discord_command(
        "fay",
        "leave",
        [option("cohort", str(cohort)), option("reason", "busy")],
        accepted="You have left",
    )
    _same_refusal(web, discord, 409)
    assert web.text.startswith("You facilitate Tuesday Owls: ask an admin")
    assert _left(engine, world.users["fay"])[0] == (None, None)


def test_leaving_changes_the_same_things_whichever_door(
    doors: Doors, world: World, engine: Engine
) -> None:
    cohort = _enroll_everyone(engine, world)
    by_web = doors.web("lena", "POST", f"/api/cohorts/{cohort}/leave", {"reason": "New job"})
    # Olli is in only one cohort: Discord's /leave needs no cohort option.
    by_discord = doors.discord_command(
        "olli", "leave", [option("reason", "New job")], accepted="You have left"
    )

    assert not by_web.refused and not by_discord.refused
    assert json.loads(by_web.text)["group_name"] == "Tuesday Owls"
    assert by_discord.text.startswith("You have left Spring Cohort and Thursday Larks.")
    expected = ((NOW, "New job"), "removed", ["member_left", "removed_from_group"])
    assert _left(engine, world.users["lena"]) == expected
    assert _left(engine, world.users["olli"]) == expected
    again_web = doors.web("lena", "POST", f"/api/cohorts/{cohort}/leave", {})
    again_discord = doors.discord_command(
        "olli", "leave", [option("cohort", str(cohort))], accepted="You have left"
    )
    _same_refusal(again_web, again_discord, 409)
    assert again_web.text == "You already left Spring Cohort."
