"""A dive through the LP relaxation of a phase, rounding one start's number of groups at a
time: an answer built from the relaxation's optimum instead of the local search's plan.

On the few-facilitator cohorts the local search's plan and the optimum share few starts
(issue 20, session 3: 6 of 46 on the 600-learner sweep cohort), and HiGHS reaches the
optimum only after its root cut loop (4-30 s) hands the root's relaxation to its own
sub-MIP heuristics. The relaxation itself takes half a second there and is the optimum's
value; what it lacks is whole groups: a start's groups come out as sevenths, one per
learner who sits there. So the dive rounds the number of groups at one start, re-solves
the relaxation (dual simplex from the last basis: a few milliseconds) and goes on while
the relaxation stays at the best value an integral answer could still have:

- the starts using less than 0.3 of a group are closed together in one re-solve, as
  long as that keeps the value (on the sweep's cohorts this also led to the optimum,
  where closing them one by one ended 1 above it);
- then the start whose number of groups is nearest below a whole number is rounded
  down (closing the starts the relaxation barely uses), up when down costs more;
- when both cost more, the cheaper is kept and the value aimed at rises to it;
- where that leaves the dive no better than halfway between the relaxation and the
  incoming plan (typical 100: both roundings of the last start cost 300, an if-needed
  seat, against 183 and the plan's 301), the earlier roundings took a way that ends
  there: they are undone (the total kept), this start stays rounded and the dive begins
  again from the relaxation with it (typical 100: 185, the optimum). Once per start.

With every start's number of groups whole, who leads them and which learners sit where is
one small MIP (the counts fixed, as in `highs._leaders_only`). The relaxation's value,
rounded up, is also a bound of the phase (every answer keeping the held phases is a
solution of the model it relaxes).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from roundtable.scheduling.formulation import INF, Formulation, group_column_count
from roundtable.scheduling.highs import SENSES, Runner, _fractional, _repair, _run_phase, _score
from roundtable.scheduling.highs_model import (
    LEAST_SECONDS,
    OnThread,
    delete_rows_from,
    learner_columns,
    relax,
    set_objective,
    solve_relaxation,
)
from roundtable.scheduling.neighbourhood import group_columns
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.values import complete_aux, plan_from_values, values_from_plan

# Relaxations are solved to 1e-7; a value this far above a whole number still rounds down.
_SLACK = 1e-3
_WHOLE = 1e-6  # a number of groups this close to a whole one counts as whole
# Of the dive's time, what the first relaxation may take: where it takes longer (the
# per-group-anchor cohorts: a minute at 1,200 learners) the time goes back to HiGHS.
_RELAXATION_SHARE = 1 / 3
# With more group columns the relaxation is not solved within that share (per-group
# anchors, one start per anchor's series: 14,769 at 1,200 learners), and the time it
# takes to find out is what HiGHS's feasibility jump needs there (26,489 instead of 80).
_MOST_GROUP_COLUMNS = 8_000
# HiGHS's `simplex_strategy` values (dual simplex is its default)
_DUAL_SIMPLEX, _PRIMAL_SIMPLEX = 1, 4
# Starts used less than this fraction of a group are closed together, in one re-solve,
# while that keeps the relaxation's value (one at a time once it does not).
_BATCH = 0.3
# Then this many starts are rounded down together while more than twice as many are
# fractional (8 at a time: few facilitators 1,200 ran out of time, and 4 ended at the
# same answers on the captured sweep cohorts).
_AT_ONCE = 4
# After such a batch costs more (and is undone), this many starts are rounded one at a
# time before the next batch is tried: few facilitators 600 tried 73 batches and 47 cost
# more, each a re-solve and an undo (0.6 of the dive's 1.9 s); now 155 re-solves instead
# of 204, with the same answers on the captured sweep cohorts (8 left sparse 300 at
# 7,977 instead of 7,639; 2 gained less).
_ALONE_AFTER_FAILED_BATCH = 4
# Besides the plan's own, each learner class's this many cheapest options stay in the
# dive's relaxation from the start (`PricedHighs`); the rest join as they price in.
_CHEAPEST = 2
# A held-out column joins the relaxation when its reduced cost is below minus this
# (HiGHS's own dual feasibility tolerance, so the relaxation is as optimal as HiGHS's).
_PRICE_TOLERANCE = 1e-7
# Columns are held out only where the model has at least this many per row: few
# facilitators 600-2,000 (3.2-6.1; no linking rows there), where the relaxation took 0.24 /
# 1.05 s of CPU and takes 0.10 / 0.38 s. Where rows outnumber columns (typical 100 and
# 300, sparse 300-2,000: 0.6-0.85, their linking rows) the optimum needs most columns: on
# typical 300 half of the held ones priced back in, 1.08 s against 0.64 s.
_COLUMNS_PER_ROW = 2


class PricedHighs:
    """The dive's HiGHS instance with most learner columns held at 0, brought back as their
    reduced costs ask: every `run` ends with no held column pricing in, so its value is
    the whole relaxation's, on a smaller LP.

    The relaxation's optimum uses few learner columns (few facilitators 2,000: 2,001 of
    33,436 columns, of which 31,289 are learners'); with the plan's and each class's two
    cheapest options only, it is solved in 0.3 s of CPU against 1.0 s, and a few hundred
    columns price in afterwards. A column freed keeps its basis status at its lower
    bound: HiGHS reports a fixed column at its upper one, which once freed put the
    basis 2,661 primal iterations from the optimum (93 with it at its lower bound).
    Where the kept columns leave the relaxation infeasible (a rounding they cannot
    follow), every held column is freed. Everything but `run` is HiGHS's own."""

    def __init__(self, highs: Any, held: list[int], upper: list[float]) -> None:
        import numpy as np

        self.highs = highs
        self._solution: Any = None  # the last run's, read once (1.3 ms on 33,436 columns)
        self.held = np.array(held, dtype=np.int32)
        self._upper = np.array(upper, dtype=np.float64)  # every column's own upper bound
        if len(self.held):
            zeros = np.zeros(len(self.held))
            highs.changeColsBounds(len(self.held), self.held, zeros, zeros)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.highs, name)

    def getSolution(self) -> Any:  # noqa: N802 (HiGHS's name)
        if self._solution is None:
            self._solution = self.highs.getSolution()
        return self._solution

    def run(self) -> Any:
        self._solution = None
        status = self.highs.run()
        priced = self._priced()
        if priced is None:
            return status
        # the basis stays primal feasible with columns freed at 0: primal simplex goes on
        # from it (the interior point would start over)
        solver, strategy = _option(self.highs, "solver"), _option(self.highs, "simplex_strategy")
        self.highs.setOptionValue("solver", "simplex")
        self.highs.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX)
        try:
            while priced is not None:
                self._free(priced)
                self._solution = None
                status = self.highs.run()
                priced = self._priced()
        finally:
            self.highs.setOptionValue("solver", solver)
            self.highs.setOptionValue("simplex_strategy", strategy)
        return status

    def _priced(self) -> Any:
        """The held columns to free after a run (None if none): those pricing in at an
        optimum, all of them where the kept ones leave the relaxation infeasible."""
        import numpy as np

        if not len(self.held):
            return None
        outcome = self.highs.modelStatusToString(self.highs.getModelStatus())
        if outcome == "Optimal":
            duals = np.array(self.getSolution().col_dual)[self.held]
            priced = self.held[duals < -_PRICE_TOLERANCE]
        elif outcome == "Infeasible":
            priced = self.held
        else:  # the time limit, or interrupted
            return None
        return priced if len(priced) else None

    def free_all(self) -> None:
        """Every held column back at its own bounds (before the dive's MIP)."""
        if len(self.held):
            self._free(self.held)

    def _free(self, columns: Any) -> None:
        import highspy
        import numpy as np

        basis, statuses = self.highs.getBasis(), None
        if basis.valid:
            statuses = list(basis.col_status)
            for col in columns.tolist():
                statuses[col] = highspy.HighsBasisStatus.kLower
        lows = np.zeros(len(columns))
        self.highs.changeColsBounds(len(columns), columns, lows, self._upper[columns])
        if statuses is not None:
            basis.col_status = statuses
            self.highs.setBasis(basis)
        self.held = np.setdiff1d(self.held, columns).astype(np.int32)
        self._solution = None


