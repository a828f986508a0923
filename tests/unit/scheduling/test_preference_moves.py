"""Preference moves: a group moves to where its leader pays less, or refills from the pool."""

from __future__ import annotations

import time

import pytest

from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.path_relocation import (
    relocate_along_paths,
    relocate_groups_along_paths,
)
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.pool_relocation import relocate_through_pool
from roundtable.scheduling.preferences import improve_preferences
from roundtable.scheduling.relocation import (
    dearest_leader,
    leader_cost_at,
    leader_fees,
    relocate_for_preferences,
)
from roundtable.scheduling.scheduler import _problem
from roundtable.scheduling.search import FAR, Search, clash_matrix
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.helpers import crowd, instance, person

TUE = {"Tuesday": [["18:00", "19:00"]]}
WED = {"Wednesday": [["18:00", "19:00"]]}
THU = {"Thursday": [["18:00", "19:00"]]}


def _problem_of(document):
    params, people, existing = parse_instance(document)
    return _problem(people, params, existing)


def _start(problem, day):
    return next(s for s in problem.viable_starts if problem.catalog.starts[s].start.weekday == day)


def test_a_group_whose_leader_pays_moves_where_a_leader_is_free_at_no_cost():
    # F0 can lead Tuesday only on if-needed time, Wednesday regularly; the learners can
    # make both, so they gain nothing by moving: only the leader's cost makes it pay.
    people = [
        person("F0", "UTC", WED, if_needed=TUE, max_groups=1),
        *crowd("L", 5, "UTC", TUE | WED),
    ]
    problem = _problem_of(instance(people))
    tuesday, wednesday = _start(problem, 1), _start(problem, 2)
    plan = Plan(groups_at={tuesday: [0]}, learners_at={tuesday: list(range(5))})
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    assert relocate_for_preferences(search)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert sorted(result.groups_at) == [wednesday]
    assert after["preferences"] == 0 < before["preferences"]
    assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"])


def test_the_search_stops_at_once_where_the_plan_is_at_its_floor():
    # F0 leads Tuesday on if-needed time where F1, free, would lead it at no cost: a
    # floor at the plan's own cost (a proven bound, in the phase) leaves nothing to
    # gain, so not even the hand-over is made; below it, it is
    people = [
        person("F0", "UTC", WED, if_needed=TUE, max_groups=1),
        person("F1", "UTC", TUE, max_groups=1),
        *crowd("L", 5, "UTC", TUE),
    ]
    problem = _problem_of(instance(people))
    tuesday = _start(problem, 1)
    f0, f1 = sorted(range(2), key=lambda f: problem.facilitators[f].person.id)
    plan = Plan(groups_at={tuesday: [f0]}, learners_at={tuesday: list(range(5))})
    paid = plan_objectives(problem, plan)["preferences"]
    search = Search(problem, plan)
    improve_preferences(search, seconds=5, floor=paid)
    assert search.plan().groups_at == {tuesday: [f0]}
    improve_preferences(search, seconds=5, floor=paid - 1)
    assert search.plan().groups_at == {tuesday: [f1]}
    assert plan_objectives(problem, search.plan())["preferences"] < paid


