"""The database-backed scheduling service on real Postgres: load, solve, save the preview."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from roundtable.db.tables import group_members, groups, signups
from roundtable.errors import ConflictError, NotFoundError, ValidationError
from roundtable.scheduling.service import (
    SchedulingRunError,
    load_cohort_problem,
    run_scheduling,
)
from tests.integration.scheduling.world import (
    NOW,
    add_cohort,
    add_facilitator,
    add_group,
    add_person,
    check_preview,
    preview_groups,
    reasons,
    refusing_member_inserts,
    runs,
)

BERLIN_EVENING = {"Tuesday": [("19:00", "21:00")]}
CHICAGO_EVENING = {"Thursday": [("18:00", "20:00")]}
SUMMARY_KEYS = {
    "cohort_id",
    "cohort_name",
    "run_id",
    "groups",
    "placed",
    "learners",
    "unplaced_by_reason",
    "gap",
    "upper_bound",
    "seconds",
    "dst_notes",
    "preview_group_ids",
    "proposed_joins",
    "facilitators_without_group",
}


def _run(engine: Engine, cohort_id: int, **options: Any) -> dict[str, Any]:
    options.setdefault("time_limit", 10.0)
    params = options.pop("params", None)
    return run_scheduling(engine, cohort_id, params, now=NOW, **options).as_record()


@pytest.fixture
def world(engine: Engine) -> dict[str, Any]:
    """Europe and the Americas across both daylight-saving changes, plus the hard cases."""
    with engine.begin() as conn:
        cohort = add_cohort(conn)
        europe = add_facilitator(conn, cohort, "Europe/London", {"Tuesday": [("18:00", "20:00")]})
        berlin = [add_person(conn, cohort, "Europe/Berlin", BERLIN_EVENING) for _ in range(5)]
        americas = add_facilitator(
            conn, cohort, "America/New_York", {"Thursday": [("19:00", "21:00")]}
        )
        chicago = [add_person(conn, cohort, "America/Chicago", CHICAGO_EVENING) for _ in range(4)]
        # One free hour in London: 18:00 UTC in winter, 17:00 UTC in summer; no fixed UTC time.
        narrow = add_person(conn, cohort, "Europe/London", {"Tuesday": [("18:00", "19:00")]})
        nothing = add_person(conn, cohort, "Asia/Kolkata", {})
        uncertified = add_facilitator(conn, cohort, "UTC", BERLIN_EVENING, certified=False)
        no_row = add_person(conn, cohort, "UTC", BERLIN_EVENING, role="facilitator")
        withdrawn = add_person(conn, cohort, "Europe/Berlin", BERLIN_EVENING)
        conn.execute(update(signups).where(signups.c.user_id == withdrawn).values(withdrawn_at=NOW))
        # Stale answers from an earlier run: placed people must be cleared.
        conn.execute(
            update(signups)
            .where(signups.c.user_id.in_([berlin[0], chicago[0]]))
            .values(unplaced_reason="too_few_learners", unplaced_detail={"old": True})
        )
    return {
        "cohort": cohort,
        "europe": europe,
        "berlin": berlin,
        "americas": americas,
        "chicago": chicago,
        "narrow": narrow,
        "nothing": nothing,
        "uncertified": uncertified,
        "no_row": no_row,
        "withdrawn": withdrawn,
    }


def test_a_run_writes_preview_groups_whose_every_member_can_make_every_real_meeting(
    engine: Engine, world: dict[str, Any]
) -> None:
    summary = _run(engine, world["cohort"])

    stored = preview_groups(engine, world["cohort"])
    assert check_preview(engine, world["cohort"]) == []
    assert len(stored) == 2 and len({g["name"] for g in stored}) == 2
    assert {g["scheduling_run_id"] for g in stored} == {summary["run_id"]}
    assert all(g["meeting_minutes"] == 60 and g["anchor_timezone"] == "UTC" for g in stored)
    by_leader = {m[0]: g for g in stored for m in g["members"] if m[1] == "facilitator"}
    americas = by_leader[world["americas"]]
    # 18:00 in Chicago is 00:00 UTC Friday before 14 March and 23:00 UTC Thursday after it:
    # only Friday 00:00 UTC keeps all of them (18:00, then 19:00 local) inside 18:00-20:00.
    assert (americas["weekday"], americas["local_time"]) == (4, time(0, 0))
    assert americas["first_meeting_at"] == datetime(2027, 3, 5, 0, 0, tzinfo=UTC)
    assert sorted(u for u, role, _ in americas["members"] if role == "learner") == world["chicago"]
    assert {cohort for g in stored for _, _, cohort in g["members"]} == {world["cohort"]}
    europe = by_leader[world["europe"]]
    assert sorted(u for u, role, _ in europe["members"] if role == "learner") == world["berlin"]


def test_members_join_their_preview_groups_at_the_runs_time(
    engine: Engine, world: dict[str, Any]
) -> None:
    _run(engine, world["cohort"])

    with engine.connect() as conn:
        joined = set(
            conn.scalars(
                select(group_members.c.joined_at).where(
                    group_members.c.cohort_id == world["cohort"]
                )
            )
        )
    # The service's clock, not the database's: a run "at" NOW is one its
    # meetings' attendance can count from (the demo world backdates its runs).
    assert joined == {NOW}


def test_the_summary_has_the_shape_the_discord_summary_reads(
    engine: Engine, world: dict[str, Any]
) -> None:
    summary = _run(engine, world["cohort"])

    assert set(summary) == SUMMARY_KEYS
    assert (summary["cohort_id"], summary["cohort_name"]) == (world["cohort"], "Spring 2027")
    assert (summary["placed"], summary["learners"]) == (9, 11)
    assert summary["unplaced_by_reason"] == {
        "daylight_saving": 1,
        "no_availability": 1,
        "uncertified_facilitator": 2,
    }
    assert summary["gap"] == 0.0 and summary["upper_bound"] == 9
    assert sorted(summary["preview_group_ids"]) == sorted(
        g["id"] for g in preview_groups(engine, world["cohort"])
    )
    assert {g["size"] for g in summary["groups"]} == {5, 6}
    assert "Friday 00:00 UTC" in [g["time"] for g in summary["groups"]]
    # Everyone's local time moves an hour with their clocks against a UTC anchor.
    assert any("local time shifts" in note for note in summary["dst_notes"])
    assert any("Europe/Berlin changes clocks on 2027-03-28" in n for n in summary["dst_notes"])
    assert (
        runs(engine, world["cohort"])[0].notes[: len(summary["dst_notes"])] == summary["dst_notes"]
    )


def test_unplaced_people_get_their_reason_and_placed_people_are_cleared(
    engine: Engine, world: dict[str, Any]
) -> None:
    summary = _run(engine, world["cohort"])

    stored = reasons(engine, world["cohort"])
    narrow_reason, narrow_detail = stored[world["narrow"]]
    assert narrow_reason == "daylight_saving"
    assert "2027-03-28" in narrow_detail["detail"] and narrow_detail["suggestions"]
    assert narrow_detail["run_id"] == summary["run_id"]
    assert stored[world["nothing"]][0] == "no_availability"
    assert stored[world["uncertified"]][0] == "uncertified_facilitator"
    assert stored[world["no_row"]][0] == "uncertified_facilitator"
    for placed in (*world["berlin"], *world["chicago"], world["europe"], world["americas"]):
        assert stored[placed] == (None, None)
    # Withdrawn people are not scheduled, nor touched.
    assert stored[world["withdrawn"]] == (None, None)
    assert world["withdrawn"] not in {
        u for g in preview_groups(engine, world["cohort"]) for u, _, _ in g["members"]
    }


def test_running_again_replaces_the_preview_and_names_avoid_groups_that_stay(
    engine: Engine, world: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        for name, status in (("Group 1", "completed"), ("Group 3", "cancelled")):
            add_group(conn, world["cohort"], name, weekday=0, at=time(9), members=[], status=status)
    first = _run(engine, world["cohort"])

    second = _run(engine, world["cohort"])

    stored = preview_groups(engine, world["cohort"])
    assert {g["id"] for g in stored} == set(second["preview_group_ids"])
    assert not set(first["preview_group_ids"]) & set(second["preview_group_ids"])
    with engine.connect() as conn:
        names = list(
            conn.scalars(select(groups.c.name).where(groups.c.cohort_id == world["cohort"]))
        )
    assert len(names) == len(set(names)) == 4
    assert {g["name"] for g in stored} == {"Group 2", "Group 4"}
    assert [r.id for r in runs(engine, world["cohort"])] == [first["run_id"], second["run_id"]]
    assert check_preview(engine, world["cohort"]) == []


def test_the_same_input_and_seed_give_the_same_preview(
    engine: Engine, world: dict[str, Any]
) -> None:
    def shape() -> list[tuple[Any, ...]]:
        return [
            (g["name"], g["weekday"], g["local_time"], g["members"])
            for g in preview_groups(engine, world["cohort"])
        ]

    _run(engine, world["cohort"], seed=3)
    before = shape()
    _run(engine, world["cohort"], seed=3)
    assert shape() == before


def test_parameter_overrides_change_the_run_and_bad_ones_are_refused_by_name(
    engine: Engine, world: dict[str, Any]
) -> None:
    summary = _run(engine, world["cohort"], params={"meeting_minutes": 120, "max_group_size": 5})

    assert all(g["meeting_minutes"] == 120 for g in preview_groups(engine, world["cohort"]))
    assert all(g["size"] <= 5 for g in summary["groups"])
    assert runs(engine, world["cohort"])[-1].params["meeting_minutes"] == 120
    with pytest.raises(ValidationError, match="params.colour: unknown scheduling parameter"):
        _run(engine, world["cohort"], params={"colour": "blue"})
    with pytest.raises(ValidationError, match="params.min_group_size: 9..5"):
        _run(engine, world["cohort"], params={"min_group_size": 9, "max_group_size": 5})
    with pytest.raises(ValidationError, match=r"params.use_if_needed: 'yes' is not true or false"):
        _run(engine, world["cohort"], params={"use_if_needed": "yes"})


def test_a_cohort_that_does_not_exist_is_a_clear_not_found(engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="no cohort with id 999"):
        _run(engine, 999)


def test_a_peer_cohort_forms_groups_of_learners_only(engine: Engine) -> None:
    with engine.begin() as conn:
        cohort = add_cohort(conn, "Peers")
        learners = [add_person(conn, cohort, "Europe/Berlin", BERLIN_EVENING) for _ in range(8)]

    summary = _run(engine, cohort)

    assert summary["placed"] == 8
    stored = preview_groups(engine, cohort)
    assert {role for g in stored for _, role, _ in g["members"]} == {"learner"}
    assert sorted(u for g in stored for u, _, _ in g["members"]) == learners


def test_a_cohort_under_way_starts_new_groups_ahead_of_now(engine: Engine) -> None:
    with engine.begin() as conn:
        cohort = add_cohort(conn, "Late")  # started 1 March 2027
        add_facilitator(conn, cohort, "Europe/London", {"Tuesday": [("18:00", "20:00")]})
        for _ in range(4):
            add_person(conn, cohort, "Europe/Berlin", BERLIN_EVENING)
    later = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)

    run_scheduling(engine, cohort, now=later, time_limit=10.0)

    (group,) = preview_groups(engine, cohort)
    assert group["first_meeting_at"] > later
    assert group["first_meeting_at"].date().isoformat() == "2027-03-23"


def test_a_failure_while_saving_leaves_the_previous_preview_intact(
    engine: Engine, world: dict[str, Any]
) -> None:
    first = _run(engine, world["cohort"])
    before = (preview_groups(engine, world["cohort"]), reasons(engine, world["cohort"]))
    # After the old preview is deleted and the run and groups are inserted, members fail.
    with (
        refusing_member_inserts(engine),
        pytest.raises(SchedulingRunError, match="failed while saving .*members are refused"),
    ):
        _run(engine, world["cohort"], params={"max_group_size": 5})

    assert (preview_groups(engine, world["cohort"]), reasons(engine, world["cohort"])) == before
    assert [r.id for r in runs(engine, world["cohort"])] == [first["run_id"]]


def test_a_person_who_withdraws_while_the_solver_runs_stops_the_save(
    engine: Engine, world: dict[str, Any]
) -> None:
    first = _run(engine, world["cohort"])

    def withdraw_during_solve(progress: dict[str, Any]) -> None:
        if progress["stage"] == "saving":
            with engine.begin() as conn:
                conn.execute(
                    update(signups)
                    .where(signups.c.user_id == world["berlin"][2])
                    .values(withdrawn_at=NOW)
                )

    with pytest.raises(ConflictError, match=f"user.s. {world['berlin'][2]} withdrew"):
        _run(engine, world["cohort"], progress=withdraw_during_solve)
    assert {g["id"] for g in preview_groups(engine, world["cohort"])} == set(
        first["preview_group_ids"]
    )


def test_loading_reads_people_parameters_and_published_groups(
    engine: Engine, world: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        add_group(
            conn,
            world["cohort"],
            "Berlin Tuesdays",
            weekday=1,
            at=time(18, 30),
            members=[(world["europe"], "facilitator"), (world["berlin"][0], "learner")],
        )
        problem = load_cohort_problem(conn, world["cohort"], {"use_if_needed": False}, now=NOW)

    assert problem.params.cohort_start_date.isoformat() == "2027-03-01"
    assert (problem.params.number_of_meetings, problem.params.use_if_needed) == (8, False)
    assert problem.params.require_facilitator
    (existing,) = problem.existing
    assert (existing.name, existing.start.label()) == ("Berlin Tuesdays", "Tuesday 18:30 UTC")
    assert existing.learners == (str(world["berlin"][0]),)
    assert problem.grouped == {str(world["europe"]), str(world["berlin"][0])}
    ids = {p.id for p in problem.people}
    assert str(world["withdrawn"]) not in ids and str(world["narrow"]) in ids
    uncertified = next(p for p in problem.people if p.id == str(world["uncertified"]))
    assert not uncertified.certified


def test_per_group_anchors_keep_a_london_group_on_london_time_across_the_change(
    engine: Engine,
) -> None:
    london_hour = {"Tuesday": [("18:00", "19:00")]}
    with engine.begin() as conn:
        cohort = add_cohort(conn, "Anchored", anchor_timezone="per_group")
        add_facilitator(conn, cohort, "Europe/London", london_hour)
        for _ in range(4):
            add_person(conn, cohort, "Europe/London", london_hour)

    summary = _run(engine, cohort)

    (group,) = preview_groups(engine, cohort)
    assert (group["anchor_timezone"], group["weekday"], group["local_time"]) == (
        "Europe/London",
        1,
        time(18, 0),
    )
    assert group["first_meeting_at"] == datetime(2027, 3, 2, 18, 0, tzinfo=UTC)
    assert summary["placed"] == 4
    assert not any("local time shifts" in note for note in summary["dst_notes"])
    assert check_preview(engine, cohort) == []


def test_a_cohort_left_without_signups_replaces_its_preview_with_nothing(
    engine: Engine, world: dict[str, Any]
) -> None:
    _run(engine, world["cohort"])
    with engine.begin() as conn:
        conn.execute(
            update(signups).where(signups.c.cohort_id == world["cohort"]).values(withdrawn_at=NOW)
        )

    summary = _run(engine, world["cohort"])

    assert preview_groups(engine, world["cohort"]) == []
    assert (summary["groups"], summary["placed"], summary["learners"]) == ([], 0, 0)
    assert summary["unplaced_by_reason"] == {}
