"""Each command, autocomplete and button through the real handler, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from roundtable.db.tables import attendances, groups, jobs, scheduling_runs
from tests.functions.discord.conftest import Call
from tests.integration.discord import data
from tests.integration.discord.data import autocomplete, command, component, option, subcommand

EPHEMERAL = 64
ADMIN_ROLE = "730000000000000001"


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A cohort with one active group: facilitator Fran, learners Ada and Bo; admin Root."""
    monkeypatch.setenv("DISCORD_ADMIN_ROLE_ID", ADMIN_ROLE)
    monkeypatch.setenv("DISCORD_GUILD_ID", "700000000000000001")  # the admin role's server
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://courses.example")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        cohort = data.add_cohort(conn, "Spring Cohort")
        fran = data.add_user(conn, "Fran", discord_id="201")
        ada = data.add_user(conn, "Ada", discord_id="202", timezone="Europe/Berlin")
        bo = data.add_user(conn, "Bo", discord_id="203")
        outsider = data.add_user(conn, "Olga", discord_id="204")
        data.add_user(conn, "Root", discord_id="205", is_admin=True)
        group = data.add_group(
            conn,
            cohort,
            "Tuesday Owls",
            first_meeting_at=now - timedelta(days=7),
            channel_id="740000000000000001",
        )
        data.add_member(conn, group, fran, cohort, "facilitator")
        data.add_member(conn, group, ada, cohort)
        data.add_member(conn, group, bo, cohort)
        for user in (fran, ada, bo, outsider):
            data.add_signup(conn, user, cohort, role="facilitator" if user == fran else "learner")
        past = data.add_meeting(conn, group, cohort, 1, now - timedelta(days=7))
        soon = data.add_meeting(conn, group, cohort, 2, now + timedelta(minutes=10))
        data.add_meeting(conn, group, cohort, 3, now + timedelta(days=7))
    return {"cohort": cohort, "group": group, "past": past, "soon": soon, "ada": ada, "bo": bo}


def _content(answer: Any) -> str:
    return str(answer["data"]["content"])


# -- everyone ---------------------------------------------------------------------------
def test_ping_answers_privately_without_mentions(call: Call) -> None:
    status, answer = call(command("ping"))
    assert status == 200 and answer["type"] == 4
    assert answer["data"]["flags"] == EPHEMERAL
    assert answer["data"]["allowed_mentions"] == {"parse": []}
    assert "Pong" in _content(answer)


