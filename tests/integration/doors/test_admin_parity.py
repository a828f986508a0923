"""The web and Discord answer the same admin requests alike: same refusal, same state change.

Each scenario is driven through both doors by the same admin (a linked
Discord account): the web through the FastAPI app with a session cookie, and
Discord through the interaction router with the engine (what the signed
function calls after verification). A refusal must carry the same message at
both doors (HTTP error body vs the ephemeral Discord answer) and change
nothing; an accepted request must change the database the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from roundtable_edge.discord.interactions import EPHEMERAL, parse_interaction, respond
from sqlalchemy import Connection, Engine, func, insert, select

from devserver.functions import load_function
from roundtable.db.tables import groups, jobs, scheduling_runs
from tests.integration.api.builders import SESSION_COOKIE, make_cohort, make_user, session_token
from tests.integration.discord.data import command, component, option

ADMIN_DISCORD_ID = "905"


@dataclass(frozen=True)
class Answer:
    """What a door said: accepted or refused, and the words."""

    refused: bool
    text: str


class Doors:
    """One admin, reachable through the web and through Discord."""

    def __init__(self, engine: Engine, admin_id: int) -> None:
        self.engine = engine
        self.web = TestClient(load_function("http_api").app, base_url="https://testserver")
        self.web.cookies.set(SESSION_COOKIE, session_token(admin_id))

    # -- the web -------------------------------------------------------------------
    def _web(self, method: str, path: str, body: Any = None, refusal: int = 409) -> Answer:
        response = self.web.request(method, path, json=body)
        if response.status_code >= 400:
            assert response.status_code == refusal, response.text
            return Answer(True, response.json()["error"]["message"])
        return Answer(False, response.text)

    def web_schedule(self, cohort: int, refusal: int = 409, **params: Any) -> Answer:
        path = f"/api/admin/cohorts/{cohort}/schedule"
        return self._web("POST", path, {"params": params}, refusal)

    def web_publish(self, cohort: int) -> Answer:
        return self._web("POST", f"/api/admin/cohorts/{cohort}/publish")

    def web_discard(self, cohort: int, run: int, refusal: int = 409) -> Answer:
        return self._web("POST", f"/api/admin/cohorts/{cohort}/runs/{run}/discard", None, refusal)

    # -- Discord -------------------------------------------------------------------
    def _discord(self, payload: dict[str, Any], accepted_type: int) -> Answer:
        answer = respond(parse_interaction(json.dumps(payload).encode()), engine=self.engine)
        if answer["type"] == accepted_type:
            return Answer(False, str(answer.get("data", {}).get("content", "")))
        # A refusal is a private message (type 4) with the domain error's words.
        assert answer["type"] == 4 and answer["data"]["flags"] == EPHEMERAL, answer
        return Answer(True, answer["data"]["content"])

    def discord_schedule(self, cohort: int, **sizes: int) -> Answer:
        options = [option("cohort", str(cohort))]
        options += [option(name, value, kind=4) for name, value in sizes.items()]
        return self._discord(command("schedule", options, user_id=ADMIN_DISCORD_ID), 5)

    def discord_publish(self, cohort: int) -> Answer:
        payload = command("publish", [option("cohort", str(cohort))], user_id=ADMIN_DISCORD_ID)
        answer = self._discord(payload, 4)
        # /publish answers with a private message either way: "Publishing" means accepted.
        return Answer(not answer.text.startswith("Publishing"), answer.text)

    def discord_discard(self, cohort: int, run: int) -> Answer:
        return self._discord(component(f"discard:{cohort}:{run}", user_id=ADMIN_DISCORD_ID), 7)


@pytest.fixture
def doors(engine: Engine) -> Doors:
    with engine.begin() as conn:
        admin = make_user(conn, "Ada Admin", admin=True, discord_id=ADMIN_DISCORD_ID)
    return Doors(engine, admin)


def _job_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(jobs)) or 0)


def _cohort(engine: Engine, name: str, **values: Any) -> int:
    with engine.begin() as conn:
        return make_cohort(conn, name, start_date=date.today() + timedelta(days=30), **values)


# -- scheduling --------------------------------------------------------------------------
@pytest.mark.parametrize("closed", ["completed", "cancelled"])
def test_both_doors_refuse_to_schedule_a_closed_cohort_alike(
    closed: str, doors: Doors, engine: Engine
) -> None:
    cohort = _cohort(engine, "Old Cohort", status=closed)

    web = doors.web_schedule(cohort)
    discord = doors.discord_schedule(cohort)

    assert web.refused and discord.refused
    assert web.text == discord.text
    assert f"Old Cohort is {closed}" in web.text
    assert _job_count(engine) == 0


def test_both_doors_refuse_a_second_run_while_one_waits_naming_its_job(
    doors: Doors, engine: Engine
) -> None:
    cohort = _cohort(engine, "Spring")
    assert not doors.web_schedule(cohort).refused  # job 1, asked on the web

    from_discord = doors.discord_schedule(cohort)
    from_web = doors.web_schedule(cohort)

    assert from_discord.refused and from_web.refused
    assert from_discord.text == from_web.text
    assert "Scheduling Spring is already in progress (job #1)" in from_web.text
    assert _job_count(engine) == 1


def test_a_run_asked_on_discord_blocks_the_web_too_and_both_queue_the_same_job(
    doors: Doors, engine: Engine
) -> None:
    on_discord = _cohort(engine, "Discord Cohort")
    on_web = _cohort(engine, "Web Cohort")
    assert not doors.discord_schedule(on_discord, **{"max-size": 6}).refused
    assert not doors.web_schedule(on_web, max_group_size=6).refused

    assert doors.web_schedule(on_discord).text == doors.discord_schedule(on_discord).text
    with engine.connect() as conn:
        rows = conn.execute(select(jobs).order_by(jobs.c.id)).all()
    assert [(r.kind, r.max_attempts, r.payload["params"]) for r in rows] == [
        ("schedule_cohort", 2, {"max_group_size": 6}),
        ("schedule_cohort", 2, {"max_group_size": 6}),
    ]
    assert "reply_to" in rows[0].payload and "reply_to" not in rows[1].payload


def test_both_doors_refuse_sizes_that_leave_no_group_alike(doors: Doors, engine: Engine) -> None:
    cohort = _cohort(engine, "Spring")

    web = doors.web_schedule(cohort, refusal=422, min_group_size=7, max_group_size=5)
    discord = doors.discord_schedule(cohort, **{"min-size": 7, "max-size": 5})

    assert web.refused and discord.refused and web.text == discord.text
    assert "smallest group size (7) cannot be larger than the largest (5)" in web.text
    assert _job_count(engine) == 0


# -- publishing --------------------------------------------------------------------------
def test_both_doors_refuse_to_publish_nothing_alike(doors: Doors, engine: Engine) -> None:
    cohort = _cohort(engine, "Spring")

    web = doors.web_publish(cohort)
    discord = doors.discord_publish(cohort)

    assert web.refused and discord.refused and web.text == discord.text
    assert web.text == (
        "Spring has no preview groups or proposed joins to publish; run scheduling first."
    )
    assert _job_count(engine) == 0


# -- discarding a run --------------------------------------------------------------------
def _group(conn: Connection, cohort: int, name: str, status: str, run: int | None) -> int:
    return int(
        conn.scalar(
            insert(groups)
            .values(
                cohort_id=cohort,
                name=name,
                status=status,
                anchor_timezone="UTC",
                weekday=1,
                local_time=time(18, 0),
                meeting_minutes=60,
                first_meeting_at=datetime.now(UTC) + timedelta(days=30),
                scheduling_run_id=run,
            )
            .returning(groups.c.id)
        )
    )


def _scheduled(engine: Engine, name: str) -> dict[str, int]:
    """A cohort with a published group, an older run, and a latest run that made two
    preview groups and proposed a join into the published group."""
    cohort = _cohort(engine, name)
    with engine.begin() as conn:
        published = _group(conn, cohort, "Published Owls", "active", None)
        older = conn.scalar(
            insert(scheduling_runs)
            .values(cohort_id=cohort, params={}, stats={})
            .returning(scheduling_runs.c.id)
        )
        proposal = {"user_id": 1, "group_id": published}
        latest = conn.scalar(
            insert(scheduling_runs)
            .values(cohort_id=cohort, params={}, stats={"proposed_joins": [proposal]})
            .returning(scheduling_runs.c.id)
        )
        for day in ("Tuesday", "Thursday"):
            _group(conn, cohort, f"Preview {day}", "preview", latest)
    return {"cohort": cohort, "older": int(older), "latest": int(latest)}


def _state(engine: Engine, cohort: int) -> dict[str, Any]:
    """What a discard may change, without ids: groups by name and status, runs' settlement."""
    with engine.connect() as conn:
        names = conn.execute(
            select(groups.c.name, groups.c.status)
            .where(groups.c.cohort_id == cohort)
            .order_by(groups.c.name)
        ).all()
        runs = conn.scalars(
            select(scheduling_runs.c.stats)
            .where(scheduling_runs.c.cohort_id == cohort)
            .order_by(scheduling_runs.c.id)
        ).all()
    return {
        "groups": [tuple(row) for row in names],
        "discarded": [bool(stats.get("joins_discarded_at")) for stats in runs],
    }