def _option(highs: Any, name: str) -> Any:
    """An option's value (highspy 1.16 hands back its status with it)."""
    value = highs.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


@dataclass(frozen=True)
class DiveOutcome:
    plan: Plan  # the dive's answer if better than the incoming plan, else that plan
    bound: int  # the relaxation's value rounded up, or the bound handed in


class DiveRelaxation(OnThread):
    """The dive's first relaxation on the runner's own HiGHS instance: the model with the
    phase's objective, every column continuous and one count row per start (and one for
    the groups in all) added from row `first` on.

    It depends only on the held phases and the `plan` whose learner columns it keeps
    (`PricedHighs`; its value is the whole relaxation's), not on the plan the dive starts
    from, so the phase can `start` it on a thread of its own before HiGHS's first pass
    (HiGHS releases the GIL while it runs): on two cores the pass (0.1-0.5 s), loading
    the model into the runner's own instance and the relaxation (0.1-1.6 s) then overlap.
    The dive joins it; `cancel` interrupts it when the phase ends without a dive. Either
    way HiGHS does the same work in the same order, so the dive's answer is the same."""

    def __init__(self, runner: Runner, name: str, budget: float, plan: Plan | None = None) -> None:
        super().__init__()
        self.runner, self.name, self.budget, self.plan = runner, name, budget, plan
        self.highs: Any = None  # the instance the dive rounds on, once loaded
        self.value: float | None = None
        self.first, self.starts = 0, dict[int, list[int]]()

    def solve(self) -> float | None:
        """The relaxation's value (None if not solved within its budget), solved here if
        it was not started on a thread."""
        if self._thread is None:
            self._solve()
        else:
            self.join()
        return self.value

    def _solve(self) -> None:
        model, highs = self.runner._loaded()
        began = time.monotonic()
        self.starts, self.first = _starts(model), highs.getNumRow()
        set_objective(highs, model, self.name)
        relax(highs, model, True)
        _add_count_rows(highs, self.starts)
        if self.plan is not None and len(model.cost) >= _COLUMNS_PER_ROW * highs.getNumRow():
            held = _held_out(self.runner.problem, model, self.plan, self.runner.pinned)
            highs = PricedHighs(highs, held, model.upper)
        self.highs = highs
        # the interior-point solver: 2.4 s against 9 s for dual simplex on the typical
        # 300 sweep cohort; the dive's re-solves start from its crossover's basis
        highs.setOptionValue("solver", "ipm")
        highs.cbIpmInterrupt.subscribe(self.interrupt)
        highs.cbSimplexInterrupt.subscribe(self.interrupt)
        try:
            left = self.budget - (time.monotonic() - began)
            self.value = None if self._cancelled else solve_relaxation(highs, left)
        finally:
            highs.cbIpmInterrupt.unsubscribe(self.interrupt)
            highs.cbSimplexInterrupt.unsubscribe(self.interrupt)
            highs.setOptionValue("solver", "choose")


