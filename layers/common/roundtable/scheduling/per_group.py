"""The preferences phase of per-group-anchor cohorts, on a compact model of its own.

With per-group anchors every person has an option that costs nothing (an anchor in
their own zone), and the cost is mostly the members whose local time shifts. The
general model (`formulation.py`) has, above 8,000 learner columns, no linking rows:
there a row `w[c,s] <= min(|c|, max) * sum_f y[f,s]` has an entry per leader who could
lead at `s`, and the relaxation with them took a minute (per-group 1,200). Without
them its bound is 1.2 where the optimum is above 24. Here each start's number of
groups is a column `g[s] = sum_f y[f,s]`, so a linking row has two entries and the
relaxation with them is solved in 4-6 s by interior point.

HiGHS's branch and bound proves nothing on that cohort in 80 s (root cuts only:
24.4), and its answers stay near 50. What works: the relaxation's bound read from the
duals of a loose interior point solve (24 in 4-9 s), HiGHS's first answer with groups
only where the relaxation opens them (29 in 1.5 s, against 59-61 on the whole model),
then neighbourhoods: the groups of one weekday, or of one daylight-saving pattern on
three weekdays in a row, free, every other group fixed, the learners free (a day's model
is solved in 0.3-2 s; from 59, 37 in 6-7 s; from 29, 25 in 5 s, each round looking only
for a better answer), then the whole model with the columns the relaxation's reduced
costs rule out fixed and the objective held below the answer, which proves per-group
1,200's 25 optimal in 4-4.5 s. That question at the relaxation's bound (24) runs on a
thread beside the first answers and the rounds (`_BoundProof`): the phase 8.9-11.1 s
where it took 12.6-18.3 s. Once it has ended, its core runs every other round, with the
answers of one round at a time (`_SpareCore`). Where everyone is placed and the size
objective's bound is 0, the sizes phase builds this model with the sizes held at 0 and
runs the relaxation, the proof and the first answer (`prepare`): that answer proves the
sizes phase (per-group 1,200: in place of HiGHS's 1.0 s of CPU on the sizes model), and
`solve` goes on from it.

The learner columns are continuous (with the groups integral the learner part is a
transportation problem); an answer with fractional learners is repaired with the
groups fixed. highspy is imported lazily, inside the functions that use it.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from roundtable.scheduling.bounds import placement_bound, seats
from roundtable.scheduling.formulation import overlap_cliques
from roundtable.scheduling.highs_model import (
    LEAST_SECONDS,
    CompactColumns,
    OnThread,
    add_rows,
    change_integrality,
    delete_rows_from,
)
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem

INF = float("inf")
# Of the budget, what the relaxation may take (per-group 1,200: 3.7 s, 2,000: 8.9 s of
# 17-19 at load 3); without its bound the gap is 100 %, which no better answer makes up
# for. HiGHS's first answer comes after it (1,200: 2 s, 2,000: 8 s) and the weekdays'
# neighbourhoods get the rest.
_RELAXATION_SHARE = 0.75
# The first answer is looked for with groups only where the relaxation opens at least
# this much of one, in turn: per-group 1,200 32, 29, 32 (0.15, 0.2, 0.25: 588 to 451
# starts of 1,324; 1.5-2 s each), 2,000 20, 24, 29 (3-3.5 s each); the whole model gives
# 59-61 and 37. With 0.1 36 and 37, with 0.3 nothing (1,200) and 37 (2,000). 0.25 (never
# the best) is gone: its 0.9 s go to the rounds and the proof (session 7).
_OPENED_LEVELS = (0.2, 0.15)
# A lower level opens more starts, which pays where the first answer is far above the
# relaxation's bound (per-group 2,000: 24 at 0.2 against 12, 20 at 0.15), not near it
# (1,200: 29 at 0.2 against 24, 32 at 0.15 for 0.75 s of CPU before the rounds, which
# take 29 to 25): the next level is tried only while the best answer is above this
# multiple of the bound (session 10, round 2).
_NEAR_BOUND = 1.25
# Interior point to this tolerance, no crossover: the bound is read from the duals, and
# at 1e-2 it is within 0.05 of the relaxation's value in 21 iterations against 26.
_RELAXATION_OPTIONS = {
    "solve_relaxation": True,
    "solver": "ipm",
    "run_crossover": "off",
    "ipm_optimality_tolerance": 1e-2,
}
# Most one neighbourhood's round may take at first, in CPU seconds (doubled for a round
# each time it is cut short without gain); a round that finds nothing spends at most the
# limit proving it. With each round looking only for a better answer (session 7) the
# rounds that find nothing end in 0.1-0.6 s, and the one that takes per-group 1,200
# from 27 to 25 (a pattern of 263 starts) needs 2.0-2.2 s: with 2 s it was cut short,
# retried after a whole turn, and the proof came too late in some runs; with 3 s the
# phase is proven in 13.2 s (load 1.7) where 2 s took 17.4-18.1 s. On this machine that
# round now takes 2.8-3.0 s of CPU where it has a whole core (session 10, round 2): 3 s
# was at its edge.
# Seconds of the round's own thread's CPU, not of wall time (`_cpu_limited`, session 12):
# under load a wall-time limit cut that round at 0.8-2.5 s of CPU.
_ROUND_SECONDS = 4.0
# The rounds' first limit on the model with every option (the plan pays if-needed time the
# model without them cannot lose, or no first answer was found there): from plans paying
# 16-41 if-needed seats a weekday's round cut at 4 s took 4 s of the 4-6 s the phase had
# left (per-group 600 at sizes 45: 28,005 -> 10,986), cut at 1 s it gains about as much and
# the others get the rest (-> 4,169; per-group 300 at sizes 84: 5,507 -> 5,502). A round
# cut short is retried with twice its limit, as before.
_EVERY_OPTION_ROUND_SECONDS = 1.0
_REPAIR_SECONDS = 1.0
# Of the time left, what the first answer may take where the sizes are held above 0 (the
# deviations a dense row): per-group 600 at sizes 45 had none in 6.35 s (HiGHS found 49 in
# 27 s), where the rounds on the model with every option take the plan from 28,005 to
# 2,809 in 8.7 s of CPU. Where none is found, the rounds get the rest (small cohorts find
# theirs at once: per-group 100 at sizes 6 in 0.00 s).
_FIRST_ANSWER_SHARE = 0.1
_WEEKDAYS = 7
# The weekdays in a row a pattern's round frees at once (`_weekday_windows`): on
# per-group 1,200 from 27 no two weekdays of the 263-start pattern find 25 from 26, three
# do; the whole pattern (seven) took 2.7-3.3 s of CPU where its windows take 2.1 s.
_WINDOW_DAYS = 3


@dataclass
class CompactModel(CompactColumns):
    """The compact model's columns by meaning."""

    w: dict[tuple[int, int], int] = field(default_factory=dict)  # (class, start)
    y: dict[tuple[int, int], int] = field(default_factory=dict)  # (facilitator, start)
    g: dict[int, int] = field(default_factory=dict)  # start -> groups there
    e: dict[int, int] = field(default_factory=dict)  # start -> size deviation
    # the learners every group has where the sizes are held at 0 (else 0: sizes may deviate)
    exact_size: int = 0


