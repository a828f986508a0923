"""The sizes phase: groups as near the target size as the held placement allows.

The local search and the solver-free bound first; then, where the search's answer is
more than one group's target above the bound, the relaxations by totals (`totals.py`)
bound every total number of groups and the least-bound totals are solved first; where
they prove nothing, the model on the relaxation's support (`support.py`); then HiGHS's
full model, and the remaining totals one at a time. Per-group anchors with
everyone placed and the bound 0 ask the preferences phase's compact model first
(`per_group.prepare`), whose first answer that phase goes on from."""

from __future__ import annotations

import time
from collections.abc import Callable

from roundtable.scheduling import per_group
from roundtable.scheduling.bounds import seats, size_bound
from roundtable.scheduling.highs import PhaseResult
from roundtable.scheduling.phase_context import PhaseContext, adopt, solve_phase
from roundtable.scheduling.phase_preferences import (
    cover_ahead,
    fewest_seats_ahead,
    relaxation_ahead,
)
from roundtable.scheduling.polish import improve_sizes
from roundtable.scheduling.support import on_support, relaxation_support
from roundtable.scheduling.totals import Relaxation, relax_totals, solve_by_totals, totals_below
from roundtable.scheduling.values import plan_objectives

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
# Of the sizes phase's share, what the compact model of per-group anchors may take
# (`_per_group_answer`; per-group 1,200: 4 s of CPU, 11-15 s of wall time at load 8, its
# relaxation 6.6-8.8 s of it, which needs 75 % of this), leaving the usual path about
# what HiGHS took there (2.3-3 s at load 8) where it has no answer in time.
_COMPACT_SHARE = 0.8
# Of the sizes phase's share, what the relaxation by totals may take (`totals.relax_totals`),
# and then the totals its bounds leave, least bound first, before the full model. Only
# when the search's answer is more than one group's target above the solver-free bound:
# nearer, the full model's neighbourhoods of the search's answer finish first (peer 300:
# 2 -> 0 in 0.06 s, where the relaxation took 3.5 s and total 50 alone, from scratch,
# found nothing in 8 s).
_RELAXATION_SHARE = 0.4  # sparse 1,200: 3-6 s at load 3-4 (17 s share), 0.2-0.8 s below 600
_TOTALS_FIRST = 0.5  # a quarter: per-group 600's question at 12 cut short (35, not 12)
# Of what is left after those totals, where they proved nothing, what the model on the
# relaxation's support gets (`support.py`), from the full model's and the totals' after it
# (per-group 300: the question "69 groups worth at most 57" has no answer and takes its
# whole share, 7.6-7.9 s, then the full model and the totals again find nothing in 2.3
# and 4.2 s; on the support HiGHS finds 71 in 3.4 s of CPU with the relaxation, 69 in 9.3).
_SUPPORT_SHARE = 0.8


def sizes_phase(context: PhaseContext, budget: float) -> PhaseResult:
    improve_sizes(context.search)
    problem, plan = context.problem, context.search.plan()
    scores = plan_objectives(problem, plan)
    exact_counts = context.proven.get("placed") and context.proven.get("joins", True)
    new_learners = scores["placed"] - scores["joins"]
    bound = size_bound(problem, new_learners) if exact_counts else 0
    if scores["sizes"] == bound:
        return PhaseResult(bound, bound, True, f"{bound} = lower bound, optimal")
    if not exact_counts:
        context.drop_per_group_ahead()
        return solve_phase(context, "sizes", budget, bound)
    if per_group.applies(problem) and bound == 0 and scores["placed"] == seats(problem):
        began = time.monotonic()
        held = _per_group_answer(context, budget * _COMPACT_SHARE, bound)
        if held is not None:
            return held
        budget -= time.monotonic() - began
    else:  # (where that path was tried, one still being solved is for the preferences)
        context.drop_per_group_ahead()
    began = time.monotonic()
    relaxed = _relaxed_totals(
        context, budget * _RELAXATION_SHARE, scores["sizes"], bound, new_learners
    )
    if relaxed is not None:
        context.sizes_by_total = relaxed.at_least  # every later answer keeps its holds
        bound = max(bound, relaxed.least())
        # on the other core, where this phase meets it
        fewest_seats_ahead(context, bound)
        relaxation_ahead(context, bound)
        cover_ahead(context, bound, budget)
        # least bound first: where HiGHS meets it, every other total is proven too
        # leaders' columns whole in the relaxation start each total's question; in peer
        # cohorts HiGHS fails to complete them (peer 100) and the try costs 0.2-0.6 s
        hints = relaxed.whole if problem.facilitated else None
        first = _sizes_by_totals(
            context,
            budget * _TOTALS_FIRST,
            new_learners,
            bound,
            relaxed.at_least,
            hints,
            relaxed.centre,
        )
        if first.proven:
            return first
        bound = max(bound, first.bound)
        left = budget - (time.monotonic() - began)
        _support_answer(context, left * _SUPPORT_SHARE, bound)
    left = budget - (time.monotonic() - began)
    first = solve_phase(context, "sizes", left * _FULL_MODEL_FIRST, bound)
    if first.proven:
        return first
    left, bound = budget - (time.monotonic() - began), max(bound, first.bound)
    best = plan_objectives(problem, context.search.plan())["sizes"]
    lower = _proven_by_total(context, relaxed)
    if len(totals_below(problem, new_learners, best, lower)) > _MOST_TOTALS:
        # a root solve each is too many: the full model again (its neighbourhoods had
        # their turn), as one run, not cut in two
        return solve_phase(context, "sizes", left, bound, neighbourhoods=False)
    centre = relaxed.centre if relaxed is not None else None
    return _sizes_by_totals(context, left, new_learners, bound, lower, centre=centre)


