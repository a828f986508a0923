"""The spread phase, the last tie-break: groups spread over starts and over leaders.

Moves along paths and hand-overs (`spread_paths.py`, `leading.py`) against a bound from
the fewest groups, the leaders' budget the held preferences leave, the crowd a maximum
flow forces and the leaders HiGHS shows can lead (`group_count.py`, `leader_count.py`),
or a compact model of who leads where allows, with a dive on it for one more leader
(`leader_dive.py`); accepted within `SPREAD_GAP`, else HiGHS with the rest of its share (at most
`_SPREAD_SHARE` of the whole time limit)."""

from __future__ import annotations

import time

from roundtable.scheduling import per_group
from roundtable.scheduling.bounds import (
    fewest_at_a_start,
    learner_cost_bound,
    least_crowd,
    most_leaders,
    seats,
    spread_bound,
)
from roundtable.scheduling.group_count import applies as counts
from roundtable.scheduling.group_count import least_learner_cost, least_new_groups, least_spread
from roundtable.scheduling.highs import SPREAD_GAP, PhaseResult
from roundtable.scheduling.leader_count import LeadersAhead, too_many_leaders
from roundtable.scheduling.leader_dive import LeaderModel
from roundtable.scheduling.leader_dive import applies as dives
from roundtable.scheduling.leading import share_groups
from roundtable.scheduling.phase_context import (
    PhaseContext,
    adopt,
    fewest_groups,
    solve_phase,
)
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.relocation import relocate_for_spread
from roundtable.scheduling.spread_paths import improve_spread
from roundtable.scheduling.values import learners_pay, plan_objectives

# Spread only breaks ties: it never gets more than this share of the whole time limit.
_SPREAD_SHARE = 0.15
# Of the spread phase's share, what counting the fewest groups may take (`group_count`):
# 0.2-1.8 s at load 3-4 (sparse 300, sparse 600, per-group 300), where HiGHS's spread
# solve after it gains nothing or the count settles the bound; cut short it gives nothing.
_COUNT_SHARE = 0.75
# Of the spread phase's share, by when the learners' least must end (`least_learner_cost`:
# sparse 2,002, 1.2-1.5 s of CPU); cut short it gives nothing, and the rest is the paths'
# and HiGHS's, as without it.
_LEARNERS_SHARE = 0.75
# Of the spread phase's share, by when HiGHS may still be asked whether so many
# facilitators can lead (`leader_count`; typical 100: 15 cannot, 0.7 s at load 2.6).
_LEADERS_SHARE = 0.75
# How many fewer leaders than the solver-free count HiGHS may be asked to show, at most:
# each test takes 0.7-1.1 s (typical 100 and 300, load 2), time HiGHS's spread solve
# otherwise has (typical 300: its own bound reaches 189 in some runs, the tests 181).
_FEWER_LEADERS = 2
# Of the spread phase's share, by when the leaders' dive must end (`leader_dive`: 1-1.5 s
# on typical 300 at load 3-4 after its relaxation's 0.7-0.9 s); what is left is the
# paths' (201 in 0.5-0.75 s there) and spread's relaxation's.
_DIVE_SHARE = 0.75


def spread_phase(context: PhaseContext, budget: float) -> PhaseResult:
    try:
        return _spread_phase(context, budget)
    finally:
        if context.leaders_ahead is not None:  # unasked, it would go on beside what follows
            context.leaders_ahead.cancel()