@dataclass
class CompactOutcome:
    plan: Plan
    bound: int


def applies(problem: Problem) -> bool:
    """Per-group anchors, facilitated, no existing groups to join (no joins phase)."""
    return problem.params.per_group_anchor and problem.facilitated and not problem.existing


def build(problem: Problem, holds: dict[str, int], dearest: float = INF) -> CompactModel:
    """The compact model with the held placement and sizes, minimising preferences (with
    the options that cost less than `dearest` only)."""
    model = CompactModel()
    _group_columns(problem, model, dearest)
    _learner_columns(problem, model, holds, dearest)
    _start_rows(problem, model, holds.get("sizes", 0))
    _facilitator_rows(problem, model)
    return model


def _group_columns(problem: Problem, model: CompactModel, dearest: float) -> None:
    for f, options in enumerate(problem.facilitator_options):
        if problem.facilitator_capacity[f] > 0:
            for start, cost in sorted(options.items()):
                if cost < dearest:
                    model.y[f, start] = model.column(float(cost), 1, True)
    leaders: dict[int, dict[int, float]] = {}
    for (_f, start), col in model.y.items():
        leaders.setdefault(start, {})[col] = -1.0
    for start, terms in sorted(leaders.items()):
        model.g[start] = model.column(0.0, len(terms), True)
        model.row(0.0, 0.0, {model.g[start]: 1.0} | terms)


def _learner_columns(
    problem: Problem, model: CompactModel, holds: dict[str, int], dearest: float
) -> None:
    high = problem.params.learner_bounds()[1]
    everyone = holds.get("placed", 0) >= seats(problem)
    placed: dict[int, float] = {}
    for c, cls in enumerate(problem.classes):
        size, terms = len(cls.members), {}
        for start, cost in cls.options:
            if start in model.g and cost < dearest:
                col = model.column(float(cost), size, False)
                model.w[c, start], terms[col] = col, 1.0
                # a class's learners at a start need whole groups there
                link = {col: 1.0, model.g[start]: -float(min(size, high))}
                model.row(-INF, 0.0, link)
        model.row(size if everyone else -INF, size, terms)
        placed |= terms
    if not everyone:
        model.row(holds.get("placed", 0), INF, placed)


def _start_rows(problem: Problem, model: CompactModel, sizes: int) -> None:
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    learners: dict[int, dict[int, float]] = {start: {} for start in model.g}
    for (_c, start), col in model.w.items():
        learners[start][col] = 1.0
    deviations: dict[int, float] = {}
    for start, g in model.g.items():
        at = learners[start]
        if sizes == 0:  # every group at the target: no deviation columns needed
            model.exact_size = target
            model.row(0.0, 0.0, at | {g: -float(target)})
            continue
        model.row(0.0, INF, at | {g: -float(low)})
        model.row(-INF, 0.0, at | {g: -float(high)})
        # at most the held total (the duals' bound needs every column bounded)
        model.e[start] = model.column(0.0, float(sizes), False)
        model.row(0.0, INF, {model.e[start]: 1.0, g: float(target)} | _negated(at))
        model.row(0.0, INF, {model.e[start]: 1.0, g: -float(target)} | at)
        deviations[model.e[start]] = 1.0
    if deviations:
        model.row(-INF, float(sizes), deviations)


def _negated(terms: dict[int, float]) -> dict[int, float]:
    return {col: -value for col, value in terms.items()}


def _facilitator_rows(problem: Problem, model: CompactModel) -> None:
    by_facilitator: dict[int, dict[int, int]] = {}
    for (f, start), col in model.y.items():
        by_facilitator.setdefault(f, {})[start] = col
    for f, columns in sorted(by_facilitator.items()):
        capacity = float(problem.facilitator_capacity[f])
        model.row(-INF, capacity, dict.fromkeys(columns.values(), 1.0))
        for clique in overlap_cliques(problem, sorted(columns)):
            model.row(-INF, 1.0, {columns[s]: 1.0 for s in clique})


def warm_values(problem: Problem, model: CompactModel, plan: Plan) -> list[float] | None:
    """The plan as column values, or None if it uses an option the model lacks."""
    values = [0.0] * len(model.cost)
    class_of = {i: c for c, cls in enumerate(problem.classes) for i in cls.members}
    target = problem.params.target_learners()
    for start, members in plan.learners_at.items():
        for c, count in Counter(class_of[i] for i in members).items():
            if (c, start) not in model.w:
                return None
            values[model.w[c, start]] += count
    for start, leaders in plan.groups_at.items():
        for f in leaders:
            if (f, start) not in model.y:
                return None
            values[model.y[f, start]] = 1.0
        values[model.g[start]] = float(len(leaders))
        if start in model.e:
            gap = len(plan.learners_at.get(start, [])) - target * len(leaders)
            values[model.e[start]] = float(abs(gap))
    return values


def plan_from(problem: Problem, model: CompactModel, values: list[float]) -> Plan:
    """Concrete learners per start, each class's members in id order."""
    plan = Plan()
    for (f, start), col in sorted(model.y.items()):
        if round(values[col]):
            plan.groups_at.setdefault(start, []).append(f)
    queues = {c: list(cls.members) for c, cls in enumerate(problem.classes)}
    for (c, start), col in sorted(model.w.items()):
        count = round(values[col])
        if count:
            plan.learners_at.setdefault(start, []).extend(queues[c][:count])
            queues[c] = queues[c][count:]
    return plan


@dataclass
class Prepared:
    """The model without if-needed options for these holds, its relaxation, and the first
    answer found from it (`prepare`)."""

    holds: dict[str, int]
    model: CompactModel
    relaxation: _Relaxation
    plan: Plan | None  # None where the first answer was not found in time
    proof: _BoundProof | None  # started beside the first answer, as `solve` starts it

    def cancel(self) -> None:
        """Not to be gone on from: its proof stopped."""
        if self.proof is not None:
            self.proof.cancel()


