"""HiGHS phases on the aggregated model: built only when a phase needs the solver.

A phase's achieved value is held for the phases after it. Where the value
pins every term, the hold fixes columns instead of adding one dense row:
everyone placed makes each class's seat row an equality, sizes of zero fix
every deviation column at zero, and preferences at their lower bound forbid
every option dearer than its class's cheapest. Presolve then removes most of
the model, which is what makes the later phases fast.

Learner columns are continuous while every hold keeps the learner part a
network: once the group counts are integral, learners flowing from classes to
starts (and existing groups), with bounds per start, a total to reach and a
convex piecewise-linear size cost per start, form a min-cost flow, which has
an integral optimum of the same value. So the solver branches on groups only.
A solution that still has fractional learners is repaired by re-solving with
the groups fixed and learners integral. A dense hold row on sizes or
preferences is a side constraint that breaks the network; from then on
learner columns are integral. highspy is imported lazily (`highs_model`).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Any

from roundtable.scheduling.bounds import placement_bound, preference_bound, seats
from roundtable.scheduling.formulation import INF, Formulation, Row, formulate
from roundtable.scheduling.highs_model import (
    LEAST_SECONDS,
    add_rows,
    delete_rows_from,
    learner_columns,
    learners_integral,
    load_formulation,
    options_set,
)
from roundtable.scheduling.neighbourhood import focus_starts, group_columns
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.values import complete_aux, plan_from_values, values_from_plan

# Phase name -> maximise?
SENSES = {"placed": True, "joins": True, "sizes": False, "preferences": False, "spread": False}
# Spread is a tie-breaker: a small proven gap is accepted (and reported).
SPREAD_GAP = 0.05
_GAPS = {"spread": SPREAD_GAP}
# HiGHS's options for one phase's full model, set for its run only. Placement's answer is
# the search's or the first one HiGHS's feasibility jump finds; what is left is the proof,
# where the sub-MIP heuristics found nothing more (few facilitators 100: 55 found at once,
# proven by the root's cuts at 55.99 after 0.46 s of CPU, 0.15 s without them).
_PROOF_OPTIONS: dict[str, dict[str, bool]] = {
    "placed": {
        "mip_heuristic_run_rins": False,
        "mip_heuristic_run_rens": False,
        "mip_heuristic_run_root_reduced_cost": False,
    }
}
# Where everyone who can meet bounds placement (the leaders' capacity does not), the plan
# HiGHS starts from is the search's and its answers come from the root's rounding; the
# feasibility jump found nothing there and its time is saved (offline, one thread, CPU s
# with / without: sparse 600 0.21 / 0.18, 300 0.28 / 0.24, 301 0.33 / 0.29, 602 0.85 / 0.74).
# Where the leaders' capacity bounds it, the jump's answer shortens the proof (few
# facilitators 100: 0.18 with it, 0.30 without), so it stays. The preferences phase's
# model within the fewest if-needed seats runs without it too (`phase_preferences`).
NO_JUMP = {"mip_heuristic_run_feasibility_jump": False}
# Linking rows tighten small models a lot; on large ones they only slow the LP down.
_LINKING_LIMIT = 8_000
# Large-neighbourhood search: its share of a phase's budget, and its first size (in
# starts); the size doubles after every round that finds nothing better.
_NEIGHBOURHOOD_SHARE = 0.5
_NEIGHBOURHOOD_START = 32
_ROUND_SHARE = 0.1  # of the phase's budget, for one round
_LEADERS_SHARE = 0.25  # of the phase's budget, for re-choosing leaders of the groups as placed
# Rounding learners with the groups fixed is nearly all presolve; it gets this long even
# when the phase's own time is up, since without it the phase's answer would be lost.
_REPAIR_SECONDS = 1.0


@dataclass(frozen=True)
class PhaseResult:
    value: int  # the phase's objective in the plan kept
    bound: int  # proven bound on it (upper when maximising, lower when minimising)
    proven: bool
    status: str


class Stopper:
    """Interrupts HiGHS once its best answer meets a bound proven without it, or once its
    presolve has valued an answer wrongly.

    HiGHS cannot be told such a bound, and interrupting from the improving-solution
    callback is ignored, so the answer is noted there and the interrupt is raised from
    the MIP interrupt callback, which HiGHS calls regularly during branch and bound.

    HiGHS 1.16's presolve can value an answer better than it is worth (seen: 18 for the
    warm start worth 20 on the peer 100 sweep cohort, minimising) and then prune every
    answer between the two: the rest of the run is wasted. The improving-solution
    callback gets the answer itself, so such a value is caught at once and the run
    stopped; `_run_phase` then solves again without presolve, with the time that is
    left. An answer valued worse than it is worth prunes nothing (seen often in
    placement): the run goes on, but that value is no proof either.
    """

    def __init__(self) -> None:
        self.target = 0.0
        self.maximise = False
        self.best: float | None = None
        self.objective: dict[int, float] = {}
        self.misvalued: float | None = None  # HiGHS's value of an answer worth another

    def aim(self, target: int, maximise: bool, objective: dict[int, float]) -> None:
        self.target, self.maximise, self.best = float(target), maximise, None
        self.objective, self.misvalued = objective, None

    def improving(self, event: Any) -> None:
        value = float(event.data_out.objective_function_value)
        answer = event.data_out.mip_solution
        worth = _score(self.objective, answer) if self.objective and len(answer) else value
        if (value > worth + 0.5) if self.maximise else (value < worth - 0.5):
            self.misvalued = value  # better than it is: HiGHS now prunes answers it should find
        elif abs(value - worth) <= 0.5:
            self.misvalued, self.best = None, value

    def check(self, event: Any) -> None:
        incumbent = float(event.data_out.mip_primal_bound)
        wrong = self.misvalued is not None and abs(incumbent - self.misvalued) < 1e-6
        event.interrupt(wrong or self.met())

    def met(self) -> bool:
        if self.best is None:
            return False
        return self.best >= self.target - 0.5 if self.maximise else self.best <= self.target + 0.5


class Runner:
    """One HiGHS model reused by every phase that needs it, with the holds so far."""

    def __init__(self, problem: Problem, seed: int) -> None:
        self.problem = problem
        self.seed = seed
        self.model: Formulation | None = None
        self.highs: Any = None
        self.holds: list[tuple[str, int]] = []
        self.pinned: set[int] = set()  # columns a hold fixed at zero
        # a hold row on sizes or preferences: a side constraint that breaks the network
        self.side_constraint = False
        self.stopper = Stopper()

    def hold(self, name: str, value: int) -> None:
        """Keep this phase's value in every later phase."""
        self.holds.append((name, value))
        if self.highs is not None:
            _apply_hold(self, name, value)

    def solve(
        self,
        name: str,
        plan: Plan,
        budget: float,
        bound: int,
        neighbourhoods: bool = True,
        full_model: bool = True,
        cuts: list[Row] | None = None,
        warm: bool = True,
        options: dict[str, bool] | None = None,
    ) -> tuple[Plan, PhaseResult]:
        """Optimise one phase from the plan within the budget (model built on first use);
        without `neighbourhoods`, the full model gets what leaders-only leaves; without
        `full_model`, a quick pass: neighbourhoods of the first size only, while they
        gain, and no full model. With `cuts`, rows the full model keeps for this solve
        only, with no leaders-only pass first (the plan need not keep them); the bound is
        then the model's with them, which the caller must make a bound of the phase.
        Without `warm`, the full model starts from no answer (the plan is still the one
        to beat). `options`: HiGHS's options for the full model's run, beside the phase's
        own (`proof_options`)."""
        began = time.monotonic()
        model, highs = self.loaded()
        left = budget - (time.monotonic() - began)
        values = values_from_plan(self.problem, model, plan)
        incumbent = round(_score(model.objectives[name], values))
        if left < LEAST_SECONDS:
            return plan, PhaseResult(incumbent, bound, False, "skipped (time limit)")
        self.stopper.aim(bound, SENSES[name], model.objectives[name])
        if name in ("preferences", "spread") and self.problem.facilitated and not cuts:
            values = _leaders_only(
                highs, self.problem, model, name, values, budget * _LEADERS_SHARE, self.pinned
            )
        if name != "spread" and neighbourhoods and not self.stopper.met():
            end = began + budget * _NEIGHBOURHOOD_SHARE
            # placement's full model proves the rounds' answer at its root: its rounds end
            # at the first without gain (sparse 600: the first finds 543, four more found
            # nothing in 0.16 s of CPU, then the root proved 543 in 0.18)
            grow = full_model and name != "placed"
            values = self._neighbourhoods(name, values, end, budget * _ROUND_SHARE, grow)
        left = budget - (time.monotonic() - began)
        status, proven = "time limit reached", bound  # unless the full solve runs
        if full_model and not self.stopper.met() and left >= LEAST_SECONDS:
            # with a side constraint the relaxation with continuous learners can beat every
            # integral answer, so its "optimal" would prove nothing: learners integral here
            first = highs.getNumRow()
            if cuts:  # none added otherwise: every other solve keeps its model as it was
                add_rows(highs, cuts)
            learners_integral(highs, model, self.side_constraint)
            values, status, proven = _run_phase(
                highs, self.problem, model, name, values, left, self.pinned, warm, options
            )
            learners_integral(highs, model, False)
            delete_rows_from(highs, first)
        if self.stopper.met():
            status, proven = "optimal", bound
        value = round(_score(model.objectives[name], values))
        best = max(bound, proven) if not SENSES[name] else min(bound, proven)
        text = f"{value}, optimal" if value == best else _gap_text(name, status, value, best)
        return plan_from_values(self.problem, model, values), PhaseResult(
            value, best, value == best, text
        )

    def _neighbourhoods(
        self, name: str, values: list[float], deadline: float, most: float, grow: bool = True
    ) -> list[float]:
        """Large-neighbourhood search: re-solve with groups free only at a few starts.

        The starts are those where the phase's objective is worst (and where the people
        concerned would do better); elsewhere every group column keeps its value. Such
        small models solve in a fraction of a second and find the answers the full
        model's root cut loop is too slow to reach. A round gets at most `most` seconds;
        the neighbourhood grows after every round without gain (or, without `grow`, the
        search ends there).
        """
        model, highs = self.loaded()
        rng = random.Random(self.seed)
        size, everything = _NEIGHBOURHOOD_START, len(self.problem.viable_starts)
        while size < everything and not self.stopper.met():
            left = deadline - time.monotonic()
            if left < LEAST_SECONDS:
                break
            free = focus_starts(self.problem, model, name, values, rng, size)
            found = _restricted(
                highs, self.problem, model, name, values, free, min(left, most), self.pinned
            )
            better = _score(model.objectives[name], found) - _score(model.objectives[name], values)
            if (better > 0.5) if SENSES[name] else (better < -0.5):
                values = found
            elif not grow:
                break
            else:
                size *= 2  # nothing better this close: look further
        return values

    def on_own_instance(self, linking: bool = True) -> Runner:
        """The same problem and holds on a HiGHS instance of its own (loaded on first use),
        sharing this runner's formulation, which nothing changes once it is built (a
        second build is 0.05 s of Python on typical 600 and few facilitators 2,000);
        without `linking`, its linking rows left out (`Formulation.without_linking`)."""
        fresh = Runner(self.problem, self.seed)
        model = self._formulation()
        fresh.model = model if linking else model.without_linking()
        fresh.holds = list(self.holds)
        return fresh

    def _formulation(self) -> Formulation:
        if self.model is None:
            linking = learner_column_count(self.problem) <= _LINKING_LIMIT
            self.model = formulate(self.problem, linking=linking)
        return self.model

    def loaded(self) -> tuple[Formulation, Any]:
        """The formulation and its HiGHS instance (built and loaded on first use, the holds
        applied), for the modules that ask their own questions of the held model."""
        model = self._formulation()
        if self.highs is None:
            self.highs = load_formulation(model, self.seed)
            self.highs.cbMipImprovingSolution.subscribe(self.stopper.improving)
            self.highs.cbMipInterrupt.subscribe(self.stopper.check)
            learners_integral(self.highs, model, False)
            for name, value in self.holds:
                _apply_hold(self, name, value)
        return model, self.highs