def test_availability_links_to_the_web_page(call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://courses.example")
    _, answer = call(command("availability"))
    assert "https://courses.example/availability" in _content(answer)


def test_an_unknown_command_is_400_naming_it(call: Call) -> None:
    assert call(command("teleport")) == (400, {"error": "unknown command /teleport"})


def test_an_unlinked_discord_account_is_told_how_to_link(call: Call, world: Any) -> None:
    _, answer = call(command("group", user_id="999"))
    assert "not linked" in _content(answer)
    assert "https://courses.example/" in _content(answer)


def test_group_shows_facilitator_members_time_in_my_zone_and_channel(
    call: Call, world: Any
) -> None:
    _, answer = call(command("group", user_id="202"))
    text = _content(answer)
    assert "**Tuesday Owls** (Spring Cohort)" in text
    assert "Facilitator: Fran" in text and "Members: Ada, Bo" in text
    assert "in your zone (Europe/Berlin)" in text and "anchored to" in text
    assert "Next meeting: <t:" in text
    assert "<#740000000000000001>" in text


def test_group_for_someone_without_a_group_says_so(call: Call, world: Any) -> None:
    _, answer = call(command("group", user_id="204"))
    assert "not in a group yet" in _content(answer)


def test_next_meeting_offers_rsvp_buttons_for_that_meeting(call: Call, world: Any) -> None:
    _, answer = call(command("next-meeting", user_id="202"))
    buttons = answer["data"]["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == [
        f"rsvp:{world['soon']}:yes",
        f"rsvp:{world['soon']}:no",
    ]
    assert "meeting 2" in _content(answer) and "haven't answered" in _content(answer)


def test_attending_button_records_the_rsvp_and_updates_the_message(
    call: Call, world: Any, engine: Engine
) -> None:
    status, answer = call(component(f"rsvp:{world['soon']}:yes", user_id="202"))
    assert status == 200 and answer["type"] == 7
    assert "you're attending" in _content(answer)
    with engine.connect() as conn:
        row = conn.execute(select(attendances)).one()
    assert (row.meeting_id, row.user_id, row.rsvp, row.rsvp_source) == (
        world["soon"],
        world["ada"],
        "attending",
        "discord",
    )
    call(component(f"rsvp:{world['soon']}:no", user_id="202"))
    with engine.connect() as conn:
        assert conn.scalar(select(attendances.c.rsvp)) == "not_attending"


def test_rsvp_button_of_another_groups_meeting_is_refused(
    call: Call, world: Any, engine: Engine
) -> None:
    _, answer = call(component(f"rsvp:{world['soon']}:yes", user_id="204"))
    assert "Only members of Tuesday Owls" in _content(answer)
    with engine.connect() as conn:
        assert conn.execute(select(attendances)).first() is None


@pytest.mark.parametrize("custom_id", ["rsvp:abc:yes", "rsvp:1:maybe", "rsvp:"])
def test_a_malformed_rsvp_custom_id_gets_a_clear_answer(
    custom_id: str, call: Call, world: Any
) -> None:
    status, answer = call(component(custom_id, user_id="202"))
    assert status == 200 and "malformed" in _content(answer)


def test_rsvp_for_a_finished_meeting_is_refused(call: Call, world: Any) -> None:
    _, answer = call(component(f"rsvp:{world['past']}:yes", user_id="202"))
    assert "meeting is over" in _content(answer)


def test_an_unknown_button_is_400(call: Call) -> None:
    assert call(component("launch:1")) == (400, {"error": "unknown component 'launch:1'"})


def test_checkin_records_attendance_at_the_meeting_starting_soon(
    call: Call, world: Any, engine: Engine
) -> None:
    _, answer = call(command("checkin", user_id="203"))
    assert "Checked in to Tuesday Owls, meeting 2" in _content(answer)
    _, again = call(command("checkin", user_id="203"))
    assert "already checked in" in _content(again)
    with engine.connect() as conn:
        row = conn.execute(select(attendances)).one()
    assert row.meeting_id == world["soon"] and row.checked_in_at is not None


def test_checkin_without_a_meeting_now_explains_the_window(call: Call, world: Any) -> None:
    _, answer = call(command("checkin", user_id="204"))
    assert "no meeting to check in to" in _content(answer)
    assert "15 minutes before" in _content(answer)


def test_progress_counts_completed_modules(call: Call, world: Any, engine: Engine) -> None:
    with engine.begin() as conn:
        data.add_module_progress(conn, world["ada"], "m1", done=True)
        data.add_module_progress(conn, world["ada"], "m2", done=True)
        data.add_module_progress(conn, world["ada"], "m3", done=False)
    _, answer = call(command("progress", user_id="202"))
    assert "completed 2 modules and have 1 in progress" in _content(answer)


# -- facilitators ------------------------------------------------------------------------
def test_attendance_lists_rsvps_and_check_ins_for_last_and_next_meeting(
    call: Call, world: Any
) -> None:
    call(component(f"rsvp:{world['soon']}:yes", user_id="202"))
    call(component(f"rsvp:{world['soon']}:no", user_id="203"))
    call(command("checkin", user_id="202"))
    _, answer = call(command("attendance", user_id="201"))
    text = _content(answer)
    assert "Last meeting (meeting 1" in text and "Next meeting (meeting 2" in text
    assert "- Ada: ✅ coming, checked in" in text
    assert "- Bo: ❌ can't make it" in text


def test_attendance_is_for_facilitators_of_the_group(call: Call, world: Any) -> None:
    _, answer = call(command("attendance", user_id="202"))
    assert "Only facilitators" in _content(answer)
    _, other = call(command("attendance", [option("group", world["group"], kind=4)], user_id="202"))
    assert "You don't facilitate Tuesday Owls" in _content(other)


def test_group_progress_lists_each_learner(call: Call, world: Any, engine: Engine) -> None:
    with engine.begin() as conn:
        data.add_module_progress(conn, world["bo"], "m1", done=True)
    _, answer = call(command("group-progress", user_id="201"))
    assert "Ada: 0 (0)" in _content(answer) and "Bo: 1 (0)" in _content(answer)


def test_group_autocomplete_offers_only_my_facilitated_groups(call: Call, world: Any) -> None:
    focused = [option("group", "ow", kind=4, focused=True)]
    _, mine = call(autocomplete("attendance", focused, user_id="201"))
    assert mine == {
        "type": 8,
        "data": {"choices": [{"name": "Tuesday Owls (Spring Cohort)", "value": world["group"]}]},
    }
    _, learner = call(autocomplete("attendance", focused, user_id="202"))
    assert learner["data"]["choices"] == []


# -- admins ------------------------------------------------------------------------------
def test_schedule_defers_and_enqueues_the_job_with_the_reply_address(
    call: Call, world: Any, engine: Engine
) -> None:
    payload = command(
        "schedule",
        [option("cohort", str(world["cohort"])), option("max-size", 6, kind=4)],
        user_id="205",
    )
    status, answer = call(payload)
    assert (status, answer) == (200, {"type": 5, "data": {"flags": EPHEMERAL}})
    with engine.connect() as conn:
        job = conn.execute(select(jobs)).one()
    assert job.kind == "schedule_cohort" and job.status == "queued"
    assert job.payload == {
        "cohort_id": world["cohort"],
        "params": {"max_group_size": 6},
        "reply_to": {"application_id": payload["application_id"], "token": payload["token"]},
    }
    assert job.max_attempts == 2  # the same as a run asked for on the web


def test_schedule_refuses_while_a_run_is_in_progress(call: Call, world: Any) -> None:
    first = command("schedule", [option("cohort", "spring cohort")], user_id="205")
    assert call(first)[1]["type"] == 5
    _, answer = call(command("schedule", [option("cohort", "Spring Cohort")], user_id="205"))
    assert "Scheduling Spring Cohort is already in progress (job #1)" in _content(answer)


def test_schedule_rejects_min_size_above_max_size_before_deferring(call: Call, world: Any) -> None:
    options = [
        option("cohort", str(world["cohort"])),
        option("min-size", 7, kind=4),
        option("max-size", 5, kind=4),
    ]
    _, answer = call(command("schedule", options, user_id="205"))
    assert answer["type"] == 4
    assert "smallest group size (7) cannot be larger than the largest (5)" in _content(answer)


def test_admin_commands_are_refused_to_non_admins_at_run_time(
    call: Call, world: Any, engine: Engine
) -> None:
    _, answer = call(command("schedule", [option("cohort", str(world["cohort"]))], user_id="202"))
    assert "Only Roundtable admins" in _content(answer)
    with engine.connect() as conn:
        assert conn.execute(select(jobs)).first() is None


def test_the_configured_admin_role_counts_as_admin(call: Call, world: Any) -> None:
    payload = command(
        "cohort-status",
        [option("cohort", str(world["cohort"]))],
        user_id="204",
        roles=(ADMIN_ROLE,),
    )
    _, answer = call(payload)
    assert "**Spring Cohort** — open" in _content(answer)


def test_schedule_names_an_unknown_cohort(call: Call, world: Any) -> None:
    _, answer = call(command("schedule", [option("cohort", "Autumn")], user_id="205"))
    assert "There is no cohort 'Autumn'" in _content(answer)


def test_cohort_autocomplete_lists_open_cohorts_with_waiting_counts(
    call: Call, world: Any, engine: Engine
) -> None:
    with engine.begin() as conn:
        data.add_cohort(conn, "Old Cohort", status="completed")
    focused = [option("cohort", "co", focused=True)]
    _, answer = call(autocomplete("schedule", focused, user_id="205"))
    assert answer["data"]["choices"] == [
        {"name": "Spring Cohort (1 waiting)", "value": str(world["cohort"])}
    ]
    _, refused = call(autocomplete("schedule", focused, user_id="202"))
    assert refused["data"]["choices"] == []


def test_cohort_status_reports_signups_groups_unplaced_and_jobs(
    call: Call, world: Any, engine: Engine
) -> None:
    with engine.begin() as conn:
        late = data.add_user(conn, "Late", discord_id="206")
        data.add_signup(conn, late, world["cohort"], unplaced_reason="no_availability")
    call(command("schedule", [option("cohort", str(world["cohort"]))], user_id="205"))
    _, answer = call(
        command("cohort-status", [option("cohort", str(world["cohort"]))], user_id="205")
    )
    text = _content(answer)
    assert "Signups: 4 learners, 1 facilitators; 2 not in a group" in text
    assert "Unplaced: no availability 1" in text
    assert "Groups: 1 active" in text
    assert "#1 schedule_cohort: queued" in text


def test_publish_enqueues_only_when_groups_wait(call: Call, world: Any, engine: Engine) -> None:
    _, nothing = call(command("publish", [option("cohort", str(world["cohort"]))], user_id="205"))
    assert "has no preview groups or proposed joins to publish" in _content(nothing)
    with engine.begin() as conn:
        data.add_group(
            conn, world["cohort"], "Preview", first_meeting_at=datetime.now(UTC), status="preview"
        )
    _, answer = call(command("publish", [option("cohort", str(world["cohort"]))], user_id="205"))
    assert "Publishing Spring Cohort (job #1)" in _content(answer)
    with engine.connect() as conn:
        job = conn.execute(select(jobs)).one()
    assert job.kind == "publish_cohort" and job.payload["cohort_id"] == world["cohort"]


@pytest.mark.parametrize(
    ("sub", "kind", "key"),
    [("group", "sync_group", "group_id"), ("cohort", "sync_cohort", "cohort_id")],
)
def test_sync_enqueues_the_matching_job(
    sub: str, kind: str, key: str, call: Call, world: Any, engine: Engine
) -> None:
    value = world["group"] if sub == "group" else str(world["cohort"])
    name = "name" if sub == "group" else "cohort"
    _, answer = call(command("sync", [subcommand(sub, [option(name, value)])], user_id="205"))
    assert "(job #1)" in _content(answer)
    with engine.connect() as conn:
        job = conn.execute(select(jobs)).one()
    assert job.kind == kind and job.payload == {key: world[sub]}
    assert job.dedup_key == f"{kind}:{world[sub]}"


def _preview_run(engine: Engine, cohort: int) -> tuple[int, int]:
    with engine.begin() as conn:
        run = data.add_run(conn, cohort)
        group = data.add_group(
            conn,
            cohort,
            f"Preview {run}",
            first_meeting_at=datetime.now(UTC),
            status="preview",
            run_id=run,
        )
    return run, group


def test_publish_button_enqueues_publishing_of_that_run(
    call: Call, world: Any, engine: Engine
) -> None:
    run, _ = _preview_run(engine, world["cohort"])
    status, answer = call(component(f"publish:{world['cohort']}:{run}", user_id="205"))
    assert status == 200 and answer["type"] == 7
    assert answer["data"]["components"] == []
    assert "Publishing Spring Cohort by <@205> (job #1)" in _content(answer)
    with engine.connect() as conn:
        job = conn.execute(select(jobs)).one()
    assert job.payload["run_id"] == run and job.payload["reply_to"]["token"]


def test_publish_button_is_refused_to_a_non_admin(call: Call, world: Any, engine: Engine) -> None:
    run, _ = _preview_run(engine, world["cohort"])
    _, answer = call(component(f"publish:{world['cohort']}:{run}", user_id="202"))
    assert answer["type"] == 4 and "Only Roundtable admins" in _content(answer)


def test_publish_button_of_an_older_run_is_refused(call: Call, world: Any, engine: Engine) -> None:
    old, _ = _preview_run(engine, world["cohort"])
    newer, _ = _preview_run(engine, world["cohort"])
    _, answer = call(component(f"publish:{world['cohort']}:{old}", user_id="205"))
    assert f"out of date: Spring Cohort was scheduled again (run {newer})" in _content(answer)
    _, forged = call(component(f"publish:{world['cohort']}:{newer + 5}", user_id="205"))
    assert "does not exist" in _content(forged)


def _proposals_run(engine: Engine, cohort: int, user_id: int, group_id: int) -> int:
    """A run that proposed only a join into an existing group: no preview groups."""
    proposal = {"user_id": user_id, "group_id": group_id}
    with engine.begin() as conn:
        run = data.add_run(conn, cohort)
        conn.execute(
            update(scheduling_runs)
            .where(scheduling_runs.c.id == run)
            .values(stats={"proposed_joins": [proposal]})
        )
    return run


def test_publish_enqueues_when_the_latest_run_only_proposed_joins(
    call: Call, world: Any, engine: Engine
) -> None:
    _proposals_run(engine, world["cohort"], world["ada"], world["group"])
    _, answer = call(command("publish", [option("cohort", str(world["cohort"]))], user_id="205"))
    assert "Publishing Spring Cohort (job #1)" in _content(answer)


def test_discard_voids_the_runs_proposed_joins_so_publish_has_nothing_to_do(
    call: Call, world: Any, engine: Engine
) -> None:
    run = _proposals_run(engine, world["cohort"], world["ada"], world["group"])
    _, answer = call(component(f"discard:{world['cohort']}:{run}", user_id="205"))
    assert "0 preview groups removed, 1 proposed join voided" in _content(answer)
    with engine.connect() as conn:
        stats = conn.scalar(select(scheduling_runs.c.stats).where(scheduling_runs.c.id == run))
    assert stats["joins_discarded_at"] and stats["proposed_joins"]  # kept, for the record
    _, nothing = call(command("publish", [option("cohort", str(world["cohort"]))], user_id="205"))
    assert "has no preview groups or proposed joins to publish" in _content(nothing)


def test_discard_button_deletes_only_that_runs_preview_groups(
    call: Call, world: Any, engine: Engine
) -> None:
    run, preview = _preview_run(engine, world["cohort"])
    _, answer = call(component(f"discard:{world['cohort']}:{run}", user_id="205"))
    assert "1 preview group removed" in _content(answer)
    with engine.connect() as conn:
        remaining = set(conn.scalars(select(groups.c.id)))
    assert remaining == {world["group"]}
