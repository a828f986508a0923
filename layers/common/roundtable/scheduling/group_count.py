"""The fewest new groups any answer keeping the held phases can have, found by HiGHS.

Spread pays 10 for every group beyond a facilitator's first, so its bound grows with the
number of groups every answer must have. Without a solver that number comes from the held
sizes alone (t·G ≥ P − sizes), and where the held sizes are large, as in sparse cohorts
whose learners meet in small groups, that is far below what the learners' availability
forces: sparse 600 (543 learners, sizes 97) allows 90 groups by that count while every
answer has 128, so the bound said 121 for an optimum of 501. Minimising the number of
groups on the held model settles it: its relaxation is 128 there (typical 100: 20.6 of
21), the number every answer has.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from roundtable.scheduling.formulation import Formulation, group_column_count
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.highs_model import LEAST_SECONDS, learner_columns
from roundtable.scheduling.neighbourhood import group_columns
from roundtable.scheduling.problem import Problem

# The interior-point solver (no crossover) ends within a relative gap of 1e-8 between
# its primal and dual values; a relaxation this much below a whole number still counts.
_TOLERANCE = 1e-5
_OPTIONS = {"solve_relaxation": True, "solver": "ipm", "run_crossover": "off"}
# The learners' least (`least_learner_cost`) by the dual simplex, unscaled, on a model
# without the overlap rows: sparse 2,002, the same 91,763 in 6,375 iterations, 1.2 s of CPU
# (scaled: 9,470, 2.8 s; with the overlap rows 10,864, 2.5 s; the interior point 3.1-3.9 s).
_SIMPLEX = {"solve_relaxation": True, "solver": "simplex", "simplex_scale_strategy": 0}
# Above this many group columns the relaxation outlasts spread's share, and the time is
# HiGHS's: per-group 600 (5,056) took 7.3 s, per-group 300 (1,607) 1.3 s at load 3.5.
_MOST_GROUP_COLUMNS = 2_500


def applies(problem: Problem) -> bool:
    """Whether the count is tried at all on this problem (see `_MOST_GROUP_COLUMNS`)."""
    return group_column_count(problem) <= _MOST_GROUP_COLUMNS


def least_new_groups(runner: Runner, budget: float) -> int:
    """New groups every answer keeping the runner's holds has, at least (0 if unknown).

    The relaxation of the held model minimising the number of new groups, by the
    interior-point solver, on a HiGHS instance of its own: on the instance the phases
    share it took twice as long (per-group 300: 1.76 s against 0.86 s, sparse 600 0.97
    against 0.76 s, each building the model in 0.05 s), the dual simplex 2.4-4.7 s, and
    the MIP's branching added at most one group in 15 s. `budget` includes the build.
    """
    return _relaxed_least(runner, lambda model: dict.fromkeys(_group_cols(model), 1.0), budget)


def least_spread(runner: Runner, budget: float) -> int:
    """Spread's least value over the relaxation of the held model, rounded up (0 if
    unknown): every answer has whole groups, so a whole value at least this.

    Where the held preferences pin every learner at a cheapest start (typical 300: 208)
    the relaxation is far above the solver-free bound (188.5 against 161), and the
    interior-point solver finds it in 0.7-2.6 s, where HiGHS's own root (dual simplex)
    takes 4-5 s and so rarely ends within spread's share."""
    return _relaxed_least(runner, lambda model: dict(model.objectives["spread"]), budget)


def least_learner_cost(runner: Runner, budget: float) -> int:
    """Least the learners pay (their preference costs, the leaders' left out) in any
    answer keeping the runner's holds (0 if unknown): the relaxation of the held model
    without the facilitators' overlap rows, a relaxation still (sparse 2,002: 91,763,
    the plan's learners' own, where the solver-free count says 89,492). Spread's leaders
    may pay only what the held preferences leave above it (`phase_spread._leader_budget`)."""
    return _relaxed_least(runner, _learners_pay, budget, _SIMPLEX, overlap=False)


def _learners_pay(model: Formulation) -> dict[int, float]:
    pay = model.objectives["preferences"]
    return {col: pay[col] for col in learner_columns(model) if pay.get(col)}


def _group_cols(model: Formulation) -> list[int]:
    return [col for _start, col in group_columns(model)]


def _relaxed_least(
    runner: Runner,
    objective: Callable[[Formulation], dict[int, float]],
    budget: float,
    options: dict[str, Any] = _OPTIONS,
    overlap: bool = True,
) -> int:
    """The least of `objective` (columns and costs) over the relaxation of the held model
    (without its overlap rows unless `overlap`), solved with HiGHS's `options`, rounded
    up; 0 if not solved within `budget` (which includes the build)."""
    import highspy
    import numpy as np

    began = time.monotonic()
    model, highs = runner.on_own_instance().loaded()
    if not overlap:  # deleted: set free, they took the simplex twice as long (sparse 2,002)
        highs.deleteRows(len(model.overlap_rows), np.array(model.overlap_rows, dtype=np.int32))
    left = budget - (time.monotonic() - began)
    if left < LEAST_SECONDS:
        return 0
    costs = np.zeros(len(model.cost))
    for col, cost in objective(model).items():
        costs[col] = cost
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    for name, setting in options.items():
        highs.setOptionValue(name, setting)
    highs.setOptionValue("time_limit", left)
    highs.run()
    value = float(highs.getInfo().objective_function_value)
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal or not math.isfinite(value):
        return 0  # cut short: an interior point's value bounds nothing
    return max(math.ceil(value - _TOLERANCE * max(abs(value), 1.0)), 0)