def start_relaxation(
    runner: Runner, name: str, budget: float, plan: Plan | None = None
) -> DiveRelaxation | None:
    """The dive's relaxation started on a thread of its own, where the dive applies; it
    gets `_RELAXATION_SHARE` of the dive's `budget`. With a `plan`, its learner columns
    and each class's cheapest stay in, the rest priced in as needed (`PricedHighs`)."""
    if not applies(runner.problem):
        return None
    return DiveRelaxation(runner, name, budget * _RELAXATION_SHARE, plan).start()


def _held_out(problem: Problem, model: Formulation, plan: Plan, pinned: set[int]) -> list[int]:
    """The learner columns the relaxation starts without: all but the plan's and each
    class's `_CHEAPEST` cheapest options (with the plan's the relaxation is feasible), and
    those a hold fixes at 0 already (freeing them would undo the hold)."""
    values = values_from_plan(problem, model, plan)
    kept = {col for col in learner_columns(model) if values[col] > 0} | pinned
    for c, cls in enumerate(problem.classes):
        cheapest = sorted((cost, start) for start, cost in cls.options)[:_CHEAPEST]
        kept.update(model.w[c, start] for _cost, start in cheapest)
    return [col for col in learner_columns(model) if col not in kept]


def dive(
    runner: Runner,
    name: str,
    plan: Plan,
    budget: float,
    bound: int,
    relaxation: DiveRelaxation | None = None,
) -> DiveOutcome:
    """Relax the phase (a minimising one), dive to whole numbers of groups per start and
    solve who leads and sits where; within `budget` seconds. `relaxation` is one started
    earlier on this runner (`start_relaxation`), joined here; without it the relaxation
    is solved first, within a third of the budget."""
    assert not SENSES[name], "the dive rounds towards a least value"
    deadline = time.monotonic() + budget
    problem = runner.problem
    if not applies(problem):
        return DiveOutcome(plan, bound)  # before building a model it would not use
    relaxation = relaxation or DiveRelaxation(runner, name, budget * _RELAXATION_SHARE, plan)
    relaxed = relaxation.solve()  # first: its thread loads the runner's instance
    model, highs = runner._loaded()
    rounding = relaxation.highs or highs  # with held-out columns, if any
    values = values_from_plan(problem, model, plan)
    starts, first = relaxation.starts, relaxation.first
    try:
        if relaxed is None:
            return DiveOutcome(plan, bound)
        bound = max(bound, math.ceil(relaxed - _SLACK))
        runner.stopper.aim(bound, False, model.objectives[name])
        # above this the dive's answer gains less than half of what the relaxation says
        # it might: worth a new beginning (`_begin_again`)
        worth = (bound + _score(model.objectives[name], values)) / 2
        if not _round_counts(rounding, starts, first, bound, deadline, worth):
            return DiveOutcome(plan, bound)
        solution = list(highs.getSolution().col_value)
        start = _whole_groups(model, solution) or values
        _free_all(rounding)  # the MIP may seat learners anywhere
        relax(highs, model, False)
        left = max(deadline - time.monotonic(), LEAST_SECONDS)
        if _integral(model, solution):
            # an answer already: with the counts fixed no integral one is cheaper than
            # the relaxation's (few facilitators 600, typical 300: 0.05-0.1 s of MIP saved)
            found = complete_aux(problem, model, start)
        else:
            found, _status, _proven = _run_phase(
                highs, problem, model, name, start, left, runner.pinned
            )
        if _fractional(model, found):  # the relaxation's own answer, HiGHS found no other
            found = _repair(highs, problem, model, found, left, runner.pinned) or values
    finally:
        _free_all(rounding)
        highs.setOptionValue("solver", "choose")
        relax(highs, model, False)
        delete_rows_from(highs, first)
    objective = model.objectives[name]
    if _score(objective, found) < _score(objective, values) - 0.5:
        return DiveOutcome(plan_from_values(problem, model, found), bound)
    return DiveOutcome(plan, bound)


