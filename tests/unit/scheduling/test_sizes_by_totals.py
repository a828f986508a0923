"""The sizes phase solved one total number of groups at a time (totals.py): its bound never
exceeds the brute-forced optimum, its answer keeps placement, and it proves optima the
solver-free bound cannot."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from roundtable.scheduling import totals
from roundtable.scheduling.bounds import size_bound
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.phase_context import PhaseContext, fewest_groups
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.polish import place_more
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.scheduler import _problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.totals import (
    Relaxation,
    _beside,
    _bounding,
    _by_floors,
    _completed,
    _least_open,
    _loose_rows,
    _side_floors,
    fewest_total,
    floor_at,
    relax_totals,
    solve_by_totals,
    totals_below,
    totals_range,
)
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.helpers import instance, person
from tests.unit.scheduling.test_overlap_cliques import _per_group_cohort
from tests.unit.scheduling.test_phase_bounds import _brute_force, _cohort, _hours, _problem_of

TUESDAY = {"Tuesday": [["18:00", "19:00"]]}
WEDNESDAY = {"Wednesday": [["18:00", "19:00"]]}


def _three_and_five() -> Problem:
    """A peer cohort of 3..5, target 4: three learners only on Tuesday, five only on
    Wednesday."""
    people = [person(f"A{k}", "UTC", TUESDAY) for k in range(3)]
    people += [person(f"B{k}", "UTC", WEDNESDAY) for k in range(5)]
    document = instance(
        people, min_group_size=3, max_group_size=5, target_group_size=4, require_facilitator=False
    )
    params, everyone, existing = parse_instance(document)
    return _problem(everyone, params, existing)


def _placed_plan(problem: Problem) -> Plan:
    search = Search(problem, solve_heuristic(problem, 1))
    place_more(search)
    return search.plan()


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_by_totals_never_exceeds_the_brute_forced_optimum(seed: int) -> None:
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, _preferences, _spread = _brute_force(problem)
    plan = _placed_plan(problem)
    if plan.placed() != placed:  # the phase only runs once placement is proven
        plan = solve_exact(problem, plan, 1, 10.0).plan
    before = plan_objectives(problem, plan)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    outcome = solve_by_totals(runner, plan, 10.0, placed, 0)
    after = plan_objectives(problem, outcome.plan)
    assert outcome.bound <= sizes <= outcome.value == after["sizes"] <= before["sizes"]
    assert outcome.bound == sizes  # tiny cohorts: every total is solved
    assert after["placed"] == placed and plan_is_consistent(problem, outcome.plan)


def test_the_totals_of_groups_are_those_the_sizes_allow() -> None:
    people = [person(f"A{k}", "UTC", TUESDAY) for k in range(10)]
    problem = _problem_of(people, require_facilitator=False)  # 3..4 learners, target 4
    assert list(totals_range(problem, 10)) == [3]
    assert [floor_at(problem, 10, total) for total in (2, 3, 4)] == [2, 2, 6]


def test_totals_prove_an_optimum_the_solver_free_bound_misses() -> None:
    # two groups (the only total that fits) are 3 and 5: sizes 2, while |8 - 4 * 2| = 0 is
    # all the solver-free bound sees
    problem = _three_and_five()
    assert size_bound(problem, 8) == 0
    runner = Runner(problem, 1)
    runner.hold("placed", 8)
    outcome = solve_by_totals(runner, _placed_plan(problem), 10.0, 8, 0)
    assert (outcome.value, outcome.bound) == (2, 2)


def test_the_sizes_phase_proves_what_the_solver_free_bound_misses() -> None:
    # as above, through the exact solve (the full model first, then totals if need be)
    problem = _three_and_five()
    outcome = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
    result = outcome.results["sizes"]
    assert (result.value, result.bound, result.proven) == (2, 2, True)


def _peer_cohort(seed: int) -> Problem:
    """Seven to ten peer learners over three evenings, groups of 2..5, target 3."""
    rng = random.Random(seed)
    people = [person(f"L{k}", "UTC", _hours(rng) or WEDNESDAY) for k in range(rng.randint(7, 10))]
    document = instance(
        people, min_group_size=2, max_group_size=5, target_group_size=3, require_facilitator=False
    )
    params, everyone, existing = parse_instance(document)
    return _problem(everyone, params, existing)


def _least_sizes_by_total(problem: Problem) -> tuple[int, dict[int, int]]:
    """Most learners placed, and for each total of groups the least size objective of an
    answer placing them, over every choice of seats (peer cohorts: any number of groups
    wherever the learners sit)."""
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    best: dict[int, dict[int, int]] = {}
    for chosen in itertools.product(*[[None, *options] for options in problem.learner_options]):
        counts = Counter(start for start in chosen if start is not None)
        totals = {0: 0}  # groups so far -> least deviation so far
        for count in counts.values():
            more: dict[int, int] = {}
            for total, cost in totals.items():
                for g in range(1, count + 1):
                    if low * g <= count <= high * g:
                        value = cost + abs(count - target * g)
                        more[total + g] = min(value, more.get(total + g, value))
            totals = more
        placed = best.setdefault(sum(counts.values()), {})
        for total, cost in totals.items():
            placed[total] = min(cost, placed.get(total, cost))
    most = max(best)
    return most, best[most]


@pytest.mark.parametrize("seed", range(12))
def test_the_relaxation_bounds_each_total_below_its_brute_forced_optimum(seed: int) -> None:
    problem = _peer_cohort(seed)
    placed, optima = _least_sizes_by_total(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    relaxation = relax_totals(runner, 10.0)
    assert relaxation is not None
    for total, optimum in optima.items():
        assert relaxation.at_least(total) <= optimum
    assert relaxation.least() <= min(optima.values())


@pytest.mark.parametrize("seed", range(12))
def test_the_relaxation_bound_never_exceeds_the_brute_forced_optimum_with_leaders(
    seed: int,
) -> None:
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, _preferences, _spread = _brute_force(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    relaxation = relax_totals(runner, 10.0)
    assert relaxation is not None and relaxation.least() <= sizes


def test_the_relaxation_proves_an_optimum_the_floor_misses() -> None:
    # 8 learners, target 3: the floor |8 - 3T| says 1 (T = 3), but where they can meet
    # no 3 groups come nearer than 3 (nor do 4)
    problem = _peer_cohort(33)
    placed, optima = _least_sizes_by_total(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    relaxation = relax_totals(runner, 10.0)
    assert relaxation is not None
    assert size_bound(problem, placed) == 1 < relaxation.least() == min(optima.values()) == 3


def test_the_free_relaxation_bounds_every_total_whatever_the_sides_duals_say() -> None:
    # sparse:303: the free relaxation lands on 81 groups (no fewer fit where the learners
    # can meet), worth 147; the total row's dual there is +4 (more groups cost more), so
    # V(81) bounds nothing below it and 81's side got 0, the other side its floor 147:
    # the phase's bound was the floor 2 (at 52 groups) against the optimum 147
    relaxation = Relaxation(centre=81.0, below=0.0, above=147.0, free=147.0)
    assert [relaxation.at_least(total) for total in (52, 81, 90)] == [147, 147, 147]
    assert relaxation.least() == 147
    # a side's own bound above the free value stays
    assert Relaxation(centre=20.5, below=9.0, above=14.0, free=8.5).least() == 9
    assert Relaxation(centre=20.5, below=math.inf, above=14.0, free=8.5).at_least(20) > 10**6


def test_a_solved_totals_dual_bounds_the_totals_away_from_it_by_its_slope() -> None:
    # sparse:304: 129.75 at 75 groups with the total row's dual -5, so each group fewer
    # costs at least 5 more: 135 at 74, 140 at 73 (the side alone said 130 for all)
    lines = ((75, 129.75, -5.0),)
    relaxation = Relaxation(centre=75.075, below=129.75, above=134.0, lines=lines)
    assert [relaxation.at_least(total) for total in (73, 74, 75, 76)] == [140, 135, 130, 134]
    assert Relaxation(centre=75.075, below=129.75, above=134.0).at_least(73) == 130


def test_totals_on_the_far_side_of_a_centre_with_no_answer_are_unreachable() -> None:
    # sparse:302: the loose relaxation lands on 75 groups, which have no answer with the
    # overlap rows; free again with them it lands on 76, so no total at or below 75 has one
    assert _beside(76.0, 75.0) == (76, math.inf)
    assert _beside(70.5, 75.0) == (0, 74)
    relaxation = Relaxation(76.0, 0.0, 135.0, free=135.0, feasible=_beside(76.0, 75.0))
    assert relaxation.at_least(75) > 10**6 and relaxation.at_least(76) == 135


@pytest.mark.parametrize("seed", range(12))
def test_every_totals_least_sizes_have_the_parity_of_its_floor(seed: int) -> None:
    # the deviations sum to n - t*T and |d| = d (mod 2): the bound per total may be
    # raised to that parity
    problem = _peer_cohort(seed)
    placed, optima = _least_sizes_by_total(problem)
    assert all((optimum - floor_at(problem, placed, t)) % 2 == 0 for t, optimum in optima.items())


def test_a_totals_bound_is_raised_to_the_parity_of_its_floor() -> None:
    # 10 learners in groups of 3..5, target 4: 2 or 3 groups, floor 2 each; a bound of
    # 3 for both is 4 by parity, so neither can beat an answer worth 4
    people = [person(f"A{k}", "UTC", TUESDAY) for k in range(10)]
    document = instance(
        people, min_group_size=3, max_group_size=5, target_group_size=4, require_facilitator=False
    )
    params, everyone, existing = parse_instance(document)
    problem = _problem(everyone, params, existing)
    assert list(totals_range(problem, 10)) == [2, 3]
    assert totals_below(problem, 10, 4, lambda _total: 3) == []
    assert totals_below(problem, 10, 5, lambda _total: 3) == [2, 3]


@pytest.mark.parametrize("seed", range(12))
def test_totals_by_the_relaxation_reach_the_brute_forced_optimum(seed: int) -> None:
    # each total is first asked for an answer at its relaxation's bound, without an
    # objective; a refusal raises the total's bound by one
    problem = _peer_cohort(seed)
    placed, optima = _least_sizes_by_total(problem)
    plan = _placed_plan(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    relaxation = relax_totals(runner, 10.0)
    assert relaxation is not None
    outcome = solve_by_totals(runner, plan, 10.0, placed, 0, relaxation.at_least)
    assert outcome.bound == outcome.value == min(optima.values())
    # what the solves proved about each total never exceeds its brute-forced optimum
    assert all(outcome.at_least[total] <= optimum for total, optimum in optima.items())
    fewest = min(total for total, value in optima.items() if value <= outcome.value)
    found = fewest_total(problem, placed, outcome.value, lambda t: outcome.at_least.get(t, 0))
    assert found is not None and found <= fewest
    assert plan_objectives(problem, outcome.plan)["sizes"] == outcome.value
    assert plan_is_consistent(problem, outcome.plan)


def _overlapping_cohort(seed: int) -> Problem:
    """Two leaders of up to two groups each on Tuesday evening, whose hour-long starts
    overlap (so each leader has overlap rows), and 6-9 learners on parts of it."""
    rng = random.Random(seed)
    windows = [["18:00", "19:30"], ["18:30", "20:00"], ["19:00", "20:30"], ["18:00", "20:30"]]
    people = [
        person("F0", "UTC", {"Tuesday": [["18:00", "20:00"]]}, max_groups=2),
        person("F1", "UTC", {"Tuesday": [["18:30", "20:30"]]}, max_groups=2),
    ]
    for k in range(rng.randint(6, 9)):
        people.append(person(f"L{k}", "UTC", {"Tuesday": [rng.choice(windows)]}))
    document = instance(people, min_group_size=2, max_group_size=4, target_group_size=3)
    params, everyone, existing = parse_instance(document)
    return _problem(everyone, params, existing)


def test_overlapping_leaders_have_overlap_rows_and_keep_their_capacity_rows() -> None:
    problem = _overlapping_cohort(0)
    model, _highs = Runner(problem, 1).loaded()
    spread, overlaps = _loose_rows(model)
    columns_of = {f: {col for (g, _start), col in model.y.items() if g == f} for f in (0, 1)}
    assert overlaps  # the test's premise: the leaders' starts overlap
    for index in overlaps:
        _lower, upper, columns, _coefficients = model.rows[index]
        owners = [f for f in (0, 1) if set(columns) <= columns_of[f]]
        assert upper == 1 and len(owners) == 1 and set(columns) != columns_of[owners[0]]
    spread_columns = {model.m, *model.o.values()}
    assert spread and all(spread_columns & set(model.rows[index][2]) for index in spread)


@pytest.mark.parametrize("seed", range(8))
def test_the_relaxation_with_overlapping_leaders_stays_below_the_proven_optimum(
    seed: int,
) -> None:
    # the centre comes from the relaxation without the overlap rows; the totals next to
    # it, with them, bound their sides only as their row duals allow
    problem = _overlapping_cohort(seed)
    outcome = solve_exact(problem, solve_heuristic(problem, 1), 1, 20.0)
    placed, sizes = outcome.results["placed"], outcome.results["sizes"]
    assert placed.proven and sizes.proven
    runner = Runner(problem, 1)
    runner.hold("placed", placed.value)
    model, highs = runner.loaded()
    bounds = [highs.getLp().row_lower_, highs.getLp().row_upper_]
    relaxation = relax_totals(runner, 10.0)
    assert relaxation is not None and relaxation.least() <= sizes.value
    assert [list(b) for b in bounds] == [
        list(highs.getLp().row_lower_),
        list(highs.getLp().row_upper_),
    ]


def test_a_total_bounds_only_the_side_its_dual_leans_to() -> None:
    # values and duals of the relaxation at two adjacent totals (below, above)
    assert (_bounding([(7.0, -2.0), (5.0, 3.0)], 0), _bounding([(7.0, -2.0), (5.0, 3.0)], 1)) == (
        7.0,
        5.0,
    )
    # the centre was on the wrong side: the value there proves nothing for its side
    assert _bounding([(7.0, 1.0), (9.0, 3.0)], 0) == 0.0
    assert _bounding([(7.0, -1.0), (9.0, -3.0)], 1) == 0.0
    # one side infeasible, the other not: every total beyond it is infeasible
    assert _bounding([(math.inf, 0.0), (9.0, 3.0)], 0) == math.inf
    assert _bounding([(math.inf, 0.0), (math.inf, 0.0)], 0) == 0.0


@pytest.mark.parametrize("seed", range(12))
def test_a_side_left_to_its_floors_keeps_every_total_below_its_optimum(seed: int) -> None:
    # given the learners, the side with the higher floors is not solved where they alone
    # reach the other side's value; the phase's least bound is the same as with both
    problem = _peer_cohort(seed)
    placed, optima = _least_sizes_by_total(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    both = relax_totals(runner, 10.0)
    floored = relax_totals(runner, 10.0, placed)
    assert both is not None and floored is not None
    for total, optimum in optima.items():
        assert floored.at_least(total) <= optimum
    assert floored.least() == both.least()


def test_the_floors_of_each_side_and_when_they_spare_a_relaxation() -> None:
    people = [person(f"A{k}", "UTC", TUESDAY) for k in range(10)]
    problem = _problem_of(people, require_facilitator=False)  # 3..4 learners, target 4
    # 10 learners can only be 3 groups (floor 2): nothing at or below 2, 2 at or above 3
    assert _side_floors(problem, 10, (2, 3)) == {0: math.inf, 1: 2}
    assert _side_floors(problem, None, (2, 3)) == {0: 0.0, 1: 0.0}
    assert _by_floors({1: (1.5, 0.0)}, 2) and not _by_floors({1: (2.5, 0.0)}, 2)
    assert not _by_floors({}, 2) and not _by_floors({1: (math.inf, 0.0)}, 2)


@pytest.mark.parametrize("seed", range(12))
def test_leaders_whole_in_the_relaxation_start_totals_that_reach_the_optimum(seed: int) -> None:
    # the leaders' columns whole in each side's relaxation, handed to HiGHS as a partial
    # answer, never stop the totals from reaching the brute-forced optimum
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, _preferences, _spread = _brute_force(problem)
    plan = _placed_plan(problem)
    if plan.placed() != placed:
        plan = solve_exact(problem, plan, 1, 10.0).plan
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    relaxation = relax_totals(runner, 10.0, placed)
    assert relaxation is not None
    leaders = set(runner.loaded()[0].y.values())
    assert all(set(hint) <= leaders for hint in relaxation.whole.values())
    outcome = solve_by_totals(runner, plan, 10.0, placed, 0, relaxation.at_least, relaxation.whole)
    assert outcome.bound == outcome.value == sizes
    assert plan_objectives(problem, outcome.plan)["sizes"] == sizes
    assert plan_is_consistent(problem, outcome.plan)


def _held_runner(seed: int) -> tuple[Runner, int]:
    """A brute-forced facilitated cohort's runner with placement held at its optimum, and
    the learners that places."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, _sizes, _preferences, _spread = _brute_force(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    return runner, placed


