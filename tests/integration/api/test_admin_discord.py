"""Admin: a cohort's Discord servers before publishing, and its group space (issue 22).

No bot token here: the Discord client is the local outbox, so usage is counted
from the database (servers.py), as in the local stack.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from roundtable.db.engine import transaction
from roundtable.db.tables import groups, jobs
from roundtable.sync.servers import add_server
from tests.builders import add_member
from tests.builders import add_user as make_user
from tests.integration.api.builders import make_cohort, make_group

ClientFor = Callable[[int | None], TestClient]
GUILD = "300000000000000001"


@pytest.fixture
def cohort(engine: Engine) -> int:
    """Three preview groups of one learner each."""
    with transaction(engine) as conn:
        cohort_id = make_cohort(conn, start_date=date.today() + timedelta(days=30), meetings=4)
        for number in range(3):
            group_id = make_group(conn, cohort_id, f"Group {number}", status="preview")
            add_member(conn, group_id, make_user(conn, f"Learner {number}"), cohort_id)
    return cohort_id


def test_the_admin_sees_what_publishing_would_add_and_chooses_the_group_space(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    add_server(engine, GUILD, "Main")

    before = admin.get(f"/api/admin/cohorts/{cohort}/discord").json()
    chosen = admin.put(f"/api/admin/cohorts/{cohort}/discord/space", json={"space": "channel"})
    after = admin.get(f"/api/admin/cohorts/{cohort}/discord").json()

    assert before["space"] == "channel_and_role" and before["fits"] is True
    (server,) = before["servers"]
    assert (server["name"], server["roles_used"], server["role_limit"]) == ("Main", 1, 250)
    # 3 groups' roles and channels, the category, the cohort's channel (opened to the
    # groups' roles: no cohort role with channel_and_role)
    assert (server["adds_roles"], server["adds_channels"], server["new_groups"]) == (3, 8, 3)
    assert chosen.json() == {"cohort_id": cohort, "space": "channel"}
    assert (after["needs_roles"], after["needs_channels"]) == (1, 8)  # the cohort's role


def test_an_unknown_space_is_refused_naming_the_choices(admin: TestClient, cohort: int) -> None:
    refused = admin.put(f"/api/admin/cohorts/{cohort}/discord/space", json={"space": "forum"})

    assert refused.status_code == 422


def test_publishing_is_refused_with_the_numbers_before_any_job_when_nothing_fits(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    add_server(engine, GUILD, "Tiny", role_limit=2)  # @everyone and one group's

    refused = admin.post(f"/api/admin/cohorts/{cohort}/publish")

    assert refused.status_code == 409
    message = refused.json()["error"]["message"]
    assert "2 of the cohort's 3 new groups have no server with room" in message
    assert "Tiny: 1 of 2 roles, 0 of 500 channels and 0 of 1000 active threads in use" in message
    with engine.connect() as conn:
        assert conn.scalars(select(jobs.c.kind)).all() == []


def test_the_live_cohort_names_each_groups_server_and_where_its_messages_were_exported(
    admin: TestClient, engine: Engine, cohort: int
) -> None:
    key = f"discord-exports/cohort-{cohort}/group-9.json"
    with transaction(engine) as conn:
        done = make_group(conn, cohort, "Finished", status="completed", meeting_count=1)
        conn.execute(
            update(groups)
            .where(groups.c.id == done)
            .values(discord_guild_id=GUILD, discord_export_key=key)
        )

    live = admin.get(f"/api/admin/cohorts/{cohort}/live").json()

    (finished,) = [g for g in live["groups"] if g["id"] == done]
    assert (finished["discord_server"], finished["discord_export_key"]) == (GUILD, key)


def test_a_learner_sees_their_group_servers_invite_and_channel_link_on_that_server(
    engine: Engine, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roundtable.config import reset_settings

    monkeypatch.setenv("DISCORD_GUILD_ID", GUILD)
    reset_settings()
    overflow = "300000000000000002"
    add_server(engine, overflow, "Overflow", invite_url="https://discord.gg/overflow")
    with transaction(engine) as conn:
        cohort_id = make_cohort(conn, start_date=date.today() + timedelta(days=30), meetings=4)
        learner = make_user(conn, "Lea")
        group_id = make_group(conn, cohort_id, "Group A", meeting_count=2, text_channel_id="555")
        add_member(conn, group_id, learner, cohort_id)
        conn.execute(
            update(groups).where(groups.c.id == group_id).values(discord_guild_id=overflow)
        )

    (mine,) = client_for(learner).get("/api/groups/mine").json()["groups"]

    assert mine["discord_invite_url"] == "https://discord.gg/overflow"
    assert mine["discord_channel_url"] == f"https://discord.com/channels/{overflow}/555"
