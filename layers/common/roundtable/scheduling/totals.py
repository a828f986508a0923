"""The sizes phase solved one total number of groups at a time.

With the learners in new groups fixed at `n` (placement and joins proven), an answer
with `T` groups in all has Σ_s |x_s − t·G_s| ≥ |n − t·T|, so only the totals whose
floor |n − t·T| lies below the best answer so far can still improve it. The full
model's relaxation mixes totals (a fraction of a group here and there), and that is
what keeps its bound low: on the issue-20 sweep's typical 100 it is 5, while with
the total fixed the root alone proves 13 for T = 19, 8 for T = 20 and 7 for T = 21
(the optimum). So each total is solved on its own, in order of its floor, with a row
Σ_s G_s = T and a cut-off row Σ_s e_s ≤ best − 1: a total that cannot beat the best
answer is usually found infeasible at the root in a fraction of a second.

The bound of the phase is the least over every total of what is proven for it (its
floor when not tried, its best answer or the cut-off plus one when solved, HiGHS's
bound when cut short).

Before any total is solved, the relaxation bounds them all at once (`relax_totals`).
Its value with the total fixed, V(T), is convex in T (an LP's optimum as a function
of one right-hand side), and the relaxation without the row lands at its least point
T*. So V(⌊T*⌋) bounds every total at or below ⌊T*⌋, V(⌈T*⌉) every one at or above
⌈T*⌉, and three relaxations bound them all. On the issue-20 sweep's cohorts these are
the optima themselves (typical 100: 7 at T = 21; peer 100: 14 at 19, 17 at 18; sparse
600: 97 at 128; sparse 1,200: 4 at 220), where the floors say 2, 8, 92 and 0: the
first total solved, the one whose bound is least, then proves the phase when HiGHS
finds an answer at its bound.
"""

from __future__ import annotations

import functools
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from roundtable.scheduling.formulation import INF, Formulation
from roundtable.scheduling.highs import (
    _REPAIR_SECONDS,
    Runner,
    _bound,
    _candidate,
    _fractional,
    _misreported,
    _repair,
    _score,
)
from roundtable.scheduling.highs_model import (
    LEAST_SECONDS,
    OnThread,
    change_integrality,
    delete_rows_from,
    new_instance,
    relax,
    set_objective,
    solve_relaxation,
)
from roundtable.scheduling.neighbourhood import group_columns
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.values import plan_from_values, values_from_plan

# Each total is proven at its root with presolve off; presolve on was faster on one cohort
# and up to 4 times slower on another (scheduling-research.md, "Issue 20, session 4" and
# "session 5: sizes"). Completing a hint turns it back on for that run.
_PRESOLVE = "off"
# Relaxations are solved to 1e-7; a value this far above a whole number still rounds down.
_SLACK = 1e-3
_WHOLE = 1e-6  # a relaxation's total this close to a whole number counts as whole
_DUAL_SLACK = 1e-7  # a row dual this near 0 counts as 0 (the values round with _SLACK)
_UNREACHABLE = 10**9  # the bound of a total no answer can have
# The free relaxation is taken from dual simplex where it ends within this many iterations
# per row (`_free_relaxation`): sparse 1,200 takes 0.31-0.35, sparse 600 1.06, per-group
# 300 and 600 1.3 and 0.8, where the interior-point solver is quicker.
_SIMPLEX_PER_ROW = 0.4


@dataclass(frozen=True)
class TotalsOutcome:
    plan: Plan
    value: int
    bound: int  # proven over every total of groups
    tried: int  # totals solved (fully or cut short)
    # per total of new groups, the least size objective proven for it (its floor, the
    # relaxation's bound, or what its solve showed)
    at_least: dict[int, int] = field(default_factory=dict)


