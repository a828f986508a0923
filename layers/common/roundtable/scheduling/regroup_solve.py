"""The regroup model (regroup.py) as a MIP, solved by HiGHS in three lexicographic phases.

Columns: `x[i,g]` learner i ends in group g (binary; g is their own group or
one they can make every remaining meeting of), `d[g]` group g is dissolved,
`u[g]` group g is left below the minimum. Rows:

    Σ_g x[i,g] = 1                          each learner in exactly one group
    L_g + high_g·d_g ≤ high_g               at most the maximum; a dissolved group is empty
    L_g + low_g·d_g + low_g·u_g ≥ low_g     below the minimum only if counted so (or dissolved)

with `L_g = Σ_i x[i,g]`. Phases minimise Σu, then the moves Σ x[i,g] over
g ≠ own group, then Σd; each phase's value is held (a row `objective ≤
value`) in the next, so the answer is lexicographically optimal when every
phase is proven. The model is loaded with the scheduler's HiGHS set-up
(`highs._load`: single thread, seeded, absolute gap below 1 since every
objective is integral, so "optimal" means proven). Every phase starts from
the previous answer (the first from "nobody moves"), so a phase cut short by
the clock still returns a valid plan and reports its proven bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from roundtable.scheduling.formulation import INF, Formulation
from roundtable.scheduling.highs_model import LEAST_SECONDS, load_formulation
from roundtable.scheduling.regroup import (
    PHASES,
    Instance,
    Optimality,
    PhaseOutcome,
    RegroupPlan,
    RegroupProblem,
    build_instance,
    dissolves,
    make_plan,
    score,
    staying,
)

# Shares of the time still left: the first phase is the one that matters most.
_SHARES = {"undersized": 0.5, "moves": 2 / 3, "dissolved": 1.0}


class _Model:
    """The MIP's columns by meaning, and each phase's objective."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.form = Formulation()
        self.x: dict[tuple[int, int], int] = {}
        self.d: dict[int, int] = {}
        self.u: dict[int, int] = {}
        groups = range(len(instance.low))
        for i, own in enumerate(instance.current):
            for g in (own, *instance.options[i]):
                self.x[i, g] = self.form.column(1, True)
        for g in groups:
            can_dissolve = instance.allow_dissolve and instance.low[g] > 0
            self.d[g] = self.form.column(1 if can_dissolve else 0, True)
            self.u[g] = self.form.column(1 if instance.low[g] > 0 else 0, True)
        for i in range(len(instance.current)):
            self.form.row(1, 1, {col: 1.0 for (j, _g), col in self.x.items() if j == i})
        members: dict[int, dict[int, float]] = {g: {} for g in groups}
        for (_i, g), col in self.x.items():
            members[g][col] = 1.0
        for g in groups:
            high, low = instance.high[g], instance.low[g]
            self.form.row(-INF, high, members[g] | {self.d[g]: float(high)})
            if low > 0:
                self.form.row(low, INF, members[g] | {self.d[g]: float(low), self.u[g]: float(low)})
        self.objectives = {
            "undersized": dict.fromkeys(self.u.values(), 1.0),
            "moves": {col: 1.0 for (i, g), col in self.x.items() if g != instance.current[i]},
            "dissolved": dict.fromkeys(self.d.values(), 1.0),
        }

    def values(self, assignment: Sequence[int]) -> list[float]:
        """Column values of an assignment (dissolved and below-minimum as `score` counts them)."""
        values = [0.0] * len(self.form.cost)
        counts = [0] * len(self.instance.low)
        for i, g in enumerate(assignment):
            values[self.x[i, g]] = 1.0
            counts[g] += 1
        for g, count in enumerate(counts):
            gone = dissolves(self.instance, g, count)
            values[self.d[g]] = 1.0 if gone else 0.0
            values[self.u[g]] = 1.0 if not gone and count < self.instance.low[g] else 0.0
        return values

    def assignment(self, values: Sequence[float]) -> tuple[int, ...]:
        found = [-1] * len(self.instance.current)
        for (i, g), col in self.x.items():
            if values[col] > 0.5:
                found[i] = g
        return tuple(found)


