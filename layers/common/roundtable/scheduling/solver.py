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

from roundtable.scheduling import per_group
from roundtable.scheduling.bounds import (
    fewest_at_a_start,
    leader_cost_bound,
    learner_cost_bound,
    least_crowd,
    most_leaders,
    placement_bound,
    seats,
    size_bound,
    spread_bound,
)
from roundtable.scheduling.group_count import applies as counts
from roundtable.scheduling.group_count import least_new_groups, least_spread
from roundtable.scheduling.highs import SENSES, SPREAD_GAP, PhaseResult, Runner
from roundtable.scheduling.leader_count import too_many_leaders
from roundtable.scheduling.leading import share_groups
from roundtable.scheduling.lp_dive import DiveRelaxation, dive, start_relaxation
from roundtable.scheduling.open_starts import answer_values, learner_bound, most_new_groups
from roundtable.scheduling.open_starts import applies as open_starts_applies
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.polish import improve_sizes, level_sizes, place_more
from roundtable.scheduling.preferences import improve_preferences
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.relocation import relocate_for_spread
from roundtable.scheduling.search import Search
from roundtable.scheduling.spread_paths import improve_spread
from roundtable.scheduling.totals import Relaxation, relax_totals, solve_by_totals, totals_below
from roundtable.scheduling.values import plan_from_values, plan_objectives

# Shares of the remaining time: placement first and foremost, then sizes.
_WEIGHTS = {"placed": 8.0, "joins": 1.0, "sizes": 2.0, "preferences": 1.0, "spread": 0.5}
# Of what the sizes phase has left after the relaxation's totals (if any), what the full
# model gets before the phase is solved one total number of groups at a time
# (`totals.py`) with the rest: the full model is quick
# where its relaxation is good (sparse 300 and 600, peer 300) and its answer gives the
# totals a tight cut-off.
_FULL_MODEL_FIRST = 0.35
# Totals are solved only when at most this many could still beat the full model's answer
# (sparse 600: 46 between 86 and 131 groups, each found infeasible in 2-5 s, where the
# full model proves the optimum given its whole share). A rule on the full model's bound
# instead (within one group's worth of the least floor) misfired under load, where the
# bound after 35 % of the share is often still the floor: sparse 600 went 14.9 -> 97.5 %.
_MOST_TOTALS = 16
# Of the sizes phase's share, what the relaxation by totals may take (`totals.relax_totals`),
# and then the totals its bounds leave, least bound first, before the full model. Only
# when the search's answer is more than one group's target above the solver-free bound:
# nearer, the full model's neighbourhoods of the search's answer finish first (peer 300:
# 2 -> 0 in 0.06 s, where the relaxation took 3.5 s and total 50 alone, from scratch,
# found nothing in 8 s).
_RELAXATION_SHARE = 0.4  # sparse 1,200: 3-6 s at load 3-4 (17 s share), 0.2-0.8 s below 600
_TOTALS_FIRST = 0.5
# Of the preferences phase's share, what the LP dive may use (`lp_dive`): sparse 1,200's
# needs 12-14 s at load 2-3, and HiGHS's full model after it found nothing in 120 s.
_DIVE_SHARE = 0.9
# Of the preferences phase's share, what the open starts' bound may take (`open_starts`;
# peer 100: 5-9 s of its 19 s share at load 5-6, and its answer proves the phase), only in
# peer cohorts where the plan pays more if-needed seats than the solver-free bound
# counts: the first HiGHS pass and the dive, whose time it takes, proved none of those.
_OPEN_STARTS_SHARE = 0.9
# Of the preferences phase's share, what the local search may take first. A half left
# the dive of sparse 1,200 (whose search ran out of time: 173,853 -> 69,921 in 8 s; with
# a quarter the same in 2.2 s) too little to solve its relaxation and round it (38,058).
_SEARCH_SHARE = 0.25
# Of the preferences phase's share, what HiGHS gets before the dive.
_FIRST_SHARE = 0.1
# Spread only breaks ties: it never gets more than this share of the whole time limit.
_SPREAD_SHARE = 0.15
# Of the spread phase's share, what counting the fewest groups may take (`group_count`):
# 0.2-1.8 s at load 3-4 (sparse 300, sparse 600, per-group 300), where HiGHS's spread
# solve after it gains nothing or the count settles the bound; cut short it gives nothing.
_COUNT_SHARE = 0.75
# Of the spread phase's share, by when HiGHS may still be asked whether so many
# facilitators can lead (`leader_count`; typical 100: 15 cannot, 0.7 s at load 2.6).
_LEADERS_SHARE = 0.75
# How many fewer leaders than the solver-free count HiGHS may be asked to show, at most:
# each test takes 0.7-1.1 s (typical 100 and 300, load 2), time HiGHS's spread solve
# otherwise has (typical 300: its own bound reaches 189 in some runs, the tests 181).
_FEWER_LEADERS = 2


