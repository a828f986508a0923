from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update

from roundtable.db.tables import groups
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services, sync_groups
from tests.fakes.discord_guild import GUILD_ID, TEXT, FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar, rate_limited, server_error
from tests.fakes.http import Request, Response
from tests.integration.sync.world import (
    add_cohort,
    add_person,
    add_preview_group,
    group_row,
    meeting_rows,
    switch_group,
)

NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def published(engine: Engine, guild: FakeDiscordGuild, services: Services) -> dict:
    """A published cohort: Group 1 (Ada, Bo), Group 2 (Cy, Di), everyone in the guild."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Autumn", meetings=6)
        ada, bo, cy, di = (add_person(conn, n) for n in ("Ada", "Bo", "Cy", "Di"))
        first = add_preview_group(conn, cohort_id, "Group 1", learners=[ada, bo])
        second = add_preview_group(conn, cohort_id, "Group 2", learners=[cy, di])
    for person in (ada, bo, cy, di):
        guild.add_member(person.discord_id)
    publish_cohort(engine, cohort_id, services, now=NOW)
    return {"cohort": cohort_id, "groups": [first, second], "people": [ada, bo, cy, di]}


def test_a_member_switching_groups_loses_the_old_role_and_gains_the_new_one(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    published: dict,
) -> None:
    bo, (first, second) = published["people"][1], published["groups"]
    switch_group(engine, bo, first, second, NOW)
    calendar.sent.clear()

    report = sync_groups(engine, [first, second], services, now=NOW)

    old, new = group_row(engine, first), group_row(engine, second)
    assert bo.discord_id not in guild.holders(old.discord_role_id)
    assert bo.discord_id in guild.holders(new.discord_role_id)
    assert (report.discord.granted, report.discord.revoked) == (1, 1)
    assert "bo@example.com" not in {
        a["email"] for a in calendar.event(old.gcal_event_id)["attendees"]
    }
    assert "bo@example.com" in {a["email"] for a in calendar.event(new.gcal_event_id)["attendees"]}
    invitations = [s for s in calendar.sent if s["kind"] == "invitation"]
    assert invitations == [
        {"event": new.gcal_event_id, "email": "bo@example.com", "kind": "invitation"}
    ]


def test_a_deleted_channel_and_a_deleted_role_are_recreated(
    engine: Engine, guild: FakeDiscordGuild, services: Services, published: dict
) -> None:
    group = group_row(engine, published["groups"][0])
    guild.delete_channel(group.discord_text_channel_id)
    guild.delete_role(group.discord_role_id)

    report = sync_groups(engine, [group.id], services, now=NOW)

    again = group_row(engine, group.id)
    assert again.discord_text_channel_id != group.discord_text_channel_id
    assert again.discord_role_id != group.discord_role_id
    channel = guild.channels[again.discord_text_channel_id]
    assert (channel["name"], channel["type"]) == ("group-1", TEXT)
    assert again.discord_role_id in {o["id"] for o in channel["permission_overwrites"]}
    voice = guild.channels[again.discord_voice_channel_id]
    assert again.discord_role_id in {o["id"] for o in voice["permission_overwrites"]}
    assert guild.holders(again.discord_role_id) == {p.discord_id for p in published["people"][:2]}
    assert report.discord.welcomes == 1  # the new channel gets its welcome post
    assert report.synced == [group.id]


def test_a_renamed_channel_and_a_tampered_overwrite_are_put_back_keeping_foreign_ones(
    engine: Engine, guild: FakeDiscordGuild, services: Services, published: dict
) -> None:
    group = group_row(engine, published["groups"][0])
    channel = guild.channels[group.discord_text_channel_id]
    channel["name"] = "renamed-by-hand"
    moderators = {"id": "500000000000000001", "type": 0, "allow": "1024", "deny": "0"}
    channel["permission_overwrites"] = [
        o for o in channel["permission_overwrites"] if o["id"] != GUILD_ID
    ] + [moderators]

    sync_groups(engine, [group.id], services, now=NOW)

    assert channel["name"] == "group-1"
    overwrites = {o["id"] for o in channel["permission_overwrites"]}
    assert {GUILD_ID, moderators["id"], group.discord_role_id} <= overwrites


def test_a_meeting_time_change_moves_the_series_and_the_meeting_rows_in_place(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    group_id = published["groups"][0]
    before = meeting_rows(engine, group_id)
    with engine.begin() as conn:
        conn.execute(
            update(groups)
            .where(groups.c.id == group_id)
            .values(weekday=3, local_time=time(19, 30))  # Wednesday 18:00 -> Thursday 19:30
        )
    calendar.sent.clear()

    sync_groups(engine, [group_id], services, now=NOW)

    after = meeting_rows(engine, group_id)
    event_id = group_row(engine, group_id).gcal_event_id
    occurrences = [
        datetime.fromisoformat(i["start"]["dateTime"]) for i in calendar.instances(event_id)
    ]
    assert [m.id for m in after] == [m.id for m in before]  # reminders keyed by meeting follow
    assert [m.starts_at for m in after] == occurrences
    assert {(m.starts_at.astimezone(LONDON).strftime("%a %H:%M")) for m in after} == {"Thu 19:30"}
    assert {s["kind"] for s in calendar.sent} == {"update"}  # everyone hears the time moved


def test_past_meetings_keep_their_time_when_the_weekly_time_changes(
    engine: Engine, services: Services, published: dict
) -> None:
    group_id = published["groups"][0]
    before = meeting_rows(engine, group_id)
    later = before[1].ends_at + timedelta(hours=1)  # meetings 1 and 2 happened
    with engine.begin() as conn:
        conn.execute(update(groups).where(groups.c.id == group_id).values(local_time=time(20, 0)))

    sync_groups(engine, [group_id], services, now=later)

    after = meeting_rows(engine, group_id)
    assert [m.starts_at for m in after[:2]] == [m.starts_at for m in before[:2]]
    assert all(m.starts_at.astimezone(LONDON).hour == 20 for m in after[2:])


def test_across_a_daylight_saving_change_the_series_keeps_its_local_time(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, services: Services
) -> None:
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Clocks", meetings=6)
        person = add_person(conn, "Ada")
        # Wednesdays 18:00 London from 11 March; the clocks go forward on 29 March 2026.
        group_id = add_preview_group(
            conn,
            cohort_id,
            "Group 1",
            first=datetime(2026, 3, 11, 18, 0, tzinfo=UTC),
            learners=[person],
        )
    guild.add_member(person.discord_id)

    publish_cohort(engine, cohort_id, services, now=NOW)

    rows = meeting_rows(engine, group_id)
    instances = calendar.instances(group_row(engine, group_id).gcal_event_id)
    local = [datetime.fromisoformat(i["start"]["dateTime"]).astimezone(LONDON) for i in instances]
    assert {t.strftime("%H:%M") for t in local} == {"18:00"}
    assert [m.starts_at.astimezone(UTC).hour for m in rows] == [18, 18, 18, 17, 17, 17]
    assert [m.starts_at for m in rows] == [t.astimezone(UTC) for t in local]


def test_injected_rate_limits_and_server_errors_are_retried_until_success(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    waits: list[float],
) -> None:
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Flaky", meetings=3)
        people = [add_person(conn, n) for n in ("Ada", "Bo")]
        group_id = add_preview_group(conn, cohort_id, "Group 1", learners=people)
    for person in people:
        guild.add_member(person.discord_id)
    guild.rate_limit_next("POST", rf"/guilds/{GUILD_ID}/channels", retry_after=0.01, times=2)
    guild.fail_next("POST", rf"/guilds/{GUILD_ID}/roles", _discord_500(), times=1)
    guild.rate_limit_next("PUT", rf"/guilds/{GUILD_ID}/members/\d+/roles/\d+", retry_after=0.01)
    events = r"/calendar/v3/calendars/primary/events"
    calendar.fail_next("POST", events, rate_limited("403"), times=1)
    calendar.fail_next("POST", events, rate_limited("429"), times=1)
    calendar.fail_next("POST", events, server_error(503), times=1)

    result = publish_cohort(engine, cohort_id, services, now=NOW)

    assert result["failures"] == {} and result["synced"] == [group_id]
    assert 429 in guild.statuses() and 500 in guild.statuses()
    assert len(calendar.live_events()) == 1  # retried inserts did not duplicate the series
    assert len(waits) == 3 and waits[0] < waits[1] < waits[2]  # exponential backoff
    assert guild.holders(group_row(engine, group_id).discord_role_id) == {
        p.discord_id for p in people
    }


def test_an_event_deleted_in_google_is_recreated_under_a_new_id(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    group = group_row(engine, published["groups"][0])
    calendar.delete_event(group.gcal_event_id)

    report = sync_groups(engine, [group.id], services, now=NOW)

    again = group_row(engine, group.id)
    assert report.calendar.recreated == 1 and again.gcal_event_id != group.gcal_event_id
    assert calendar.event(again.gcal_event_id)["status"] == "confirmed"


def test_an_event_created_by_an_attempt_whose_answer_was_lost_is_adopted_not_duplicated(
    engine: Engine, calendar: FakeGoogleCalendar, services: Services, published: dict
) -> None:
    group = group_row(engine, published["groups"][0])
    with engine.begin() as conn:  # as if we crashed before storing Google's answer
        conn.execute(update(groups).where(groups.c.id == group.id).values(gcal_event_id=None))

    report = sync_groups(engine, [group.id], services, now=NOW)

    assert report.calendar.adopted == 1 and report.calendar.created == 0
    assert group_row(engine, group.id).gcal_event_id == group.gcal_event_id
    assert len(calendar.live_events()) == 2


def _big_cohort(engine: Engine, guild: FakeDiscordGuild, size: int) -> int:
    """A cohort "Big" of `size` preview groups of one learner each, all in the guild."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Big", meetings=1)
        for number in range(1, size + 1):
            person = add_person(conn, f"P{number}")
            guild.add_member(person.discord_id)
            add_preview_group(conn, cohort_id, f"Group {number}", learners=[person])
    return cohort_id