def test_discarding_the_latest_run_changes_the_same_things_at_both_doors(
    doors: Doors, engine: Engine
) -> None:
    on_web = _scheduled(engine, "Web Cohort")
    on_discord = _scheduled(engine, "Discord Cohort")

    web = doors.web_discard(on_web["cohort"], on_web["latest"])
    discord = doors.discord_discard(on_discord["cohort"], on_discord["latest"])

    assert not web.refused and not discord.refused
    assert json.loads(web.text) | {"cohort_id": 0, "run_id": 0} == {
        "cohort_id": 0,
        "cohort_name": "Web Cohort",
        "run_id": 0,
        "groups_removed": 2,
        "joins_voided": 1,
    }
    assert "2 preview groups removed, 1 proposed join voided" in discord.text
    after = _state(engine, on_web["cohort"])
    assert after == _state(engine, on_discord["cohort"])
    assert after == {"groups": [("Published Owls", "active")], "discarded": [False, True]}
    # With the joins voided there is nothing left to publish, at either door.
    assert doors.web_publish(on_web["cohort"]).refused
    assert doors.discord_publish(on_discord["cohort"]).refused


def test_both_doors_refuse_to_discard_an_out_of_date_run_alike(
    doors: Doors, engine: Engine
) -> None:
    world = _scheduled(engine, "Spring")
    before = _state(engine, world["cohort"])

    web = doors.web_discard(world["cohort"], world["older"])
    discord = doors.discord_discard(world["cohort"], world["older"])

    assert web.refused and discord.refused and web.text == discord.text
    assert f"out of date: Spring was scheduled again (run {world['latest']})" in web.text
    assert _state(engine, world["cohort"]) == before