def totals_range(problem: Problem, new_learners: int) -> range:
    """Totals of new groups that could hold `new_learners` (by the size limits only)."""
    low, high = problem.params.learner_bounds()
    fewest = -(-new_learners // high)
    most = new_learners // max(low, 1)
    if problem.facilitated:
        most = min(most, sum(problem.facilitator_capacity))
    return range(fewest, most + 1)


def floor_at(problem: Problem, new_learners: int, total: int) -> int:
    """Least size objective any answer with `total` new groups can have."""
    return abs(new_learners - problem.params.target_learners() * total)


@dataclass(frozen=True)
class Relaxation:
    """The relaxation's value with the total fixed on either side of its free optimum."""

    centre: float  # the total of the relaxation's optimum without the row (T*)
    below: float  # its value at ⌊T*⌋, inf where infeasible
    above: float  # its value at ⌈T*⌉
    # per total solved, the group columns whole in the relaxation's answer there, and
    # their values: a partial start for that total's question (`solve_by_totals`)
    whole: dict[int, dict[int, float]] = field(default_factory=dict)
    # the relaxation's value without the row (and without the leaders' overlap rows):
    # the least over every total, so a bound for each whatever the sides' duals say
    free: float = 0.0
    # per total solved and feasible, its value and the total row's dual: V(T') ≥ V(T) +
    # dual·(T' − T) for every T' (weak duality), a line under V that rises away from T
    # (sparse:304: 129.75 at 75 groups, dual −5, so 134.75 at 74 and 139.75 at 73, where
    # the flat side bound said 130 for all 40 totals below 75)
    lines: tuple[tuple[int, float, float], ...] = ()
    # the totals the relaxation may have at all (sparse:302: none below 76, where 75 has
    # no answer with the overlap rows and the relaxation free with them lands on 76)
    feasible: tuple[int, float] = (0, math.inf)

    def at_least(self, total: int) -> int:
        """Least size objective of an answer with `total` new groups (by convexity, never
        below the free relaxation's value nor the solved totals' lines)."""
        if not self.feasible[0] <= total <= self.feasible[1]:
            return _UNREACHABLE
        value = self.below if total <= math.floor(self.centre + _WHOLE) else self.above
        value = max(value, self.free, *(_on_line(line, total) for line in self.lines))
        return _UNREACHABLE if math.isinf(value) else math.ceil(value - _SLACK)

    def least(self) -> int:
        return min(
            self.at_least(math.floor(self.centre + _WHOLE)),
            self.at_least(math.ceil(self.centre - _WHOLE)),
        )


def _on_line(line: tuple[int, float, float], total: int) -> float:
    """The bound a solved total's value and dual give at `total`, less a tolerance for the
    dual's error, which the distance multiplies."""
    solved, value, dual = line
    return value + dual * (total - solved) - _DUAL_SLACK * abs(total - solved)


Lower = Callable[[int], int]


def totals_below(
    problem: Problem, new_learners: int, best: int, lower: Lower | None = None
) -> list[int]:
    """The totals of new groups whose bound (the floor, or `lower` where higher) lies below
    `best`: those still to be solved."""
    return [
        total
        for total in totals_range(problem, new_learners)
        if _least_at(problem, new_learners, total, lower) < best
    ]


def fewest_total(problem: Problem, new_learners: int, most: int, lower: Lower) -> int | None:
    """The fewest new groups an answer with a size objective of at most `most` can have,
    by each total's bound (its floor, or `lower` where higher); None where no total is
    bounded that low (numerical trouble: the held answer itself has some total)."""
    return next(
        (
            total
            for total in totals_range(problem, new_learners)
            if _least_at(problem, new_learners, total, lower) <= most
        ),
        None,
    )


def _least_at(problem: Problem, new_learners: int, total: int, lower: Lower | None) -> int:
    floor = floor_at(problem, new_learners, total)
    least = floor if lower is None else max(floor, lower(total))
    return _of_parity(problem, new_learners, total, least)


def _of_parity(problem: Problem, new_learners: int, total: int, value: int) -> int:
    """`value` raised, where need be, to the parity every answer with `total` new groups
    has: the deviations x_s − t·G_s sum to n − t·T, and |d| ≡ d (mod 2), so the least
    size objective at a total is its floor plus an even number. Sparse:304 (target 5,
    246 learners): at 76 groups nothing is worth 135, so the search's 136 is that total's
    optimum once HiGHS's bound reaches 135."""
    return value + (value - floor_at(problem, new_learners, total)) % 2


def relax_totals(
    runner: Runner, budget: float, new_learners: int | None = None
) -> Relaxation | None:
    """The sizes relaxation free, then with the total of new groups fixed next to where
    the free one lands (None if not solved within `budget` seconds).

    The free one is solved without the leaders' overlap rows (`_loose_rows`), which
    are a third of the rows and bind rarely there: it only says where to look. The two
    totals next to it are solved with every row, from its basis, and each one's value
    bounds its side of the totals where the total row's dual says so (`_bounding`).
    Given `new_learners` (the learners in new groups in every answer), the side with the
    lower floor is solved first, and the other is not solved where its floors alone are
    already at least the first one's value (`_by_floors`)."""
    import numpy as np

    deadline = time.monotonic() + budget
    model, highs = runner.loaded()
    columns = np.array([col for _start, col in group_columns(model)], dtype=np.int32)
    first = highs.getNumRow()
    spread, overlaps = _loose_rows(model)
    set_objective(highs, model, "sizes")
    relax(highs, model, True)
    highs.addRow(0, INF, len(columns), columns, np.ones(len(columns)))
    _loosen(highs, model, spread + overlaps, True)
    try:
        beside = not runner.problem.params.per_group_anchor
        free = _free_relaxation(highs, deadline, runner.seed, beside)
        if free is None:
            return None
        _loosen(highs, model, overlaps, False)
        loose_centre = float(np.array(highs.getSolution().col_value)[columns].sum())
        relaxation = _around(highs, runner.problem, new_learners, first, columns, free, deadline)
        if relaxation is not _NOWHERE:
            return relaxation
        # no total next to the loose centre is feasible with the overlap rows (sparse:302
        # and 306: 75 groups whole without them, none with): the relaxation free again
        # with them says where to look, and bounds every total itself
        highs.changeRowBounds(first, 0.0, INF)
        free = solve_relaxation(highs, deadline - time.monotonic())
        if free is None:
            return None
        relaxation = _around(highs, runner.problem, new_learners, first, columns, free, deadline)
        if relaxation is None or relaxation is _NOWHERE:
            return None
        # the totals with an answer are an interval, which misses the first centre's
        return replace(relaxation, feasible=_beside(relaxation.centre, loose_centre))
    finally:
        highs.setOptionValue("solver", "choose")
        _loosen(highs, model, spread + overlaps, False)
        relax(highs, model, False)
        delete_rows_from(highs, first)


class _SimplexBeside(OnThread):
    """The free relaxation by dual simplex on a copy of the instance, on a thread beside
    the interior-point solver's run (`_free_relaxation`), given up after
    `_SIMPLEX_PER_ROW` iterations per row: whether it ended within them (`solved`)
    depends on its iterations only, never on which solver ends first."""

    def __init__(self, highs: Any, budget: float, seed: int) -> None:
        super().__init__()
        self.copy = new_instance(seed)
        self.copy.passModel(highs.getLp())
        self.copy.setOptionValue("solver", "simplex")
        limit = int(_SIMPLEX_PER_ROW * highs.getNumRow())
        self.copy.setOptionValue("simplex_iteration_limit", limit)
        self.budget = budget
        self.solved = False

    def _solve(self) -> None:
        self.solved = solve_relaxation(self.copy, self.budget) is not None

    def ended_solved(self, event: Any) -> None:
        """HiGHS's interrupt callback for the interior-point run: stop once this has
        solved the relaxation."""
        event.interrupt(self.ended() and self.solved)


def _free_relaxation(highs: Any, deadline: float, seed: int, beside: bool = True) -> float | None:
    """The free relaxation's value (None if not solved by `deadline`) with its answer and
    basis on `highs`, for the totals to start from: by the interior-point solver (sparse
    600: 0.4 s of CPU against 1.3 s for dual simplex's 5,760 iterations; per-group 300
    and 600: 1.0 / 4.8 s against 2.4 / 7.6 s), or by dual simplex where that ends within
    `_SIMPLEX_PER_ROW` iterations per row (sparse 1,200: 0.75 s and 3,288 iterations,
    0.31 per row, against 1.9-2.4 s of interior point; the same centre and least bound).
    Both run at once on two cores, the simplex on a copy (`_SimplexBeside`); which is
    taken depends on the simplex's iterations only (unless the clock cuts it short), so
    the interior point's answer, where it ends first, waits for the simplex's verdict.

    Not `beside` (per-group anchors), the interior point alone: there the simplex never
    ends within its iterations (per-group 300 at generator seeds 300-302, 600 at 600-602:
    every run stopped at its limit), and its copy and run on the second core only slowed
    the interior point's (per-group 600, load 2: the relaxation 8.0-8.9 s of wall time
    with it, 6.3-6.6 s alone, the same answer)."""
    if not beside:
        return _interior_point(highs, deadline)
    simplex = _SimplexBeside(highs, deadline - time.monotonic(), seed).start()
    highs.cbIpmInterrupt.subscribe(simplex.ended_solved)
    try:
        free = _interior_point(highs, deadline)
    finally:
        highs.cbIpmInterrupt.unsubscribe(simplex.ended_solved)
    simplex.join()
    if not simplex.solved:
        return free
    # the simplex's optimal basis: no iteration here
    highs.setBasis(simplex.copy.getBasis())
    return solve_relaxation(highs, deadline - time.monotonic())


def _interior_point(highs: Any, deadline: float) -> float | None:
    highs.setOptionValue("solver", "ipm")
    try:
        return solve_relaxation(highs, deadline - time.monotonic())
    finally:
        highs.setOptionValue("solver", "choose")


Side = tuple[float, float]  # the relaxation's value at a total and the total row's dual


def _beside(centre: float, missed: float) -> tuple[int, float]:
    """The totals a relaxation that lands on `centre` may have, where the totals next to
    `missed` have none."""
    if centre > missed:
        return math.ceil(missed - _WHOLE) + 1, math.inf
    return 0, math.floor(missed + _WHOLE) - 1


# `_around`'s answer where neither total next to the centre is feasible
_NOWHERE = Relaxation(math.nan, math.inf, math.inf)


def _around(
    highs: Any,
    problem: Problem,
    new_learners: int | None,
    first: int,
    columns: Any,
    free: float,
    deadline: float,
) -> Relaxation | None:
    """From the free relaxation just solved (worth `free`), the relaxation with the total
    row (row `first`) fixed at the totals next to where it landed; `_NOWHERE` where
    neither is feasible, None if out of time."""
    import numpy as np

    centre = float(np.array(highs.getSolution().col_value)[columns].sum())
    totals = (math.floor(centre + _WHOLE), math.ceil(centre - _WHOLE))
    floors = _side_floors(problem, new_learners, totals)
    sides: dict[int, Side] = {}
    whole: dict[int, dict[int, float]] = {}
    for position in sorted((0, 1), key=lambda p: floors[p]):
        if _by_floors(sides, floors[position]):
            relaxation = _floored(centre, sides, position, floors[position], whole, free)
            return replace(relaxation, lines=_lines(sides, totals))
        side = _side(highs, first, totals[position], deadline)
        if side is None:
            return None
        sides[position] = side
        if not math.isinf(side[0]):
            whole[totals[position]] = _whole_groups(highs, columns)
    if math.isinf(sides[0][0]) and math.isinf(sides[1][0]):
        return _NOWHERE
    pair = [sides[0], sides[1]]
    lines = _lines(sides, totals)
    return Relaxation(centre, _bounding(pair, 0), _bounding(pair, 1), whole, free, lines)


def _side_floors(
    problem: Problem, new_learners: int | None, totals: tuple[int, int]
) -> dict[int, float]:
    """The least floor over every total on each side (0: at or below `totals[0]`, 1: at or
    above `totals[1]`; inf where no total is possible there); every answer on a side is at
    least that. Without `new_learners` 0 for both, which bounds nothing."""
    if new_learners is None:
        return {0: 0.0, 1: 0.0}
    possible = totals_range(problem, new_learners)
    floors: dict[int, float] = {0: math.inf, 1: math.inf}
    for total in possible:
        floor = floor_at(problem, new_learners, total)
        for position in (0, 1):
            if (total <= totals[0]) if position == 0 else (total >= totals[1]):
                floors[position] = min(floors[position], floor)
    return floors


def _by_floors(sides: dict[int, Side], floor: float) -> bool:
    """Whether a side whose totals all have at least `floor` needs no relaxation: the
    other side, solved, is feasible and its value rounds to at most `floor`. Then the
    other side's bound is the least of the phase whatever this side's relaxation says
    (sparse 1,200: total 220 is worth 4 and the floors at 221 and above are 5 or more,
    which saves the 0.3-0.4 s of total 221's relaxation)."""
    if not sides:
        return False
    value = next(iter(sides.values()))[0]
    return not math.isinf(value) and math.ceil(value - _SLACK) <= floor


def _floored(
    centre: float,
    sides: dict[int, Side],
    skipped: int,
    floor: float,
    whole: dict[int, dict[int, float]],
    free: float,
) -> Relaxation:
    """The relaxation with one side solved and the other (`skipped`) bounded by its
    least floor: valid for every total on that side, and no lower than the solved side's
    value, so the least bound of the phase is the same as with both solved."""
    solved = 1 - skipped
    value, dual = sides[solved]
    pair = [(value, dual), (value, dual)]
    bounds = {solved: _bounding(pair, solved), skipped: float(floor)}
    return Relaxation(centre, bounds[0], bounds[1], whole, free)


def _lines(sides: dict[int, Side], totals: tuple[int, int]) -> tuple[tuple[int, float, float], ...]:
    """(total, value, dual) of each side solved and feasible."""
    return tuple(
        (totals[position], value, dual)
        for position, (value, dual) in sorted(sides.items())
        if not math.isinf(value)
    )


def _whole_groups(highs: Any, columns: Any) -> dict[int, float]:
    """The group columns whole in the relaxation's answer, with their values."""
    import numpy as np

    values = np.array(highs.getSolution().col_value)[columns]
    whole = np.abs(values - np.round(values)) < _WHOLE
    return {int(col): float(round(v)) for col, v in zip(columns[whole], values[whole], strict=True)}


def _side(highs: Any, first: int, total: int, deadline: float) -> Side | None:
    """The relaxation with the total fixed: (inf, 0) where infeasible, None if not solved
    in time."""
    highs.changeRowBounds(first, float(total), float(total))
    value = solve_relaxation(highs, deadline - time.monotonic())
    if value is None:
        return (math.inf, 0.0) if _infeasible(highs) else None
    return value, float(highs.getSolution().row_dual[first])


def _bounding(sides: list[Side], position: int) -> float:
    """What the relaxation at one of two adjacent totals proves for every total on its
    side (below both, `position` 0; above, 1).

    The total row's dual is a slope of the value in the total (weak duality): V(T') ≥
    V(T) + dual·(T' − T) for every T', so V(T) bounds every total below T when the dual
    is at most 0 and every one above when it is at least 0. The totals whose relaxation
    is feasible form an interval: one side infeasible and the other not puts the whole
    side beyond it. Otherwise (the loose centre was on the wrong side of a total) 0."""
    value, dual = sides[position]
    if math.isinf(value):
        return value if not math.isinf(sides[1 - position][0]) else 0.0
    leaning = dual <= _DUAL_SLACK if position == 0 else dual >= -_DUAL_SLACK
    return value if leaning else 0.0


def _loose_rows(model: Formulation) -> tuple[list[int], list[int]]:
    """Rows the sizes relaxation may drop: the spread's (`m` and `o` are free above, so
    they never bind) and each leader's overlap rows (a relaxation: 3,247 of the 10,691
    rows on the sweep's sparse 1,200, where the free relaxation's value and centre are
    the same without them; on per-group 300 the centre moves from 69.5 to 69.1)."""
    spread_columns = {model.m, *model.o.values()}
    leader = {col: f for (f, _start), col in model.y.items()}
    options = Counter(f for f, _start in model.y)
    spread, overlaps = [], []
    for index, (_lower, upper, columns, _coefficients) in enumerate(model.rows):
        if spread_columns.intersection(columns):
            spread.append(index)
        elif upper == 1 and _one_leaders_part(columns, leader, options):
            overlaps.append(index)
    return spread, overlaps


def _one_leaders_part(columns: list[int], leader: dict[int, int], options: Counter[int]) -> bool:
    """Columns of one leader, more than one but not all of them (all: the capacity row)."""
    owners = {leader.get(col, -1) for col in columns}
    owner = owners.pop()
    return not owners and owner >= 0 and 2 <= len(columns) < options[owner]


def _loosen(highs: Any, model: Formulation, rows: list[int], loose: bool) -> None:
    """Rows free (bounds ±inf) or back at the model's bounds (holds never change these)."""
    import numpy as np

    if not rows:
        return
    indices = np.array(rows, dtype=np.int32)
    lower = np.full(len(rows), -INF) if loose else np.array([model.rows[i][0] for i in rows])
    upper = np.full(len(rows), INF) if loose else np.array([model.rows[i][1] for i in rows])
    highs.changeRowsBounds(len(rows), indices, lower, upper)


def _infeasible(highs: Any) -> bool:
    return bool(highs.modelStatusToString(highs.getModelStatus()) == "Infeasible")


def solve_by_totals(
    runner: Runner,
    plan: Plan,
    budget: float,
    new_learners: int,
    bound: int,
    lower: Lower | None = None,
    hints: dict[int, dict[int, float]] | None = None,
    centre: float | None = None,
) -> TotalsOutcome:
    """Improve and prove the sizes phase total by total, within `budget` seconds, the
    total with the least bound (its floor, or `lower` where that is higher) first, and
    among equals the one nearest `centre` (where the relaxation lands, `_least_open`).

    `new_learners` must be the learners in new groups in every answer keeping the
    earlier phases (placement and joins proven optimal). `hints` (per total, group
    columns and values) start that total's question (`_at_most`) as a partial answer.
    Given `lower`, each total is first asked for any answer at its bound (`_at_most`),
    except the held answer's own total, which is minimised from that answer at once; a
    question refused is asked again one value higher (`_asked_upwards`) only while no
    other total has a lower bound, else that total is taken next (the least bound of
    all is the phase's bound).
    """
    began = time.monotonic()
    problem = runner.problem
    model, highs = runner.loaded()
    objective = model.objectives["sizes"]
    values = values_from_plan(problem, model, plan)
    best = round(_score(objective, values))
    proven = {
        t: _least_at(problem, new_learners, t, lower) for t in totals_range(problem, new_learners)
    }
    rows = _add_rows(highs, model)
    _deviations_integral(highs, model, True)
    highs.setOptionValue("presolve", _PRESOLVE)
    asked: set[int] = set()  # totals asked at least once
    done: set[int] = set()  # totals minimised, or out of time
    try:
        while (total := _least_open(proven, best, done, centre)) is not None:
            left = budget - (time.monotonic() - began)
            if left < LEAST_SECONDS:
                break
            highs.changeRowBounds(rows.total, total, total)
            if lower is not None and _total_of(model, values) != total:
                # the held answer's own total is minimised from it at once (below):
                # HiGHS's neighbourhoods of it find the better answer sooner than the
                # question from scratch (few facilitators 100: 11 in 0.3 s of CPU
                # against 1.0, where the search's answer has 13 with the same total)
                hint = (hints or {}).get(total, {}) if total not in asked else {}
                asked.add(total)
                parity = functools.partial(_of_parity, problem, new_learners, total)
                # refused levels climb only while no other total's bound is lower: the
                # least bound of all is the phase's (peer:105: 19 groups refused at 16,
                # 18 and 20, then 20 groups asked at their floor 20, the optimum, where
                # 19 groups' climb to 22 and 24 took the share)
                ceiling = _least_bound(proven, best, done | {total})
                found, proven[total] = _asked_upwards(
                    runner, rows, (proven[total], min(best, ceiling + 1)), left, hint, parity
                )
                if found is not None:
                    value = round(_score(objective, found))
                    values, best = (found, value) if value < best else (values, best)
                elif ceiling < proven[total] < best:
                    continue  # refused up to another total's bound: that one next
                left = budget - (time.monotonic() - began)
                if proven[total] >= best or left < LEAST_SECONDS:
                    done.add(total)
                    continue
            asked.add(total)
            done.add(total)
            # the greatest value below `best` this total can have (`_of_parity`)
            cutoff = best - 1 - (best - 1 - floor_at(problem, new_learners, total)) % 2
            highs.changeRowBounds(rows.cutoff, -INF, cutoff + 1e-6)
            runner.stopper.aim(max(proven[total], bound), False, objective)
            start = values if _total_of(model, values) == total else None
            found, status, at_most = _solve_total(runner, left, start, objective)
            value = round(_score(objective, found)) if found is not None else best
            if found is not None and value < best:
                values, best = found, value
            shown = _proven(status, at_most, cutoff, value, runner)
            proven[total] = _of_parity(problem, new_learners, total, max(proven[total], shown))
    finally:
        highs.setOptionValue("presolve", "choose")
        _deviations_integral(highs, model, False)
        _delete_rows(highs, rows)
    least = max(min(proven.values(), default=best), bound)
    answer = plan_from_values(problem, model, values)
    return TotalsOutcome(answer, best, min(least, best), len(asked), proven)


def _least_open(
    proven: dict[int, int], best: int, done: set[int], centre: float | None = None
) -> int | None:
    """The total with the least bound not yet done that could still beat `best`, or None;
    among equals the one nearest `centre` (the relaxation's total), then the fewest groups.

    Where the relaxation is flat, its bound is the same for every total on the side of the
    centre whose dual is 0, and only totals near the centre have an answer at it: sparse
    601 and 602 (549 and 544 learners, target 5) bound every total from 79-80 up by 151,
    their optimum, which only 140 and 139 groups (the centres, each group at or below the
    target) reach. Fewest groups first asked 80, 82, ... 124 (each refused in 0.3 s of
    CPU), and the phase's share ran out before the centre."""
    open_totals = [t for t in proven if t not in done and proven[t] < best]
    return min(open_totals, key=lambda t: (proven[t], _distance(t, centre), t), default=None)


def _distance(total: int, centre: float | None) -> float:
    return 0.0 if centre is None else abs(total - centre)


def _least_bound(proven: dict[int, int], best: int, done: set[int]) -> int:
    """The least bound of the totals not done that could still beat `best` (`best`
    where there is none)."""
    return min((proven[t] for t in proven if t not in done and proven[t] < best), default=best)


def _total_of(model: Formulation, values: list[float]) -> int:
    return round(sum(values[col] for _start, col in group_columns(model)))


def _asked_upwards(
    runner: Runner,
    rows: _Rows,
    levels: tuple[int, int],
    budget: float,
    hint: dict[int, float],
    parity: Callable[[int], int],
) -> tuple[list[float] | None, int]:
    """Any answer of the total worth at most the first of `levels` (`_at_most`), asked
    again at the next value of the total's `parity` each time HiGHS shows there is none,
    until one is found, the level reaches the second of `levels` (the best answer's) or
    the time is out: the answer or None, and the level below which there is none.
    Typical:103 at 22 groups: 11 and 13 refused and 15 found in 3.7 s of CPU, where
    minimising after 11 took 9.5 s (`hint` is the relaxation's, for the first only)."""
    began = time.monotonic()
    level, best = levels
    while True:
        left = budget - (time.monotonic() - began)
        found, status = _at_most(runner, rows, level, left, hint)
        if found is not None or status != "infeasible":
            return found, level
        level, hint = parity(level + 1), {}
        if level >= best or budget - (time.monotonic() - began) < LEAST_SECONDS:
            return None, level


def _at_most(
    runner: Runner, rows: _Rows, value: int, budget: float, hint: dict[int, float]
) -> tuple[list[float] | None, str]:
    """Any answer of the total worth at most `value`, HiGHS stopped at the first one:
    with the relaxation's bound as `value` usually the total's optimum. Without an
    objective, and with presolve, HiGHS finds it sooner than by minimising (load 3-3.5,
    two runs each: typical 100 0.8 s against 1.2-1.3, peer 100 0.4-0.8 against 1.4-2.1,
    sparse 1,200 0.5-0.7 against 2.4-3.6; sparse 600 1.9-2.6 against 1.6-3.4).

    `hint` (group columns and values) is first completed with those columns fixed
    (`_completed`); where that finds nothing, HiGHS searches the whole model."""
    began = time.monotonic()
    _model, highs = runner.loaded()
    highs.changeRowBounds(rows.cutoff, -INF, value + 1e-6)
    runner.stopper.aim(0, False, {})
    highs.setOptionValue("presolve", "choose")
    try:
        found = _completed(runner, budget, hint) if hint else None
        if found is not None:
            return found, "optimal"
        left = budget - (time.monotonic() - began)
        found, status, _bound = _solve_total(runner, left, None, {})
    finally:
        highs.setOptionValue("presolve", _PRESOLVE)
    return found, status


def _completed(runner: Runner, budget: float, hint: dict[int, float]) -> list[float] | None:
    """An answer with the `hint`'s columns fixed at their values, or None (none such, a
    value outside a column's bounds, or out of time).

    HiGHS completes a partial answer this way itself, but then presolves the whole model
    before it looks at the completed start, which fixing the columns here leaves out:
    sparse 600's question 0.36 -> 0.25 s of CPU, the same answer. Where the completion
    finds nothing, HiGHS would have done the same failed completion first."""
    import numpy as np

    _model, highs = runner.loaded()
    columns = np.array(list(hint), dtype=np.int32)
    values = np.array(list(hint.values()))
    _status, _count, _costs, lower, upper, _nonzeros = highs.getCols(len(columns), columns)
    if np.any(values < lower) or np.any(values > upper):
        return None  # fixing them would drop a hold
    highs.changeColsBounds(len(columns), columns, values, values)
    try:
        found, _status, _bound = _solve_total(runner, budget, None, {})
    finally:
        highs.changeColsBounds(len(columns), columns, lower, upper)
    return found


def _solve_total(
    runner: Runner,
    budget: float,
    start: list[float] | None,
    objective: dict[int, float],
) -> tuple[list[float] | None, str, int]:
    """One total's solve for `objective`, from `start` if it has this total, else from
    scratch: an answer with another total violates the row, and handed to HiGHS as a
    start it is only repaired at length (seen: 30 s instead of 4.5 on the sweep's sparse
    1,200). Returns HiGHS's answer (learners whole), status and bound."""
    import highspy
    import numpy as np

    model, highs = runner.loaded()
    costs = np.zeros(len(model.cost))
    for col, coefficient in objective.items():
        costs[col] = coefficient
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("time_limit", max(budget, LEAST_SECONDS))
    highs.clearSolver()
    if start is not None:
        highs.setSolution(len(start), np.arange(len(start), dtype=np.int32), np.array(start))
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus()).lower()
    if _misreported(highs, objective):  # a wrong value prunes wrongly: prove nothing
        return None, "misreported", 0
    found = _candidate(highs, runner.problem, model)
    if found is not None and _fractional(model, found):
        found = _repair(highs, runner.problem, model, found, _REPAIR_SECONDS, runner.pinned)
    return found, status, _bound(highs.getInfo().mip_dual_bound, False)


