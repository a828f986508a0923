"""The preferences phase: regular time over if-needed time, for learners and leaders.

The local search and the solver-free bound first; the open starts' bound in peer
cohorts (`open_starts.py`); HiGHS's quick first pass while the LP dive's relaxation is
solved beside it (`lp_dive.py`); where every group has the target size, the leaders'
model (`leader_dive.py`) at the relaxation's bound; the dive; the if-needed seats' bound
in facilitated cohorts (`_if_needed_bound`); HiGHS with what is left. Per-group anchors
have a compact model of their own (`per_group.py`)."""

from __future__ import annotations

import time
from typing import Any

from roundtable.scheduling import per_group
from roundtable.scheduling.bounds import (
    held_totals,
    leader_cost_bound,
    learner_cost_bound,
    learner_cost_with_if_needed,
    least_crowd,
    placement_bound,
    seats,
)
from roundtable.scheduling.cycles import cancel_cycles
from roundtable.scheduling.formulation import (
    Formulation,
    group_column_count,
    if_needed_row,
    total_row,
)
from roundtable.scheduling.highs import NO_JUMP, PhaseResult, Runner, learner_column_count
from roundtable.scheduling.highs_model import LEAST_SECONDS
from roundtable.scheduling.leader_dive import LeaderModel, option_columns
from roundtable.scheduling.leader_dive import applies as leaders_apply
from roundtable.scheduling.lp_dive import (
    DiveRelaxation,
    dive,
    own_runner,
    rounded_up,
    start_relaxation,
)
from roundtable.scheduling.lp_dive import applies as lp_dive_applies
from roundtable.scheduling.open_starts import (
    CoverAhead,
    FewestAhead,
    answer_values,
    if_needed_bound,
    learner_bound,
    most_new_groups,
)
from roundtable.scheduling.open_starts import applies as open_starts_applies
from roundtable.scheduling.phase_context import (
    PhaseContext,
    adopt,
    fewest_groups,
    solve_phase,
)
from roundtable.scheduling.phase_spread import leaders_ahead
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.preferences import improve_preferences
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.proof_beside import ProofBeside, SeatsProof
from roundtable.scheduling.values import plan_from_values, plan_objectives, values_from_plan

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
# The dive's relaxation is first solved without most linking rows (`lp_dive`) only where
# the search's plan is within this fraction of the solver-free bound (`_loose_first`).
_LOOSE_REACH = 0.05
# How many if-needed seats above the bound the plan must pay before the search's moves
# along paths wait until after the dive (`_seats_for_the_dive`): sparse 300 and 600 pay
# 28 and 32 when the phase begins; typical 100-600 2, few facilitators 300 and 600 1.1-1.2,
# where those moves bring typical 600 to an answer HiGHS's first pass proves (its
# preferences 0.9 s of CPU with them first, 1.5 s without).
_SEATS_FOR_THE_DIVE = 8
# Where the dive decided where the seats go (`_seats_for_the_dive`), HiGHS's full model
# after it gets neighbourhoods of the dive's answer only on models with more group columns
# than this, where its root is slow (sparse 1,200: 4,027, its root cut loop 24 s), which
# is what the rounds are for. On sparse 300 (526) they found nothing in 0.35 s of CPU and
# left the dive's 7,639, from which the full model itself finds 7,298.
_NEIGHBOURHOODS_ABOVE = 2_000
# The proof beside the dive (`proof_beside`) only on models of at most this many columns:
# typical 100 (1,493) answers its cap in 0.3-0.4 s of CPU; typical 300 (5,548) and the
# larger cohorts' models take HiGHS seconds there, the time the dive's own needs.
_PROOF_BESIDE_COLUMNS = 2_000
# Of the dive's share, what the seats' proof may take before it (`_seats_first`; sparse
# 300: 0.3-0.4 s of CPU).
_SEATS_FIRST_SHARE = 0.25
# Of the dive's share, what the leaders' model may take first (`_leaders_answer`; typical
# 300: 1.7 s of CPU, 5-6 s of wall time at load 5-6, where a third of the share ran out
# and left the LP dive's rounding and spread's own dive too little), the LP dive the rest.
_LEADERS_SHARE = 0.6
# The leaders' model answers here only where it is first loaded with at most this many
# seat and lead columns (`leader_dive.option_columns`): its relaxation's time grows faster
# than its columns (typical 300: 5,436 columns, 0.5 s of CPU; typical 600 at generator
# seed 601: 8,728, 1.3 s; 2,000 at 2,002: 37,261, 8.3 s; 1,200 at 1,201 and 2,000 at
# 2,001: cut short by the clock after 6-7 s), where the LP dive on the phase's own model
# hands back a plan at its bound or rounds to it in 1.0-1.2 s (1,202 and 2,002).
_LEADERS_COLUMNS = 15_000
# Of what the dive leaves of the phase's share, what the if-needed seats' bound may take
# (`_if_needed_bound`); HiGHS's full model gets the rest.
_IF_NEEDED_SHARE = 0.8
# Of the dive's share, what the if-needed seats' bound with the leaders may take before it
# (`_leaders_in_the_seats`; typical 100 at seed 103: 1.7 s of CPU).
_LEADERS_SEATS_SHARE = 0.5
# ... asked there only where the plan pays this many if-needed seats or more above the
# bound: typical 100 at seed 103 pays 3 (528, the optimum, against 193); the sweep's own
# seed, 100, pays 1 (301 against 183), where the dive finds 185 and the proof beside it
# shows it in 2.2 s of CPU, which the bound first took to 5.0 s (1.6 s of it the bound's).
_LEADERS_BEFORE_THE_DIVE = 2
# Where a facilitated model has more than this many learner columns, the dive's relaxation
# is solved alone where HiGHS's first pass would run beside it (`_first_pass_or_relaxation`):
# typical 1,000 (15,738), 1,200 (18,976-19,146) and 2,000 (31,726), where the pass proved
# nothing; not typical 600 (9,152 at the sweep's seed, 9,832 at 601), whose pass proves the
# phase at the sweep's seed (its leaders re-chosen, 0.16 s).
_RELAXATION_FIRST_COLUMNS = 12_000


