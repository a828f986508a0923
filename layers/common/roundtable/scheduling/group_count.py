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

from roundtable.scheduling.highs import _LEAST_SECONDS, Runner
from roundtable.scheduling.neighbourhood import group_columns

# The interior-point solver (no crossover) ends within a relative gap of 1e-8 between
# its primal and dual values; a relaxation this much below a whole number still counts.
_TOLERANCE = 1e-5
# Options the count changes on the shared HiGHS instance, and puts back.
_OPTIONS = {"solve_relaxation": True, "solver": "ipm", "run_crossover": "off"}


def least_new_groups(runner: Runner, budget: float) -> int:
    """New groups every answer keeping the runner's holds has, at least (0 if unknown).

    The relaxation of the held model minimising the number of new groups, by the
    interior-point solver: 1.1-1.8 s where the dual simplex took 2.4-4.7 s (sparse 600,
    per-group 300), and where the MIP's branching added at most one group in 15 s.
    `budget` includes building the model on first use.
    """
    import highspy
    import numpy as np

    began = time.monotonic()
    model, highs = runner._loaded()
    left = budget - (time.monotonic() - began)
    if left < _LEAST_SECONDS:
        return 0
    costs = np.zeros(len(model.cost))
    costs[[col for _start, col in group_columns(model)]] = 1.0
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    before = {name: highs.getOptionValue(name)[1] for name in _OPTIONS}
    for name, value in (_OPTIONS | {"time_limit": left}).items():
        highs.setOptionValue(name, value)
    try:
        highs.clearSolver()
        highs.run()
        optimal = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        value = float(highs.getInfo().objective_function_value)
    finally:
        for name, value_before in before.items():
            highs.setOptionValue(name, value_before)
    if not optimal or not math.isfinite(value):
        return 0  # cut short: an interior point's value bounds nothing
    return max(math.ceil(value - _TOLERANCE * max(abs(value), 1.0)), 0)