class RelaxationAhead(OnThread):
    """The relaxation `prepare` (or `solve`) begins with for the holds every learner
    placed and the sizes at 0, asked before the heuristic (`ask_ahead`): the model is
    built here and its interior point run on a thread (HiGHS releases the GIL), so that on
    two cores it runs beside the heuristic, placement and the sizes' search, which came
    before it on one core (per-group 1,200: 1.0-1.2 s of CPU). The same model, options and
    seed: the same relaxation. Taken (`taken`) by the first phase whose holds are these,
    and by the next where it was not solved within the first's share; cancelled by a
    phase with other holds (`_relaxed`)."""

    def __init__(self, problem: Problem, seed: int, deadline: float) -> None:
        super().__init__()
        self.holds = {"placed": seats(problem), "sizes": 0}
        self.weight = problem.if_needed_weight()
        self.model = build(problem, self.holds, dearest=self.weight)
        self.seed, self.deadline = seed, deadline
        self.relaxation = _Relaxation(0)

    def taken(self, budget: float) -> tuple[CompactModel, _Relaxation]:
        """The model and its relaxation, waiting at most `budget` for it (the share the
        relaxation has where it starts in the phase). Not solved by then, it goes on
        (`going_on`) and the model has no relaxation yet: the sizes phase hands it on to
        the preferences phase, whose own would start from nothing (per-group 1,200 under
        load: cut at 3.6-4.2 s of its 4.4-5 s of CPU in the sizes phase, then again at
        1.6-2.0 s in the preferences phase, a 100 % gap)."""
        if not self.join(budget):
            return self.model, _Relaxation(0)
        return self.model, self.relaxation

    def going_on(self) -> bool:
        """Whether it is still being solved (not cancelled)."""
        return self.started() and not self.ended() and not self._cancelled

    def _solve(self) -> None:
        left = self.deadline - time.monotonic()
        self.relaxation = _relaxation(self.model, self.seed, left, self.weight, self.interrupt)


def ask_ahead(problem: Problem, seed: int, deadline: float) -> RelaxationAhead | None:
    """The relaxation for everyone placed and the sizes at 0 started on its thread, where
    the compact model applies and everyone can be placed, or None."""
    if not applies(problem) or placement_bound(problem) != seats(problem):
        return None
    return RelaxationAhead(problem, seed, deadline).start()


def prepare(
    problem: Problem,
    holds: dict[str, int],
    budget: float,
    seed: int,
    last: float,
    ahead: RelaxationAhead | None = None,
) -> Prepared | None:
    """The relaxation, proof and first answer `solve` would begin with, asked by the sizes
    phase with the size objective held at its bound: an answer is one at the bound (found
    where HiGHS's full model took per-group 1,200 1.0 s of CPU), and `solve` goes on
    from it with the model, the relaxation and the proof already under way (the proof
    runs until `last` at most). None where the relaxation was not solved; without a plan
    where the first answer was not found, or where the relaxation is infeasible (either
    way the relaxation still serves `solve` where the sizes phase ends at these holds)."""
    deadline = time.monotonic() + budget
    model, relaxation = _relaxed(problem, holds, budget, seed, ahead)
    if relaxation.infeasible:  # no answer without if-needed time: none to find here
        return Prepared(holds, model, relaxation, None, None)
    if relaxation.values is None:
        return None
    proof = _proof_beside(problem, model, seed, relaxation, last)
    highs, left = model.load(seed), deadline - time.monotonic()
    values = _first_answer(highs, model, relaxation.values, left, relaxation.bound)
    plan = None if values is None else plan_from(problem, model, values)
    return Prepared(holds, model, relaxation, plan, proof)


def _relaxed(
    problem: Problem,
    holds: dict[str, int],
    budget: float,
    seed: int,
    ahead: RelaxationAhead | None = None,
) -> tuple[CompactModel, _Relaxation]:
    """The model without if-needed options and its relaxation, within its share of the
    budget: the one asked `ahead` where its holds are these (else that one is stopped)."""
    if ahead is not None and ahead.holds == holds:
        return ahead.taken(budget * _RELAXATION_SHARE)
    if ahead is not None:
        ahead.cancel()
    weight = problem.if_needed_weight()
    model = build(problem, holds, dearest=weight)
    return model, _relaxation(model, seed, budget * _RELAXATION_SHARE, weight)


def solve(
    problem: Problem,
    holds: dict[str, int],
    plan: Plan,
    budget: float,
    seed: int,
    prepared: Prepared | None = None,
    ahead: RelaxationAhead | None = None,
) -> CompactOutcome:
    """Minimise preferences on the compact model within the budget, from the plan.

    On the model without if-needed options: the relaxation's bound, a first answer
    (HiGHS's feasibility jump) where the plan pays if-needed time, the weekdays'
    neighbourhoods until a whole turn of them gains nothing, then the whole model with
    what is left (small cohorts are proven there). Where that model has no answer, the
    model with every option, from the plan. Beside it all, on a thread, whether any
    answer costs at most the relaxation's bound (`_BoundProof`). The model and its
    relaxation are `prepared`'s where its holds are these, else the ones asked `ahead`
    where its holds are these."""
    began = time.monotonic()
    if prepared is not None and prepared.holds == holds:
        model, relaxation, proof = prepared.model, prepared.relaxation, prepared.proof
        if ahead is not None:
            ahead.cancel()
    else:
        if prepared is not None:
            prepared.cancel()
        model, relaxation = _relaxed(problem, holds, budget, seed, ahead)
        proof = _proof_beside(problem, model, seed, relaxation, began + budget)
    try:
        return _from_relaxation(
            problem, holds, plan, model, relaxation, proof, seed, began + budget
        )
    finally:
        if proof is not None:
            proof.cancel()


def _proof_beside(
    problem: Problem, model: CompactModel, seed: int, relaxation: _Relaxation, deadline: float
) -> _BoundProof | None:
    """The proof at the relaxation's bound started on its thread, or None where there is
    none to ask: at the if-needed weight an answer with if-needed time may cost the bound."""
    if relaxation.duals is None or relaxation.bound >= problem.if_needed_weight():
        return None
    return _BoundProof(model, seed, relaxation.duals, relaxation.bound, deadline).start()


