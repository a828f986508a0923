"""Solve a cohort as independent parts: the connected components of "who can meet when".

Two people are connected when they can both attend some viable start (with per-group
anchors every anchor's series is a start of its own, so that covers anchors too), or
could both be in one existing group (a learner who can join it, its facilitators). No
row of the model links two components: a class's seats, a start's groups and learners,
a facilitator's capacity and overlapping meetings, an existing group's room all stay
inside one. So the model is block-diagonal and each component is solved alone with the
ordinary lexicographic solver (`solver.solve_exact`), on a sub-problem that shares the
whole problem's catalogue (start indices stay the same) and its people's rows.

Merging is exact for every phase whose objective is a sum over components: placed,
joins, sizes and preferences. Maximising a sum of independent terms maximises each term,
and holding the sum at its best forces every term to its best, so the next phase faces,
in each component, exactly the set of answers the component's own solve held (by
induction over the phases). Spread is 10·(groups beyond each facilitator's first) plus
the most groups at one start: the first part is a sum, the second a maximum over the
components, so per-component optima are not always a global optimum (two answers of one
component that tie at 10·1 + 1 and 10·0 + 11 differ once another component already has
11 groups at a start). The merged spread is therefore reported against a lower bound
built from the components' bounds (`spread_lower_bound`), proven only when they meet.
See docs/scheduling.md, "Large cohorts".
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import SENSES, PhaseResult
from roundtable.scheduling.parts import find_parts, merge_into, sub_problem, whole_part
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.regions import solve_by_regions
from roundtable.scheduling.solver import ExactOutcome, solve_exact
from roundtable.scheduling.values import plan_objectives

# Phases whose objective is a sum over components (see the module docstring).
ADDITIVE = ("placed", "joins", "sizes", "preferences")
# A part with more learners is solved by region (regions.py): measured in
# docs/scheduling.md "Large cohorts", where the worker's memory is sized for it.
DEFAULT_PART_LIMIT = 6_000


@dataclass
class PartsOutcome:
    """The merged answer, as the whole model's solver would report it."""

    plan: Plan
    upper_bound: int
    heuristic_placed: int
    placement_seconds: float
    phases: list[str] = field(default_factory=list)
    parts: int = 0


def solve_by_parts(
    problem: Problem,
    seed: int,
    time_limit: float,
    *,
    part_limit: int = DEFAULT_PART_LIMIT,
    workers: int | None = None,
) -> PartsOutcome | None:
    """Solve each component within its share of the time and merge the answers; None
    when the problem is one component small enough to solve whole.

    A part's share is its learners' share of the time still left, so time a small part
    does not use flows to the larger ones. A part above `part_limit` learners is solved
    by region (regions.py, `workers` processes). Deterministic: parts in a fixed order,
    each solved with the same seed.
    """
    began = time.monotonic()
    parts = find_parts(problem)
    if len(parts) == 1 and len(parts[0].learners) <= part_limit:
        return None
    plan, results, heuristic_placed, upper_bound = Plan(), [], 0, 0
    crowds: list[int] = []
    placement = 0.0
    waiting = sum(len(part.learners) for part in parts)
    for part in parts:
        left = max(time_limit - (time.monotonic() - began), 0.05)
        budget = left * len(part.learners) / waiting
        waiting -= len(part.learners)
        # one part too large is solved in place: no copy of the whole problem's matrices
        single = len(parts) == 1
        where = whole_part(problem) if single else part
        sub = problem if single else sub_problem(problem, part)
        crowds.append(most_groups_at_a_start(sub))
        outcome, warm_placed = _solve_part(sub, seed, budget, part_limit, workers)
        heuristic_placed += warm_placed
        upper_bound += outcome.upper_bound
        placement += outcome.placement_seconds
        results.append(outcome)
        merge_into(plan, outcome.plan, where)
    merged = PartsOutcome(plan, upper_bound, heuristic_placed, round(placement, 3))
    merged.parts = len(parts)
    sizes = [len(part.learners) for part in parts]
    seconds = time.monotonic() - began
    merged.phases = merged_phase_lines(problem, plan, results, sizes, crowds, seconds)
    if any(size > part_limit for size in sizes):
        merged.phases[0] += f"; parts above {part_limit} learners solved by region"
    return merged