@dataclass
class ExactOutcome:
    plan: Plan
    upper_bound: int
    phases: list[str] = field(default_factory=list)
    placement_seconds: float = 0.0
    # Each phase's result and seconds, for callers that merge outcomes (split.py).
    results: dict[str, PhaseResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


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
    outcome = ExactOutcome(plan=warm, upper_bound=placement_bound(problem))
    names = _phase_names(problem)
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
    search, bound = context.search, placement_bound(context.problem)
    if search.placed() < bound:
        place_more(search)
    if search.placed() == bound:
        who = "everyone who can meet" if bound == seats(context.problem) else "leaders' capacity"
        return PhaseResult(bound, bound, True, f"{bound}, {who}, optimal")
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
    if not exact_counts:
        return _solve(context, "sizes", budget, bound)
    began = time.monotonic()
    relaxed = _relaxed_totals(context, budget * _RELAXATION_SHARE, scores["sizes"], bound)
    if relaxed is not None:
        bound = max(bound, relaxed.least())
        # least bound first: where HiGHS meets it, every other total is proven too
        first = _sizes_by_totals(
            context, budget * _TOTALS_FIRST, new_learners, bound, relaxed.at_least
        )
        if first.proven:
            return first
        bound = max(bound, first.bound)
    left = budget - (time.monotonic() - began)
    first = _solve(context, "sizes", left * _FULL_MODEL_FIRST, bound)
    if first.proven:
        return first
    left, bound = budget - (time.monotonic() - began), max(bound, first.bound)
    best = plan_objectives(problem, context.search.plan())["sizes"]
    lower = relaxed.at_least if relaxed is not None else None
    if len(totals_below(problem, new_learners, best, lower)) > _MOST_TOTALS:
        # a root solve each is too many: the full model again (its neighbourhoods had
        # their turn), as one run, not cut in two
        return _solve(context, "sizes", left, bound, neighbourhoods=False)
    return _sizes_by_totals(context, left, new_learners, bound, lower)


def _relaxed_totals(context: _Context, budget: float, best: int, bound: int) -> Relaxation | None:
    """Every total of groups bounded by three relaxations (`totals.relax_totals`), where
    the search's answer (`best`) is more than one group's target above `bound`."""
    if best - bound <= context.problem.params.target_learners():
        return None
    relaxed = relax_totals(context.runner, budget)
    if relaxed is not None and relaxed.at_least(context.search.plan().group_count()) > best:
        return None  # the search's own answer refutes it: numerical trouble, not a bound
    return relaxed


def _sizes_by_totals(
    context: _Context,
    budget: float,
    new_learners: int,
    bound: int,
    lower: Callable[[int], int] | None = None,
) -> PhaseResult:
    """The sizes phase solved one total number of groups at a time (`totals.py`): the
    full model's relaxation mixes totals and stays far below the optimum."""
    incumbent = context.search.plan()
    outcome = solve_by_totals(context.runner, incumbent, budget, new_learners, bound, lower)
    if outcome.plan is not incumbent and _keeps_earlier_phases(
        context, incumbent, outcome.plan, "sizes"
    ):
        context.search = Search(context.problem, outcome.plan)
    value = plan_objectives(context.problem, context.search.plan())["sizes"]
    best = min(outcome.bound, value)
    tried = f"{outcome.tried} totals of groups"
    gap = f"gap {(value - best) / max(value, 1):.1%} (time limit reached, {tried})"
    text = f"{value}, optimal ({tried})" if value == best else f"{value}, bound {best}, {gap}"
    return PhaseResult(value, best, value == best, text)


def _preferences(context: _Context, budget: float) -> PhaseResult:
    if per_group.applies(context.problem):
        return _preferences_per_group(context, budget)
    began = time.monotonic()
    bound = _preference_bound(context)  # the search keeps placement, joins and sizes
    improve_preferences(context.search, budget * _SEARCH_SHARE, bound)
    problem, plan = context.problem, context.search.plan()
    achieved = plan_objectives(problem, plan)["preferences"]
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = lower bound, optimal")
    bound = max(bound, _open_starts_bound(context, budget * _OPEN_STARTS_SHARE, bound))
    achieved = plan_objectives(problem, context.search.plan())["preferences"]  # its answer
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = open starts' bound, optimal")
    # the dive's relaxation depends only on the held phases: it is solved on a thread of
    # its own while HiGHS's first pass runs, and stopped if that proves the phase. Not
    # during the search, which proves typical 1,200 and 2,000 on its own: there the
    # relaxation took the CPU the search needed (load 5: 1.0-2.0 s -> 2.8-4.0 s).
    left = budget - (time.monotonic() - began)
    relaxation = start_relaxation(_dive_runner(context), "preferences", left * _DIVE_SHARE)
    if relaxation is None:  # HiGHS's share whole: its full model needs it there
        return _solve(context, "preferences", left, bound)
    try:
        return _first_then_dive(context, budget, began, bound, relaxation)
    finally:
        relaxation.cancel()


def _first_then_dive(
    context: _Context, budget: float, began: float, bound: int, relaxation: DiveRelaxation
) -> PhaseResult:
    """The rest of the phase (its share `budget`, begun at `began`): HiGHS's first pass,
    then the dive from `relaxation`, then HiGHS with what is left."""
    problem = context.problem
    # HiGHS first, briefly: where its leaders-only solve (typical 600: 0.16 s) or, with
    # nobody to lead, its first neighbourhoods (peer 300: 0.04 s) prove the bound, the
    # dive would take 4-8 s. Nothing more: the full model and, with leaders, the
    # neighbourhoods took 1.3-2 s (one round on few facilitators 600: 1.3 s against its
    # 0.2 s limit) and proved none of the sweep's cohorts before the dive.
    first = _solve(
        context,
        "preferences",
        budget * _FIRST_SHARE,
        bound,
        neighbourhoods=not problem.facilitated,
        full_model=False,
    )
    if first.proven:
        return first
    left = budget - (time.monotonic() - began)  # the dive's share of what is left
    bound = _dive(context, relaxation, left * _DIVE_SHARE, max(bound, first.bound))
    achieved = plan_objectives(problem, context.search.plan())["preferences"]
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = relaxation's bound, optimal")
    # the search's time comes out of the phase's share, or the run outlasts its limit
    return _solve(context, "preferences", budget - (time.monotonic() - began), bound)


def _preferences_per_group(context: _Context, budget: float) -> PhaseResult:
    """Per-group anchors: the compact model's weekday and pattern neighbourhoods (`per_group`)
    with the whole share, instead of the search and the general model (per-group 1,200:
    105-116 there, 27-29 here)."""
    problem, incumbent = context.problem, context.search.plan()
    bound = _preference_bound(context)
    if plan_objectives(problem, incumbent)["preferences"] > bound:
        holds = dict(context.runner.holds)
        outcome = per_group.solve(problem, holds, incumbent, budget, context.runner.seed)
        if _keeps_earlier_phases(context, incumbent, outcome.plan, "preferences"):
            context.search = Search(problem, outcome.plan)
        bound = max(bound, outcome.bound)
    achieved = plan_objectives(problem, context.search.plan())["preferences"]
    if achieved <= bound:
        return PhaseResult(achieved, achieved, True, f"{achieved} = lower bound, optimal")
    gap = (achieved - bound) / achieved
    text = f"{achieved}, bound {bound}, gap {gap:.1%} (time limit reached)"
    return PhaseResult(achieved, bound, False, text)


def _dive_runner(context: _Context) -> Runner:
    """A runner of the held phases on a HiGHS instance of its own, for the dive: one that
    has solved before stores its matrix in another order, the relaxation ends at another
    optimum and the dive elsewhere (few facilitators 600: 82 after HiGHS's first pass, 81
    from a fresh instance)."""
    fresh = Runner(context.problem, context.runner.seed)
    for held, value in context.runner.holds:
        fresh.hold(held, value)
    return fresh


def _dive(context: _Context, relaxation: DiveRelaxation, budget: float, bound: int) -> int:
    """Adopt the LP dive's answer (`lp_dive`) from the `relaxation` started before
    HiGHS's first pass if better, polished by the search; return the bound, raised to
    the relaxation's where that is higher."""
    began, incumbent, name = time.monotonic(), context.search.plan(), relaxation.name
    outcome = dive(relaxation.runner, name, incumbent, budget, bound, relaxation)
    if outcome.plan is not incumbent and _keeps_earlier_phases(
        context, incumbent, outcome.plan, name
    ):
        context.search = Search(context.problem, outcome.plan)
        # within the dive's time, or HiGHS is left none (few facilitators 5,000)
        left = max(budget - (time.monotonic() - began), 0.0)
        improve_preferences(context.search, left, outcome.bound)
    return outcome.bound


def _open_starts_bound(context: _Context, budget: float, bound: int) -> int:
    """The learners' least cost in the groups the held sizes allow (`open_starts`), plus
    the leaders' least, where the plan pays more if-needed seats than `bound` counts
    (peer 100: 363, the optimum, where the relaxation says 59)."""
    problem, plan = context.problem, context.search.plan()
    weight, scores = problem.if_needed_weight(), plan_objectives(problem, plan)
    paid = scores["preferences"] // weight > bound // weight
    if not (paid and context.proven.get("placed") and open_starts_applies(problem)):
        return bound  # with placement proven every answer places as many as the plan
    sizes = dict(context.runner.holds).get("sizes")
    most = most_new_groups(problem, scores["placed"] - scores["joins"], sizes)
    found = learner_bound(problem, scores["placed"], most, weight, budget, sizes)
    if found is None:
        return bound
    model = context.runner._loaded()[0]
    values = answer_values(found, model)
    if values is not None:  # its answer, where it keeps every earlier phase
        answer = plan_from_values(problem, model, values)
        if _keeps_earlier_phases(context, plan, answer, "preferences"):
            context.search = Search(problem, answer)
    return found.value + leader_cost_bound(problem, _fewest_groups(context, plan))


def _preference_bound(context: _Context) -> int:
    problem, plan = context.problem, context.search.plan()
    bound = learner_cost_bound(problem, plan.placed())
    if context.proven.get("joins", True):
        # more joiners could leave fewer learners, so fewer groups, for new groups
        bound += leader_cost_bound(problem, _fewest_groups(context, plan))
    return bound


def _spread(context: _Context, budget: float) -> PhaseResult:
    began = time.monotonic()
    share_groups(context.search, _preference_slack(context))
    if relocate_for_spread(context.search):
        share_groups(context.search, _preference_slack(context))
    problem, plan = context.problem, context.search.plan()
    achieved = plan_objectives(problem, plan)["spread"]
    fewest, paying = _fewest_groups(context, plan), _leader_budget(context)
    bound, crowd = spread_bound(problem, fewest, paying), 0
    if achieved > bound * (1 + SPREAD_GAP):  # worth a maximum flow or a few
        crowd = _crowd(context, fewest, paying, max(map(len, plan.groups_at.values()), default=0))
        bound = spread_bound(problem, fewest, paying, crowd)
    share = min(budget, _SPREAD_SHARE * context.limit)
    if achieved > bound * (1 + SPREAD_GAP) and fewest < plan.group_count() and counts(problem):
        # the held sizes allow fewer groups than the learners' times do (sparse cohorts)
        fewest = max(fewest, least_new_groups(context.runner, share * _COUNT_SHARE))
        bound = spread_bound(problem, fewest, paying, crowd)
    if achieved > bound * (1 + SPREAD_GAP) and problem.facilitated:
        leaders = _most_leaders(
            context, (fewest, paying, crowd), achieved, began + share * _LEADERS_SHARE
        )
        bound = spread_bound(problem, fewest, paying, crowd, leaders)
    if achieved > bound * (1 + SPREAD_GAP):
        # groups moved along paths of learners' moves, in at most half the share (and
        # within it, after the count)
        least = fewest_at_a_start(problem, fewest, crowd)
        deadline = min(time.monotonic() + share / 2, began + share)
        moved = improve_spread(context.search, deadline, least)
        # the paths can leave learners paying less than the held preferences (sparse
        # 1,200: 1,385 less), which lets idle facilitators take groups for a fee
        if share_groups(context.search, _preference_slack(context)) or moved:
            achieved = plan_objectives(problem, context.search.plan())["spread"]
    if achieved > bound * (1 + SPREAD_GAP) and _relaxation_pays(problem):
        # spread's own relaxation (typical 300: 189 against 161 solver-free), which
        # HiGHS's spread solve reaches only after a root of 4-5 s
        bound = max(bound, least_spread(context.runner, began + share - time.monotonic()))
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = lower bound, optimal")
    if achieved <= bound * (1 + SPREAD_GAP):
        gap = (achieved - bound) / achieved
        text = f"{achieved}, bound {bound}, gap {gap:.1%} (accepted)"
        return PhaseResult(achieved, bound, True, text)
    result = _solve(context, "spread", max(share - (time.monotonic() - began), 0.0), bound)
    return _shared_after(context, result)


def _relaxation_pays(problem: Problem) -> bool:
    """Whether spread's own relaxation is worth asking for: facilitated cohorts within the
    count's size limit, not per-group anchors (per-group 300: 302 against the count's 301,
    in 2 s, the rest of the share, so HiGHS's solve was skipped)."""
    return problem.facilitated and counts(problem) and not per_group.applies(problem)


def _most_leaders(
    context: _Context, known: tuple[int, int | None, int], achieved: int, deadline: float
) -> int:
    """Most facilitators who can lead: the solver-free count, less one for every count
    HiGHS shows no answer reaches (`leader_count`), until the bound (from the fewest
    groups, the leaders' budget and the crowd `known`) accepts the answer or time is up;
    not at all where even `_FEWER_LEADERS` fewer would not accept it."""
    fewest, paying, crowd = known
    leaders = most_leaders(context.problem, fewest, paying)
    fewer = spread_bound(context.problem, fewest, paying, crowd, leaders - _FEWER_LEADERS)
    if achieved > fewer * (1 + SPREAD_GAP):
        return leaders  # the tests could not settle the phase: their time is HiGHS's
    while (
        achieved > spread_bound(context.problem, fewest, paying, crowd, leaders) * (1 + SPREAD_GAP)
        and (left := deadline - time.monotonic()) > 0
        and too_many_leaders(context.runner, fewest, leaders, left)
    ):
        leaders -= 1
    return leaders


def _shared_after(context: _Context, result: PhaseResult) -> PhaseResult:
    """HiGHS cut short can leave idle facilitators whom a chain of hand-overs gives a
    group (at no cost, or paid from what its answer left below the held preferences)."""
    if result.proven or not share_groups(context.search, _preference_slack(context)):
        return result
    achieved = plan_objectives(context.problem, context.search.plan())["spread"]
    bound = result.bound
    if achieved <= bound:
        return PhaseResult(achieved, bound, True, f"{bound} = lower bound, optimal")
    gap = (achieved - bound) / achieved
    accepted = achieved <= bound * (1 + SPREAD_GAP)
    reason = "accepted" if accepted else "time limit reached, then hand-overs"
    text = f"{achieved}, bound {bound}, gap {gap:.1%} ({reason})"
    return PhaseResult(achieved, bound, accepted, text)


def _preference_slack(context: _Context) -> int:
    """How far the plan's preference cost is below the held one (0 without a hold, and
    in peer cohorts, where nobody leads)."""
    held = dict(context.runner.holds)
    if "preferences" not in held or not context.problem.facilitated:
        return 0
    paid = plan_objectives(context.problem, context.search.plan())["preferences"]
    return max(held["preferences"] - paid, 0)


def _leader_budget(context: _Context) -> int | None:
    """Most the new groups' leaders can pay in any answer keeping the held phases: the
    held preferences less what the held number of placed learners pays at least."""
    held = dict(context.runner.holds)
    if "preferences" not in held or "placed" not in held:
        return None
    return held["preferences"] - learner_cost_bound(context.problem, held["placed"])


def _crowd(context: _Context, fewest: int, budget: int | None, most: int) -> int:
    """Most groups at one start, at least, in any answer keeping the held phases (no
    more than `most`, the plan's)."""
    held = dict(context.runner.holds)
    if "placed" not in held or "sizes" not in held:
        return 0
    # preferences held at everyone's cheapest pin every learner and leader there
    pinned = budget == 0 and held["placed"] == seats(context.problem)
    need = held["placed"] - held["sizes"]
    return least_crowd(context.problem, fewest, need, pinned, most)


def _fewest_groups(context: _Context, plan: Plan) -> int:
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
    return max(fewest, -(-(new_learners - scores["sizes"]) // params.target_learners()))


def _solve(
    context: _Context,
    name: str,
    budget: float,
    bound: int,
    neighbourhoods: bool = True,
    full_model: bool = True,
) -> PhaseResult:
    """Run HiGHS on the phase; adopt its plan only if it keeps every earlier phase."""
    incumbent = context.search.plan()
    plan, result = context.runner.solve(name, incumbent, budget, bound, neighbourhoods, full_model)
    if not _keeps_earlier_phases(context, incumbent, plan, name):
        return PhaseResult(
            plan_objectives(context.problem, incumbent)[name],
            result.bound,
            False,
            f"solver answer refused, kept the search's: {result.status}",
        )
    context.search = Search(context.problem, plan)
    return result


def _keeps_earlier_phases(context: _Context, before: Plan, after: Plan, name: str) -> bool:
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


_PHASES: dict[str, Callable[[_Context, float], PhaseResult]] = {
    "placed": _placed,
    "joins": _joins,
    "sizes": _sizes,
    "preferences": _preferences,
    "spread": _spread,
}