def _from_relaxation(
    problem: Problem,
    holds: dict[str, int],
    plan: Plan,
    model: CompactModel,
    relaxation: _Relaxation,
    proof: _BoundProof | None,
    seed: int,
    deadline: float,
) -> CompactOutcome:
    """`solve` after the relaxation."""
    weight, bound = problem.if_needed_weight(), relaxation.bound
    highs = model.load(seed)
    values = warm_values(problem, model, plan)
    # the plan pays if-needed time; where the relaxation is infeasible (the sizes phase's,
    # handed on: per-group 1,200 at generator seeds 1201 and 1202) so is every answer here
    if values is None and not relaxation.infeasible:
        left = deadline - time.monotonic()
        if not model.exact_size:  # sizes held above 0: the rounds need the time (below)
            left *= _FIRST_ANSWER_SHARE
        values = _first_answer(highs, model, relaxation.values, left, bound)
    cap: float = weight  # the bound of the model without if-needed options, not the phase's
    seats: _SeatsBound | None = None
    if values is None:
        model, cap = build(problem, holds), INF
        highs = model.load(seed)
        values = warm_values(problem, model, plan)
        assert values is not None  # every option is a column
        if proof is not None:  # its question is about the other model
            proof.cancel()
            proof = None
        if bound >= weight:  # every answer pays if-needed time: how many seats at least
            seats = _SeatsBound(model, seed, weight, deadline).start()
    try:
        _for_rounds(highs)
        # the relaxation's duals fix columns of this model only, not of the one with every
        # option; with them, an answer 1 above the bound is settled by the proof on its
        # thread, which finds an answer at the bound if there is one or shows there is none
        # (per-group 1,200: 25 against 24 at 12.1 s of a 17.6-s share, the rounds then spent
        # 2.6 s showing 25 locally optimal, and the proof takes 4.3-9.4 s)
        duals = relaxation.duals if cap == weight else None
        enough = bound + 1 if duals is not None else bound
        if _score(model, values) > enough:
            # the proof's core, once it has ended, runs every other round (`_SpareCore`)
            spare = (
                None
                if proof is None
                else _SpareCore(proof.ended, lambda: _for_rounds(model.load(seed)))
            )
            # a round's first limit: shorter on the model with every option
            first = _ROUND_SECONDS if cap == weight else _EVERY_OPTION_ROUND_SECONDS
            values = _improve_by_neighbourhoods(
                problem, highs, model, values, deadline, enough, spare, first
            )
        if proof is not None and _score(model, values) == enough:
            values, bound = proof.settle(values, deadline)
        elif proof is not None:  # what it proved so far still holds
            proof.cancel()
            bound = proof.proved()
        left = deadline - time.monotonic()
        if _score(model, values) > bound and left >= LEAST_SECONDS:
            values, proven = _whole(highs, model, values, left, duals)
            bound = max(bound, round(min(proven, cap)))
        if seats is not None:
            bound = max(bound, seats.bound())
        return CompactOutcome(plan_from(problem, model, values), bound)
    finally:  # not left running on its core where the rounds fail
        if seats is not None:
            seats.cancel(wait=False)


def _for_rounds(highs: Any) -> Any:
    """This instance set up for the rounds and the final solve: every run there starts from
    an answer, and HiGHS's feasibility jump, which finishes before HiGHS looks at its time
    limit, only overran the rounds' limits (per-group 2,000: a 1.2-s round took 4.2 s)."""
    highs.setOptionValue("mip_heuristic_run_feasibility_jump", False)
    return highs


class _SeatsBound(OnThread):
    """Where the model without if-needed options has no answer, the bound is one seat's
    weight: per-group 300 across a clock change, placement and sizes held (293 of 300,
    sizes 84), bound 339 against answers of 5,507 (16 seats) and 2,461 (7 seats, HiGHS in
    66 s). Every answer's if-needed seats are whole and each costs at least the weight,
    so the least seats of the model's relaxation, rounded up, times the weight bound it:
    there 5.07 seats, so 6 (2,034; the relaxation of the preferences themselves is
    1,812.5). Read from the duals of a loose interior point solve (`dual_bound`, valid for
    any duals) on a thread beside the rounds (their second core is idle: no proof there);
    its answer is used only at the phase's end, so the rounds' answers do not depend on
    it."""

    def __init__(self, model: CompactModel, seed: int, weight: int, deadline: float) -> None:
        super().__init__()
        self.seed, self.weight, self.deadline = seed, weight, deadline
        counted = [1.0 if cost >= weight else 0.0 for cost in model.cost]
        self.model = CompactModel(counted, model.upper, model.integer, model.rows)
        self.seats = 1  # the model without if-needed options has no answer

    def bound(self) -> int:
        """The weight times the least seats, waiting for them until the phase's deadline
        at most."""
        if not self.join(max(self.deadline - time.monotonic(), 0.0)):
            self.cancel()  # cut by the clock: one seat
            return self.weight
        return self.weight * self.seats

    def _solve(self) -> None:
        left = self.deadline - time.monotonic()
        # the cap: more seats than columns' worth is never the answer (an infeasible
        # relaxation, which the plan itself rules out, is read as one seat)
        most = int(sum(self.model.upper))
        relaxed = _relaxation(self.model, self.seed, left, most, self.interrupt)
        if not relaxed.infeasible:
            self.seats = max(self.seats, relaxed.bound)


class _BoundProof(OnThread):
    """The question the final proof asks when the answer is one above the relaxation's
    bound, "is there an answer costing at most the bound?", asked on a HiGHS instance of
    its own on a thread started right after the relaxation (HiGHS releases the GIL), so
    that on two cores it runs beside the first answers and the rounds: per-group 1,200's
    proof (4.1-4.4 s) came after rounds of 5 s. It depends only on the duals and the
    bound, so the rounds' answers do not depend on it; `settle` joins it once the rounds
    reach the bound plus 1, `cancel` interrupts it (at HiGHS's next interrupt check) and
    `proved` is the bound as far as it proved it. Asked first as an LP with cuts of its own
    (`_above_by_cuts`: per-group 1,200's in 1.5-1.8 s of CPU), then by HiGHS's MIP."""

    def __init__(
        self, model: CompactModel, seed: int, duals: list[float], bound: int, deadline: float
    ) -> None:
        super().__init__()
        self.model, self.seed, self.duals, self.bound = model, seed, duals, bound
        self.deadline = deadline
        self.infeasible = False  # no answer costs at most the bound
        self.found: list[float] | None = None  # an answer at the bound (optimal)

    def settle(self, values: list[float], deadline: float) -> tuple[list[float], int]:
        """With an answer at the bound plus 1: wait for the proof (until the phase's
        `deadline`) and return the answer and the bound it leaves."""
        if not self.join(max(deadline - time.monotonic(), 0.0)):
            self.cancel()  # cut by the clock: the bound stays
            return values, self.proved()
        if self.infeasible:
            return values, self.bound + 1
        if self.found is not None and _score(self.model, self.found) <= self.bound:
            return self.found, self.bound
        return values, self.bound

    def proved(self) -> int:
        """The bound as far as the proof has shown it (read once it is joined)."""
        return self.bound + 1 if self.infeasible else self.bound

    def _solve(self) -> None:
        import highspy

        model = self.model
        at_zero, at_upper = fixed_by_reduced_costs(model, self.duals, self.bound)
        left = self.deadline - time.monotonic()
        if _above_by_cuts(model, at_zero, self.bound, self.seed, left, self.interrupt):
            self.infeasible = True
            return
        highs = model.load(self.seed)
        _fix(highs, model, at_zero, at_upper)
        highs.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        highs.setOptionValue("mip_lp_solver", "ipm")  # as `_whole`'s root
        highs.setOptionValue("time_limit", max(self.deadline - time.monotonic(), LEAST_SECONDS))
        watch = _AtFirstAnswer(highs)  # any answer at most the bound is optimal
        highs.cbMipImprovingSolution.subscribe(watch.improving)
        for callback in (highs.cbMipInterrupt, highs.cbIpmInterrupt, highs.cbSimplexInterrupt):
            callback.subscribe(self.interrupt)
        with _better_than(highs, model, self.bound + 1):
            if not self._cancelled:
                highs.run()
            status = highs.getModelStatus()
            self.infeasible = status == highspy.HighsModelStatus.kInfeasible
            if not self.infeasible and not self._cancelled:
                self.found = _answer(highs, model, _REPAIR_SECONDS)