def _column_bounds(runner: Runner) -> tuple[list[float], list[float]]:
    lp = runner.loaded()[1].getLp()
    return list(lp.col_lower_), list(lp.col_upper_)


@pytest.mark.parametrize("seed", range(6))
def test_a_completed_hint_keeps_its_values_and_the_bounds_come_back(seed: int) -> None:
    runner, placed = _held_runner(seed)
    relaxation = relax_totals(runner, 10.0, placed)
    assert relaxation is not None and relaxation.whole
    before = _column_bounds(runner)
    runner.stopper.aim(0, False, {})  # as `_at_most`: any answer will do
    completed = [_completed(runner, 10.0, hint) for hint in relaxation.whole.values()]
    for hint, found in zip(relaxation.whole.values(), completed, strict=True):
        assert found is None or all(found[col] == value for col, value in hint.items())
    assert any(found is not None for found in completed)
    assert _column_bounds(runner) == before


def test_a_hint_outside_a_columns_bounds_is_not_fixed() -> None:
    # a column held at 0 (as a later phase's hold would) and hinted at 1 stays at 0: the
    # completion is not tried, though with the column fixed at 1 it finds an answer
    runner, placed = _held_runner(0)
    relaxation = relax_totals(runner, 10.0, placed)
    assert relaxation is not None
    runner.stopper.aim(0, False, {})
    hint = next(h for h in relaxation.whole.values() if _completed(runner, 10.0, h) is not None)
    column = next(col for col, value in hint.items() if value == 1)
    highs = runner.loaded()[1]
    highs.changeColBounds(column, 0.0, 0.0)
    before = _column_bounds(runner)
    assert _completed(runner, 10.0, hint) is None
    assert _column_bounds(runner) == before