def propose(problem: RegroupProblem, *, time_limit: float = 60.0, seed: int = 0) -> RegroupPlan:
    """The regroup with fewest groups below the minimum, then fewest moves, then dissolutions."""
    instance = build_instance(problem)
    assignment, optimality = solve(instance, time_limit=time_limit, seed=seed)
    return make_plan(problem, instance, assignment, optimality)


def solve(
    instance: Instance, *, time_limit: float = 60.0, seed: int = 0
) -> tuple[tuple[int, ...], Optimality]:
    """The lexicographically best assignment found, and how far each phase is proven."""
    began = time.monotonic()
    plan = staying(instance)
    base = score(instance, plan)
    assert base is not None, "nobody moving never breaks a maximum"
    if base.undersized == 0 or not any(instance.options):
        # Nothing to fix, or nobody can move: staying meets every phase's bound.
        phases = tuple(
            PhaseOutcome(name, value, value, True)
            for name, value in zip(PHASES, base.as_tuple(), strict=True)
        )
        return plan, Optimality("no change needed", phases, time.monotonic() - began)
    model = _Model(instance)
    highs = load_formulation(model.form, seed)
    outcomes = []
    for name in PHASES:
        left = time_limit - (time.monotonic() - began)
        plan, outcome = _phase(highs, model, name, plan, left * _SHARES[name])
        outcomes.append(outcome)
        _hold(highs, model.objectives[name], outcome.value)
    return plan, Optimality("highs", tuple(outcomes), round(time.monotonic() - began, 3))


def _phase(
    highs: Any, model: _Model, name: str, plan: tuple[int, ...], budget: float
) -> tuple[tuple[int, ...], PhaseOutcome]:
    """Minimise one phase from the plan; the better of HiGHS's answer and the plan."""
    import highspy
    import numpy as np

    objective = model.objectives[name]
    costs = np.zeros(len(model.form.cost))
    for col, coefficient in objective.items():
        costs[col] = coefficient
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.setOptionValue("time_limit", max(budget, LEAST_SECONDS))
    start = model.values(plan)
    highs.setSolution(len(start), np.arange(len(start), dtype=np.int32), np.array(start))
    highs.run()
    if _stale(highs, objective):
        # HiGHS (1.x) solving a model entirely in presolve reports the right objective
        # but hands back the start it was given: solve again without presolve.
        highs.setOptionValue("presolve", "off")
        highs.run()
        highs.setOptionValue("presolve", "choose")
    optimal = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    incumbent = _score(objective, start)
    if highs.getInfo().primal_solution_status == 2:  # 2 = feasible
        candidate = model.assignment(list(highs.getSolution().col_value))
        if -1 not in candidate and _score(objective, model.values(candidate)) <= incumbent:
            plan = candidate
    value = round(_score(objective, model.values(plan)))
    bound = value if optimal else _bound(highs.getInfo().mip_dual_bound)
    return plan, PhaseOutcome(name, value, min(bound, value), bound >= value)


def _stale(highs: Any, objective: dict[int, float]) -> bool:
    """Whether the solution HiGHS returns is worse than the objective value it reports."""
    if highs.getInfo().primal_solution_status != 2:
        return False
    returned = _score(objective, list(highs.getSolution().col_value))
    return returned > float(highs.getInfo().objective_function_value) + 0.5


def _hold(highs: Any, objective: dict[int, float], value: int) -> None:
    """Keep this phase's value in the phases after it."""
    import numpy as np

    columns = np.array(list(objective), dtype=np.int32)
    if len(columns):
        highs.addRow(-INF, value + 1e-6, len(columns), columns, np.ones(len(columns)))


def _score(objective: dict[int, float], values: Sequence[float]) -> float:
    return sum(coefficient * values[col] for col, coefficient in objective.items())


def _bound(bound: float) -> int:
    """The proven lower bound (0 when HiGHS has none yet)."""
    if not math.isfinite(bound):
        return 0
    return max(0, math.ceil(bound - 1e-6))