def learner_column_count(problem: Problem) -> int:
    """How many learner columns (a class at a start, or joining a group) the model has,
    counted without building it."""
    return sum(len(cls.options) + len(cls.joins) for cls in problem.classes)


def _gap_text(name: str, status: str, value: int, bound: int) -> str:
    """The phase's value, bound and gap, and why it ended there. HiGHS's "optimal" with a
    gap is an accepted gap only for a phase that accepts one (spread); elsewhere its optimum
    was its model's (learners continuous, or the caller's rows) and the answer is not."""
    gap = abs(value - bound) / max(abs(value), 1)
    if status != "optimal":
        reason = status
    elif name in _GAPS:
        reason = "accepted"
    else:
        reason = "the solver's model optimal, the answer not at its bound"
    return f"{value}, bound {bound}, gap {gap:.1%} ({reason})"


def _apply_hold(runner: Runner, name: str, value: int) -> None:
    """Add the row (or fix the columns) that keeps `name` at `value`."""
    import numpy as np

    model, highs, problem = runner.model, runner.highs, runner.problem
    assert model is not None
    if name == "placed" and value == seats(problem):
        rows = np.array(model.seat_rows, dtype=np.int32)
        sizes = np.array([len(cls.members) for cls in problem.classes], dtype=np.float64)
        highs.changeRowsBounds(len(rows), rows, sizes, sizes)
    elif name == "sizes" and value == 0:
        _fix_at_zero(runner, list(model.e.values()))
    elif name == "preferences" and value == preference_bound(problem, _everyone(runner)):
        _fix_at_zero(runner, _dearer_than_cheapest(problem, model))
    elif name != "spread":
        runner.side_constraint |= name in ("sizes", "preferences")
        objective = model.objectives[name]
        low, high = (value - 1e-6, INF) if SENSES[name] else (-INF, value + 1e-6)
        columns = np.array(list(objective), dtype=np.int32)
        highs.addRow(low, high, len(columns), columns, np.array(list(objective.values())))