def _above_by_cuts(
    model: CompactModel,
    at_zero: list[int],
    bound: int,
    seed: int,
    budget: float,
    interrupt: Callable[[Any], None] | None = None,
) -> bool:
    """Whether every answer of the model with the columns `at_zero` held at 0 costs more
    than `bound`, as its relaxation with `_full_start_cuts` shows (False where there are
    none, or it is not solved): the bound read from its duals (`dual_bound`, valid for
    any duals), or the relaxation infeasible.

    Per-group 1,200's question at 24: the relaxation with the 13,280 columns at 0 is
    23.65, with its 3,585 cuts 24.18, so no answer costs 24 (1.5-1.8 s of CPU, where
    HiGHS's MIP took 7.7-8.6 s for its root and one round of its own cuts, session 14)."""
    cuts = _full_start_cuts(model, at_zero)
    if not cuts:
        return False
    zero = set(at_zero)
    upper = [0.0 if col in zero else most for col, most in enumerate(model.upper)]
    question = CompactModel(model.cost, upper, model.integer, [*model.rows, *cuts])
    return _relaxation(question, seed, budget, bound + 1, interrupt).bound > bound


def _full_start_cuts(
    model: CompactModel, at_zero: list[int]
) -> list[tuple[float, float, list[int], list[float]]]:
    """Rows every answer keeps where every group has exactly `exact_size` learners and
    the columns `at_zero` are held at 0.

    A start `t` whose classes can seat exactly that many learners has at most one group,
    and a group there takes every one of them (each class's column is at most its size).
    Then a start `s` sharing a class with `t` has only its other classes' learners left
    (`rest`): fewer than a group, `g[s] + g[t] <= 1`; exactly a group, both open only
    with each of those classes whole at `s`, `g[s] + g[t] - w[c,s] / |c| <= 1` (with
    fewer than two groups' learners at `s`, `g[s]` is at most 1). The relaxation has
    neither: per-group 1,200's opens `t` by 0.64 and `s` whole with a fifth of the
    class it needs there."""
    size = model.exact_size
    if not size:
        return []
    zero = set(at_zero)
    classes: dict[int, dict[int, float]] = {}  # start -> class -> its size
    for (c, start), col in model.w.items():
        if col not in zero and model.g[start] not in zero:
            classes.setdefault(start, {})[c] = model.upper[col]
    starts_of: dict[int, set[int]] = {}
    for start, there in classes.items():
        for c in there:
            starts_of.setdefault(c, set()).add(start)
    cuts = []
    for t, full in classes.items():
        if sum(full.values()) != size:
            continue
        for s in sorted(set().union(*(starts_of[c] for c in full)) - {t}):
            there = classes[s]
            if sum(there.values()) >= 2 * size:
                continue
            rest = {c: seats for c, seats in there.items() if c not in full}
            pair = {model.g[s]: 1.0, model.g[t]: 1.0}
            if sum(rest.values()) < size:
                cuts.append((-INF, 1.0, list(pair), list(pair.values())))
            elif sum(rest.values()) == size:
                for c, seats in rest.items():
                    terms = pair | {model.w[c, s]: -1.0 / seats}
                    cuts.append((-INF, 1.0, list(terms), list(terms.values())))
    return cuts


class _AtFirstAnswer:
    """Stops HiGHS once it has an answer, by ending its time limit: its interrupt callback
    is first called when the root relaxation is solved (per-group 1,200: 18 s by dual
    simplex after a first answer at 3.8 s), and an interrupt asked for in the improving
    solution callback is ignored. The limit is read again within the root's simplex:
    HiGHS stops 0.2-0.3 s after the answer."""

    def __init__(self, highs: Any) -> None:
        self.highs = highs

    def improving(self, _event: Any) -> None:
        self.highs.setOptionValue("time_limit", 0.0)


def _first_answer(
    highs: Any, model: CompactModel, relaxed: list[float] | None, budget: float, bound: int
) -> list[float] | None:
    """HiGHS's first answer (its feasibility jump's), or None if it has none within the
    budget: the best with groups only where the relaxation opens them (`_within`; the
    relaxation's `bound`), and where none has an answer, on the whole model."""
    began = time.monotonic()
    best = None if relaxed is None else _within(highs, model, relaxed, budget, bound)
    if best is not None:
        return best
    return _stopped_at_first_answer(highs, model, budget - (time.monotonic() - began))


def _within(
    highs: Any, model: CompactModel, relaxed: list[float], budget: float, bound: int
) -> list[float] | None:
    """The best first answer with groups only at the starts the relaxation opens at
    least a given part of a group (`_OPENED_LEVELS` in turn, while the best is above
    `_NEAR_BOUND` times the relaxation's `bound` and the time left is three times the
    last try's), or None (each level without one is found in 0.1 s)."""
    began, best = time.monotonic(), None
    for level in _OPENED_LEVELS:
        tried = time.monotonic()
        left = budget - (tried - began)
        _close(highs, model, [start for start, col in model.g.items() if relaxed[col] < level])
        found = _stopped_at_first_answer(highs, model, left)
        _free_groups(highs, model)
        if found is not None and (best is None or _score(model, found) < _score(model, best)):
            best = found
        took = time.monotonic() - tried
        if best is not None and (
            _score(model, best) <= _NEAR_BOUND * bound or left - took < 3 * took
        ):
            break
    return best


def _close(highs: Any, model: CompactModel, starts: list[int]) -> None:
    """No group at these starts (until `_free_groups`)."""
    import numpy as np

    closed = set(starts)
    columns = [col for (_f, start), col in model.y.items() if start in closed]
    columns += [model.g[start] for start in starts]
    zeros = np.zeros(len(columns))
    highs.changeColsBounds(len(columns), np.array(columns, dtype=np.int32), zeros, zeros)


def _stopped_at_first_answer(highs: Any, model: CompactModel, budget: float) -> list[float] | None:
    watch = _AtFirstAnswer(highs)
    highs.cbMipImprovingSolution.subscribe(watch.improving)
    highs.setOptionValue("time_limit", max(budget, LEAST_SECONDS))
    highs.run()
    highs.cbMipImprovingSolution.unsubscribe(watch.improving)
    return _answer(highs, model, _REPAIR_SECONDS)