def preferences_phase(context: PhaseContext, budget: float) -> PhaseResult:
    try:
        return _preferences_phase(context, budget)
    finally:
        # unasked, they would go on beside what follows
        if context.fewest_ahead is not None:
            context.fewest_ahead.cancel()
            context.fewest_ahead = None
        if context.relaxation_ahead is not None:
            context.relaxation_ahead.cancel()
            context.relaxation_ahead = None
        if context.cover_ahead is not None:
            context.cover_ahead.cancel()
            context.cover_ahead = None


def fewest_seats_ahead(context: PhaseContext, sizes: int) -> None:
    """Ask the fewest if-needed seats of `_within_fewest_seats` ahead, on a thread beside
    the rest of the sizes phase and the preferences phase's search
    (`open_starts.FewestAhead`), with the sizes held at `sizes`, the sizes phase's bound:
    where that phase meets it (sparse 1,200: 4) and that path applies with those holds.
    Where the phase ends above it, the answer is not used (it would count too many
    seats) and the question is asked again."""
    problem, plan = context.problem, context.search.plan()
    holds = dict(context.runner.holds) | {"sizes": sizes}
    if per_group.applies(problem):  # that phase has a model of its own
        return
    if not _one_total_many_seats(context, _preference_bound(context), holds):
        return
    placed, weight = plan_objectives(problem, plan)["placed"], problem.if_needed_weight()
    # the run's time left: the phase waits for it only as long as it would for its own
    # question, and cancels it at its end
    budget = context.deadline - time.monotonic()
    ahead = FewestAhead(problem, placed, held_totals(problem, holds), weight, budget, sizes)
    context.fewest_ahead = ahead.start()


def relaxation_ahead(context: PhaseContext, sizes: int) -> None:
    """Start the dive's relaxation (`lp_dive.DiveRelaxation`) ahead, on a thread beside
    the rest of the sizes phase, with the sizes held at `sizes`, the sizes phase's bound,
    from the plan as it stands: on facilitated models small enough for the proof beside
    the dive (`_small`), where nothing else was asked ahead. Typical 100: the relaxation
    (0.2 s of CPU) is then solved while the sizes phase's question takes 0.45 s on the
    other core, instead of between the search and the dive. Used where the phase meets
    that bound and the preferences phase starts the relaxation without the loose
    step (`_dive_relaxation`), cancelled otherwise."""
    problem = context.problem
    if per_group.applies(problem) or context.fewest_ahead is not None:
        return
    if not (problem.facilitated and _small(context)):
        return
    runner = own_runner(context.runner)
    runner.hold("sizes", sizes)
    # the run's time left, as the preferences phase cancels it at its end
    budget, plan = context.deadline - time.monotonic(), context.search.plan()
    context.relaxation_ahead = start_relaxation(runner, "preferences", budget, plan)


def cover_ahead(context: PhaseContext, sizes: int, budget: float) -> None:
    """Start the open starts' cover (`open_starts.CoverAhead`) ahead, on a thread beside
    the rest of the sizes phase, with at most the new groups the sizes phase's bound
    `sizes` allows: where the preferences phase will ask it (`_open_starts_bound`: peer
    cohorts whose plan pays more if-needed seats than the solver-free bound counts) and
    nothing else was asked ahead. Peer 100: the cover (0.6-0.9 s of CPU) then runs while
    the sizes phase's question takes 0.4-0.6 s on the other core. Used where the sizes
    phase ends at that bound, cancelled otherwise; given at most `budget` seconds (the
    sizes phase's share): cut short, the preferences phase asks the cover again."""
    problem = context.problem
    if per_group.applies(problem) or context.fewest_ahead is not None:
        return
    if not (
        open_starts_applies(problem) and _pays_more_if_needed(context, _preference_bound(context))
    ):
        return
    scores = plan_objectives(problem, context.search.plan())
    most = most_new_groups(problem, scores["placed"] - scores["joins"], sizes)
    context.cover_ahead = CoverAhead(problem, scores["placed"], most, budget).start()


def _dive_relaxation(
    context: PhaseContext,
    runner: Runner,
    budget: float,
    plan: Plan,
    loose: bool,
) -> DiveRelaxation | None:
    """The dive's relaxation on `runner`: the one asked ahead (`relaxation_ahead`) where
    it has the same holds and the loose step is not wanted, else a new one, not started:
    the steps with work to do before the dive start it on its thread
    (`DiveRelaxation.beside`), or the dive solves it in place (few facilitators 600-2,000,
    where nothing comes before it)."""
    ahead, context.relaxation_ahead = context.relaxation_ahead, None
    if ahead is not None and not loose and ahead.whole_runner.holds == runner.holds:
        return ahead
    if ahead is not None:
        ahead.cancel()
    return start_relaxation(runner, "preferences", budget, plan, loose, beside=False)