def _spread_phase(context: PhaseContext, budget: float) -> PhaseResult:
    began = time.monotonic()
    share_groups(context.search, _preference_slack(context))
    if relocate_for_spread(context.search):
        share_groups(context.search, _preference_slack(context))
    problem, plan = context.problem, context.search.plan()
    achieved = plan_objectives(problem, plan)["spread"]
    fewest, paying = fewest_groups(context, plan), _leader_budget(context)
    bound, crowd = spread_bound(problem, fewest, paying), 0
    if achieved > bound * (1 + SPREAD_GAP):  # worth a maximum flow or a few
        crowd = _crowd(context, fewest, paying, max(map(len, plan.groups_at.values()), default=0))
        bound = spread_bound(problem, fewest, paying, crowd)
    share = min(budget, _SPREAD_SHARE * context.limit)
    if achieved > bound * (1 + SPREAD_GAP) and _learners_least_settles(
        context, plan, achieved, (fewest, paying, crowd)
    ):
        # the leaders' budget from the learners' least by a relaxation (sparse 2,002: 113
        # where the solver-free count left 2,384, so 239 leaders, not 268: the plan's 1,243
        # proven, where the paths and HiGHS ended at 23.4 %)
        deadline = began + share * _LEARNERS_SHARE
        least = least_learner_cost(context.runner, deadline - time.monotonic())
        context.learners_least = max(context.learners_least, least)
        paying = _leader_budget(context)
        bound = spread_bound(problem, fewest, paying, crowd)
    if achieved > bound * (1 + SPREAD_GAP) and fewest < plan.group_count() and counts(problem):
        # the held sizes allow fewer groups than the learners' times do (sparse cohorts)
        fewest = max(fewest, least_new_groups(context.runner, share * _COUNT_SHARE))
        bound = spread_bound(problem, fewest, paying, crowd)
    if achieved > bound * (1 + SPREAD_GAP) and problem.facilitated:
        leaders = _most_leaders(
            context, (fewest, paying, crowd), achieved, began + share * _LEADERS_SHARE
        )
        bound = spread_bound(problem, fewest, paying, crowd, leaders)
    relaxed = False  # a bound at least spread's relaxation's known already
    if (
        achieved > bound * (1 + SPREAD_GAP)
        and _relaxation_pays(problem)
        and dives(problem, dict(context.runner.holds))
    ):
        # the most leaders by a compact model's relaxation (typical 300: 41, so 191,
        # against 44 solver-free and 189 by spread's relaxation), then one more leader
        # by a dive on it (241 -> 191 in 1-1.5 s; the paths stop at 201)
        model, most = _leader_model(context, plan, began + share)
        if most is not None:
            bound = max(bound, spread_bound(problem, fewest, paying, crowd, most))
            # spread's own relaxation bounds no more on these cohorts (typical 150 and
            # 350: 101 and 181 both, 300: 189 against 191); its 0.5-0.9 s are HiGHS's
            relaxed = True
        if achieved > bound * (1 + SPREAD_GAP):
            achieved = _more_leaders(context, model, achieved, began + share * _DIVE_SHARE)
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
    if achieved > bound * (1 + SPREAD_GAP) and _relaxation_pays(problem) and not relaxed:
        # spread's own relaxation (typical 300: 189 against 161 solver-free), which
        # HiGHS's spread solve reaches only after a root of 4-5 s
        bound = max(bound, least_spread(context.runner, began + share - time.monotonic()))
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = lower bound, optimal")
    if achieved <= bound * (1 + SPREAD_GAP):
        gap = (achieved - bound) / achieved
        text = f"{achieved}, bound {bound}, gap {gap:.1%} (accepted)"
        return PhaseResult(achieved, bound, True, text)
    result = solve_phase(context, "spread", max(share - (time.monotonic() - began), 0.0), bound)
    return _shared_after(context, result)


def _learners_least_settles(
    context: PhaseContext, plan: Plan, achieved: int, known: tuple[int, int | None, int]
) -> bool:
    """Whether the learners' least (`least_learner_cost`) could raise spread's bound (from
    the fewest groups, the leaders' budget `paying` and the crowd `known`) enough to accept
    the `plan`, whose spread is `achieved`: the most it can show is what the plan's learners
    pay, which leaves the leaders the least budget it could."""
    fewest, paying, crowd = known
    problem = context.problem
    if not problem.facilitated or paying is None:
        return False
    least_budget = dict(context.runner.holds)["preferences"] - learners_pay(problem, plan)
    best = spread_bound(problem, fewest, least_budget, crowd)
    return best > spread_bound(problem, fewest, paying, crowd) and achieved <= best * (
        1 + SPREAD_GAP
    )


def _relaxation_pays(problem: Problem) -> bool:
    """Whether spread's own relaxation is worth asking for: facilitated cohorts within the
    count's size limit, not per-group anchors (per-group 300: 302 against the count's 301,
    in 2 s, the rest of the share, so HiGHS's solve was skipped)."""
    return problem.facilitated and counts(problem) and not per_group.applies(problem)


def _most_leaders(
    context: PhaseContext, known: tuple[int, int | None, int], achieved: int, deadline: float
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
        and _too_many(context, fewest, leaders, left)
    ):
        leaders -= 1
    return leaders