@dataclass
class _Relaxation:
    bound: int
    values: list[float] | None = None  # its answer, if solved
    duals: list[float] | None = None  # its row duals, if solved
    infeasible: bool = False  # so is every answer of its model


def _relaxation(
    model: CompactModel,
    seed: int,
    budget: float,
    weight: int,
    interrupt: Callable[[Any], None] | None = None,
) -> _Relaxation:
    """The relaxation's bound, capped at the if-needed weight (the model has no if-needed
    options, and an answer that uses one costs at least that), or 0 if not found.

    By interior point to a loose tolerance, without crossover, on an instance of its own,
    and the bound read from its row duals (`dual_bound`), valid for any duals: per-group
    1,200 23.60 in 3.7 s where HiGHS's MIP took 7.5-11 s to its root (23.63), 2,000 11.98
    in 8.9 s against 14-20 s."""
    import highspy

    highs = model.load(seed)
    for option, value in _RELAXATION_OPTIONS.items():
        highs.setOptionValue(option, value)
    highs.setOptionValue("time_limit", max(budget, LEAST_SECONDS))
    if interrupt is not None:  # on a thread: stopped when cancelled
        for callback in (highs.cbIpmInterrupt, highs.cbSimplexInterrupt):
            callback.subscribe(interrupt)
    highs.run()
    if highs.getModelStatus() == highspy.HighsModelStatus.kInfeasible:  # so is every answer
        return _Relaxation(weight, infeasible=True)
    solution = highs.getSolution()
    if not solution.dual_valid:  # at a loose tolerance the status is "unknown"
        return _Relaxation(0)
    bound = max(min(dual_bound(model, list(solution.row_dual)), weight), 0)
    values = list(solution.col_value) if solution.value_valid else None
    return _Relaxation(bound, values, list(solution.row_dual))


def dual_bound(model: CompactModel, duals: list[float]) -> int:
    """The Lagrangian bound of these row duals, rounded up (the objective is integral).

    For duals `y` signed as the rows' bounds allow (a dual that would need an infinite
    bound is taken as 0), every answer costs at least `sum_i y_i b_i + sum_j min(0, d_j
    u_j)` with `d = c - A'y` and `b_i` the row's bound the dual's sign picks: each
    column lies in [0, u_j]. So an approximate solve's duals bound the model too."""
    least, _reduced = _least_cost(model, duals)
    return math.ceil(least - 1e-6) if math.isfinite(least) else 0


def _least_cost(model: CompactModel, duals: list[float]) -> tuple[float, Any]:
    """The Lagrangian bound of these duals (`dual_bound`), unrounded, and the reduced
    costs `d` it rests on."""
    import numpy as np

    low = np.array([row[0] for row in model.rows])
    high = np.array([row[1] for row in model.rows])
    y = np.array(duals, dtype=np.float64)
    y[(y > 0) & np.isinf(low)] = 0.0
    y[(y < 0) & np.isinf(high)] = 0.0
    side = np.where(y > 0, low, high)
    value = float(np.sum(y[y != 0] * side[y != 0]))
    at, columns, values = model.entries()
    reduced = np.array(model.cost) - np.bincount(columns, values * y[at], len(model.cost))
    upper = np.array(model.upper, dtype=np.float64)
    negative = reduced < 0
    value += float(np.sum(reduced[negative] * upper[negative]))
    return value, reduced


def fixed_by_reduced_costs(
    model: CompactModel, duals: list[float], target: int
) -> tuple[list[int], list[int]]:
    """The columns no answer costing at most `target` can move off a bound: (those at 0,
    those at their upper bound).

    Every answer costs at least the duals' bound `L` plus `d_j x_j` for each column with
    `d_j > 0` and `|d_j| (u_j - x_j)` for each with `d_j < 0` (see `dual_bound`), and
    every column of some answer of each cost is whole (the learners': with the groups
    fixed theirs is a transportation problem; the size deviations at their least), so
    moves by 1 or not at all: where `|d_j| > target -
    L` it stays at its bound. Per-group 1,200 (bound 23.60, target 24): 13,280 of 28,389
    columns at 0."""
    import numpy as np

    least, reduced = _least_cost(model, duals)
    slack = target - least
    return (
        [int(col) for col in np.nonzero(reduced > slack + 1e-9)[0]],
        [int(col) for col in np.nonzero(-reduced > slack + 1e-9)[0]],
    )


def _whole(
    highs: Any,
    model: CompactModel,
    values: list[float],
    budget: float,
    duals: list[float] | None = None,
) -> tuple[list[float], float]:
    """The whole model from these values, looking only for a better answer: the better
    answer, and the least any answer costs as far as HiGHS proved (at most the
    answer's). With the relaxation's `duals`, the columns no better answer can move are
    fixed first (`fixed_by_reduced_costs`; per-group 1,200, target 24: 13,280 of
    28,389 columns), and with the objective held below the answer (`_better_than`),
    HiGHS proves per-group 1,200's 25 optimal in 4.3-9.4 s at load 3-4 (its root
    relaxation, then one round of cuts; with `objective_bound` instead of the row,
    24-41 s), where the whole model's root cuts alone reach 24.35 in 80 s."""
    import highspy

    score = _score(model, values)
    _free_groups(highs, model)
    if duals is not None:
        _fix(highs, model, *fixed_by_reduced_costs(model, duals, score - 1))
    highs.setOptionValue("time_limit", max(budget, LEAST_SECONDS))
    # its root by interior point: per-group 1,200's proof took 4.3-6.5 s, 7.5-9.4 s with
    # the dual simplex (the root is most of it: one round of cuts closes it)
    highs.setOptionValue("mip_lp_solver", "ipm")
    with _better_than(highs, model, score):
        highs.run()
        highs.setOptionValue("mip_lp_solver", "choose")
        if highs.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            proven: float = score  # nothing better than the answer
        else:
            proven = min(_bound(highs), score)
        found = _answer(highs, model, _REPAIR_SECONDS)
    _free_columns(highs, model)
    if found is not None and _score(model, found) < score:
        return found, proven
    return values, proven


def _fix(highs: Any, model: CompactModel, at_zero: list[int], at_upper: list[int]) -> None:
    import numpy as np

    columns = np.array([*at_zero, *at_upper], dtype=np.int32)
    upper = np.array([model.upper[col] for col in at_upper], dtype=np.float64)
    values = np.concatenate([np.zeros(len(at_zero)), upper])
    highs.changeColsBounds(len(columns), columns, values, values)