def test_a_group_refills_from_the_pool_where_its_leader_pays_nothing():
    # F0 can lead one group: Wednesday only on if-needed time. The Wednesday learners can
    # make nothing else, so the group cannot move with them; the Tuesday learners waiting
    # in the pool can fill it on Tuesday instead, at no cost to anyone.
    people = [
        person("F0", "UTC", TUE, if_needed=WED, max_groups=1),
        *crowd("W", 5, "UTC", WED),
        *crowd("P", 5, "UTC", TUE),
    ]
    problem = _problem_of(instance(people))
    ids = [a.person.id for a in problem.learners]
    tuesday, wednesday = _start(problem, 1), _start(problem, 2)
    on_wednesday = [ids.index(f"W{k}") for k in range(5)]
    plan = Plan(groups_at={wednesday: [0]}, learners_at={wednesday: on_wednesday})
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    assert not relocate_for_preferences(search)  # its own learners cannot follow
    assert relocate_through_pool(search, deadline=time.monotonic() + 5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert sorted(result.groups_at) == [tuesday]
    assert sorted(result.learners_at[tuesday]) == sorted(ids.index(f"P{k}") for k in range(5))
    assert after["preferences"] == 0 < before["preferences"]
    assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"])


def test_a_learner_leaves_if_needed_time_by_a_group_opened_where_others_come_along_paths():
    # X sits on if-needed Tuesday with A0..A3 (who can make Tuesday and Wednesday only);
    # B0..B4 meet on Wednesday and can make Thursday, X's regular time. Every group has
    # the target 5, so nobody can move alone, and neither group can move whole. Closing
    # Tuesday and opening Thursday works if the A's go to Wednesday and four B's on to
    # Thursday: paths Tuesday -> Wednesday -> Thursday.
    people = [
        person("F0", "UTC", TUE | THU, max_groups=1),
        person("F1", "UTC", WED, max_groups=1),
        person("X", "UTC", THU, if_needed=TUE),
        *crowd("A", 4, "UTC", TUE | WED),
        *crowd("B", 5, "UTC", WED | THU),
    ]
    problem = _problem_of(instance(people))
    ids = [a.person.id for a in problem.learners]
    tuesday, wednesday, thursday = (_start(problem, day) for day in (1, 2, 3))
    plan = Plan(
        groups_at={tuesday: [0], wednesday: [1]},
        learners_at={
            tuesday: [ids.index(i) for i in ("X", "A0", "A1", "A2", "A3")],
            wednesday: [ids.index(f"B{k}") for k in range(5)],
        },
    )
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    assert not relocate_for_preferences(search)
    assert relocate_along_paths(search, deadline=time.monotonic() + 5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert sorted(result.groups_at) == [wednesday, thursday]
    assert ids.index("X") in result.learners_at[thursday]
    assert after["preferences"] == 0 < before["preferences"]
    assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"]) == (10, 0)
    assert plan_is_consistent(problem, result)


def test_a_group_whose_leader_pays_moves_where_a_free_leader_is_its_learners_coming_along_paths():
    # F0 leads Tuesday on if-needed time; F2, free, leads Thursday at no cost. Nobody
    # pays but F0, and Tuesday's learners (A) cannot make Thursday, so the group cannot
    # move with them; but the A's can join Wednesday, whose learners (B) can make
    # Thursday: close Tuesday, open Thursday, paths Tuesday -> Wednesday -> Thursday.
    people = [
        person("F0", "UTC", {}, if_needed=TUE, max_groups=1),
        person("F1", "UTC", WED, max_groups=1),
        person("F2", "UTC", THU, max_groups=1),
        *crowd("A", 5, "UTC", TUE | WED),
        *crowd("B", 5, "UTC", WED | THU),
    ]
    problem = _problem_of(instance(people))
    ids = [a.person.id for a in problem.learners]
    tuesday, wednesday, thursday = (_start(problem, day) for day in (1, 2, 3))
    plan = Plan(
        groups_at={tuesday: [0], wednesday: [1]},
        learners_at={
            tuesday: [ids.index(f"A{k}") for k in range(5)],
            wednesday: [ids.index(f"B{k}") for k in range(5)],
        },
    )
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    assert not relocate_for_preferences(search)  # its own learners cannot follow
    assert relocate_groups_along_paths(search, deadline=time.monotonic() + 5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert sorted(result.groups_at) == [wednesday, thursday]
    assert result.groups_at[thursday] == [2]
    assert after["preferences"] == 0 < before["preferences"]
    assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"]) == (10, 0)
    assert plan_is_consistent(problem, result)


def _few_facilitators(seed: int, per_group: bool):
    """A generated cohort with two facilitators in three removed (so some wait in the pool)."""
    extra = {"anchor_timezone": "per_group"} if per_group else {}
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8} | extra
    document = generate_instance(60, seed, params=params)
    facilitators = [p["id"] for p in document["people"] if p["role"] == "facilitator"]
    dropped = {f for k, f in enumerate(facilitators) if k % 3}
    document["people"] = [p for p in document["people"] if p["id"] not in dropped]
    return _problem_of(document)


def assert_earlier_phases_kept(problem, before: Plan, after: Plan, bound: int) -> None:
    """A preferences step's answer: placement and sizes no worse, preferences between the
    step's bound and what it started from, the counts consistent and the leaders legal."""
    old, new = plan_objectives(problem, before), plan_objectives(problem, after)
    assert new["placed"] >= old["placed"]
    assert new["sizes"] <= old["sizes"]
    assert bound <= new["preferences"] <= old["preferences"]
    assert plan_is_consistent(problem, after)
    assert _leaders_legal(problem, after)


def _leaders_legal(problem, plan: Plan) -> bool:
    """Every leader can lead where they lead, within capacity, never in two clashing starts."""
    clash = clash_matrix(problem, problem.viable_starts)
    node = {start: k for k, start in enumerate(problem.viable_starts)}
    led: dict[int, list[int]] = {}
    for start, leaders in plan.groups_at.items():
        for f in leaders:
            if start not in problem.facilitator_options[f]:
                return False
            led.setdefault(f, []).append(node[start])
    return all(
        len(nodes) <= problem.facilitator_capacity[f]
        and not any(clash[a, b] for i, a in enumerate(nodes) for b in nodes[i + 1 :])
        for f, nodes in led.items()
    )


@pytest.mark.parametrize("per_group", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_preference_moves_never_worsen_an_earlier_phase(seed, per_group):
    problem = _few_facilitators(seed, per_group)
    plan = solve_heuristic(problem, seed)
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    improve_preferences(search, seconds=5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert (after["placed"], after["joins"]) == (before["placed"], before["joins"])
    assert after["sizes"] <= before["sizes"]
    assert after["preferences"] <= before["preferences"]
    assert plan_is_consistent(problem, result)
    assert _leaders_legal(problem, result)


@pytest.mark.parametrize("per_group", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_moving_groups_along_paths_never_worsens_an_earlier_phase(seed, per_group):
    # paths may pass through the pool here (not everyone can be placed): placement holds
    problem = _few_facilitators(seed, per_group)
    plan = solve_heuristic(problem, seed)
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    relocate_groups_along_paths(search, deadline=time.monotonic() + 5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert (after["placed"], after["joins"]) == (before["placed"], before["joins"])
    assert after["sizes"] <= before["sizes"]
    assert after["preferences"] <= before["preferences"]
    assert plan_is_consistent(problem, result)
    assert _leaders_legal(problem, result)


@pytest.mark.parametrize("seed", range(3))
def test_leader_fees_match_releasing_the_leader_and_looking_again(seed):
    problem = _few_facilitators(seed, per_group=True)
    search = Search(problem, solve_heuristic(problem, seed))
    cheapest = search.leaders.cheapest_free()
    starts = len(search.starts)
    for origin in [k for k in range(starts) if search.groups[k]]:
        leaving = dearest_leader(search, origin)
        fees = leader_fees(search, origin, leaving, cheapest)
        mark = search.mark()
        search.remove_group(origin, leaving)
        after = search.leaders.cheapest_free()[:starts]
        search.undo(mark)
        released = leader_cost_at(search, leaving, origin)
        assert fees.tolist() == [released - c if c < FAR else 0 for c in after.tolist()]