def _preferences_phase(context: PhaseContext, budget: float) -> PhaseResult:
    if per_group.applies(context.problem):
        return _preferences_per_group(context, budget)
    began, problem = time.monotonic(), context.problem
    bound = _preference_bound(context)  # the search keeps placement, joins and sizes
    paths = not _seats_for_the_dive(context, bound)
    # On an instance of its own: one that has solved before stores its matrix in another
    # order, the relaxation ends at another optimum and the dive elsewhere (few
    # facilitators 600: 82 after HiGHS's first pass, 81 from a fresh instance).
    dive_runner = None if paths else own_runner(context.runner)
    alone = _dive_alone(problem, dive_runner)
    _search_first(context, budget, bound, paths, alone)
    achieved = plan_objectives(problem, context.search.plan())["preferences"]
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = lower bound, optimal")
    bound = max(bound, _open_starts_bound(context, budget * _OPEN_STARTS_SHARE, bound))
    achieved = plan_objectives(problem, context.search.plan())["preferences"]  # its answer
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = open starts' bound, optimal")
    seated = _within_fewest_seats(context, budget, began, bound)
    if seated is not None:
        return seated
    # the dive's relaxation depends only on the held phases: it is solved on a thread of
    # its own while HiGHS's first pass runs, and stopped if that proves the phase. Not
    # during the search, which proves typical 1,200 and 2,000 on its own: there the
    # relaxation took the CPU the search needed (load 5: 1.0-2.0 s -> 2.8-4.0 s).
    left = budget - (time.monotonic() - began)
    # linking rows left out where most (sparse)
    dive_runner = dive_runner or own_runner(context.runner)
    # the plan's columns keep the relaxation with columns held out feasible (`lp_dive`)
    plan = context.search.plan()
    loose = _loose_first(problem, achieved, bound)
    relaxation = _dive_relaxation(context, dive_runner, left * _DIVE_SHARE, plan, loose)
    if relaxation is None:  # HiGHS's share whole: its full model needs it there
        return solve_phase(context, "preferences", left, bound)
    try:
        return _first_then_dive(context, budget, began, bound, relaxation, paths, alone)
    finally:
        relaxation.cancel()


def _search_first(
    context: PhaseContext, budget: float, bound: int, paths: bool, alone: bool
) -> None:
    """The search before the dive: everywhere but where the dive comes alone (`_dive_alone`).
    There, where HiGHS within the fewest seats may replace the dive, the search's plan
    decides (sparse 1,200 pays 32 seats above the bound after it, sparse 2,000 3; there
    that model took 19 s of CPU against the dive's 3.7): its cycles first, the rest only
    while the plan still pays that many seats. Sparse 2,000: the cycles take 156,354 to
    85,578 (3 seats above) in 0.04 s of CPU, where the rest took 0.3 s for 15 more, an
    answer the dive's then replaced; the rest could only lower the seats, so the plan
    decides as it did."""
    search, seconds = context.search, budget * _SEARCH_SHARE
    if alone and _one_total_many_seats(context, bound):
        cancel_cycles(search, seconds / 2)  # as the search begins (`improve_preferences`)
    if not alone or _one_total_many_seats(context, bound):
        improve_preferences(search, seconds, bound, paths)


def _first_then_dive(
    context: PhaseContext,
    budget: float,
    began: float,
    bound: int,
    relaxation: DiveRelaxation,
    paths: bool = True,
    alone: bool = False,
) -> PhaseResult:
    """The rest of the phase (its share `budget`, begun at `began`): HiGHS's first pass
    (unless the dive comes `alone`: neither the search nor the pass before it), then the
    dive from `relaxation`, then HiGHS with what is left; without `paths` (the search's
    moves along paths left for after the dive) or `alone`, the search (with those moves)
    on the plan where the dive's is not adopted; without `paths`, HiGHS's full model
    without its neighbourhoods on small models (`_NEIGHBOURHOODS_ABOVE`)."""
    problem = context.problem
    first_bound = bound
    if not alone:
        first = _first_pass_or_relaxation(context, budget, relaxation, bound)
        if first.proven:
            return first
        first_bound = first.bound
    left = budget - (time.monotonic() - began)  # the dive's share of what is left
    leaders = paths and _leaders_in_the_seats(context)
    asked = leaders and _pays_more_if_needed(context, bound, _LEADERS_BEFORE_THE_DIVE)
    if asked:  # before the dive, which cannot end below the seats the plan pays
        relaxation.beside()
        seconds = left * _LEADERS_SEATS_SHARE
        bound = max(bound, _if_needed_bound(context, seconds, bound, leaders))
        achieved = plan_objectives(problem, context.search.plan())["preferences"]
        if achieved == bound:
            return PhaseResult(achieved, bound, True, f"{bound} = if-needed seats' bound, optimal")
        left = budget - (time.monotonic() - began)
    if not paths:  # the seats decide: their proof may take the dive's place
        seated = _seats_first(context, relaxation, left, max(bound, first_bound))
        if seated is not None:
            return seated
        left = budget - (time.monotonic() - began)
    searched = context.search
    proof = _proof_beside(context, relaxation, left, paths)
    # the search's share kept for after a dive cut short by the clock where it did not
    # come first and would have moved along paths (few facilitators 2,000 at load 10:
    # 702 left from the sizes phase's plan, where the search first had reached 541); not
    # sparse 2,000's, whose dive needs that time under load
    reserve = budget * _SEARCH_SHARE if alone and paths else 0.0
    try:
        dive_share = max(left - reserve, 0.0) * _DIVE_SHARE
        bound = _dive(context, relaxation, dive_share, max(bound, first_bound))
        if (alone or not paths) and context.search is searched:  # the dive's plan not adopted
            left = budget - (time.monotonic() - began)
            improve_preferences(context.search, min(budget * _SEARCH_SHARE, left), bound)
        achieved = plan_objectives(problem, context.search.plan())["preferences"]
        if achieved == bound:
            return PhaseResult(achieved, bound, True, f"{bound} = relaxation's bound, optimal")
        if proof is not None:
            bound = _settle(context, proof, bound, began + budget)
            achieved = plan_objectives(problem, context.search.plan())["preferences"]
            if achieved == bound:
                return PhaseResult(
                    achieved, bound, True, f"{bound} = proof beside the dive, optimal"
                )
    finally:
        if proof is not None:
            proof.cancel()
    left = budget - (time.monotonic() - began)
    if not asked:
        bound = max(bound, _if_needed_bound(context, left * _IF_NEEDED_SHARE, bound, leaders))
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = if-needed seats' bound, optimal")
    left = budget - (time.monotonic() - began)
    if left < LEAST_SECONDS:  # HiGHS would only say it was skipped
        return _unproven(achieved, bound)
    # the search's time comes out of the phase's share, or the run outlasts its limit
    rounds = paths or group_column_count(problem) > _NEIGHBOURHOODS_ABOVE
    return solve_phase(context, "preferences", left, bound, neighbourhoods=rounds)