def _free_columns(highs: Any, model: CompactModel) -> None:
    """Every column back to its whole range."""
    import numpy as np

    count = len(model.cost)
    upper = np.array(model.upper, dtype=np.float64)
    highs.changeColsBounds(count, np.arange(count, dtype=np.int32), np.zeros(count), upper)


def _free_groups(highs: Any, model: CompactModel) -> None:
    """Every group column back to its whole range."""
    import numpy as np

    groups = np.array([*model.y.values(), *model.g.values()], dtype=np.int32)
    upper = np.array([model.upper[col] for col in groups], dtype=np.float64)
    highs.changeColsBounds(len(groups), groups, np.zeros(len(groups)), upper)


def _score(model: CompactModel, values: list[float]) -> int:
    return round(sum(cost * values[col] for col, cost in enumerate(model.cost) if cost))


def _improve_by_neighbourhoods(
    problem: Problem,
    highs: Any,
    model: CompactModel,
    values: list[float],
    deadline: float,
    bound: int,
    spare: _SpareCore | None = None,
    limit: float | None = None,
) -> list[float]:
    """Re-solve one neighbourhood's groups at a time, every other group fixed (learners
    free): a weekday's, then a daylight-saving pattern's (`_neighbourhoods`); a day's
    model is solved in 0.3-2 s on per-group 1,200 where the whole one proves nothing in
    a minute. In turn until every round is proven to find nothing better than the answer.
    A proven round is not tried again until the answer changes (per-group 1,200 spent
    4.7 s of its 18-s share re-proving 13 rounds to retry the one cut short), and a round
    cut short without gain gets twice its limit next time (that one, a pattern of 263
    starts, needed 2.2-4 s to take 27 to 25).

    Once the `spare` core is free, the next two rounds run at once from the same answer,
    the second on its instance: the first's gain is taken before the second's, and a
    second begun from an answer since replaced is dropped (and run again from the new
    one), so the answers are those of one round at a time (each round's depends only on
    its neighbourhood and the answer: `_round`)."""
    rounds = _neighbourhoods(problem, model)
    limits = [_ROUND_SECONDS if limit is None else limit] * len(rounds)
    settled: set[int] = set()  # the rounds proven to find nothing better than `values`
    cursor = 0  # the round to try next
    while len(settled) < len(rounds):
        left = deadline - time.monotonic()
        if _score(model, values) <= bound or left < LEAST_SECONDS:
            break
        beside = None if spare is None else spare.instance()
        batch = _unsettled_from(cursor, len(rounds), settled, 1 if beside is None else 2)
        tries = [(rounds[index], limits[index]) for index in batch]
        for index, (found, proven) in zip(
            batch, _batch_of_rounds(highs, beside, model, values, tries, left), strict=True
        ):
            cursor = index + 1
            if found is not None and _score(model, found) < _score(model, values):
                values, settled = found, set()
                break  # the batch's later round began from the answer just replaced
            if proven:
                settled.add(index)
            else:
                limits[index] *= 2
    return values


def _unsettled_from(cursor: int, count: int, settled: set[int], most: int) -> list[int]:
    """Up to `most` of the rounds not settled, in turn from `cursor` (round the end)."""
    ahead = ((cursor + step) % count for step in range(count))
    return [index for index in ahead if index not in settled][:most]


def _batch_of_rounds(
    highs: Any,
    beside: Any,
    model: CompactModel,
    values: list[float],
    tries: list[tuple[set[int], float]],
    within: float,
) -> list[tuple[list[float] | None, bool]]:
    """Each try's round (its starts and CPU limit) from these values, `within` seconds
    of wall time: the first on `highs` here, a second on `beside` on a thread of its
    own."""
    second = None
    if len(tries) > 1:
        second = _RoundBeside(beside, model, values, *tries[1], within).start()
    try:
        outcomes = [_round(highs, model, values, *tries[0], within=within)]
    finally:
        if second is not None:
            second.join()
    return outcomes if second is None else [*outcomes, second.outcome]


@dataclass
class _SpareCore:
    """The second core for the rounds: per-group 1,200's proof (`_BoundProof`) ends 2-3 s
    before the rounds do, and the core is idle after it. Its HiGHS instance (`make`) is
    loaded the first time `free` says so."""

    free: Callable[[], bool]
    make: Callable[[], Any]
    highs: Any = None

    def instance(self) -> Any:
        """The spare instance, or None while the core is still busy."""
        if self.highs is None and self.free():
            self.highs = self.make()
        return self.highs


class _RoundBeside(OnThread):
    """One neighbourhood's round (`_round`) on a thread, with a HiGHS instance of its own
    (HiGHS releases the GIL). It ends at its own limits."""

    def __init__(
        self,
        highs: Any,
        model: CompactModel,
        values: list[float],
        starts: set[int],
        budget: float,
        within: float,
    ) -> None:
        super().__init__()
        self.highs, self.model, self.values = highs, model, values
        self.starts, self.budget, self.within = starts, budget, within
        self.outcome: tuple[list[float] | None, bool] = (None, False)

    def _solve(self) -> None:
        self.outcome = _round(
            self.highs, self.model, self.values, self.starts, self.budget, within=self.within
        )


def _neighbourhoods(problem: Problem, model: CompactModel) -> list[set[int]]:
    """The starts of each weekday, then of each daylight-saving pattern (the starts
    whose meetings keep the same offsets from the first: per-group 1,200 has 7), a
    pattern over more weekdays than `_WINDOW_DAYS` in windows of that many weekdays in a
    row (`_weekday_windows`) and, after every window, whole. From per-group 1,200's first
    answer (29), where every weekday's model and every pattern's proves 29 within 1.2 s
    (load 2), pattern neighbourhoods given 2.4-4.4 s find 27 and 25."""
    by_day: dict[int, set[int]] = {}
    by_pattern: dict[tuple[int, ...], set[int]] = {}
    day_of: dict[int, int] = {}
    for start in model.g:
        info = problem.catalog.starts[start]
        day_of[start] = info.start.weekday
        by_day.setdefault(info.start.weekday, set()).add(start)
        offsets = tuple(minute - info.minutes[0] for minute in info.minutes)
        by_pattern.setdefault(offsets, set()).add(start)
    rounds = [by_day[day] for day in sorted(by_day)]
    if len(by_pattern) > 1:
        patterns = [by_pattern[key] for key in sorted(by_pattern)]
        for pattern in patterns:
            rounds += [
                window
                for window in _weekday_windows(pattern, day_of)
                if window not in rounds  # a weekday's own starts: its round is there
            ]
        # last, each pattern split into windows whole: an answer that moves groups across
        # more weekdays than a window holds is still within reach once the windows have
        # settled (per-group 1,200 reaches its optimum before them)
        rounds += [pattern for pattern in patterns if pattern not in rounds]
    return rounds


