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
one it started from. The later phases each have a module (`phase_sizes`,
`phase_preferences`, `phase_spread`) sharing `phase_context`; highspy is imported
lazily (`highs_model`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from roundtable.scheduling import per_group
from roundtable.scheduling.bounds import placement_bound, seats
from roundtable.scheduling.highs import PhaseResult, Runner
from roundtable.scheduling.phase_context import PhaseContext, solve_phase
from roundtable.scheduling.phase_preferences import preferences_phase
from roundtable.scheduling.phase_sizes import sizes_phase
from roundtable.scheduling.phase_spread import spread_phase
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.polish import fill_to_bound, level_sizes, place_more
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.values import plan_objectives

# Shares of the remaining time: placement first and foremost, then sizes.
_WEIGHTS = {"placed": 8.0, "joins": 1.0, "sizes": 2.0, "preferences": 1.0, "spread": 0.5}


@dataclass
class ExactOutcome:
    plan: Plan
    upper_bound: int
    phases: list[str] = field(default_factory=list)
    placement_seconds: float = 0.0
    # Each phase's result and seconds, for callers that merge outcomes (split.py).
    results: dict[str, PhaseResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def solve_exact(
    problem: Problem,
    warm: Plan,
    seed: int,
    time_limit: float,
    ahead: per_group.RelaxationAhead | None = None,
) -> ExactOutcome:
    """Solve every phase within the time limit, starting from the warm plan (and the
    per-group relaxation asked `ahead` of the heuristic, if any)."""
    began = time.monotonic()
    runner, search = Runner(problem, seed), Search(problem, warm)
    context = PhaseContext(problem, runner, search, began + time_limit, time_limit)
    context.per_group_ahead = ahead
    outcome = ExactOutcome(plan=warm, upper_bound=placement_bound(problem))
    names = _phase_names(problem)
    try:
        for position, name in enumerate(names):
            budget = _budget(context.deadline, names[position:])
            started = time.monotonic()
            result = _PHASES[name](context, budget)
            outcome.results[name], outcome.seconds[name] = result, time.monotonic() - started
            outcome.phases.append(f"{name} ({outcome.seconds[name]:.2f} s): {result.status}")
            if name == "placed":
                outcome.upper_bound = min(result.bound, placement_bound(problem))
                outcome.placement_seconds = round(time.monotonic() - began, 3)
            context.proven[name] = result.proven
            context.runner.hold(name, result.value)
    finally:
        context.cancel_ahead()
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


def _placed(context: PhaseContext, budget: float) -> PhaseResult:
    search, bound = context.search, placement_bound(context.problem)
    if search.placed() < bound:
        place_more(search)
    if search.placed() < bound < seats(context.problem):
        # the facilitators' capacity is the bound: met only with every group full, which
        # moving groups reaches where opening them cannot; on a copy, kept only if it
        # does (short of it, HiGHS starts from the plan it would have had)
        filled = Search(context.problem, search.plan())
        if fill_to_bound(filled, bound):
            context.search = search = filled
    if search.placed() == bound:
        who = "everyone who can meet" if bound == seats(context.problem) else "leaders' capacity"
        return PhaseResult(bound, bound, True, f"{bound}, {who}, optimal")
    context.drop_per_group_ahead()
    return solve_phase(context, "placed", budget, bound)


def _joins(context: PhaseContext, budget: float) -> PhaseResult:
    problem = context.problem
    joiners = {i for cls in problem.classes for i in cls.members if problem.learner_joins[i]}
    bound = min(sum(max(slot.room, 0) for slot in problem.existing), len(joiners))
    achieved = plan_objectives(problem, context.search.plan())["joins"]
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound}, existing groups full, optimal")
    return solve_phase(context, "joins", budget, bound)


_PHASES: dict[str, Callable[[PhaseContext, float], PhaseResult]] = {
    "placed": _placed,
    "joins": _joins,
    "sizes": sizes_phase,
    "preferences": preferences_phase,
    "spread": spread_phase,
}