def test_groups_past_twenty_five_spread_over_a_second_category(
    engine: Engine, guild: FakeDiscordGuild, services: Services
) -> None:
    cohort_id = _big_cohort(engine, guild, 27)

    result = publish_cohort(engine, cohort_id, services, now=NOW)

    assert result["failures"] == {}
    categories = {c["id"]: c["name"] for c in guild.channels.values() if c["type"] == 4}
    assert sorted(categories.values()) == ["Big", "Big (2)"]
    per_category = {
        name: sum(1 for c in guild.channels.values() if c.get("parent_id") == cid)
        for cid, name in categories.items()
    }
    assert per_category == {"Big": 50, "Big (2)": 4}


def test_a_publish_that_would_pass_the_role_limit_is_refused_with_the_numbers(
    engine: Engine, guild: FakeDiscordGuild, services: Services
) -> None:
    from roundtable.sync.servers import DiscordCapacityError

    for number in range(248):  # one role left: the first group's (no cohort role with roles)
        guild.roles[str(600_000_000_000_000_000 + number)] = {
            "id": str(600_000_000_000_000_000 + number),
            "name": f"r{number}",
            "permissions": "0",
        }
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Crowded", meetings=1)
        for name in ("Group 1", "Group 2"):
            person = add_person(conn, name.replace(" ", ""))
            add_preview_group(conn, cohort_id, name, learners=[person])

    with pytest.raises(DiscordCapacityError) as refused:
        publish_cohort(engine, cohort_id, services, now=NOW)

    assert "1 of the cohort's 2 new groups have no server with room" in str(refused.value)
    assert "249 of 250 roles" in str(refused.value)
    assert len(guild.roles) == 249 and not guild.mutating_requests()
    with engine.connect() as conn:
        statuses = set(conn.scalars(select(groups.c.status).where(groups.c.cohort_id == cohort_id)))
    assert statuses == {"preview"}  # nothing published: the admin can add a server and retry