def _weekday_windows(starts: set[int], day_of: dict[int, int]) -> list[set[int]]:
    """These starts (one pattern's) on each `_WINDOW_DAYS` weekdays in a row, round the
    week's end, each window once and none within another; all of them in one where they
    lie on no more weekdays than that.

    Per-group 1,200's pattern of 263 starts (on all seven weekdays) took its answer from
    27 to 25 in one round of 2.7-3.3 s of CPU; from 27 its weekdays 1-3 or 2-3 alone find
    26 (0.2-0.7 s) and from there 1-3 or 2-4 find 25 (0.65-0.8 s), where no two weekdays
    do (0.15-1.0 s each, nothing): in the run its windows take 27 to 25 in 2.1 s."""
    if len({day_of[start] for start in starts}) <= _WINDOW_DAYS:
        return [starts]
    windows: list[set[int]] = []
    for first in range(_WEEKDAYS):
        span = {(first + step) % _WEEKDAYS for step in range(_WINDOW_DAYS)}
        window = {start for start in starts if day_of[start] in span}
        if window and window not in windows:
            windows.append(window)
    return [window for window in windows if not any(window < other for other in windows)]


def _round(
    highs: Any,
    model: CompactModel,
    values: list[float],
    starts: set[int],
    budget: float,
    within: float | None = None,
) -> tuple[list[float] | None, bool]:
    """The model with group columns free only at these starts: its answer, and whether
    HiGHS finished (proved it) within `budget` seconds of this thread's CPU (`_cpu_limited`)
    and `within` seconds of wall time (the budget where not given)."""
    import highspy
    import numpy as np

    # no solution or basis from the instance's earlier runs: the answer depends only on
    # the neighbourhood and `values`, whichever instance runs it (`_SpareCore`)
    highs.clearSolver()
    groups = [*model.y.items(), *((("g", s), col) for s, col in model.g.items())]
    columns = np.array([col for _key, col in groups], dtype=np.int32)
    lower, upper = [], []
    for (_who, start), col in groups:
        if start in starts:
            lower.append(0.0)
            upper.append(model.upper[col])
        else:
            lower.append(float(round(values[col])))
            upper.append(float(round(values[col])))
    highs.changeColsBounds(len(columns), columns, np.array(lower), np.array(upper))
    highs.setOptionValue("time_limit", max(budget if within is None else within, LEAST_SECONDS))
    # only a better answer is worth looking for: HiGHS prunes every node that cannot
    # beat it by 1 (the objective is integral). From 29 on per-group 1,200 the rounds
    # reach 27 in 2.8-5.7 s instead of 12 s (with the objective as a row, `_better_than`,
    # 12.4 s). HiGHS 1.16 applies the bound in its presolved space (it returned answers
    # above it on small cohorts with sizes held above 0), so a round's answer is checked
    # by its score and the bound's proofs are left to `_whole`. No start: the answer is
    # above the bound.
    score = _score(model, values)
    highs.setOptionValue("objective_bound", score - 0.5)
    with _cpu_limited(highs, budget):
        highs.run()
    highs.setOptionValue("objective_bound", INF)
    # "infeasible": nothing better than the answer (which the neighbourhood holds)
    done = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible)
    proven = highs.getModelStatus() in done
    found = _answer(highs, model, budget)
    if found is not None and _score(model, found) >= score:  # the bound misapplied
        return None, proven  # finished: trying again finds the same
    return found, proven


@contextmanager
def _cpu_limited(highs: Any, seconds: float) -> Iterator[None]:
    """HiGHS's MIP stopped (at its next interrupt check) once the calling thread has spent
    `seconds` of CPU in it. A round's limit in wall time shrank with the machine's load:
    at load 7 a 4-s round got 0.8 s of CPU (per-group 1,200's pattern round that takes 27
    to 25 needs 2.7-3 s), was cut, and ran again from nothing with twice the limit; in CPU
    the same round gets the same work at any load, so where it ends depends much less on
    the load (HiGHS's interrupt checks lie between the steps of its MIP, so it may run on
    to the end of a step, as it does past a wall-time limit)."""
    until = time.thread_time() + seconds

    def check(event: Any) -> None:
        event.interrupt(time.thread_time() > until)

    highs.cbMipInterrupt.subscribe(check)
    try:
        yield
    finally:
        highs.cbMipInterrupt.unsubscribe(check)


@contextmanager
def _better_than(highs: Any, model: CompactModel, score: int) -> Iterator[None]:
    """HiGHS looking only for an answer better than `score`: a row holds the objective
    at most `score - 1` (it is integral) while in the block, so "infeasible" proves
    nothing better exists. A row, not HiGHS's `objective_bound`, which 1.16 applies in
    its presolved space (it returned answers above the bound on small cohorts). No
    start either: the answer is above the bound, and 1.16 maps a start into its
    presolved space with the wrong objective (a start of 76 on a small cohort became 7,
    "optimal", where the optimum is 11)."""
    first = highs.getNumRow()
    costs = [(col, cost) for col, cost in enumerate(model.cost) if cost]
    columns, values = [col for col, _ in costs], [cost for _, cost in costs]
    add_rows(highs, [(-INF, float(score - 1), columns, values)])
    try:
        yield
    finally:
        delete_rows_from(highs, first)


def _bound(highs: Any) -> int:
    """HiGHS's proven bound rounded up (the objective is integral), or 0."""
    dual = highs.getInfo().mip_dual_bound
    return math.ceil(dual - 1e-6) if math.isfinite(dual) else 0


def _answer(highs: Any, model: CompactModel, left: float) -> list[float] | None:
    """HiGHS's answer with whole learner counts (repaired with the groups fixed)."""
    if highs.getInfo().primal_solution_status != 2:  # 2 = feasible
        return None
    values = list(highs.getSolution().col_value)
    learners = list(model.w.values())
    if all(abs(values[col] - round(values[col])) <= 1e-6 for col in learners):
        return values
    return _repaired(highs, model, values, max(left, _REPAIR_SECONDS))


def _repaired(
    highs: Any, model: CompactModel, values: list[float], budget: float
) -> list[float] | None:
    """Fix every group column, make the learners integral and solve again (a network:
    nearly all presolve)."""
    import numpy as np

    groups = np.array([*model.y.values(), *model.g.values()], dtype=np.int32)
    fixed = np.array([float(round(values[col])) for col in groups])
    highs.changeColsBounds(len(groups), groups, fixed, fixed)
    learners = list(model.w.values())
    change_integrality(highs, learners, True)
    highs.setOptionValue("time_limit", budget)
    highs.run()
    change_integrality(highs, learners, False)
    _free_groups(highs, model)  # or a later whole solve would bound this answer only
    if highs.getInfo().primal_solution_status != 2:
        return None
    return [float(round(value)) for value in highs.getSolution().col_value]