def _free_all(highs: Any) -> None:
    if isinstance(highs, PricedHighs):
        highs.free_all()


def _whole_groups(model: Formulation, solution: list[float]) -> list[float] | None:
    """The rounded relaxation's solution as the MIP's start, if its groups are whole (so
    far always, with every count whole): HiGHS takes it at once, where from the incoming
    plan, whose counts the rounding changed, it needed its root (few facilitators 2,000:
    1.9 s of the MIP's 2.5-3 s). Values within the relaxation's tolerance of a whole
    number are made whole: HiGHS's check of a start's learners would refuse 1e-6 off."""
    groups = [*model.y.values(), *model.n.values()]
    if len(solution) != len(model.cost):  # no solution kept after the last bounds
        return None
    if any(abs(solution[col] - round(solution[col])) > _WHOLE for col in groups):
        return None
    return [
        float(round(value)) if abs(value - round(value)) < _SLACK else value for value in solution
    ]


def _integral(model: Formulation, solution: list[float]) -> bool:
    """Whether every group and learner column of the relaxation's solution is whole
    (within the tolerance HiGHS checks a MIP's start at)."""
    columns = [*model.y.values(), *model.n.values(), *model.w.values(), *model.v.values()]
    if len(solution) != len(model.cost):  # no solution kept after the last bounds
        return False
    return all(abs(solution[col] - round(solution[col])) <= _WHOLE for col in columns)