def _first_pass_or_relaxation(
    context: PhaseContext, budget: float, relaxation: DiveRelaxation, bound: int
) -> PhaseResult:
    """HiGHS's first pass (`_first_pass`) with the dive's `relaxation` solved beside it on
    the other core; on large models (`_relaxation_first`) the relaxation alone, in place,
    instead: its bound, which proves the search's plan where it meets it (typical 1,200
    at generator seed 1,201, 2,000 at 2,001), else the dive follows from it. There the
    pass (leaders re-chosen for the groups as placed; the model loaded into the runner's
    own instance) took 0.3-1.0 s of CPU and proved none of typical 1,000-2,005, while on
    1,201 the phase waited for it after the relaxation had ended."""
    if not _relaxation_first(context.problem):
        relaxation.beside()  # the pass and the relaxation on two cores
        return _first_pass(context, budget, bound)
    relaxed = relaxation.solve()
    bound = bound if relaxed is None else max(bound, rounded_up(relaxed))
    achieved = plan_objectives(context.problem, context.search.plan())["preferences"]
    if achieved == bound:
        return PhaseResult(bound, bound, True, f"{bound} = relaxation's bound, optimal")
    return PhaseResult(achieved, bound, False, "the relaxation first")


def _relaxation_first(problem: Problem) -> bool:
    """Whether the dive's relaxation comes alone where HiGHS's first pass would run beside
    it (`_first_pass_or_relaxation`): facilitated models of more than
    `_RELAXATION_FIRST_COLUMNS` learner columns."""
    return problem.facilitated and learner_column_count(problem) > _RELAXATION_FIRST_COLUMNS


def _within_fewest_seats(
    context: PhaseContext, budget: float, began: float, bound: int
) -> PhaseResult | None:
    """Where every answer has one total of new groups and the plan pays many if-needed
    seats above `bound` (`_one_total_many_seats`): HiGHS's full model with that total and
    at most `most` learners' if-needed seats as rows, `most` one fewer than the plan
    pays, instead of the dive. An answer with more pays at least (most + 1) x the weight,
    so the model's bound capped there bounds the phase, and the row needs no count of
    the fewest seats before it: it keeps out the plan and the answers near it, which
    HiGHS's root would otherwise start from (sparse 1,200, one thread, HiGHS seed 1, CPU s
    with the row at the fewest seats, 27 / at the plan's less one, 46: 3.53 / 3.41, the
    same 38,058 found and proven at the root; seeds 2 / 3 16.19 / 15.67, 11.17 / 11.57;
    with no row 13.68). The fewest learners' seats a (`open_starts.fewest_if_needed`)
    are counted beside it on the other core (`_fewest_beside`), no longer before it:
    they bound the phase where the model is cut short (a x the weight), and spread's
    leaders' budget where everyone is placed (`learners_least`); where a is the plan's
    own seats, the row leaves no answer, so the model is stopped once a is proven and
    asked again with the row at a, the plan within it (`_model_within`). Sparse 1,200:
    a = 27, 38,058 proven, where the dive (14.7 s of CPU) finds 38,058 or 38,061 and the
    relaxation without the rows proves 33,213. None where it does not apply."""
    problem, plan = context.problem, context.search.plan()
    if not _one_total_many_seats(context, bound):
        return None
    weight, totals = problem.if_needed_weight(), held_totals(problem, dict(context.runner.holds))
    placed = plan_objectives(problem, plan)["placed"]
    fewest = _fewest_beside(context, placed, totals)
    try:
        model = context.runner._loaded()[0]
        most = max(_learners_if_needed(problem, model, plan) - 1, 0)
        result = _model_within(context, budget, began, bound, totals, most, fewest)
        bound = max(bound, min(result.bound, weight * (most + 1)))
        found = fewest.found if fewest.join(max(began + budget - time.monotonic(), 0.0)) else None
        if found is not None and _beyond(found, most):
            # the plan already seats the fewest: the row kept out every answer there, so
            # the model again with the row at the fewest, the plan within it
            least = found[0]
            result = _model_within(context, budget, began, bound, totals, least)
            bound = max(bound, min(result.bound, weight * (least + 1)))
    finally:
        fewest.cancel()
    if found is not None and found[1]:  # proven
        bound = max(bound, weight * found[0])
        if placed == seats(problem):  # everyone placed: the learners' least, for spread
            context.learners_least = learner_cost_with_if_needed(problem, found[0])
    achieved = plan_objectives(problem, context.search.plan())["preferences"]
    if achieved == bound:
        text = f"{bound} = bound within the fewest if-needed seats, optimal"
        return PhaseResult(achieved, bound, True, text)
    return _unproven(achieved, bound)


