"""What every phase of the exact solve shares: the context it runs in (the problem, the
HiGHS runner with the holds so far, the local search with the current plan, the time
left) and HiGHS's answer adopted only when it keeps every earlier phase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from roundtable.scheduling.highs import SENSES, PhaseResult, Runner
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.totals import totals_below
from roundtable.scheduling.values import plan_objectives


@dataclass
class PhaseContext:
    problem: Problem
    runner: Runner
    search: Search
    deadline: float
    limit: float
    proven: dict[str, bool] = field(default_factory=dict)
    # The sizes phase's least size objective per total of new groups (its relaxations,
    # `totals.Relaxation.at_least`): with sizes held, the later phases' fewest groups.
    sizes_at_total: Callable[[int], int] | None = None


def solve_phase(
    context: PhaseContext,
    name: str,
    budget: float,
    bound: int,
    neighbourhoods: bool = True,
    full_model: bool = True,
) -> PhaseResult:
    """Run HiGHS on the phase; adopt its plan only if it keeps every earlier phase."""
    incumbent = context.search.plan()
    plan, result = context.runner.solve(name, incumbent, budget, bound, neighbourhoods, full_model)
    if not keeps_earlier_phases(context, incumbent, plan, name):
        return PhaseResult(
            plan_objectives(context.problem, incumbent)[name],
            result.bound,
            False,
            f"solver answer refused, kept the search's: {result.status}",
        )
    context.search = Search(context.problem, plan)
    return result


def keeps_earlier_phases(context: PhaseContext, before: Plan, after: Plan, name: str) -> bool:
    """A defence in depth: consistent counts, and no earlier or current phase worse off."""
    if not plan_is_consistent(context.problem, after):
        return False
    old = plan_objectives(context.problem, before)
    new = plan_objectives(context.problem, after)
    for phase in [*context.proven, name]:
        worse = new[phase] < old[phase] if SENSES[phase] else new[phase] > old[phase]
        if worse:
            return False
    return True


def fewest_groups(context: PhaseContext, plan: Plan) -> int:
    """New groups any answer keeping the earlier phases must have.

    The held size objective S bounds |P - t*G| (see `bounds`), so t*G >= P - S, and G
    groups hold at most G*max learners.
    """
    scores = plan_objectives(context.problem, plan)
    new_learners = scores["placed"] - scores["joins"]
    params = context.problem.params
    fewest = -(-new_learners // params.learner_bounds()[1])
    if not context.proven.get("joins", True):
        return fewest  # more joiners could leave fewer learners for new groups
    fewest = max(fewest, -(-(new_learners - scores["sizes"]) // params.target_learners()))
    return max(fewest, fewest_within_held_sizes(context, new_learners))


def fewest_within_held_sizes(context: PhaseContext, new_learners: int) -> int:
    """The least total of new groups whose size objective can be within the held sizes,
    by the sizes phase's relaxations (0 without them): no answer keeping the held phases
    has fewer. Sparse 600: 128, the count spread's relaxation gave in 0.6 s of CPU, where
    the held sizes alone allow 90."""
    held = dict(context.runner.holds).get("sizes")
    if context.sizes_at_total is None or held is None:
        return 0
    within = totals_below(context.problem, new_learners, held + 1, context.sizes_at_total)
    return min(within, default=0)