def applies(problem: Problem) -> bool:
    """Whether the dive is tried at all on this problem (see `_MOST_GROUP_COLUMNS`)."""
    return group_column_count(problem) <= _MOST_GROUP_COLUMNS


def _starts(model: Formulation) -> dict[int, list[int]]:
    """Each start's group columns, starts in order."""
    starts: dict[int, list[int]] = {}
    for start, col in group_columns(model):
        starts.setdefault(start, []).append(col)
    return dict(sorted(starts.items()))


def _add_count_rows(highs: Any, starts: dict[int, list[int]]) -> None:
    """One free row per start: its number of groups, to round by its bounds; then one
    for the number of groups in all."""
    import numpy as np

    for columns in [*starts.values(), [col for cols in starts.values() for col in cols]]:
        indices = np.array(columns, dtype=np.int32)
        highs.addRow(0.0, INF, len(indices), indices, np.ones(len(indices)))


def _round_counts(
    highs: Any,
    starts: dict[int, list[int]],
    first: int,
    aim: int,
    deadline: float,
    worth: float = math.inf,
) -> bool:
    """Round every start's number of groups (by its row's bounds) while the relaxation
    stays at `aim` or as near it as it can, beginning again once per start whose rounding
    raises the aim above `worth`; False if time runs out or no rounding is feasible."""
    rows = {start: first + position for position, start in enumerate(starts)}
    # After the batches, the number of groups in all: where the relaxation's is
    # fractional (sparse 1,200: 220.8) rounding one start only moves the fraction to
    # another, and the dive went round 300 re-solves with one to five starts fractional
    # (32 s, 42,219; 13 s, 38,058 with it). Before the batches it cost few facilitators
    # 1,200 twice the re-solves. A whole total is held too: left free, typical 100 and
    # sparse 300 ended at 306 and 7,640 again instead of 186 and 7,298 (the optimum),
    # though few facilitators 2,000 then takes 24 re-solves instead of 42-44.
    batches, total_whole, alone = True, False, 0
    begun_again: set[int] = set()  # the starts the rounding began again from
    while True:
        counts = _counts(highs, starts)
        fractional = [
            (count - math.floor(count), start)
            for start, count in counts.items()
            if abs(count - round(count)) > _WHOLE
        ]
        small = [start for part, start in fractional if part < _BATCH]
        if batches and len(small) > 1:
            batches = _close_together(highs, rows, small, counts, aim, deadline)
            continue
        if not total_whole:
            rounded = _round_row(highs, first + len(starts), sum(counts.values()), aim, deadline)
            if rounded is None:
                return False
            aim, total_whole = rounded, True
            continue
        if not fractional:
            for start, count in counts.items():  # whole already: keep them so
                highs.changeRowBounds(rows[start], float(round(count)), float(round(count)))
            return True
        if len(fractional) > 2 * _AT_ONCE and alone <= 0:
            # the starts nearest above a whole number first, a few at a time: one
            # re-solve instead of one each (few facilitators 1,200: 77 re-solves, not 145)
            least = [start for _part, start in sorted(fractional)[:_AT_ONCE]]
            if _close_together(highs, rows, least, counts, aim, deadline):
                continue
            alone = _ALONE_AFTER_FAILED_BATCH
        alone -= 1
        _part, start = min(fractional)
        rounded = _round_row(highs, rows[start], counts[start], aim, deadline)
        if rounded is not None and rounded > worth and start not in begun_again:
            begun_again.add(start)
            rounded, batches, alone = _begin_again(highs, rows, start, deadline), True, 0
        if rounded is None:
            return False
        aim = rounded