def _model_within(
    context: PhaseContext,
    budget: float,
    began: float,
    bound: int,
    totals: range,
    most: int,
    fewest: FewestAhead | None = None,
) -> PhaseResult:
    """HiGHS's full model of the phase (its share `budget`, begun at `began`) with rows
    holding the new groups to `totals` and the learners' if-needed seats to at most
    `most`; stopped once the count `fewest` beside it proves more seats the fewest (no
    answer is left within the row)."""
    problem = context.problem
    model, highs = context.runner._loaded()
    cuts = [total_row(problem, model, totals), if_needed_row(problem, model, most)]

    def stop_once_empty(event: Any) -> None:
        if fewest is not None and fewest.ended() and _beyond(fewest.found, most):
            event.interrupt(True)

    # the plan breaks the seat row, so HiGHS begins with no answer, and its feasibility
    # jump finds none within the row either: its first answer is the optimum, from the
    # root's rounding or a sub-MIP (one thread, CPU s with the jump / without, the same
    # groups: sparse 1,200 at HiGHS seeds 1-3 5.01 / 4.90, 16.37 / 16.19, 12.04 / 11.17;
    # the row at the plan's seats less one 9.26 / 4.88)
    highs.cbMipInterrupt.subscribe(stop_once_empty)
    try:
        left = budget - (time.monotonic() - began)
        return solve_phase(
            context, "preferences", left, bound, neighbourhoods=False, cuts=cuts, options=NO_JUMP
        )
    finally:
        highs.cbMipInterrupt.unsubscribe(stop_once_empty)


def _beyond(found: tuple[int, bool] | None, most: int) -> bool:
    """Whether a proven count of the fewest learners' if-needed seats exceeds `most`."""
    return found is not None and found[1] and found[0] > most


def _learners_if_needed(problem: Problem, model: Formulation, plan: Plan) -> int:
    """How many learners the plan seats on if-needed time (`if_needed_row`'s columns)."""
    values = values_from_plan(problem, model, plan)
    return round(sum(values[col] for col in if_needed_row(problem, model, 0)[2]))


def _fewest_beside(context: PhaseContext, placed: int, totals: range) -> FewestAhead:
    """The fewest learners' if-needed seats for the held phases (`open_starts.FewestAhead`)
    on their thread: the question asked ahead (`fewest_seats_ahead`) where it asked the
    same, else asked now; the caller joins it, and cancels it."""
    problem, sizes = context.problem, dict(context.runner.holds)["sizes"]
    ahead, context.fewest_ahead = context.fewest_ahead, None
    if ahead is not None and ahead.answers(placed, totals, sizes):
        return ahead
    if ahead is not None:
        ahead.cancel()
    weight, budget = problem.if_needed_weight(), context.deadline - time.monotonic()
    return FewestAhead(problem, placed, totals, weight, budget, sizes).start()


def _one_total_many_seats(
    context: PhaseContext, bound: int, holds: dict[str, int] | None = None
) -> bool:
    """Whether the held placement (proven) and sizes (or `holds`) allow one total of new
    groups in a facilitated cohort whose plan pays `_SEATS_FOR_THE_DIVE` if-needed seats
    or more above `bound`: there the total and the fewest seats make HiGHS's root as
    strong as the optimum (sparse 1,200). Not typical 300 or 600 (one total, 2 seats
    above)."""
    problem = context.problem
    holds = dict(context.runner.holds) if holds is None else holds
    if not (problem.facilitated and context.proven.get("placed") and "sizes" in holds):
        return False
    return _many_seats_above(context, bound) and len(held_totals(problem, holds)) == 1


def _dive_alone(problem: Problem, dive_runner: Runner | None) -> bool:
    """Whether neither the search nor HiGHS's first pass comes before the dive, where it
    applies: where the facilitators' capacity limits placement (`_leaders_scarce`: few
    facilitators 600-2,000, each proven by the dive from the sizes phase's plan, with
    75 / 78 / 22 re-solves against 97 / 72 / 38 after the search, which took 0.05 / 0.2 /
    0.5 s of CPU and on 2,000 stopped by the clock), or, where the plan pays
    `_SEATS_FOR_THE_DIVE` if-needed seats or more above the bound, where the dive's
    runner leaves the linking rows out (`own_runner`: sparse 1,200 and 2,000). There the
    dive's answer replaces the search's (sparse 2,000: 78,710 from 83,280, the same
    answer from the sizes phase's plan, 156,354) and the first pass (leaders re-chosen)
    proved nothing, while the search took 0.4-0.6 s of CPU before the relaxation could
    start and the pass 0.3-0.6 s beside it. Where the dive's answer is not taken, the
    search runs after it (`_first_then_dive`). The search (its cycles first:
    `_search_first`) still comes first where HiGHS within the fewest seats may replace the
    dive (`_one_total_many_seats`): its plan decides."""
    if not lp_dive_applies(problem):
        return False
    return _leaders_scarce(problem) or (
        dive_runner is not None and bool(dive_runner._formulation().left_out)
    )


def _proof_beside(
    context: PhaseContext, relaxation: DiveRelaxation, budget: float, paths: bool
) -> ProofBeside | None:
    """The proof asked beside the dive (`proof_beside`), capped at the dive's relaxation
    rounded up, plus one; only on models small enough for HiGHS to answer it within the
    dive's time (`_PROOF_BESIDE_COLUMNS`), and where the dive may end near its relaxation:
    facilitated cohorts whose leaders do not limit placement (few facilitators 100: the
    cap's answer took 1.3 s of CPU, where the phase is proven in 0.3 s) and whose plan
    pays few if-needed seats above the bound (`paths`; sparse 300: the cap, 6,876, is
    far below the optimum, 7,298: there the seats' proof comes first, `_seats_first`)."""
    problem = context.problem
    if not (_small(context) and paths and problem.facilitated and not _leaders_scarce(problem)):
        return None
    relaxed = relaxation.solve()  # joined here first: the dive would wait for it too
    if relaxed is None:
        return None
    cap = _cap(relaxed)
    # where nothing costs the cap or less, spread's leader test with the preferences held
    # at the cap plus one holds for whatever the phase ends with: asked on the core the
    # proof leaves free
    context.leaders_ahead = leaders_ahead(context, cap + 1)
    return ProofBeside(context.runner, relaxation.name, cap, budget, context.leaders_ahead).start()


