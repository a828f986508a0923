"""Exact solve: lexicographic phases, each keeping the earlier optima.

Phase 1 maximises learners placed; later phases (joins to existing groups,
sizes near the target, regular time over if-needed, spread) each optimise their
own objective while every earlier phase keeps its achieved value, so a later
phase can only choose among equally good answers, never break one.

Each phase first improves the current plan by local search (`polish`), whose
moves keep every count legal, and compares it with a bound that needs no solver
(`bounds`). When they meet, the phase is proven optimal without HiGHS. Otherwise
HiGHS solves the phase, warm-started from that plan, within the phase's share of
the time limit; cut short, it returns the best answer found, never worse than the
one it started from. highspy is imported lazily, only in `highs.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from roundtable.scheduling.bounds import preference_bound, seats, size_bound, spread_bound
from roundtable.scheduling.highs import SPREAD_GAP, PhaseResult, Runner
from roundtable.scheduling.leading import share_groups
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.polish import improve_sizes, level_sizes, place_more
from roundtable.scheduling.preferences import improve_preferences
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.values import plan_objectives

# Shares of the remaining time: placement first and foremost, then sizes.
_WEIGHTS = {"placed": 8.0, "joins": 1.0, "sizes": 2.0, "preferences": 1.0, "spread": 0.5}
# Spread only breaks ties: it never gets more than this share of the whole time limit.
_SPREAD_SHARE = 0.15


@dataclass
class ExactOutcome:
    plan: Plan
    upper_bound: int
    phases: list[str] = field(default_factory=list)
    placement_seconds: float = 0.0


@dataclass
class _Context:
    problem: Problem
    runner: Runner
    search: Search
    deadline: float
    limit: float
    proven: dict[str, bool] = field(default_factory=dict)


def solve_exact(problem: Problem, warm: Plan, seed: int, time_limit: float) -> ExactOutcome:
    """Solve every phase within the time limit, starting from the warm plan."""
    began = time.monotonic()
    runner, search = Runner(problem, seed), Search(problem, warm)
    context = _Context(problem, runner, search, began + time_limit, time_limit)
    outcome = ExactOutcome(plan=warm, upper_bound=seats(problem))
    names = _phase_names(problem)
    for position, name in enumerate(names):
        budget = _budget(context.deadline, names[position:])
        started = time.monotonic()
        result = _PHASES[name](context, budget)
        outcome.phases.append(f"{name} ({time.monotonic() - started:.2f} s): {result.status}")
        if name == "placed":
            outcome.upper_bound = min(result.bound, seats(problem))
            outcome.placement_seconds = round(time.monotonic() - began, 3)
        context.proven[name] = result.proven
        context.runner.hold(name, result.value)
    level_sizes(context.search)
    outcome.plan = context.search.plan()
    return outcome


def _phase_names(problem: Problem) -> list[str]:
    joinable = any(problem.learner_joins[i] for cls in problem.classes for i in cls.members[:1])
    optional = ["joins"] if joinable else []
    return ["placed", *optional, "sizes", "preferences", "spread"]


def _budget(deadline: float, names: list[str]) -> float:
    """This phase's share of the time left, by the weights of the phases still to run."""
    remaining = deadline - time.monotonic()
    weights = [_WEIGHTS[name] for name in names]
    return max(remaining * weights[0] / sum(weights), 0.0)


def _placed(context: _Context, budget: float) -> PhaseResult:
    search, bound = context.search, seats(context.problem)
    if search.placed() < bound:
        place_more(search)
    if search.placed() == bound:
        return PhaseResult(bound, bound, True, f"{bound}, everyone who can meet, optimal")
    return _solve(context, "placed", budget, bound)


def _joins(context: _Context, budget: float) -> PhaseResult:
    problem = context.problem
    joiners = {i for cls in problem.classes for i in cls.members if problem.learner_joins[i]}
    bound = min(sum(max(slot.room, 0) for slot in problem.existing), len(joiners))
    achieved = plan_objectives(problem, context.search.plan())["joins"]
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound}, existing groups full, optimal")
    return _solve(context, "joins", budget, bound)


def _sizes(context: _Context, budget: float) -> PhaseResult:
    improve_sizes(context.search)
    problem, plan = context.problem, context.search.plan()
    scores = plan_objectives(problem, plan)
    exact_counts = context.proven.get("placed") and context.proven.get("joins", True)
    new_learners = scores["placed"] - scores["joins"]
    bound = size_bound(problem, new_learners) if exact_counts else 0
    if scores["sizes"] == bound:
        return PhaseResult(bound, bound, True, f"{bound} = lower bound, optimal")
    return _solve(context, "sizes", budget, bound)


def _preferences(context: _Context, budget: float) -> PhaseResult:
    improve_preferences(context.search, budget / 2)
    problem = context.problem
    achieved = plan_objectives(problem, context.search.plan())["preferences"]
    everyone = context.search.placed() == seats(problem)
    bound = preference_bound(problem, everyone)
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = lower bound, optimal")
    return _solve(context, "preferences", budget, bound)


def _spread(context: _Context, budget: float) -> PhaseResult:
    share_groups(context.search)
    problem, plan = context.problem, context.search.plan()
    achieved = plan_objectives(problem, plan)["spread"]
    bound = spread_bound(problem, _fewest_groups(context, plan))
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = lower bound, optimal")
    if achieved <= bound * (1 + SPREAD_GAP):
        gap = (achieved - bound) / achieved
        text = f"{achieved}, bound {bound}, gap {gap:.1%} (accepted)"
        return PhaseResult(achieved, bound, True, text)
    return _solve(context, "spread", min(budget, _SPREAD_SHARE * context.limit), bound)


def _fewest_groups(context: _Context, plan: Plan) -> int:
    """New groups any answer keeping the earlier phases must have."""
    scores = plan_objectives(context.problem, plan)
    new_learners = scores["placed"] - scores["joins"]
    if context.proven.get("sizes") and scores["sizes"] == 0:
        return plan.group_count()  # every start holds exactly target x groups
    return -(-new_learners // context.problem.params.learner_bounds()[1])


def _solve(context: _Context, name: str, budget: float, bound: int) -> PhaseResult:
    """Run HiGHS on the phase; adopt its plan (never worse than the incumbent)."""
    plan, result = context.runner.solve(name, context.search.plan(), budget, bound)
    context.search = Search(context.problem, plan)
    return result


_PHASES: dict[str, Callable[[_Context, float], PhaseResult]] = {
    "placed": _placed,
    "joins": _joins,
    "sizes": _sizes,
    "preferences": _preferences,
    "spread": _spread,
}