@pytest.mark.parametrize("seed", range(12))
def test_the_fewest_total_by_the_relaxation_never_exceeds_the_brute_forced_fewest(
    seed: int,
) -> None:
    # for every size objective an answer could be held at: no answer within it has fewer
    # groups than the totals the relaxation bounds within it
    problem = _peer_cohort(seed)
    placed, optima = _least_sizes_by_total(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    relaxation = relax_totals(runner, 10.0, placed)
    assert relaxation is not None
    for held in sorted(set(optima.values())):
        fewest = min(total for total, value in optima.items() if value <= held)
        found = fewest_total(problem, placed, held, relaxation.at_least)
        assert found is not None and found <= fewest


def test_the_fewest_groups_rest_on_the_bounds_by_totals_where_the_floor_says_less() -> None:
    # 7 learners, target 3, the sizes at their optimum (2): the floor allows 2 groups
    # (|7 - 6| = 1), but where the learners can meet 2 groups are further off than that
    # and every answer has 3; the fewest by the relaxation's totals is more than the
    # floor's and no more than the brute-forced fewest
    problem = _peer_cohort(10)
    placed, optima = _least_sizes_by_total(problem)
    held = min(optima.values())
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    relaxation = relax_totals(runner, 10.0, placed)
    assert relaxation is not None
    plan = solve_exact(problem, _placed_plan(problem), 1, 10.0).plan
    context = PhaseContext(problem, runner, Search(problem, plan), 0.0, 10.0, {"placed": True})
    floor = fewest_groups(context, plan)
    context.sizes_by_total = relaxation.at_least
    fewest = min(total for total, value in optima.items() if value <= held)
    assert floor < fewest_groups(context, plan) <= fewest <= plan.group_count()
    # a count above the plan's own would be numerical trouble: the floor's stands
    context.sizes_by_total = lambda total: 10**9 if total <= plan.group_count() else 0
    assert fewest_groups(context, plan) == floor


def _totals_asked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The totals of groups `solve_by_totals` asks for any answer at their bound
    (`_at_most`), recorded as it asks: the total row's fixed value at each call."""
    asked: list[int] = []
    ask = totals._at_most

    def recorded(runner: Runner, rows: totals._Rows, *rest: Any) -> Any:
        asked.append(round(runner.loaded()[1].getLp().row_lower_[rows.total]))
        return ask(runner, rows, *rest)

    monkeypatch.setattr(totals, "_at_most", recorded)
    return asked


def _peers_on_two_evenings(count: int) -> tuple[Problem, int, int]:
    """`count` peer learners free on Tuesday and Wednesday evenings, groups of 3..5 with
    target 4: the problem and its two starts."""
    people = [person(f"L{k}", "UTC", TUESDAY | WEDNESDAY) for k in range(count)]
    document = instance(
        people, min_group_size=3, max_group_size=5, target_group_size=4, require_facilitator=False
    )
    params, everyone, existing = parse_instance(document)
    problem = _problem(everyone, params, existing)
    tuesday, wednesday = sorted(problem.learner_options[0])
    return problem, tuesday, wednesday


def _twenty_peers_held() -> tuple[Problem, Plan]:
    """Twenty peer learners free on Tuesday and Wednesday evenings, groups of 2..6 with
    target 4, and a held answer of five groups of 2 and two of 5 (sizes 12, 7 groups)."""
    people = [person(f"L{k}", "UTC", TUESDAY | WEDNESDAY) for k in range(20)]
    document = instance(
        people, min_group_size=2, max_group_size=6, target_group_size=4, require_facilitator=False
    )
    params, everyone, existing = parse_instance(document)
    problem = _problem(everyone, params, existing)
    tuesday, wednesday = sorted(problem.learner_options[0])
    held = Plan(
        {tuesday: [-1] * 5, wednesday: [-1] * 2},
        {tuesday: [*range(10)], wednesday: [*range(10, 20)]},
    )
    return problem, held


def _refusing(
    monkeypatch: pytest.MonkeyPatch, refused: Callable[[int], bool]
) -> list[tuple[int, int]]:
    """Every question by total (`totals._at_most`) recorded as (total, value), those at a
    total `refused` answered "infeasible" without asking HiGHS."""
    asked: list[tuple[int, int]] = []
    ask = totals._at_most

    def recorded(runner: Runner, rows: totals._Rows, value: int, *rest: Any) -> Any:
        total = round(runner.loaded()[1].getLp().row_lower_[rows.total])
        asked.append((total, value))
        return (None, "infeasible") if refused(total) else ask(runner, rows, value, *rest)

    monkeypatch.setattr(totals, "_at_most", recorded)
    return asked


def test_the_held_answers_own_total_is_minimised_from_it_not_asked_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # eight peer learners free on both evenings, groups of 3..5, target 4: the held
    # answer (3 and 5) has the optimum's total (4 and 4), so that total is minimised
    # from it, never asked from scratch
    problem, tuesday, wednesday = _peers_on_two_evenings(8)
    held = Plan({tuesday: [-1], wednesday: [-1]}, {tuesday: [0, 1, 2], wednesday: [3, 4, 5, 6, 7]})
    assert plan_objectives(problem, held)["sizes"] == 2
    runner = Runner(problem, 1)
    runner.hold("placed", 8)
    relaxation = relax_totals(runner, 10.0)
    assert relaxation is not None and relaxation.at_least(2) == 0
    asked = _totals_asked(monkeypatch)
    outcome = solve_by_totals(runner, held, 10.0, 8, 0, relaxation.at_least)
    assert 2 not in asked
    assert outcome.bound == outcome.value == 0
    assert plan_objectives(problem, outcome.plan)["sizes"] == 0
    assert plan_is_consistent(problem, outcome.plan)


@pytest.mark.parametrize("seed", range(12))
def test_the_free_relaxation_by_dual_simplex_within_its_iterations_keeps_the_bound(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # where dual simplex ends within its iterations per row, its basis is set on the
    # runner's instance (no iteration there after), else the interior point's answer
    # stands; the relaxation bounds every total the same either way
    runner, placed = _held_runner(seed)
    _placed, sizes, _preferences, _spread = _brute_force(runner.problem)
    runs: list[tuple[float | None, int, int]] = []

    def recorded(highs: Any, deadline: float, seed: int, beside: bool) -> float | None:
        value = free_relaxation(highs, deadline, seed, beside)
        info = highs.getInfo()
        runs.append((value, info.simplex_iteration_count, info.ipm_iteration_count))
        return value

    free_relaxation = totals._free_relaxation
    monkeypatch.setattr(totals, "_free_relaxation", recorded)
    least = []
    for per_row in (0.0, 100.0):
        monkeypatch.setattr(totals, "_SIMPLEX_PER_ROW", per_row)
        relaxation = relax_totals(runner, 10.0, placed)
        assert relaxation is not None and relaxation.least() <= sizes
        least.append(relaxation.least())
    assert least[0] == least[1]
    (interior, _iterations, _ipm), (simplex, iterations, ipm) = runs
    assert interior is not None and simplex is not None
    assert abs(interior - simplex) < 1e-6 and iterations == ipm == 0


def test_a_refused_question_is_asked_again_at_the_next_value_of_its_parity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # twelve peer learners free on both evenings, groups of 3..5, target 4; the held
    # answer has four groups of 3 (sizes 4), so total 3 (floor 0) is asked; where the
    # question at 0 is refused, the next is at 2 (the total's parity), not a minimisation
    # (typical:103: 11 refused, 13 refused, 15 found in 3.7 s of CPU, where minimising
    # from 13 took 9.5 s)
    problem, tuesday, wednesday = _peers_on_two_evenings(12)
    held = Plan(
        {tuesday: [-1, -1], wednesday: [-1, -1]},
        {tuesday: [0, 1, 2, 3, 4, 5], wednesday: [6, 7, 8, 9, 10, 11]},
    )
    assert plan_objectives(problem, held)["sizes"] == 4
    runner = Runner(problem, 1)
    runner.hold("placed", 12)
    asked: list[tuple[int, int]] = []
    ask = totals._at_most

    def refused_first(runner: Runner, rows: totals._Rows, value: int, *rest: Any) -> Any:
        asked.append((round(runner.loaded()[1].getLp().row_lower_[rows.total]), value))
        return (None, "infeasible") if len(asked) == 1 else ask(runner, rows, value, *rest)

    monkeypatch.setattr(totals, "_at_most", refused_first)
    outcome = solve_by_totals(runner, held, 10.0, 12, 0, lambda _total: 0)
    assert asked == [(3, 0), (3, 2)]
    assert outcome.value == 0 and plan_is_consistent(problem, outcome.plan)


def test_the_totals_after_the_full_model_start_from_what_the_first_ones_proved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # twenty peer learners free on both evenings, the held answer five groups of 3 and one
    # of 5 (sizes 6); the first totals' solve proves that total 5 has nothing below 2, and the
    # full model proves nothing: the totals solved after it are bounded by that proof,
    # not by the relaxation alone (which says 0), so no level refused is asked again
    # (peer:105: 16, 18 and 20 at 19 groups refused, then asked again)
    from roundtable.scheduling import phase_sizes
    from roundtable.scheduling.totals import TotalsOutcome

    bounds_given: list[Any] = []

    def solved(_runner: Runner, plan: Plan, *rest: Any) -> TotalsOutcome:
        bounds_given.append(rest[3])
        return TotalsOutcome(plan, 6, 0, 1, {5: 2})

    context = _twenty_peers_at_six(monkeypatch, solved)
    phase_sizes.sizes_phase(context, 10.0)
    first, after = bounds_given
    assert first(5) == 0
    assert after(5) == 2


def _twenty_peers_at_six(
    monkeypatch: pytest.MonkeyPatch, by_totals: Callable[..., Any]
) -> PhaseContext:
    """The sizes phase's context for twenty peer learners free on both evenings, held at
    five groups of 3 and one of 5 (sizes 6), its search and the questions asked ahead
    switched off, the totals answered by `by_totals` and the full model proving nothing
    (bound 0): what the phase does between those steps is what the caller checks."""
    from roundtable.scheduling import phase_sizes
    from roundtable.scheduling.highs import PhaseResult

    problem, tuesday, wednesday = _peers_on_two_evenings(20)
    held = Plan(
        {tuesday: [-1] * 5, wednesday: [-1]}, {tuesday: [*range(15)], wednesday: [*range(15, 20)]}
    )
    assert plan_objectives(problem, held)["sizes"] == 6
    runner = Runner(problem, 1)
    runner.hold("placed", 20)
    context = PhaseContext(problem, runner, Search(problem, held), math.inf, 60.0)
    context.proven["placed"] = True
    monkeypatch.setattr(phase_sizes, "improve_sizes", lambda _search: None)
    monkeypatch.setattr(phase_sizes, "relax_totals", lambda *_args: Relaxation(5.0, 0.0, 0.0))
    for ahead in ("fewest_seats_ahead", "relaxation_ahead", "cover_ahead"):
        monkeypatch.setattr(phase_sizes, ahead, lambda *_args: None)
    monkeypatch.setattr(phase_sizes, "solve_by_totals", by_totals)
    unproven = PhaseResult(6, 0, False, "6, bound 0")
    monkeypatch.setattr(phase_sizes, "solve_phase", lambda *_args, **_options: unproven)
    return context


def test_a_total_refused_above_another_totals_bound_yields_to_that_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # twenty peer learners free on both evenings, groups of 2..6, target 4; the held
    # answer (five groups of 2, two of 5: sizes 12) has 7 groups; 5 groups (floor 0) come
    # first and every question there is refused: once its level (6) is above the bound of
    # 4 and 6 groups (their floor 4), 4 groups are asked next, not 5 groups at 6, 8 and 10
    # (peer:105: 19 groups refused at 16, 18 and 20, then 20 groups at their floor 20)
    problem, held = _twenty_peers_held()
    assert plan_objectives(problem, held)["sizes"] == 12
    runner = Runner(problem, 1)
    runner.hold("placed", 20)
    asked = _refusing(monkeypatch, lambda total: total == 5)
    outcome = solve_by_totals(runner, held, 10.0, 20, 0, lambda _total: 0)
    assert asked == [(5, 0), (5, 2), (5, 4), (4, 4)]
    assert outcome.value == outcome.bound == 4
    assert plan_is_consistent(problem, outcome.plan)


def test_among_totals_of_equal_bound_the_one_nearest_the_centre_comes_first() -> None:
    # sparse:601's shape: every even total from 80 up bounded by 151, the odd ones by 152
    # (parity); the relaxation lands on 140, the one total with an answer at 151
    proven = {total: 151 + total % 2 for total in range(79, 166)}
    assert _least_open(proven, 211, set(), 140.0) == 140
    assert _least_open(proven, 211, {140}, 140.0) == 138  # then nearest, fewest among equals
    assert _least_open(proven, 211, set()) == 80  # no centre: the fewest groups
    # a lower bound still comes first, however far from the centre
    assert _least_open(proven | {90: 150}, 211, set(), 140.0) == 90


def test_a_flat_bound_asks_the_total_at_the_relaxations_centre_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # twenty peer learners free on both evenings, groups of 2..6, target 4; the held
    # answer (sizes 12) has 7 groups; a flat bound of 4 ties 4, 5 and 6 groups, and with
    # the relaxation's centre at 6 that total is asked first and found (four groups of 3,
    # two of 4), which ends the phase: one question, where the fewest groups first would
    # ask 4 groups (refused here, as sparse:601's totals far from its centre are)
    problem, held = _twenty_peers_held()
    runner = Runner(problem, 1)
    runner.hold("placed", 20)
    asked = _refusing(monkeypatch, lambda total: total != 6)
    outcome = solve_by_totals(runner, held, 10.0, 20, 0, lambda _total: 4, centre=6.0)
    assert asked == [(6, 4)]
    assert (outcome.value, outcome.bound, outcome.tried) == (4, 4, 1)
    assert plan_is_consistent(problem, outcome.plan)


def test_per_group_anchors_solve_the_free_relaxation_without_the_simplex_beside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # per-group anchors: dual simplex never ends within its iterations there (per-group
    # 300 and 600 at three generator seeds each), so the interior point runs alone, to the
    # relaxation it reaches with the simplex beside
    problem = _per_group_cohort(60)
    placed = plan_objectives(problem, solve_heuristic(problem, 1))["placed"]
    started: list[bool] = []

    class Recorded(totals._SimplexBeside):
        def __init__(self, *args: Any) -> None:
            started.append(True)
            super().__init__(*args)

    monkeypatch.setattr(totals, "_SimplexBeside", Recorded)
    relaxed = []
    for anchored in (True, False):
        runner = Runner(problem, 1)
        runner.hold("placed", placed)
        runner.loaded()
        if not anchored:  # the same model, the simplex beside as for one anchor zone
            params = dataclasses.replace(problem.params, anchor_timezone="UTC")
            runner.problem = dataclasses.replace(problem, params=params)
        relaxed.append(relax_totals(runner, 10.0, placed))
        assert started == ([] if anchored else [True])
    alone, beside = relaxed
    assert alone is not None and beside is not None
    assert (alone.least(), alone.centre) == (beside.least(), pytest.approx(beside.centre))
