"""The sizes phase's model on the free relaxation's support.

Where the search's answer stays far above the relaxation's bound, HiGHS's whole model
is slow to find better groupings and the totals' question at the least bound may have
no answer at all (per-group 300 across a clock change: 69 groups worth at most 57 has
none, the optimum is 62 with 71 groups, and the question ran its 7-8 s share without a
verdict). The same model with every group column the free relaxation leaves at zero
fixed there (170 of 1,607 columns on per-group 300) is small enough for HiGHS to search
well: it found 62 there, where the whole model from the search's 84 found nothing in its
share. Every answer of the restricted model is one of the whole model, so it is adopted
where it is better; it proves nothing about the phase.
"""

from __future__ import annotations

from collections.abc import Iterable

from roundtable.scheduling.highs import Runner, _release, _run_phase
from roundtable.scheduling.highs_model import relax, set_objective, solve_relaxation
from roundtable.scheduling.neighbourhood import group_columns
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.values import plan_from_values, values_from_plan

# a relaxation's value above this counts as positive (HiGHS solves to 1e-7)
_POSITIVE = 1e-6
# The relaxation by the interior-point solver (with its crossover): per-group 300, 0.6-0.9
# s of CPU and 181 columns, from which HiGHS found 71 after 2.8 s and 69 after 8.7; dual
# simplex took 3.2 s and its 183 columns gave 77 after 6.1 s.
_SOLVER = "ipm"


def relaxation_support(runner: Runner, budget: float) -> tuple[int, ...] | None:
    """The group columns positive in the sizes relaxation's answer with every row (None
    if not solved within `budget` seconds). The totals' relaxation is solved free
    without the leaders' overlap rows (`totals._loose_rows`), and its support has no
    answer with them (per-group 300: 170 columns, infeasible at the root; 96 of them
    among the 170 of this one's)."""
    import numpy as np

    model, highs = runner.loaded()
    set_objective(highs, model, "sizes")
    relax(highs, model, True)
    highs.setOptionValue("solver", _SOLVER)
    try:
        if solve_relaxation(highs, budget) is None:
            return None
        columns = np.array([col for _start, col in group_columns(model)], dtype=np.int32)
        values = np.array(highs.getSolution().col_value)[columns]
        return tuple(int(col) for col in columns[values > _POSITIVE])
    finally:
        highs.setOptionValue("solver", "choose")
        relax(highs, model, False)


def on_support(
    runner: Runner, plan: Plan, support: Iterable[int], budget: float, bound: int
) -> Plan:
    """The better of `plan` and HiGHS's sizes answer within `budget` seconds with every
    group column outside `support` at zero; HiGHS stops at `bound` (the phase's).

    HiGHS starts from no answer: `plan` has groups outside the support, and a start
    that breaks a bound is only repaired at length (`totals._solve_total`)."""
    import numpy as np

    problem = runner.problem
    model, highs = runner.loaded()
    kept = set(support)
    outside = [col for _start, col in group_columns(model) if col not in kept]
    if outside:
        zeros = np.zeros(len(outside))
        highs.changeColsBounds(len(outside), np.array(outside, dtype=np.int32), zeros, zeros)
    runner.stopper.aim(bound, False, model.objectives["sizes"])
    values = values_from_plan(problem, model, plan)
    try:
        found, _status, _proven = _run_phase(
            highs, problem, model, "sizes", values, budget, runner.pinned, warm=False
        )
    finally:
        _release(highs, model, outside, runner.pinned)
    return plan if found is values else plan_from_values(problem, model, found)