def _support_answer(context: PhaseContext, budget: float, bound: int) -> None:
    """The model on the free relaxation's support (`support.on_support`), its answer
    adopted where better."""
    began = time.monotonic()
    support = relaxation_support(context.runner, budget)
    if support is None:
        return
    incumbent = context.search.plan()
    left = budget - (time.monotonic() - began)
    found = on_support(context.runner, incumbent, support, left, bound)
    if found is not incumbent:
        adopt(context, incumbent, found, "sizes")


def _proven_by_total(
    context: PhaseContext, relaxed: Relaxation | None
) -> Callable[[int], int] | None:
    """Each total's bound for the totals solved after the full model: the relaxation's,
    raised by what the first totals' solves proved (`_note_totals`), so that no level
    refused there is asked again. Peer:105 (seed 105, 19 groups): 16, 18, 20, 22 and 24
    refused, then 16, 18 and 20 asked again and 22 cut short by the clock; peer:102: 17
    groups at 8 refused, then asked again instead of 18 groups at 8."""
    return context.sizes_by_total if relaxed is not None else None


def _per_group_answer(context: PhaseContext, budget: float, bound: int) -> PhaseResult | None:
    """Per-group anchors: an answer at the bound from the preferences phase's compact
    model with the size objective held there (`per_group.prepare`), kept for that phase,
    or None. Per-group 1,200: HiGHS's full model took 1.0 s of CPU to find sizes 0, and
    the preferences phase then built that model, solved its relaxation and found the
    same first answer anyway."""
    holds = dict(context.runner.holds) | {"sizes": bound}
    seed, last = context.runner.seed, context.deadline
    ahead = context.take_per_group_ahead()
    prepared = per_group.prepare(context.problem, holds, budget, seed, last, ahead)
    if prepared is None:
        if ahead is not None and ahead.going_on():  # for the preferences phase
            context.per_group_ahead = ahead
        return None
    # its relaxation and proof serve the preferences phase wherever the sizes end at the
    # bound (`per_group.solve` checks the holds)
    context.per_group_start = prepared
    answer = prepared.plan
    if answer is None or plan_objectives(context.problem, answer)["sizes"] > bound:
        return None
    if not adopt(context, context.search.plan(), answer, "sizes"):
        return None
    return PhaseResult(bound, bound, True, f"{bound} = lower bound, optimal")


def _relaxed_totals(
    context: PhaseContext, budget: float, best: int, bound: int, new_learners: int
) -> Relaxation | None:
    """Every total of groups bounded by three relaxations (`totals.relax_totals`), where
    the search's answer (`best`) is more than one group's target above `bound`."""
    if best - bound <= context.problem.params.target_learners():
        return None
    relaxed = relax_totals(context.runner, budget, new_learners)
    if relaxed is not None and relaxed.at_least(context.search.plan().group_count()) > best:
        return None  # the search's own answer refutes it: numerical trouble, not a bound
    return relaxed


def _sizes_by_totals(
    context: PhaseContext,
    budget: float,
    new_learners: int,
    bound: int,
    lower: Callable[[int], int] | None = None,
    hints: dict[int, dict[int, float]] | None = None,
    centre: float | None = None,
) -> PhaseResult:
    """The sizes phase solved one total number of groups at a time (`totals.py`): the
    full model's relaxation mixes totals and stays far below the optimum. Among totals
    of equal bound, those nearest the relaxation's `centre` first."""
    incumbent = context.search.plan()
    runner = context.runner
    outcome = solve_by_totals(runner, incumbent, budget, new_learners, bound, lower, hints, centre)
    _note_totals(context, outcome.at_least)
    if outcome.plan is not incumbent:
        adopt(context, incumbent, outcome.plan, "sizes")
    value = plan_objectives(context.problem, context.search.plan())["sizes"]
    best = min(outcome.bound, value)
    tried = f"{outcome.tried} totals of groups"
    gap = f"gap {(value - best) / max(value, 1):.1%} (time limit reached, {tried})"
    text = f"{value}, optimal ({tried})" if value == best else f"{value}, bound {best}, {gap}"
    return PhaseResult(value, best, value == best, text)


def _note_totals(context: PhaseContext, proven: dict[int, int]) -> None:
    """Keep what the totals' solves proved about each total beside what was known (the
    relaxation's bounds), for the later phases' fewest groups (`fewest_groups`): few
    facilitators 100's total 9 has no answer within 11, its relaxation's bound."""
    known = context.sizes_by_total
    context.sizes_by_total = lambda total: max(proven.get(total, 0), known(total) if known else 0)