def _solve_part(
    sub: Problem, seed: int, budget: float, part_limit: int, workers: int | None
) -> tuple[ExactOutcome, int]:
    """The part's outcome and what the heuristic placed in it."""
    if len(sub.learners) > part_limit:
        return solve_by_regions(sub, seed, budget, part_limit, workers)
    warm = solve_heuristic(sub, seed)
    return solve_exact(sub, warm, seed, budget), warm.placed()


def merged_phase_lines(
    problem: Problem,
    plan: Plan,
    outcomes: Sequence[ExactOutcome],
    sizes: Sequence[int],
    crowds: Sequence[int],
    seconds: float,
) -> list[str]:
    """One line per phase in the solver's own format, for the merged plan.

    Values are the whole model's objectives of the merged plan; bounds are the sums of
    the parts' bounds (additive phases) or `spread_lower_bound`.
    """
    values = plan_objectives(problem, plan)
    lines = [
        f"exact: solved as {len(outcomes)} independent parts in {seconds:.2f} s "
        f"(largest {max(sizes, default=0)} learners)"
    ]
    names = [name for name in (*ADDITIVE, "spread") if any(name in o.results for o in outcomes)]
    for name in names:
        taken = [o.results[name] for o in outcomes if name in o.results]
        elapsed = sum(o.seconds.get(name, 0.0) for o in outcomes)
        if name == "spread":
            bound = spread_lower_bound([r.bound for r in taken], crowds)
        else:
            bound = sum(r.bound for r in taken)
        lines.append(f"{name} ({elapsed:.2f} s): {_status(name, values[name], bound, taken)}")
    return lines


def _status(name: str, value: int, bound: int, taken: Sequence[PhaseResult]) -> str:
    if value == bound:
        return f"{value}, optimal"
    gap = abs(value - bound) / max(abs(value), 1)
    reasons = sorted({r.status.rsplit("(", 1)[-1].rstrip(")") for r in taken if not r.proven})
    reason = ", ".join(reasons) or ("accepted" if not SENSES[name] else "time limit reached")
    return f"{value}, bound {bound}, gap {gap:.1%} ({reason})"


def most_groups_at_a_start(problem: Problem) -> int:
    """The most new groups any answer could put at one start: as many as the learners
    who can attend it fill to the minimum, and (facilitated) the facilitators who can."""
    low = max(problem.params.learner_bounds()[0], 1)
    starts = problem.viable_starts
    if not starts:
        return 0
    fill = (problem.learner_costs[:, starts] >= 0).sum(axis=0) // low
    if problem.facilitated:
        able = [f for f, cap in enumerate(problem.facilitator_capacity) if cap > 0]
        leaders = (problem.facilitator_costs[able][:, starts] >= 0).sum(axis=0)
        fill = fill.clip(max=leaders)
    return int(fill.max())


def spread_lower_bound(part_bounds: Sequence[int], crowds: Sequence[int]) -> int:
    """A lower bound on the whole spread from lower bounds b_k of each part's spread.

    In any answer, part k has 10·O_k + M_k >= b_k (O_k its facilitators' groups beyond
    their first, M_k its most groups at one start, at most `crowds[k]`) and the whole
    spread is 10·ΣO_k + M with M = max M_k. So 10·O_k >= b_k - min(M, crowds[k]), and as
    O_k is whole, the spread is at least
    min over M of M + Σ_k 10·ceil(max(b_k - min(M, crowds[k]), 0) / 10).
    It equals the merged value when every part's optimum has its fewest doubled-up
    facilitators (then the parts' maxima differ by less than 10).
    """
    if not part_bounds or max(part_bounds) <= 0:
        return 0
    return min(
        most
        + sum(
            10 * -(-max(b - min(most, crowd), 0) // 10)
            for b, crowd in zip(part_bounds, crowds, strict=True)
        )
        for most in range(max(crowds, default=0) + 1)
    )