def _fractional(model: Formulation, values: list[float]) -> bool:
    return any(abs(values[col] - round(values[col])) > 1e-6 for col in learner_columns(model))


def _restricted(
    highs: Any,
    problem: Problem,
    model: Formulation,
    name: str,
    values: list[float],
    free: set[int],
    budget: float,
    pinned: set[int],
) -> list[float]:
    """The phase re-solved with every group column outside `free` starts fixed."""
    import numpy as np

    fixed = [col for start, col in group_columns(model) if start not in free]
    columns = np.array(fixed, dtype=np.int32)
    at = np.array([round(values[col]) for col in fixed], dtype=np.float64)
    if len(columns):
        highs.changeColsBounds(len(columns), columns, at, at)
    found, _status, _bound = _run_phase(highs, problem, model, name, values, budget, pinned)
    _release(highs, model, fixed, pinned)
    return found


def _leaders_only(
    highs: Any,
    problem: Problem,
    model: Formulation,
    name: str,
    values: list[float],
    budget: float,
    pinned: set[int],
) -> list[float]:
    """The phase re-solved with every start's number of groups fixed: only who leads them
    (and which learners sit where) may change.

    With the groups in place, choosing leaders is an assignment with capacities and
    overlaps, which HiGHS solves in a moment; the local search's hand-over chains only
    reach part of it, and the full model is slow to find it.
    """
    import numpy as np

    groups: dict[int, dict[int, float]] = {}
    for (_f, start), col in model.y.items():
        groups.setdefault(start, {})[col] = 1.0
    counts = {start: round(sum(values[col] for col in cols)) for start, cols in groups.items()}
    empty = [col for start, cols in groups.items() if not counts[start] for col in cols]
    if empty:
        zeros = np.zeros(len(empty))
        highs.changeColsBounds(len(empty), np.array(empty, dtype=np.int32), zeros, zeros)
    first = highs.getNumRow()
    for start, cols in sorted(groups.items()):
        if counts[start]:
            indices = np.array(list(cols), dtype=np.int32)
            highs.addRow(counts[start], counts[start], len(indices), indices, np.ones(len(cols)))
    found, _status, _bound = _run_phase(highs, problem, model, name, values, budget, pinned)
    added = highs.getNumRow() - first
    if added:
        highs.deleteRows(added, np.arange(first, first + added, dtype=np.int32))
    _release(highs, model, empty, pinned)
    return found