def _seats_first(
    context: PhaseContext, relaxation: DiveRelaxation, budget: float, bound: int
) -> PhaseResult | None:
    """Where the plan pays many if-needed seats above `bound` (the dive would end far above
    its relaxation) on a small model (`_small`): the seats' proof (`SeatsProof`), capped
    at the `relaxation`'s whole if-needed weights, before the dive, within
    `_SEATS_FIRST_SHARE` of `budget`. Where it finds an answer, that is the least within
    the cap, proven by its bound; where none has so few seats, HiGHS's full model with
    every answer's seats as a row, from no start, instead of the dive (sparse
    300: 21 seats shown in 0.3-0.4 s of CPU, then 7,298 found and proven in 0.5-0.8 s;
    the dive took 0.55 s to 7,639 and HiGHS 1.35-2.7 s after it). None where the proof
    is cut short or the model is larger: the dive follows."""
    relaxed = relaxation.solve() if _small(context) else None
    if relaxed is None:
        return None
    problem, began = context.problem, time.monotonic()
    bound = max(bound, rounded_up(relaxed))
    if plan_objectives(problem, context.search.plan())["preferences"] == bound:
        return PhaseResult(bound, bound, True, f"{bound} = relaxation's bound, optimal")
    cap = _seats_cap(relaxed, problem.if_needed_weight())
    proof = SeatsProof(context.runner, relaxation.name, cap, budget * _SEATS_FIRST_SHARE)
    bound = _settle(context, proof.start(), bound, began + budget * _SEATS_FIRST_SHARE)
    achieved = plan_objectives(problem, context.search.plan())["preferences"]
    if achieved == bound:
        return PhaseResult(achieved, bound, True, f"{bound} = the seats' proof, optimal")
    cut = proof.cut()
    if cut is None:
        return None
    left = budget - (time.monotonic() - began)
    # from no start: sparse 300's model with the row took 0.47-0.81 s of CPU so, 0.73-0.98
    # from the search's 8,995 (seeds 0-3); the plan is still the answer to beat
    return solve_phase(
        context, "preferences", left, bound, neighbourhoods=False, cuts=[cut], warm=False
    )


def _small(context: PhaseContext) -> bool:
    """Whether the model is small enough for a proof asked before or beside the dive
    (`_PROOF_BESIDE_COLUMNS`)."""
    return len(context.runner._formulation().cost) <= _PROOF_BESIDE_COLUMNS