def test_both_doors_answer_an_unknown_run_alike(doors: Doors, engine: Engine) -> None:
    world = _scheduled(engine, "Spring")
    other = _scheduled(engine, "Autumn")  # a run of another cohort is unknown to this one

    web = doors.web_discard(world["cohort"], other["latest"], refusal=404)
    discord = doors.discord_discard(world["cohort"], other["latest"])

    assert web.refused and discord.refused and web.text == discord.text
    assert f"Scheduling run {other['latest']} of Spring does not exist" in web.text
    assert _state(engine, other["cohort"])["groups"] == [
        ("Preview Thursday", "preview"),
        ("Preview Tuesday", "preview"),
        ("Published Owls", "active"),
    ]


# -- who may ask ---------------------------------------------------------------------------
def test_both_doors_refuse_a_member_who_is_not_an_admin_with_the_same_words(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        member = make_user(conn, "Mo Member", discord_id="906")
    cohort = _cohort(engine, "Spring")
    world = _scheduled(engine, "Autumn")
    web = TestClient(load_function("http_api").app, base_url="https://testserver")
    web.cookies.set(SESSION_COOKIE, session_token(member))
    spring = [option("cohort", "Spring")]
    asks = [
        (f"/api/admin/cohorts/{cohort}/schedule", command("schedule", spring)),
        (f"/api/admin/cohorts/{cohort}/publish", command("publish", spring)),
        (
            f"/api/admin/cohorts/{world['cohort']}/runs/{world['latest']}/discard",
            component(f"discard:{world['cohort']}:{world['latest']}"),
        ),
    ]
    for path, payload in asks:
        payload["member"]["user"]["id"] = "906"
        refused = web.post(path, json={})
        answer = respond(parse_interaction(json.dumps(payload).encode()), engine=engine)
        assert refused.status_code == 403
        assert answer["type"] == 4 and answer["data"]["flags"] == EPHEMERAL
        assert refused.json()["error"]["message"] == answer["data"]["content"]
        assert answer["data"]["content"] == "Only Roundtable admins can do this."
    assert _job_count(engine) == 0
    assert len(_state(engine, world["cohort"])["groups"]) == 3