def _discord_500():  # type: ignore[no-untyped-def]
    from tests.fakes.http import Response

    return Response(500, {"message": "500: Internal Server Error", "code": 0})


def test_two_syncs_racing_on_one_cohort_create_everything_once(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar, services: Services
) -> None:
    import threading

    import httplib2

    from roundtable.config import get_settings
    from roundtable.db.engine import build_engine
    from roundtable.discord.rest import DiscordRestClient
    from roundtable.sync.calendar import GoogleCalendarClient, build_service
    from roundtable.sync.discord_ops import GuildOps
    from roundtable.sync.publish import activate_preview_groups
    from tests.fakes.discord import BOT_TOKEN

    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Race", meetings=2)
        people = [add_person(conn, n) for n in ("Ada", "Bo")]
        ids = [
            add_preview_group(conn, cohort_id, f"Group {n}", learners=[p])
            for n, p in enumerate(people)
        ]
    activate_preview_groups(engine, cohort_id, now=NOW)

    def worker() -> None:  # each worker has clients of its own, as two Lambdas would
        calendar_client = GoogleCalendarClient(
            build_service(calendar.base_url_for_client, httplib2.Http()), "primary"
        )
        own = Services(
            GuildOps(DiscordRestClient(guild.base_url, BOT_TOKEN), GUILD_ID),
            calendar_client,
            services.namespace,
            services.bot_id,
        )
        # ... and an engine of its own: a Lambda environment holds one pooled connection.
        own_engine = build_engine(get_settings())
        try:
            sync_groups(own_engine, ids, own, now=NOW)
        finally:
            own_engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # two per group and the cohort's channel; two group roles and @everyone (no cohort role)
    assert len([c for c in guild.channels.values() if c["type"] != 4]) == 5
    assert len(guild.roles) == 3 and len(calendar.live_events()) == 2
    assert sum(len(m) for m in guild.channel_messages.values()) == 2  # one welcome per group


def test_each_categorys_invitations_go_out_once_its_discord_part_is_done(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A chunk's calendar requests spread over its run, a category at a time, instead of
    all at its end (at scale five chunks ending together sent SendGrid a thousand
    e-mails at once: 429s that held the workers while Discord's budget went unused)."""
    cohort_id = _big_cohort(engine, guild, 27)
    roles_then: list[int] = []  # the guild's roles when each calendar write arrives
    answer = calendar.handle

    def observed(request: Request) -> Response:
        if request.mutating:
            roles_then.append(len(guild.roles))
        return answer(request)

    monkeypatch.setattr(calendar, "handle", observed)

    result = publish_cohort(engine, cohort_id, services, now=NOW)

    assert result["failures"] == {} and len(result["synced"]) == 27
    everyone = 1
    assert min(roles_then) == everyone + 25  # the first category's groups, not all 27
    assert max(roles_then) == everyone + 27
