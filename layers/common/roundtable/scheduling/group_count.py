"""The fewest new groups any answer keeping the held phases can have, found by HiGHS.

Spread pays 10 for every group beyond a facilitator's first, so its bound grows with the
number of groups every answer must have. Without a solver that number comes from the held
sizes alone (t·G ≥ P − sizes), and where the held sizes are large, as in sparse cohorts
whose learners meet in small groups, that is far below what the learners' availability
forces: sparse 600 (543 learners, sizes 97) allows 90 groups by that count while every
answer has 128, so the bound said 121 for an optimum of 501. Minimising the number of
groups on the held model settles it: its relaxation is 128 there (typical 100: 20.6 of
21), so HiGHS's bound meets the plan's count at or soon after the root.
"""

from __future__ import annotations

import math
import time

from roundtable.scheduling.highs import _LEAST_SECONDS, Runner, _misreported, _run_from
from roundtable.scheduling.neighbourhood import group_columns
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.values import values_from_plan

# HiGHS's bound on the count is fractional; this much below a whole number still counts.
_TOLERANCE = 1e-6


def least_new_groups(runner: Runner, plan: Plan, budget: float) -> int:
    """New groups every answer keeping the runner's holds has, at least (0 if unknown).

    The learner columns stay continuous (a relaxation: the bound stays valid); the plan
    is the warm start, so HiGHS stops once its bound reaches the plan's count. `budget`
    includes building the model on first use.
    """
    import highspy
    import numpy as np

    began = time.monotonic()
    model, highs = runner._loaded()
    left = budget - (time.monotonic() - began)
    if left < _LEAST_SECONDS:
        return 0
    columns = [col for _start, col in group_columns(model)]
    objective = dict.fromkeys(columns, 1.0)
    costs = np.zeros(len(model.cost))
    costs[columns] = 1.0
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.setOptionValue("mip_rel_gap", 0.0)
    runner.stopper.aim(-1, False, objective)  # never met: only the bound matters here
    _run_from(highs, values_from_plan(runner.problem, model, plan), left)
    status = highs.modelStatusToString(highs.getModelStatus()).lower()
    bound = float(highs.getInfo().mip_dual_bound)
    if status == "infeasible" or _misreported(highs, objective) or not math.isfinite(bound):
        return 0  # the plan keeps the holds: neither can be trusted
    return max(math.ceil(bound - _TOLERANCE), 0)
