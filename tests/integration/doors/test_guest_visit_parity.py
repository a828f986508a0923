"""Guest visits answer alike through the web and Discord (the same services, the same words).

Tuesday Owls (Lena, Ben; facilitator Fay) and Thursday Larks (Olli; facilitator
Finn) of a running cohort. Each scenario runs through both doors at one clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from roundtable_edge.discord.interactions import EPHEMERAL, parse_interaction, respond
from sqlalchemy import Engine, func, select

from devserver.functions import load_function
from roundtable.config import reset_settings
from roundtable.db.tables import guest_visits
from tests.builders import add_availability
from tests.integration.api.builders import SESSION_COOKIE, session_token
from tests.integration.discord import data
from tests.integration.discord.data import command, component

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
OWLS_MEETING = datetime(2026, 3, 17, 18, 0, tzinfo=UTC)  # Tuesday
LARKS_MEETING = datetime(2026, 3, 19, 18, 0, tzinfo=UTC)  # Thursday, the same week
DISCORD_IDS = {"lena": "401", "ben": "402", "fay": "403", "olli": "404", "finn": "405"}


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    monkeypatch.setenv("GUEST_CAP_PER_MEETING", "1")
    reset_settings()
    with engine.begin() as conn:
        cohort = data.add_cohort(conn, status="running")
        users = {n: data.add_user(conn, n.title(), discord_id=d) for n, d in DISCORD_IDS.items()}
        owls = data.add_group(conn, cohort, "Tuesday Owls", first_meeting_at=OWLS_MEETING)
        larks = data.add_group(conn, cohort, "Thursday Larks", first_meeting_at=LARKS_MEETING)
        for name, group, role in (
            ("fay", owls, "facilitator"),
            ("lena", owls, "learner"),
            ("ben", owls, "learner"),
            ("finn", larks, "facilitator"),
            ("olli", larks, "learner"),
        ):
            data.add_member(conn, group, users[name], cohort, role)
        own = data.add_meeting(conn, owls, cohort, 1, OWLS_MEETING)
        host = data.add_meeting(conn, larks, cohort, 1, LARKS_MEETING)
        for name in ("lena", "ben"):
            add_availability(conn, users[name], 3, "00:00", "24:00")
    yield {**users, "own": own, "host": host}
    monkeypatch.delenv("GUEST_CAP_PER_MEETING")
    reset_settings()


@pytest.fixture
def app() -> Iterator[object]:
    loaded = load_function("http_api").app
    from api.deps import get_now

    loaded.dependency_overrides[get_now] = lambda: NOW
    yield loaded
    loaded.dependency_overrides.clear()


def _web(app: object, user_id: int, method: str, path: str, body: object = None) -> object:
    client = TestClient(app, base_url="https://testserver")  # type: ignore[arg-type]
    client.cookies.set(SESSION_COOKIE, session_token(user_id, NOW))
    return client.request(method, path, json=body)


def _discord(engine: Engine, payload: dict[str, object]) -> dict[str, object]:
    answer = respond(parse_interaction(json.dumps(payload).encode()), now=NOW, engine=engine)
    return answer  # type: ignore[no-any-return]


def _visits(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(guest_visits)) or 0)


def test_booking_a_full_meeting_is_refused_alike_by_both_doors(
    engine: Engine, world: dict[str, int], app: object
) -> None:
    body = {"own_meeting_id": world["own"], "host_meeting_id": world["host"]}
    assert _web(app, world["ben"], "POST", "/api/guest-visits", body).status_code == 201  # type: ignore[attr-defined]

    web = _web(app, world["lena"], "POST", "/api/guest-visits", body)
    button = component(f"guest:book:{world['own']}:{world['host']}", user_id=DISCORD_IDS["lena"])
    discord = _discord(engine, button)

    assert web.status_code == 409  # type: ignore[attr-defined]
    message = web.json()["error"]["message"]  # type: ignore[attr-defined]
    assert "Thursday Larks, meeting 1 is full" in message
    assert discord["type"] == 4 and discord["data"]["flags"] == EPHEMERAL  # type: ignore[index]
    assert discord["data"]["content"] == message  # type: ignore[index]
    assert _visits(engine) == 1  # only Ben's


def test_the_command_offers_what_the_web_offers_and_its_button_books(
    engine: Engine, world: dict[str, int], app: object
) -> None:
    web = _web(app, world["lena"], "GET", f"/api/meetings/{world['own']}/guest-options")
    offered = [o["host_meeting_id"] for o in web.json()["options"]]  # type: ignore[attr-defined]
    shown = _discord(engine, command("guest-visit", user_id=DISCORD_IDS["lena"]))
    rows = shown["data"]["components"]  # type: ignore[index]
    ids = [b["custom_id"] for row in rows for b in row["components"]]
    assert offered == [world["host"]]
    assert ids == [f"guest:book:{world['own']}:{world['host']}"]
    assert rows[0]["components"][0]["label"].startswith("Join Thursday Larks, Thu 19 Mar")

    booked = _discord(engine, component(ids[0], user_id=DISCORD_IDS["lena"]))
    assert booked["type"] == 7  # the message now shows the booking, with a Cancel button
    mine = _web(app, world["lena"], "GET", "/api/guest-visits").json()["visits"]  # type: ignore[attr-defined]
    assert [v["host_group_name"] for v in mine] == ["Thursday Larks"]
    cancel = booked["data"]["components"][0]["components"][0]["custom_id"]  # type: ignore[index]
    assert cancel == f"guest:cancel:{mine[0]['id']}"
    deleted = _web(app, world["lena"], "DELETE", f"/api/guest-visits/{mine[0]['id']}")
    assert deleted.json()["status"] == "cancelled"  # type: ignore[attr-defined]
    again = _discord(engine, component(cancel, user_id=DISCORD_IDS["lena"]))
    assert again["data"]["content"] == "This guest visit is already cancelled."  # type: ignore[index]