def _repair(
    highs: Any,
    problem: Problem,
    model: Formulation,
    values: list[float],
    budget: float,
    pinned: set[int],
) -> list[float] | None:
    """Integral learners for the solution's (integral) groups, at the same objective value."""
    import numpy as np

    columns = [*model.y.values(), *model.n.values()]
    groups = np.array(columns, dtype=np.int32)
    fixed = np.array([round(values[col]) for col in columns], dtype=np.float64)
    if len(groups):
        highs.changeColsBounds(len(groups), groups, fixed, fixed)
    learners_integral(highs, model, True)
    highs.setOptionValue("time_limit", max(budget, LEAST_SECONDS))
    highs.run()
    found = _candidate(highs, problem, model, learners_integral=True)
    learners_integral(highs, model, False)
    _release(highs, model, columns, pinned)
    return found


def _everyone(runner: Runner) -> bool:
    return any(name == "placed" and value == seats(runner.problem) for name, value in runner.holds)


def _fix_at_zero(runner: Runner, columns: list[int]) -> None:
    import numpy as np

    runner.pinned.update(columns)
    if columns:
        zeros = np.zeros(len(columns))
        runner.highs.changeColsBounds(len(columns), np.array(columns, dtype=np.int32), zeros, zeros)


def _release(highs: Any, model: Formulation, columns: list[int], pinned: set[int]) -> None:
    """Give columns fixed for one solve their bounds back (a hold's zero stays zero)."""
    import numpy as np

    if columns:
        lower = [0.0 if col in pinned else model.lower[col] for col in columns]
        upper = [0.0 if col in pinned else model.upper[col] for col in columns]
        indices = np.array(columns, dtype=np.int32)
        highs.changeColsBounds(len(columns), indices, np.array(lower), np.array(upper))


