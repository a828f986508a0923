"""Growth through the web API: arrivals and their cookies, enrolling through a gate,
the waiting list, campaigns and the sources report."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from roundtable.db.engine import transaction
from roundtable.db.tables import signup_sources, signups
from roundtable.growth import gates, links
from tests.integration.api.builders import World, make_cohort, make_user

Clients = Callable[[int | None], TestClient]
BROWSER = {"user-agent": "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Safari/605.1.15"}


def _cohort(engine: Engine, name: str = "Autumn") -> int:
    with transaction(engine) as conn:
        return make_cohort(conn, name)


def _campaign(client: TestClient, slug: str = "news") -> dict:
    created = client.post("/api/admin/growth/campaigns", json={"name": "Newsletter", "slug": slug})
    assert created.status_code == 201, created.text
    return created.json()


def test_an_arrival_counts_once_and_is_remembered_until_signup(
    engine: Engine, world: World, client_for: Clients
) -> None:
    _campaign(client_for(world.admin))
    cohort = _cohort(engine)
    with transaction(engine) as conn:  # new here: the world's people have signed up before
        newcomer = make_user(conn, "Newcomer")
    visitor = client_for(newcomer)
    first = visitor.post(
        "/api/growth/arrivals",
        json={"ref": "NEWS", "utm_source": "mail", "utm_medium": "<b>bad</b>"},
        headers=BROWSER,
    )
    assert first.json() == {"counted": True, "reason": "counted", "remembered": True}
    assert {"visitor", "arrival"} <= set(visitor.cookies.keys())
    again = visitor.post("/api/growth/arrivals", json={"ref": "news"}, headers=BROWSER)
    assert again.json()["reason"] == "repeat"
    enrolled = visitor.post(f"/api/cohorts/{cohort}/enroll", json={"role": "learner"})
    assert enrolled.json()["created"] is True
    assert "arrival" not in visitor.cookies  # forgotten once used
    with engine.connect() as conn:
        source = conn.execute(select(signup_sources)).one()
    assert (source.utm_source, source.utm_medium) == ("mail", None)
    (news,) = client_for(world.admin).get("/api/admin/growth/campaigns").json()["campaigns"]
    assert (news["path"], news["clicks"], news["signups"], news["conversion"]) == (
        "/r/news",
        1,
        1,
        1.0,
    )


def test_garbage_codes_and_bots_are_answered_but_not_counted(client: TestClient) -> None:
    garbage = client.post("/api/growth/arrivals", json={"ref": "'; --"}, headers=BROWSER)
    assert garbage.json() == {"counted": False, "reason": "unknown_code", "remembered": False}
    assert "arrival" not in client.cookies
    bot = client.post("/api/growth/arrivals", json={"ref": "news"}, headers={"user-agent": ""})
    assert bot.json()["reason"] in ("bot", "unknown_code")
    too_long = client.post("/api/growth/arrivals", json={"utm_source": "x" * 1001})
    assert too_long.status_code == 422


def test_click_recording_is_rate_limited_per_address(client: TestClient) -> None:
    statuses = [
        client.post("/api/growth/arrivals", json={}, headers=BROWSER).status_code
        for _ in range(links.CLICKS.hits + 1)
    ]
    assert statuses == [200] * links.CLICKS.hits + [429]


def test_an_invite_only_cohort_refuses_wrong_codes_and_limits_guessing(
    engine: Engine, world: World, client_for: Clients
) -> None:
    cohort = _cohort(engine)
    admin = client_for(world.admin)
    gate = admin.put(f"/api/admin/growth/cohorts/{cohort}/gate", json={"mode": "invite_only"})
    code = gate.json()["invite_code"]
    learner = client_for(world.other_learner)
    url = f"/api/cohorts/{cohort}/enroll"
    missing = learner.post(url, json={"role": "learner"})
    assert missing.status_code == 403
    assert missing.json()["error"]["field"] == "invite_code"
    assert "invite-only" in missing.json()["error"]["message"]
    for _ in range(gates.CODE_ATTEMPTS_PERSON.hits):
        wrong = learner.post(url, json={"role": "learner", "invite_code": "GUESS-1234"})
        assert wrong.status_code == 403
    limited = learner.post(url, json={"role": "learner", "invite_code": code})
    assert limited.status_code == 429  # even the right code waits once guessing is limited
    other = client_for(world.fac_other).post(url, json={"role": "learner", "invite_code": code})
    assert other.json()["created"] is True


def test_a_closed_cohort_waits_and_the_admin_admits(
    engine: Engine, world: World, client_for: Clients
) -> None:
    cohort = _cohort(engine)
    admin = client_for(world.admin)
    admin.put(f"/api/admin/growth/cohorts/{cohort}/gate", json={"mode": "closed"})
    learner = client_for(world.other_learner)
    asked = learner.post(f"/api/cohorts/{cohort}/enroll", json={"role": "learner"})
    assert (asked.json()["waitlisted"], asked.json()["created"]) == (True, False)
    view = learner.get(f"/api/growth/cohorts/{cohort}/gate").json()
    assert view == {"cohort_id": cohort, "mode": "closed", "on_waiting_list": True}
    waiting = admin.get(f"/api/admin/growth/cohorts/{cohort}/waiting-list").json()["people"]
    assert [p["display_name"] for p in waiting] == ["Olli Other"]
    admitted = admin.post(
        f"/api/admin/growth/cohorts/{cohort}/waiting-list/admit",
        json={"user_ids": [world.other_learner]},
    )
    assert admitted.json()["admitted"] == [world.other_learner]
    with engine.connect() as conn:
        assert conn.scalar(select(signups.c.user_id).where(signups.c.cohort_id == cohort)) == (
            world.other_learner
        )


def test_my_link_and_the_sources_report(engine: Engine, world: World, client_for: Clients) -> None:
    mine = client_for(world.learner).get("/api/growth/my-link").json()
    assert mine["kind"] == "person" and mine["path"] == f"/r/{mine['code']}"
    cohort = _cohort(engine)
    with transaction(engine) as conn:
        friend = make_user(conn, "Friend")
    friend_client = client_for(friend)
    friend_client.post("/api/growth/arrivals", json={"ref": mine["code"]}, headers=BROWSER)
    friend_client.post(f"/api/cohorts/{cohort}/enroll", json={"role": "learner"})
    report = client_for(world.admin).get(f"/api/admin/growth/cohorts/{cohort}/sources").json()
    assert (report["signups"], report["referred"], report["with_utm"]) == (1, 1, 0)
    (line,) = report["links"]
    assert (line["link"]["label"], line["signups_here"], line["link"]["clicks"]) == (
        "Lena Learner",
        1,
        1,
    )


def test_campaigns_can_be_renamed_archived_and_deleted_when_unused(
    world: World, client_for: Clients
) -> None:
    admin = client_for(world.admin)
    campaign = _campaign(admin, "spring")
    taken = admin.post("/api/admin/growth/campaigns", json={"name": "Again", "slug": "spring"})
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "slug"
    url = f"/api/admin/growth/campaigns/{campaign['id']}"
    renamed = admin.patch(url, json={"name": "Spring mail", "archived": True}).json()
    assert (renamed["label"], renamed["archived"]) == ("Spring mail", True)
    assert admin.delete(url).json() == {"status": "deleted"}
    assert admin.get("/api/admin/growth/campaigns").json() == {"campaigns": []}
