"""What every phase of the exact solve shares: the context it runs in (the problem, the
HiGHS runner with the holds so far, the local search with the current plan, the time
left) and HiGHS's answer adopted only when it keeps every earlier phase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from roundtable.scheduling import per_group
from roundtable.scheduling.formulation import Row
from roundtable.scheduling.highs import SENSES, PhaseResult, Runner
from roundtable.scheduling.leader_count import LeadersAhead
from roundtable.scheduling.leader_dive import LeaderModel
from roundtable.scheduling.lp_dive import DiveRelaxation
from roundtable.scheduling.open_starts import CoverAhead, FewestAhead
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.totals import fewest_total
from roundtable.scheduling.values import plan_objectives


@dataclass
class PhaseContext:
    problem: Problem
    runner: Runner
    search: Search
    deadline: float
    limit: float
    proven: dict[str, bool] = field(default_factory=dict)
    # The sizes phase's bound of the size objective per total of new groups, where its
    # relaxation by totals ran (`totals.Relaxation.at_least`): the later phases' fewest
    # groups (`fewest_groups`) rest on it.
    sizes_by_total: Callable[[int], int] | None = None
    # Least the learners pay in any answer keeping the held placement and sizes, where the
    # preferences phase proved more than the solver-free count (sparse 1,200: 37,998 by
    # its fewest if-needed seats, against 28,306): spread's leaders' budget rests on it.
    learners_least: int = 0
    # Spread's leader test asked ahead, beside the preferences' dive (`leader_count`).
    leaders_ahead: LeadersAhead | None = None
    # The preferences phase's model of who leads where (`phase_preferences`), with its
    # count of leaders: spread's bound and dive while its holds are the model's.
    leader_model: LeaderModel | None = None
    # The preferences phase's fewest if-needed seats asked ahead, beside the sizes phase
    # (`phase_preferences.fewest_seats_ahead`).
    fewest_ahead: FewestAhead | None = None
    # The preferences' dive relaxation asked ahead, beside the sizes phase
    # (`phase_preferences.relaxation_ahead`).
    relaxation_ahead: DiveRelaxation | None = None
    # The preferences phase's open starts' cover asked ahead, beside the sizes phase
    # (`phase_preferences.cover_ahead`).
    cover_ahead: CoverAhead | None = None
    # Per-group anchors: the preferences' compact model the sizes phase asked with the sizes
    # held at their bound (`per_group.prepare`), its relaxation, proof and first answer;
    # the preferences phase goes on from them where its holds are the same.
    per_group_start: per_group.Prepared | None = None
    # Per-group anchors: that model's relaxation for everyone placed and the sizes at 0,
    # asked before the heuristic (`per_group.ask_ahead`); taken by the first phase that
    # asks for that relaxation (`take_per_group_ahead`), stopped before a phase's HiGHS
    # run it would slow (`drop_per_group_ahead`).
    per_group_ahead: per_group.RelaxationAhead | None = None

    def cancel_ahead(self) -> None:
        """Stop whatever was asked ahead for a later phase and is still running: each is
        cancelled by the phase that takes it, so this matters where the run ends early
        (a phase raised), and a thread would otherwise go on until the run's deadline."""
        asked = (
            self.leaders_ahead,
            self.fewest_ahead,
            self.relaxation_ahead,
            self.cover_ahead,
            self.per_group_start,
            self.per_group_ahead,
        )
        for ahead in asked:
            if ahead is not None:
                ahead.cancel()

    def take_per_group_ahead(self) -> per_group.RelaxationAhead | None:
        """The relaxation asked ahead, for one phase at a time (the sizes phase hands it
        back where it is still being solved: `phase_sizes._per_group_answer`)."""
        ahead, self.per_group_ahead = self.per_group_ahead, None
        return ahead

    def drop_per_group_ahead(self) -> None:
        """Stop the relaxation asked ahead: a HiGHS run within a phase's share comes
        next, and the thread beside it would take half its core (the sizes phase's run
        missed its share in 9 of 11 runs under load: session 9)."""
        ahead = self.take_per_group_ahead()
        if ahead is not None:
            ahead.cancel()


def solve_phase(
    context: PhaseContext,
    name: str,
    budget: float,
    bound: int,
    neighbourhoods: bool = True,
    full_model: bool = True,
    cuts: list[Row] | None = None,
    warm: bool = True,
    options: dict[str, bool] | None = None,
) -> PhaseResult:
    """Run HiGHS on the phase (with `cuts`, without `warm`, with `options`, as
    `Runner.solve`); adopt its plan only if it keeps every earlier phase."""
    incumbent = context.search.plan()
    plan, result = context.runner.solve(
        name, incumbent, budget, bound, neighbourhoods, full_model, cuts, warm, options
    )
    if not adopt(context, incumbent, plan, name):
        return PhaseResult(
            plan_objectives(context.problem, incumbent)[name],
            result.bound,
            False,
            f"solver answer refused, kept the search's: {result.status}",
        )
    return result


def adopt(context: PhaseContext, before: Plan, after: Plan, name: str) -> bool:
    """Make `after` the search's plan where it keeps every earlier phase against `before`
    (`keeps_earlier_phases`); whether it did."""
    if not keeps_earlier_phases(context, before, after, name):
        return False
    context.search = Search(context.problem, after)
    return True


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
    groups hold at most G*max learners; where the sizes phase bounded each total, no
    total bounded above S (`_fewest_by_totals`).
    """
    scores = plan_objectives(context.problem, plan)
    new_learners = scores["placed"] - scores["joins"]
    params = context.problem.params
    fewest = -(-new_learners // params.learner_bounds()[1])
    if not context.proven.get("joins", True):
        return fewest  # more joiners could leave fewer learners for new groups
    fewest = max(fewest, -(-(new_learners - scores["sizes"]) // params.target_learners()))
    return max(fewest, _fewest_by_totals(context, plan, new_learners, scores["sizes"]))


def _fewest_by_totals(context: PhaseContext, plan: Plan, new_learners: int, sizes: int) -> int:
    """The fewest new groups by the sizes phase's bound per total (0 where it did not
    bound them): every total bounded above the held `sizes` is out of reach. Typical
    100: 20 groups cost at least 8 against the held 7, so 21, the plan's, where the
    floor says 19; spread's count of groups (`group_count`, 0.15 s of CPU) then has
    nothing left to show. A count above the plan's own would be numerical trouble."""
    if context.sizes_by_total is None:
        return 0
    fewest = fewest_total(context.problem, new_learners, sizes, context.sizes_by_total)
    return fewest if fewest is not None and fewest <= plan.group_count() else 0