def _dearer_than_cheapest(problem: Problem, model: Formulation) -> list[int]:
    """Options above their class's cheapest, and facilitator starts that cost anything."""
    dearer = []
    for c, cls in enumerate(problem.classes):
        cheapest = min(cost for _where, cost in (*cls.options, *cls.joins))
        dearer += [model.w[c, start] for start, cost in cls.options if cost > cheapest]
        dearer += [model.v[c, slot] for slot, cost in cls.joins if cost > cheapest]
    for (f, start), col in model.y.items():
        if problem.facilitator_options[f][start]:
            dearer.append(col)
    return dearer


def _run_phase(
    highs: Any,
    problem: Problem,
    model: Formulation,
    name: str,
    values: list[float],
    budget: float,
    pinned: set[int],
    warm: bool = True,
    options: dict[str, bool] | None = None,
) -> tuple[list[float], str, int]:
    """Optimise one phase (from the incoming answer where `warm`, with HiGHS's `options`
    beside the phase's own); return the better of its answer and the incoming one.

    An answer with fractional learners is repaired (groups fixed, learners integral)
    before it is compared: throwing it away would lose every group HiGHS improved.
    """
    import highspy
    import numpy as np

    objective = model.objectives[name]
    maximise = SENSES[name]
    costs = np.zeros(len(model.cost))
    for col, coefficient in objective.items():
        costs[col] = coefficient
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    highs.changeObjectiveSense(sense)
    highs.setOptionValue("mip_rel_gap", _GAPS.get(name, 0.0))
    began, start = time.monotonic(), values if warm else None
    with options_set(highs, proof_options(problem, name) | (options or {})):
        _run_from(highs, start, budget)
        if _misreported(highs, objective):
            # HiGHS 1.16's presolve can value the warm start wrongly in its reduced model
            # (seen: 703 for an answer worth 817), prune the true optimum (704) against
            # that value and hand back the start as "optimal": solve again without presolve.
            highs.setOptionValue("presolve", "off")
            _run_from(highs, start, max(budget - (time.monotonic() - began), _REPAIR_SECONDS))
            highs.setOptionValue("presolve", "choose")
    status = highs.modelStatusToString(highs.getModelStatus()).lower()
    proven = _bound(highs.getInfo().mip_dual_bound, maximise)
    incumbent = _score(objective, values)
    candidate = _candidate(highs, problem, model)
    if candidate is not None and _fractional(model, candidate):
        candidate = _repair(highs, problem, model, candidate, _REPAIR_SECONDS, pinned)
    if candidate is not None and _better_or_equal(
        _score(objective, candidate), incumbent, maximise
    ):
        values = candidate
    return values, status, proven