def _seats_cap(relaxed: float, weight: int) -> int:
    """The seats proof's cap: the relaxation's value in whole if-needed weights, no fewer
    than its own seats rounded down (sparse 300: 6,874.5 is 20 weights of 339, its seats
    19.75; every answer pays 21)."""
    return int(relaxed // weight)


def _cap(relaxed: float) -> int:
    """The proof's cap: the relaxation rounded up, plus one (so the dive's answer is
    proven where it ends one or two above the relaxation rounded up)."""
    return rounded_up(relaxed) + 1


def _settle(context: PhaseContext, proof: ProofBeside, bound: int, deadline: float) -> int:
    """The bound with what the proof beside the dive showed by `deadline`. Its answer,
    where it has one, is the least under the cap (so the phase's optimum where the cap is
    the objective's): adopted where better than the search's plan."""
    proof.settle(deadline)
    if proof.found is None:
        return max(bound, proof.bound())
    problem, incumbent = context.problem, context.search.plan()
    answer = plan_from_values(problem, proof.runner._formulation(), proof.found)
    least = plan_objectives(problem, answer)["preferences"]
    better = least < plan_objectives(problem, incumbent)["preferences"]
    if better:
        adopt(context, incumbent, answer, "preferences")
    return max(bound, proof.bound(least))


def _leaders_scarce(problem: Problem) -> bool:
    """Whether the facilitators' capacity, not the learners' times, limits how many are
    placed (`placement_bound`): every facilitator leads all they can. HiGHS's first pass
    (leaders re-chosen for the groups as placed) proved none of those cohorts (few
    facilitators 100-2,000; on 2,000 it ends at its time limit, 1.7-2.3 s of wall time at
    load 3-5) while it took the second core from the dive's relaxation."""
    return placement_bound(problem) < seats(problem)


def _first_pass(context: PhaseContext, budget: float, bound: int) -> PhaseResult:
    """HiGHS first, briefly (`_FIRST_SHARE` of the phase's `budget`): where its
    leaders-only solve (typical 600: 0.16 s) or, with nobody to lead, its first
    neighbourhoods (peer 300: 0.04 s) prove the bound, the dive would take 4-8 s. Nothing
    more: the full model and, with leaders, the neighbourhoods took 1.3-2 s (one round on
    few facilitators 600: 1.3 s against its 0.2 s limit) and proved none of the sweep's
    cohorts before the dive."""
    return solve_phase(
        context,
        "preferences",
        budget * _FIRST_SHARE,
        bound,
        neighbourhoods=not context.problem.facilitated,
        full_model=False,
    )


def _preferences_per_group(context: PhaseContext, budget: float) -> PhaseResult:
    """Per-group anchors: the compact model's weekday and pattern neighbourhoods (`per_group`)
    with the whole share, instead of the search and the general model (per-group 1,200:
    105-116 there, 27-29 here)."""
    problem, incumbent = context.problem, context.search.plan()
    bound, prepared = _preference_bound(context), context.per_group_start
    ahead = context.take_per_group_ahead()  # where the sizes phase did not take it
    if plan_objectives(problem, incumbent)["preferences"] > bound:
        holds, seed = dict(context.runner.holds), context.runner.seed
        outcome = per_group.solve(problem, holds, incumbent, budget, seed, prepared, ahead)
        adopt(context, incumbent, outcome.plan, "preferences")
        bound = max(bound, outcome.bound)
    else:  # neither is needed
        for unused in (prepared, ahead):
            if unused is not None:
                unused.cancel()
    achieved = plan_objectives(problem, context.search.plan())["preferences"]
    if achieved <= bound:
        return PhaseResult(achieved, achieved, True, f"{achieved} = lower bound, optimal")
    return _unproven(achieved, bound)


def _unproven(achieved: int, bound: int) -> PhaseResult:
    gap = (achieved - bound) / achieved
    text = f"{achieved}, bound {bound}, gap {gap:.1%} (time limit reached)"
    return PhaseResult(achieved, bound, False, text)


def _dive(context: PhaseContext, relaxation: DiveRelaxation, budget: float, bound: int) -> int:
    """Adopt the leaders' model's answer at the relaxation's bound (`_leaders_answer`), or
    else the LP dive's answer (`lp_dive`) from the `relaxation` started before HiGHS's
    first pass if better, polished by the search; return the bound, raised to the
    relaxation's where that is higher."""
    began, incumbent, name = time.monotonic(), context.search.plan(), relaxation.name
    answered = _leaders_answer(context, relaxation, began + budget * _LEADERS_SHARE, bound)
    if answered is not None:
        return answered
    left = max(budget - (time.monotonic() - began), 0.0)
    outcome = dive(relaxation.runner, name, incumbent, left, bound, relaxation)
    if outcome.plan is not incumbent and adopt(context, incumbent, outcome.plan, name):
        # within the dive's time, or HiGHS is left none (few facilitators 5,000)
        left = max(budget - (time.monotonic() - began), 0.0)
        improve_preferences(context.search, left, outcome.bound)
    return outcome.bound


def _leaders_answer(
    context: PhaseContext, relaxation: DiveRelaxation, deadline: float, bound: int
) -> int | None:
    """Where every group has the target number of learners (everyone placed, the sizes
    held at 0), an answer at the `relaxation`'s bound from the leaders' model
    (`leader_dive`) with that bound as the preferences' budget, instead of the LP dive's
    rounding: its dive keeps every learner at a cheapest start and seeks the most leaders,
    which spread wants next. Typical 300: 208 with 41 leaders (spread's optimum, 191) in
    1.7 s of CPU (the relaxation 0.65, the dive 1.0), where the LP dive's rounding took
    1.2 s to 208 with 39 and spread then needed the model anyway. The bound where its
    answer is adopted, else None (the LP dive follows); the model, with its count of
    leaders, is kept for spread either way (`PhaseContext.leader_model`)."""
    problem, plan = context.problem, context.search.plan()
    if not leaders_apply(problem, dict(context.runner.holds) | {"preferences": bound}):
        return None
    relaxed = relaxation.early_bound()
    if relaxed is None:
        return None
    aim = max(bound, rounded_up(relaxed))
    held = dict(context.runner.holds) | {"preferences": aim}
    # no more groups at a start than the learners need: spread pays for each more
    most = max(map(len, plan.groups_at.values()), default=0)
    crowd = least_crowd(problem, plan.group_count(), held["placed"] - held["sizes"], False, most)
    # first only at the starts where the relaxation opens groups (and the plan's): the
    # rest priced in as their duals ask (`LeaderModel.most_leading`)
    starts = relaxation.early_starts() or None
    if option_columns(problem, held, plan, starts) > _LEADERS_COLUMNS:
        return None  # the LP dive is the quicker (`_LEADERS_COLUMNS`)
    model = LeaderModel(problem, held, plan, context.runner.seed, crowd, starts)
    if model.most_leading(deadline) is None:
        return None
    context.leader_model = model
    found = model.within_budget(deadline)
    if found is None or plan_objectives(problem, found)["preferences"] > aim:
        return None
    if not adopt(context, plan, found, "preferences"):
        return None
    return aim


def _seats_for_the_dive(context: PhaseContext, bound: int) -> bool:
    """Whether the plan pays `_SEATS_FOR_THE_DIVE` if-needed seats or more above `bound` in
    a facilitated cohort the dive applies to: there the dive, not the search, finds where
    the seats go, so the search's moves along paths wait until after it (sparse 600: 0.5 s
    of CPU taking 19,404 to 18,711 before a dive that reaches the optimum, 12,598). Not in
    peer cohorts, whose open starts' bound (`open_starts`) comes before the dive."""
    problem = context.problem
    if not (problem.facilitated and lp_dive_applies(problem)):
        return False
    return _many_seats_above(context, bound)


def _many_seats_above(context: PhaseContext, bound: int) -> bool:
    """Whether the search's plan pays `_SEATS_FOR_THE_DIVE` if-needed seats' weights or
    more above `bound`."""
    problem = context.problem
    paid = plan_objectives(problem, context.search.plan())["preferences"]
    return paid - bound >= _SEATS_FOR_THE_DIVE * problem.if_needed_weight()


def _if_needed_bound(
    context: PhaseContext, budget: float, bound: int, leaders: bool = False
) -> int:
    """The fewest if-needed seats any answer keeping the held phases pays, with its
    groups' total within the held phases' (`bounds.held_totals`), as a bound with the
    least shifts at so many and the leaders' least (`open_starts.if_needed_bound`; 0 if
    HiGHS proves nothing within `budget`). Only in facilitated cohorts whose plan pays
    more if-needed seats than `bound` counts, placement proven and sizes held: sparse
    1,200: 27 seats, 38,056 with both steps, where the dive's relaxation proves 33,213 and
    HiGHS's root cuts 33,906; the dive's answer is 38,058. With `leaders`
    (`_leaders_in_the_seats`), the bound's model seats the leaders too and counts what
    they pay, and is asked wherever the plan is above `bound`: its step (b), the least
    shifts, can raise it without more seats (typical 100 at seed 102: 182, where the
    relaxation says 177.4 and the proof beside the dive 180)."""
    problem, plan = context.problem, context.search.plan()
    weight, scores = problem.if_needed_weight(), plan_objectives(problem, plan)
    holds = dict(context.runner.holds)
    if not (problem.facilitated and "sizes" in holds and context.proven.get("placed")):
        return 0
    totals = held_totals(problem, holds)
    placed, achieved = scores["placed"], scores["preferences"]
    if leaders:  # `_leaders_in_the_seats`; it proves no more than the plan pays
        found = if_needed_bound(
            problem, placed, totals, weight, budget, holds["sizes"], bound, True, achieved
        )
        return 0 if found is None else found.value
    if not _pays_more_if_needed(context, bound):
        return 0
    # the fewest groups by the sizes phase's totals, where more (`fewest_groups`)
    least = leader_cost_bound(problem, max(totals.start, fewest_groups(context, plan)))
    beat = max(bound - least, 0)  # what the learners must pay to raise `bound`
    found = if_needed_bound(problem, placed, totals, weight, budget, holds["sizes"], beat)
    return 0 if found is None else found.value + least


def _leaders_in_the_seats(context: PhaseContext) -> bool:
    """Whether the if-needed seats' bound (`_if_needed_bound`) seats the leaders too
    (`open_starts.if_needed_bound` with `leaders`): on small models (`_small`), where the
    leaders' times, not the learners', decide who sits on if-needed time. Typical 100 at
    generator seeds 102 and 103 (sizes held at 8 and 15): the learners alone need no
    if-needed seat, the optima 182 and 528 pay one and four, which the model with its
    leaders proves in 1.7 s of CPU each (the relaxation of the whole model: 177.4 and
    190.5). Not on larger models (a column per facilitator and start), nor where the plan
    pays many seats above the bound (the caller's `paths`): there the seats' proof comes
    first (`_seats_first`), and the leaders' bound before it took sparse 300 at seed 301
    from 1.9 to 5.8 s of CPU for the same answer. Asked before the dive where the plan pays
    `_LEADERS_BEFORE_THE_DIVE` seats or more above the bound: the dive rounds a relaxation
    far below them (seed 103: 727 re-solves, 11 s of CPU, no answer below the search's
    528, the optimum). Nor where the leaders' capacity limits placement
    (`_leaders_scarce`: every facilitator leads all they can, and HiGHS's full model
    proves the phase after the dive; few facilitators 100 at seed 103: 0.98 s of CPU for
    no proof, 0.05 s without them)."""
    problem = context.problem
    return problem.facilitated and _small(context) and not _leaders_scarce(problem)


def _open_starts_bound(context: PhaseContext, budget: float, bound: int) -> int:
    """The learners' least cost in the groups the held sizes allow (`open_starts`), plus
    the leaders' least, where the plan pays more if-needed seats than `bound` counts
    (peer 100: 363, the optimum, where the relaxation says 59)."""
    problem, plan = context.problem, context.search.plan()
    weight, scores = problem.if_needed_weight(), plan_objectives(problem, plan)
    ahead, context.cover_ahead = context.cover_ahead, None
    if not (_pays_more_if_needed(context, bound) and open_starts_applies(problem)):
        if ahead is not None:
            ahead.cancel()
        return bound
    sizes = dict(context.runner.holds).get("sizes")
    most = most_new_groups(problem, scores["placed"] - scores["joins"], sizes)
    try:
        found = learner_bound(problem, scores["placed"], most, weight, budget, sizes, ahead)
    finally:
        if ahead is not None:  # asked for other limits: not waited for
            ahead.cancel()
    if found is None:
        return bound
    model = context.runner._loaded()[0]
    values = answer_values(found, model)
    if values is not None:  # its answer, where it keeps every earlier phase
        answer = plan_from_values(problem, model, values)
        adopt(context, plan, answer, "preferences")
    return found.value + leader_cost_bound(problem, fewest_groups(context, plan))


def _pays_more_if_needed(context: PhaseContext, bound: int, more: int = 1) -> bool:
    """Whether the search's plan pays `more` if-needed seats or more than `bound` counts,
    with placement proven (so every answer places as many learners as the plan): where the
    bounds on the seats themselves (`_open_starts_bound`, `_if_needed_bound`) can raise
    `bound`."""
    problem = context.problem
    weight = problem.if_needed_weight()
    paid = plan_objectives(problem, context.search.plan())["preferences"]
    return bool(context.proven.get("placed")) and paid // weight >= bound // weight + more


def _loose_first(problem: Problem, achieved: int, bound: int) -> bool:
    """Whether the dive's relaxation is first tried without the linking rows: where the
    plan pays no if-needed seat more than the solver-free `bound` counts (the rows'
    strength is in the if-needed seats they force: sparse 300's relaxation 1,502 without,
    6,874 with) and is within `_LOOSE_REACH` of it (a dive without the rows only pays
    where it ends at their relaxation's bound). Typical 300: 211 against 206, the
    relaxation 207.2 with and without them. Where it was tried and the rows raised the
    relaxation, finding that out cost sparse 1,200 0.9 s of CPU, sparse 2,000 0.5 s
    (35 seats against 34) and few facilitators 300 (12 % off) a rounding of 0.35 s."""
    weight = problem.if_needed_weight()
    near = achieved <= bound * (1 + _LOOSE_REACH)
    return near and achieved // weight == bound // weight


def _preference_bound(context: PhaseContext) -> int:
    problem, plan = context.problem, context.search.plan()
    bound = learner_cost_bound(problem, plan.placed())
    if context.proven.get("joins", True):
        # more joiners could leave fewer learners, so fewer groups, for new groups
        bound += leader_cost_bound(problem, fewest_groups(context, plan))
    return bound
