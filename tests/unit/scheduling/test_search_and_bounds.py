"""The local search, the solver-free bounds, and the phases they prove."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from roundtable.scheduling.bounds import preference_bound, size_bound
from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.leading import share_groups
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.polish import augment
from roundtable.scheduling.preferences import improve_preferences
from roundtable.scheduling.scheduler import _problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.timegrid import _offset_table, zone
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.helpers import crowd, group_of, instance, person, solve
from tests.unit.scheduling.validator import validate

TUESDAY = {"Tuesday": [["18:00", "19:00"]]}
LATER = {"Tuesday": [["19:00", "20:00"]]}
BOTH = {"Tuesday": [["18:00", "20:00"]]}


def _problem_of(document):
    params, people, existing = parse_instance(document)
    return _problem(people, params, existing)


def _start(problem, hour):
    return next(
        s
        for s in problem.viable_starts
        if problem.catalog.starts[s].start.local_minute == hour * 60
    )


def test_an_augmenting_path_places_a_learner_by_moving_a_flexible_one():
    # 18:00 is full (7 learners); "Stuck" can only come at 18:00 but "Mover" can go to 19:00
    people = [
        person("F1", "UTC", BOTH),
        person("F2", "UTC", BOTH),
        *crowd("A", 6, "UTC", TUESDAY),
        person("Mover", "UTC", BOTH),
        *crowd("B", 3, "UTC", LATER),
        person("Stuck", "UTC", TUESDAY),
    ]
    problem = _problem_of(instance(people))
    ids = [a.person.id for a in problem.learners]
    early, late = _start(problem, 18), _start(problem, 19)
    plan = Plan(
        groups_at={early: [0], late: [1]},
        learners_at={
            early: [ids.index(i) for i in [*(f"A{k}" for k in range(6)), "Mover"]],
            late: [ids.index(f"B{k}") for k in range(3)],
        },
    )
    search = Search(problem, plan)
    assert augment(search) == 1
    result = search.plan()
    assert ids.index("Stuck") in result.learners_at[early]
    assert ids.index("Mover") in result.learners_at[late]
    assert plan_is_consistent(problem, result)


def test_cycles_move_learners_to_regular_time_without_changing_any_count():
    # X0..X3 are at 18:00 on if-needed time but free at 19:00 regularly; Y0..Y3 the reverse
    people = [
        person("F1", "UTC", BOTH),
        person("F2", "UTC", BOTH),
        *[person(f"X{k}", "UTC", LATER, if_needed=TUESDAY) for k in range(4)],
        *[person(f"Y{k}", "UTC", TUESDAY, if_needed=LATER) for k in range(4)],
    ]
    problem = _problem_of(instance(people))
    ids = [a.person.id for a in problem.learners]
    early, late = _start(problem, 18), _start(problem, 19)
    plan = Plan(
        groups_at={early: [0], late: [1]},
        learners_at={
            early: [ids.index(f"X{k}") for k in range(4)],
            late: [ids.index(f"Y{k}") for k in range(4)],
        },
    )
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    improve_preferences(search, seconds=5)
    after = plan_objectives(problem, search.plan())
    assert after["preferences"] == 0 < before["preferences"]
    assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"])
    assert sorted(len(m) for m in search.plan().learners_at.values()) == [4, 4]


def test_a_chain_of_hand_overs_gives_a_group_to_an_idle_facilitator():
    # F1 leads 20:00 and 22:00; idle F2 can only lead 18:00, which F3 leads; F3 can also
    # lead 20:00. Chain: F2 takes 18:00 from F3, F3 takes 20:00 from F1.
    people = [
        person("F1", "UTC", {"Tuesday": [["20:00", "23:00"]]}, max_groups=2),
        person("F2", "UTC", TUESDAY),
        person("F3", "UTC", {"Tuesday": [["18:00", "19:00"], ["20:00", "21:00"]]}),
        *crowd("A", 4, "UTC", TUESDAY),
        *crowd("B", 4, "UTC", {"Tuesday": [["20:00", "21:00"]]}),
        *crowd("C", 4, "UTC", {"Tuesday": [["22:00", "23:00"]]}),
    ]
    problem = _problem_of(instance(people))
    ids = [a.person.id for a in problem.learners]
    leaders = [a.person.id for a in problem.facilitators]
    f1, f3 = leaders.index("F1"), leaders.index("F3")
    starts = {hour: _start(problem, hour) for hour in (18, 20, 22)}
    plan = Plan(
        groups_at={starts[18]: [f3], starts[20]: [f1], starts[22]: [f1]},
        learners_at={
            starts[hour]: [ids.index(f"{prefix}{k}") for k in range(4)]
            for hour, prefix in ((18, "A"), (20, "B"), (22, "C"))
        },
    )
    search = Search(problem, plan)
    assert share_groups(search) == 1
    led = {
        leaders[f]: [problem.viable_starts[n] for n in nodes]
        for f, nodes in enumerate(search.leaders.at)
    }
    assert led == {"F1": [starts[22]], "F2": [starts[18]], "F3": [starts[20]]}
    assert plan_is_consistent(problem, search.plan())


def test_size_bound_is_the_nearest_count_of_groups_to_the_target():
    document = instance([*crowd("L", 9, "UTC", TUESDAY)], require_facilitator=False)
    problem = _problem_of(document)
    # peer groups of 4..8 aiming at 6: 50 learners -> 8 groups of 6 leave 2 over
    assert size_bound(problem, 50) == 2
    assert size_bound(problem, 48) == 0
    assert size_bound(problem, 0) == 0


def test_preference_bound_counts_each_learners_cheapest_option():
    people = [
        person("F1", "UTC", BOTH),
        *crowd("L", 3, "UTC", TUESDAY),
        person("Late", "UTC", {}, if_needed=TUESDAY),
    ]
    problem = _problem_of(instance(people))
    weight = len(problem.learners) + len(problem.facilitators) + 1
    assert preference_bound(problem, everyone_placed=True) == weight
    assert preference_bound(problem, everyone_placed=False) == 0


def test_a_phase_whose_answer_meets_its_bound_is_proven_without_the_solver():
    document = instance([person("F1", "UTC", BOTH), *crowd("L", 5, "UTC", TUESDAY)])
    result = solve(document)
    placed, sizes, *_rest = result["stats"]["phases"]
    assert placed.startswith("placed") and placed.endswith("everyone who can meet, optimal")
    assert sizes.endswith("0 = lower bound, optimal")


@pytest.mark.parametrize("seed", range(4))
def test_heuristic_plans_are_consistent_and_the_exact_solve_never_places_fewer(seed):
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}
    params["anchor_timezone"] = "per_group" if seed % 2 else "UTC"
    document = generate_instance(80, seed, narrow=seed % 2 == 1, params=params)
    problem = _problem_of(document)
    plan = solve_heuristic(problem, seed)
    assert plan_is_consistent(problem, plan)
    exact = solve(document, seed=seed, time_limit=5)
    assert validate(document, exact) == []
    assert exact["stats"]["placed"] >= plan.placed()


def test_per_group_learners_on_one_clock_share_a_group_anchored_in_their_zone():
    march = {"cohort_start_date": "2025-03-10", "number_of_meetings": 4}
    people = [
        person("F_EU", "Europe/Berlin", {"Monday": [["19:00", "21:00"]]}),
        *crowd("EU", 5, "Europe/Berlin", {"Monday": [["19:00", "20:00"]]}),
    ]
    document = instance(people, anchor_timezone="per_group", **march)
    result = solve(document)
    assert validate(document, result) == []
    group = group_of(result, "EU0")
    assert group["anchor_timezone"] == "Europe/Berlin"
    assert group["local_time_changes"] == []


@pytest.mark.parametrize("name", ["America/New_York", "Australia/Adelaide", "Asia/Kathmandu"])
def test_offset_tables_skip_whole_days_and_still_find_every_change(name):
    low = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()) // 60
    high = int(datetime(2025, 12, 31, tzinfo=UTC).timestamp()) // 60
    bounds, offsets = _offset_table(zone(name), low, high)
    tz = ZoneInfo(name)
    for minute in range(low, high, 6 * 60):  # the offset at every 6th hour matches zoneinfo
        found = offsets[max(i for i, b in enumerate(bounds) if b <= minute)]
        actual = datetime.fromtimestamp(minute * 60, UTC).astimezone(tz).utcoffset()
        assert actual is not None and found == actual.total_seconds() // 60


@pytest.mark.parametrize("seed", range(3))
def test_the_search_s_group_counts_follow_its_groups_through_moves_and_undo(seed):
    # group_counts is kept up to date instead of counted from the lists at every call;
    # lower, upper and deviation must read as if counted afresh
    import numpy as np

    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}
    problem = _problem_of(generate_instance(120, seed, narrow=seed == 1, params=params))
    search = Search(problem, solve_heuristic(problem, seed))

    def counted():
        groups = np.array([len(g) for g in search.groups], dtype=np.int64)
        assert search.group_counts.tolist() == groups.tolist()
        starts, room = len(search.starts), [max(s.room, 0) for s in problem.existing]
        assert search.lower()[:starts].tolist() == (groups * search.low).tolist()
        assert search.upper().tolist() == (groups * search.high).tolist() + room
        assert (
            search.deviation().tolist()
            == (search.counts[:starts] - search.target * groups).tolist()
        )

    counted()
    mark = search.mark()
    with_groups = [k for k, g in enumerate(search.groups) if g]
    assert with_groups
    for node in with_groups[:5]:
        search.remove_group(node)
        counted()
    leader = -1 if not problem.facilitated else None
    for node in with_groups[:3]:
        who = leader if leader is not None else search.leaders.free_at(node)
        if who is not None:
            search.add_group(node, who)
            counted()
    search.undo(mark)
    counted()