def _too_many(context: PhaseContext, fewest: int, leaders: int, budget: float) -> bool:
    """`too_many_leaders`, answered by the test asked ahead (`leaders_ahead`) where that
    one asked it for these holds or looser ones and ended within `budget` with an answer;
    asked again where it ended without one, or found an answer under a higher hold of the
    preferences (which may cost more than they hold now)."""
    ahead, holds = context.leaders_ahead, dict(context.runner.holds)
    if ahead is None or not ahead.started() or not ahead.answers(holds, fewest, leaders):
        return too_many_leaders(context.runner, fewest, leaders, budget)
    began = time.monotonic()
    if not ahead.join(budget):
        ahead.cancel()  # cut short by the clock: it says nothing
        return False
    looser = dict(ahead.runner.holds) != holds
    if ahead.too_many is True or (ahead.too_many is False and not looser):
        return ahead.too_many
    left = budget - (time.monotonic() - began)
    return too_many_leaders(context.runner, fewest, leaders, left)


def leaders_ahead(context: PhaseContext, cap: int) -> LeadersAhead | None:
    """Spread's first leader test (`_most_leaders`) set up to be asked ahead, beside the
    preferences' dive, with the preferences held at `cap` (none where spread would not
    ask it): the fewest groups and the placement and sizes are held already."""
    problem, holds = context.problem, dict(context.runner.holds)
    if not problem.facilitated or "placed" not in holds:
        return None
    fewest = fewest_groups(context, context.search.plan())
    leaders = most_leaders(problem, fewest, cap - learner_cost_bound(problem, holds["placed"]))
    runner = context.runner.on_own_instance()
    runner.hold("preferences", cap)
    # the run's time left: the phase waits for it only as long as it would for its own
    # test, and cancels it at its end (under load 8-9 a limit of the phase's own 3.4 s
    # cut it short beside the dive, and the phase asked again)
    return LeadersAhead(runner, fewest, leaders, context.deadline - time.monotonic())


def _leader_model(
    context: PhaseContext, plan: Plan, deadline: float
) -> tuple[LeaderModel, int | None]:
    """The leaders' model for the `plan` and its count of leaders (None if not counted by
    `deadline`): the preferences phase's (`phase_preferences._leaders_answer`), counted
    already, where its holds are spread's; else one of spread's own."""
    held, known = dict(context.runner.holds), context.leader_model
    if known is not None and known.holds == held:
        known.move_to(plan)
        return known, known.counted
    model = LeaderModel(context.problem, held, plan, context.runner.seed)
    return model, model.most_leading(deadline)


def _more_leaders(context: PhaseContext, model: LeaderModel, achieved: int, deadline: float) -> int:
    """The leaders' dive (`leader_dive`), its plan kept where it keeps every earlier
    phase and spreads better; the spread achieved."""
    before = context.search.plan()
    found = model.more_leaders(deadline)
    if found is None or not adopt(context, before, found, "spread"):
        return achieved
    return plan_objectives(context.problem, found)["spread"]


def _shared_after(context: PhaseContext, result: PhaseResult) -> PhaseResult:
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


def _preference_slack(context: PhaseContext) -> int:
    """How far the plan's preference cost is below the held one (0 without a hold, and
    in peer cohorts, where nobody leads)."""
    held = dict(context.runner.holds)
    if "preferences" not in held or not context.problem.facilitated:
        return 0
    paid = plan_objectives(context.problem, context.search.plan())["preferences"]
    return max(held["preferences"] - paid, 0)


def _leader_budget(context: PhaseContext) -> int | None:
    """Most the new groups' leaders can pay in any answer keeping the held phases: the
    held preferences less what the held number of placed learners pays at least (or
    what the preferences phase proved they pay, where more: `learners_least`)."""
    held = dict(context.runner.holds)
    if "preferences" not in held or "placed" not in held:
        return None
    learners = max(learner_cost_bound(context.problem, held["placed"]), context.learners_least)
    return held["preferences"] - learners


def _crowd(context: PhaseContext, fewest: int, budget: int | None, most: int) -> int:
    """Most groups at one start, at least, in any answer keeping the held phases (no
    more than `most`, the plan's)."""
    held = dict(context.runner.holds)
    if "placed" not in held or "sizes" not in held:
        return 0
    # preferences held at everyone's cheapest pin every learner and leader there
    pinned = budget == 0 and held["placed"] == seats(context.problem)
    need = held["placed"] - held["sizes"]
    return least_crowd(context.problem, fewest, need, pinned, most)