def proof_options(problem: Problem, name: str) -> dict[str, bool]:
    """HiGHS's options for the phase's full model (`_PROOF_OPTIONS`, and `NO_JUMP` for a
    placement that only who can meet bounds)."""
    options = dict(_PROOF_OPTIONS.get(name, {}))
    if name == "placed" and placement_bound(problem) == seats(problem):
        options.update(NO_JUMP)
    return options


def _run_from(highs: Any, values: list[float] | None, budget: float) -> None:
    """Run HiGHS within `budget` seconds, from the answer `values` (or none)."""
    import numpy as np

    highs.setOptionValue("time_limit", max(budget, LEAST_SECONDS))
    if values is not None:
        highs.setSolution(len(values), np.arange(len(values), dtype=np.int32), np.array(values))
    highs.run()


def _misreported(highs: Any, objective: dict[int, float]) -> bool:
    """Whether HiGHS's objective value differs from what its own solution is worth."""
    info = highs.getInfo()
    if info.primal_solution_status != 2:  # 2 = feasible
        return False
    worth = _score(objective, list(highs.getSolution().col_value))
    return bool(abs(worth - info.objective_function_value) > 0.5)


def _candidate(
    highs: Any, problem: Problem, model: Formulation, learners_integral: bool = False
) -> list[float] | None:
    """HiGHS's solution with integer columns rounded, or None if it has none that is whole.

    A solve that finds nothing may still report an older solution; one whose integer
    columns are not whole is refused rather than rounded (rounding could drop learners).
    Learner columns are continuous unless `learners_integral`: they are left as they are
    (the caller repairs them).
    """
    if highs.getInfo().primal_solution_status != 2:  # 2 = feasible
        return None
    raw = list(highs.getSolution().col_value)
    whole = list(model.integer)
    for col in learner_columns(model):
        whole[col] = learners_integral
    if any(flag and abs(x - round(x)) > 1e-6 for x, flag in zip(raw, whole, strict=True)):
        return None
    rounded = [
        float(round(x)) if flag or abs(x - round(x)) <= 1e-6 else x
        for x, flag in zip(raw, whole, strict=True)
    ]
    return complete_aux(problem, model, rounded)


def _score(objective: dict[int, float], values: list[float]) -> float:
    return sum(coefficient * values[col] for col, coefficient in objective.items())


def _better_or_equal(candidate: float, incumbent: float, maximise: bool) -> bool:
    return candidate >= incumbent - 1e-6 if maximise else candidate <= incumbent + 1e-6


def _bound(bound: float, maximise: bool) -> int:
    """The proven bound, or the weakest possible one when HiGHS has none yet."""
    if not math.isfinite(bound):
        return 10**9 if maximise else 0
    return math.floor(bound + 1e-6) if maximise else math.ceil(bound - 1e-6)
