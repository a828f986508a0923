"""The web app's display name becomes the Discord nickname; refusals never fail the job."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, update

from roundtable.db.tables import groups, jobs
from roundtable.jobs.queue import run_job
from roundtable.people.nicknames import nickname_for
from roundtable.people.profiles import ProfileChanges, update_profile
from tests.fakes.discord import error
from tests.fakes.discord_guild import SECOND_GUILD_ID, FakeDiscordGuild
from tests.integration.sync.world import add_cohort, add_person, add_preview_group

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _rename(engine: Engine, user_id: int, name: str) -> list[int]:
    with engine.begin() as conn:
        update_profile(conn, user_id, ProfileChanges(display_name=name), NOW)
        return list(
            conn.scalars(
                select(jobs.c.id).where(jobs.c.kind == "sync_nickname", jobs.c.status == "queued")
            )
        )


def test_a_new_display_name_becomes_the_nickname_on_the_server(
    engine: Engine, guild: FakeDiscordGuild
) -> None:
    with engine.begin() as conn:
        ada = add_person(conn, "Ada")
    guild.add_member(ada.discord_id)

    (job,) = _rename(engine, ada.id, "Ada Lovelace")
    outcome = run_job(engine, job)

    assert outcome is not None and outcome["status"] == "succeeded", outcome
    assert guild.members[ada.discord_id]["nick"] == "Ada Lovelace"


def test_the_same_name_or_no_discord_account_queues_nothing(
    engine: Engine, guild: FakeDiscordGuild
) -> None:
    with engine.begin() as conn:
        ada = add_person(conn, "Ada")
        web_only = add_person(conn, "Wen", discord=False)

    assert _rename(engine, ada.id, "Ada") == []
    assert _rename(engine, web_only.id, "Wen Li") == []


def test_refusals_are_reported_and_the_other_servers_still_get_it(
    engine: Engine, guild: FakeDiscordGuild
) -> None:
    second = guild.add_guild(SECOND_GUILD_ID)
    with engine.begin() as conn:
        cohort = add_cohort(conn, "Nicknames", meetings=3)
        bo = add_person(conn, "Bo")
        group = add_preview_group(conn, cohort, "Group 1", first=NOW, learners=[bo])
        conn.execute(  # a live group placed on the second server
            update(groups)
            .where(groups.c.id == group)
            .values(status="active", discord_guild_id=SECOND_GUILD_ID)
        )
    guild.add_member(bo.discord_id)
    guild.guild(guild.guild_id).above_bot.add(bo.discord_id)  # e.g. a moderator
    second.add_member(bo.discord_id)

    (job,) = _rename(engine, bo.id, "Bo Bright")
    outcome = run_job(engine, job)

    assert outcome is not None and outcome["status"] == "succeeded", outcome
    assert second.members[bo.discord_id]["nick"] == "Bo Bright"
    assert guild.members[bo.discord_id].get("nick") is None
    with engine.connect() as conn:
        result = conn.scalar(select(jobs.c.result).where(jobs.c.id == job))
    assert result["set_on"] == [SECOND_GUILD_ID]
    assert "role is not above" in result["refused"][guild.guild_id]


def test_an_outage_fails_the_job_so_it_is_retried(engine: Engine, guild: FakeDiscordGuild) -> None:
    with engine.begin() as conn:
        cy = add_person(conn, "Cy")
    guild.add_member(cy.discord_id)
    guild.fail_next(
        "PATCH", r"/guilds/\d+/members/\d+", error(500, 0, "Internal Server Error"), times=10
    )

    (job,) = _rename(engine, cy.id, "Cy Young")
    outcome = run_job(engine, job)

    assert outcome is not None and outcome["status"] != "succeeded"


@pytest.mark.parametrize(
    ("name", "nick"),
    [
        ("Ada", "Ada"),
        ("Maximiliana Annabelle Fitzgerald-Hohenzollern", "Maximiliana Annabelle…"),
        ("X" * 40, "X" * 31 + "…"),
    ],
)
def test_long_names_are_cut_to_discords_32_characters(name: str, nick: str) -> None:
    assert nickname_for(name) == nick
    assert len(nickname_for(name)) <= 32