def _proven(status: str, at_most: int, cutoff: int, value: int, runner: Runner) -> int:
    """What one total's solve proves about it: nothing below the cut-off when infeasible,
    its answer when solved or when it met the floor, else HiGHS's bound."""
    if status == "infeasible":
        return cutoff + 1
    if status == "optimal" or runner.stopper.met():
        return min(value, cutoff + 1)
    return at_most if status != "misreported" else 0


@dataclass(frozen=True)
class _Rows:
    total: int
    cutoff: int


def _add_rows(highs: Any, model: Formulation) -> _Rows:
    import numpy as np

    groups = np.array([col for _start, col in group_columns(model)], dtype=np.int32)
    deviations = np.array(list(model.e.values()), dtype=np.int32)
    first = highs.getNumRow()
    highs.addRow(0, INF, len(groups), groups, np.ones(len(groups)))
    highs.addRow(-INF, INF, len(deviations), deviations, np.ones(len(deviations)))
    return _Rows(first, first + 1)


def _delete_rows(highs: Any, rows: _Rows) -> None:
    import numpy as np

    highs.deleteRows(2, np.array([rows.total, rows.cutoff], dtype=np.int32))


def _deviations_integral(highs: Any, model: Formulation, integral: bool) -> None:
    """Deviations integral while totals are solved: valid (whole learners and groups give
    whole deviations) and it lets HiGHS round its bounds and cuts."""
    change_integrality(highs, list(model.e.values()), integral)
