"""Exact solve with HiGHS: lexicographic phases, each keeping the earlier optima.

Phase 1 maximises learners placed; later phases (joins to existing groups,
sizes near the target, regular time over if-needed, spread) each optimise
their own objective under rows that hold every earlier phase's value, so a
later phase can only choose among equally good answers, never break one.
Each phase starts from the best known answer, so a phase cut short by the
time limit still returns a valid plan no worse than the one it started from.
highspy is imported lazily, only here.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from roundtable.scheduling.formulation import INF, Formulation, formulate
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.polish import polish_sizes
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.values import complete_aux, plan_from_values, values_from_plan

# Phase name -> maximise?
_SENSES = {"placed": True, "joins": True, "sizes": False, "preferences": False, "spread": False}
# Shares of the remaining time: placement first and foremost, then sizes.
_WEIGHTS = {"placed": 8.0, "joins": 1.0, "sizes": 2.0, "preferences": 1.0, "spread": 0.5}
_POLISH_GAP = 0.01


@dataclass
class ExactOutcome:
    plan: Plan
    upper_bound: int
    phases: list[str] = field(default_factory=list)
    placement_seconds: float = 0.0


def solve_exact(problem: Problem, warm: Plan, seed: int, time_limit: float) -> ExactOutcome:
    """Solve every phase within the time limit, starting from the warm plan."""
    deadline = time.monotonic() + time_limit
    model = formulate(problem)
    values = values_from_plan(problem, model, warm)
    highs = _load(model, seed)
    outcome = ExactOutcome(plan=warm, upper_bound=_all_seats(problem))
    names = list(model.objectives)
    first_phase_seconds = 0.0
    for position, name in enumerate(names):
        if name == "sizes":
            polished = polish_sizes(problem, plan_from_values(problem, model, values))
            values = values_from_plan(problem, model, polished)
        budget = _budget(deadline, names[position:])
        # HiGHS can overrun a budget shorter than a root LP solve; stay within the limit.
        if budget <= 0.01 or (position and budget < first_phase_seconds / 2):
            outcome.phases.append(f"{name}: skipped (time limit)")
            continue
        began = time.monotonic()
        values, status, bound = _run_phase(highs, problem, model, name, values, budget)
        outcome.phases.append(f"{name}: {status}")
        if position == 0:
            first_phase_seconds = time.monotonic() - began
            outcome.placement_seconds = round(first_phase_seconds, 3)
            outcome.upper_bound = min(int(bound), _all_seats(problem))
        _hold(highs, model, name, values)
    outcome.plan = plan_from_values(problem, model, values)
    return outcome


def _all_seats(problem: Problem) -> int:
    return sum(len(cls.members) for cls in problem.classes)


def _budget(deadline: float, names: list[str]) -> float:
    """This phase's share of the time left, by the weights of the phases still to run."""
    remaining = deadline - time.monotonic()
    weights = [_WEIGHTS.get(name, 1.0) for name in names]
    return remaining * weights[0] / sum(weights)


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints a banner from C++ when constructed; keep stdout clean for JSON output."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _load(model: Formulation, seed: int) -> Any:
    import highspy
    import numpy as np

    with _quiet_stdout():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    for option, value in (
        ("output_flag", False),
        ("random_seed", seed),
        ("mip_rel_gap", 0.0),
        ("mip_abs_gap", 0.999),  # every objective is integral: below 1 means optimal
        ("threads", 1),
    ):
        highs.setOptionValue(option, value)
    count = len(model.cost)
    highs.addCols(
        count,
        np.zeros(count),
        np.array(model.lower, dtype=np.float64),
        np.array(model.upper, dtype=np.float64),
        0,
        np.zeros(count, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.float64),
    )
    integral = np.array([i for i, flag in enumerate(model.integer) if flag], dtype=np.int32)
    kinds = np.array([highspy.HighsVarType.kInteger] * len(integral))
    highs.changeColsIntegrality(len(integral), integral, kinds)
    _add_rows(highs, model.rows)
    return highs


def _add_rows(highs: Any, rows: list[tuple[float, float, list[int], list[float]]]) -> None:
    import numpy as np

    starts: list[int] = []
    indices: list[int] = []
    coefficients: list[float] = []
    for _low, _high, columns, values in rows:
        starts.append(len(indices))
        indices.extend(columns)
        coefficients.extend(values)
    highs.addRows(
        len(rows),
        np.array([row[0] for row in rows], dtype=np.float64),
        np.array([row[1] for row in rows], dtype=np.float64),
        len(indices),
        np.array(starts, dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.array(coefficients, dtype=np.float64),
    )


def _run_phase(
    highs: Any, problem: Problem, model: Formulation, name: str, values: list[float], budget: float
) -> tuple[list[float], str, int]:
    """Optimise one phase; return the better of its answer and the incoming one."""
    import highspy
    import numpy as np

    objective = model.objectives[name]
    maximise = _SENSES[name]
    costs = np.zeros(len(model.cost))
    for col, coefficient in objective.items():
        costs[col] = coefficient
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    highs.changeObjectiveSense(sense)
    highs.setOptionValue("time_limit", max(budget, 0.01))
    # Placement must be proven; later phases only polish, so 1% from their optimum is enough.
    highs.setOptionValue("mip_rel_gap", 0.0 if name == "placed" else _POLISH_GAP)
    highs.setSolution(len(values), np.arange(len(values), dtype=np.int32), np.array(values))
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus()).lower()
    incumbent = _score(objective, values)
    candidate = _candidate(highs, problem, model)
    if candidate is not None and _better_or_equal(
        _score(objective, candidate), incumbent, maximise
    ):
        values = candidate
    bound = highs.getInfo().mip_dual_bound
    proven = round(_score(objective, values)) if status == "optimal" else _bound(bound, maximise)
    return values, status, proven


def _candidate(highs: Any, problem: Problem, model: Formulation) -> list[float] | None:
    if highs.getInfo().primal_solution_status != 2:  # 2 = feasible
        return None
    raw = highs.getSolution().col_value
    rounded = [float(round(x)) if whole else x for x, whole in zip(raw, model.integer, strict=True)]
    return complete_aux(problem, model, rounded)


def _score(objective: dict[int, float], values: list[float]) -> float:
    return sum(coefficient * values[col] for col, coefficient in objective.items())


def _better_or_equal(candidate: float, incumbent: float, maximise: bool) -> bool:
    return candidate >= incumbent - 1e-6 if maximise else candidate <= incumbent + 1e-6


def _bound(bound: float, maximise: bool) -> int:
    if not math.isfinite(bound):
        return 10**9 if maximise else 0
    return math.floor(bound + 1e-6) if maximise else math.ceil(bound - 1e-6)


def _hold(highs: Any, model: Formulation, name: str, values: list[float]) -> None:
    """Add a row keeping this phase's achieved value for the phases after it."""
    import numpy as np

    objective = model.objectives[name]
    achieved = round(_score(objective, values))
    low, high = (achieved - 1e-6, INF) if _SENSES[name] else (-INF, achieved + 1e-6)
    columns = np.array(list(objective), dtype=np.int32)
    highs.addRow(low, high, len(columns), columns, np.array(list(objective.values())))