def _begin_again(highs: Any, rows: dict[int, int], kept: int, deadline: float) -> int | None:
    """Free every start's count row but the `kept` start's (rounded already) and re-solve:
    the aim is that relaxation's value, rounded up (None if time runs out)."""
    for start, row in rows.items():
        if start != kept:
            highs.changeRowBounds(row, 0.0, INF)
    value = solve_relaxation(highs, deadline - time.monotonic())
    return None if value is None else math.ceil(value - _SLACK)


def _round_row(highs: Any, row: int, count: float, aim: int, deadline: float) -> int | None:
    """Fix a count row at the whole number below `count`, or above where below costs
    more than `aim`; where both do, at the cheaper, and the aim rises to it. Returns the
    aim, or None if time runs out or neither is feasible."""
    if abs(count - round(count)) <= _WHOLE:
        highs.changeRowBounds(row, float(round(count)), float(round(count)))
        return aim
    tried: list[tuple[float, int]] = []
    for whole in (math.floor(count), math.ceil(count)):
        if time.monotonic() > deadline:
            return None
        highs.changeRowBounds(row, float(whole), float(whole))
        value = solve_relaxation(highs, deadline - time.monotonic())
        if value is not None and value <= aim + _SLACK:
            return aim
        tried.append((math.inf if value is None else value, whole))
    value, whole = min(tried)
    if math.isinf(value):
        return None
    highs.changeRowBounds(row, float(whole), float(whole))
    if solve_relaxation(highs, deadline - time.monotonic()) is None:
        return None
    return math.ceil(value - _SLACK)


def _close_together(
    highs: Any,
    rows: dict[int, int],
    small: list[int],
    counts: dict[int, float],
    aim: int,
    deadline: float,
) -> bool:
    """Round the `small` starts down in one re-solve; undo it and say so (False) if that
    costs more than `aim`."""
    for start in small:
        whole = float(math.floor(counts[start]))
        highs.changeRowBounds(rows[start], whole, whole)
    value = solve_relaxation(highs, deadline - time.monotonic())
    if value is not None and value <= aim + _SLACK:
        return True
    for start in small:
        highs.changeRowBounds(rows[start], 0.0, INF)
    # the batch's answer stays feasible with the counts free again, so primal simplex goes
    # on from it (few facilitators 1,200: 984 iterations, 0.6 s), where dual simplex took
    # 9,780 (4-10 s); both end where the dive then reaches the optimum (400, and 81 on few
    # facilitators 600), which the basis from before the batch does not (401, 83)
    highs.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX)
    solve_relaxation(highs, deadline - time.monotonic())
    highs.setOptionValue("simplex_strategy", _DUAL_SIMPLEX)
    return False


def _counts(highs: Any, starts: dict[int, list[int]]) -> dict[int, float]:
    import numpy as np

    solution = np.array(highs.getSolution().col_value)
    return {start: float(solution[columns].sum()) for start, columns in starts.items()}
