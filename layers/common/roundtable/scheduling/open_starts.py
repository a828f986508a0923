"""A preferences bound that sees how few groups the held sizes leave.

The preference relaxation seats everyone at a cheapest start with a fraction of a group
there; whole groups are what it misses. On the issue-20 sweep's peer 100 cohort the
held sizes (14, with 100 learners and a target of 6) allow at most 19 groups, and 19
groups cannot meet at every learner's regular time: three learners must meet on
if-needed time (3 x 101 + 60 shifts = 363), where the relaxation says 59.

So the learners' part is bounded on a smaller model: integral groups per start, at most
`most` in all (the most new groups any answer keeping the held phases can have), each
holding between the smallest and the largest group's learners, and every placed learner
paying for the start they sit at, and the size rows where the sizes are held.
Facilitators and overlaps are left out. Every answer keeping the held phases is a
solution, so its bound, plus the least the leaders pay, bounds the phase; in a peer
cohort it is the phase's own model, and its answer a whole answer (`answer_values`).
With the groups fixed, seating the learners is a network flow, so the learners need not
be integral.

The preference cost is itself lexicographic (an if-needed seat costs more than every
shift together), and so is this bound: first the fewest if-needed seats `a` (a coarse
objective, on which far fewer starts matter), then the least cost with exactly `a`
(an answer with more pays at least one more if-needed seat). Only for cohorts without
existing groups: a learner joining one sits at no start of this model. The solver
tries it in peer cohorts only (`applies`).

Both steps took 3-22 s each on peer 100 (depending on the load), mostly proving the
if-needed seats. A cover proves them first (`_cover`): at most `most` starts open, each
learner paying the cheapest open start they can attend, without group sizes; a binary
per start and a column per class and price level, 143 columns on peer 100, where it
proves the whole cost, 363, in 0.6-1.7 s. Then only an answer at that bound is sought,
with exactly its if-needed seats, HiGHS stopped as soon as it has one (`_at_cover`):
first with groups only at the starts of the covers a few swaps from the cover's own
(`_near_answer`, 0.2-0.4 s on peer 100), then anywhere (2-5 s there). Where the cover
counts no if-needed seat, step (b) with none is asked at once (`_without_if_needed`):
whole groups can still force dearer shifts than the cover and the relaxation see (peer
100 at generator seed 102: 59 against 53).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from roundtable.scheduling.formulation import Formulation
from roundtable.scheduling.highs import Stopper
from roundtable.scheduling.highs_model import OnThread, change_integrality, new_instance
from roundtable.scheduling.problem import Problem

_SLACK = 1e-6  # HiGHS's bound this far above a whole number still rounds down
_SEED = 0  # HiGHS's own default: the model's answers stay as they were
# HiGHS's seed for the fewest seats on their own thread (`FewestAhead`): sparse 1,200 proves
# 27 in 1.28 s of CPU at seed 1, 4.53 at seed 0 (1,202: 26 in 2.83 / 3.82 s)
_AHEAD_SEED = 1
# Of the bound's budget, what the cover may take at most (peer 100: 0.6-1.7 s of 16-17 s):
# cut short it still bounds, and the two steps it is meant to spare keep the rest.
_COVER_SHARE = 0.5

Cost = Callable[[int], int]
Interrupt = Callable[[Any], None]  # HiGHS's interrupt callback


@dataclass(frozen=True)
class OpenStartsBound:
    value: int  # least the learners pay in any answer within the model's limits
    if_needed: int  # least if-needed seats among them
    # the answer of step (b), where it found one: learners per (class, start) and groups
    # per start; with the size rows, in a peer cohort a whole answer
    seats: dict[tuple[int, int], int] = field(default_factory=dict)
    groups: dict[int, int] = field(default_factory=dict)


def most_new_groups(problem: Problem, new_learners: int, held_sizes: int | None) -> int:
    """Most new groups an answer placing `new_learners` in them can have: each holds at
    least the smallest group, and with the size objective held at S, t·G − P ≤ S
    (Σ_s |x_s − t·G_s| ≥ Σ_s (t·G_s − x_s) = t·G − P)."""
    low = max(problem.params.learner_bounds()[0], 1)
    most = new_learners // low
    if held_sizes is not None:
        most = min(most, (new_learners + held_sizes) // problem.params.target_learners())
    if problem.facilitated:
        most = min(most, sum(max(capacity, 0) for capacity in problem.facilitator_capacity))
    return most


def applies(problem: Problem) -> bool:
    """Whether the phase tries the bound: in peer cohorts only. With leaders left out it
    is weak where groups need them (typical 100: 174 plus the leaders' least, against the
    relaxation's 183), and its 4-5 s there were the time the dive and HiGHS need (0.5 %
    gap before, 38.9 % with it, load 4.5)."""
    return not problem.existing and not problem.facilitated


def learner_bound(
    problem: Problem,
    placed: int,
    most: int,
    weight: int,
    budget: float,
    sizes: int | None,
    ahead: CoverAhead | None = None,
) -> OpenStartsBound | None:
    """Least the `placed` learners pay in at most `most` new groups, where an if-needed
    seat costs `weight` more than every shift together; None if HiGHS proves nothing
    within `budget` seconds (or no answer fits the limits, which the caller's refutes).
    With `sizes` (the held size objective) the size rows too: no weaker, and on peer 100
    step (b) took 3.8 s with them against 4.9-6.3 s without, its answer a whole one.

    First the cover's bound (`_cover`: at most `most` starts open, each learner paying
    their cheapest open one), then an answer at it with exactly its if-needed seats;
    where the cover counts none, the least shifts with none (`_without_if_needed`);
    where the cover counts fewer if-needed seats than any answer has, the two steps.
    The cover asked `ahead` is waited for instead of asking it again, within the cover's
    own share (`_cover_taken`)."""
    import time

    if problem.existing or placed <= 0:
        return None
    deadline = time.monotonic() + budget
    limits = _Limits(placed, most, sizes)
    cover = _cover_taken(problem, placed, most, budget * _COVER_SHARE, ahead)
    covered = 0 if cover is None else cover.value
    if cover is not None and covered >= weight:
        found = _at_cover(problem, limits, weight, cover, deadline)
        if found is not None:
            return found
    elif cover is not None:
        found = _without_if_needed(problem, limits, weight, cover, deadline)
        if found is not None:
            return found
    steps = _by_steps(problem, limits, weight, deadline)
    if steps is None:
        return OpenStartsBound(covered, covered // weight) if covered > 0 else None
    # the steps cut short can prove less than the cover
    return steps if steps.value >= covered else replace(steps, value=covered)


def _cover_taken(
    problem: Problem, placed: int, most: int, budget: float, ahead: CoverAhead | None
) -> _Cover | None:
    """The cover for these limits within `budget` seconds: the one asked `ahead` where it
    asked the same (`CoverAhead.answers`) and ended proven; else asked here with what is
    left, the one from ahead kept where it proves more (this one cut short sooner, or
    with no time left, 0.05 s, not asked: a cover cut short is still HiGHS's valid
    bound)."""
    import time

    began, taken = time.monotonic(), None
    if ahead is not None and ahead.answers(placed, most):
        taken = ahead.cover_within(budget)
    if taken is not None and taken.proven:
        return taken
    spent = time.monotonic() - began
    covers = [c for c in (_cover(problem, placed, most, budget - spent), taken) if c]
    return max(covers, key=lambda cover: (cover.proven, cover.value), default=None)


def if_needed_bound(
    problem: Problem,
    placed: int,
    totals: range,
    weight: int,
    budget: float,
    sizes: int | None,
    beat: int = 0,
    leaders: bool = False,
    reach: int | None = None,
) -> OpenStartsBound | None:
    """The two steps alone (`_by_steps`: the fewest if-needed seats, then the least
    shifts with so many), with between `totals.start` and `totals.stop - 1` new groups;
    no cover, which cannot see a least total. For facilitated cohorts whose held phases
    allow one total or few (`bounds.held_totals`), where the leaders the model leaves out
    are not what the if-needed seats are about: sparse 1,200 (220 groups exactly) needs
    27 if-needed seats, shown here, where the relaxation of the whole model says 25.5
    with the total held and 23.5 without. With `leaders`, who leads where is in the model
    too (`_leader_columns`) and its value counts what they pay: where their times decide
    who sits on if-needed time (typical 100 at generator seed 103: the learners alone need
    none, the optimum pays four seats). None with existing groups, or as
    `learner_bound`. Where the caller already has a bound, `beat` (what the learners
    must pay for this bound to be the higher; with `leaders`, the whole bound), the steps
    stop as soon as they cannot reach it (`_by_steps`); where it has an answer worth
    `reach`, as soon as they prove that (`_by_steps`)."""
    import time

    limits = _held_limits(problem, placed, totals, sizes)
    if limits is None:
        return None
    limits = replace(limits, leaders=leaders and problem.facilitated)
    return _by_steps(problem, limits, weight, time.monotonic() + budget, beat, reach)


def fewest_if_needed(
    problem: Problem,
    placed: int,
    totals: range,
    weight: int,
    budget: float,
    sizes: int | None,
    interrupt: Interrupt | None = None,
    seed: int = _SEED,
) -> tuple[int, bool] | None:
    """Step (a) of `if_needed_bound` alone: at least how many learners sit on if-needed
    time in any answer with between `totals.start` and `totals.stop - 1` new groups, and
    whether that is the fewest (HiGHS's bound where it is cut short by `budget`); None
    with existing groups, no total, or nothing proven. With `interrupt`, HiGHS's
    interrupt callback (`FewestAhead`); `seed`, HiGHS's random seed (a proven count is
    the same at every seed, only the time to prove it differs)."""
    limits = _held_limits(problem, placed, totals, sizes)
    if limits is None:
        return None
    found = _least(
        problem, limits, lambda cost: cost // weight, None, budget, interrupt=interrupt, seed=seed
    )
    return None if found is None else found[:2]


def _held_limits(problem: Problem, placed: int, totals: range, sizes: int | None) -> _Limits | None:
    """The limits of the two steps for `placed` learners in between `totals.start` and
    `totals.stop - 1` new groups, or None where the steps do not apply: existing groups,
    no one placed, or no total."""
    if problem.existing or placed <= 0 or not totals:
        return None
    return _Limits(placed, totals.stop - 1, sizes, totals.start)


class FewestAhead(OnThread):
    """`fewest_if_needed` asked ahead on a thread of its own (`highs_model.OnThread`),
    with the sizes held at `sizes` before the sizes phase has proven them: it depends
    only on the held placement and sizes and the totals they allow, so on two cores it
    runs beside the sizes phase (sparse 1,200: 2.8 s of CPU beside 1.9 s). Its answer
    is the phase's own only for the same question (`answers`); `found` is read once
    joined, None where cancelled."""

    def __init__(
        self,
        problem: Problem,
        placed: int,
        totals: range,
        weight: int,
        budget: float,
        sizes: int,
    ) -> None:
        super().__init__()
        self.problem, self.placed, self.totals, self.weight = problem, placed, totals, weight
        self.budget, self.sizes = budget, sizes
        self.found: tuple[int, bool] | None = None

    def answers(self, placed: int, totals: range, sizes: int) -> bool:
        """Whether it asked the question for these held phases. Above the sizes asked
        here more seatings are allowed and the fewest seats may be fewer than it shows
        (no bound then); below them, more (its count too low for the seat row)."""
        return (self.placed, self.totals, self.sizes) == (placed, totals, sizes)

    def _solve(self) -> None:
        if self._cancelled:
            return
        found = fewest_if_needed(
            self.problem,
            self.placed,
            self.totals,
            self.weight,
            self.budget,
            self.sizes,
            self.stop_if_cancelled,
            _AHEAD_SEED,
        )
        self.found = None if self._cancelled else found


def _at_cover(
    problem: Problem, limits: _Limits, weight: int, cover: _Cover, deadline: float
) -> OpenStartsBound | None:
    """The cover's bound and an answer with exactly its if-needed seats, HiGHS stopped as
    soon as that answer pays no more than the bound; None where no answer has so few
    if-needed seats (the cover then missed some: the two steps decide) or no time left.
    First among the starts of the covers near the cover's own (`_near_answer`)."""
    import time

    covered = cover.value
    fewest = covered // weight  # every answer pays at least the cover's bound, so no
    # answer has fewer if-needed seats (the shifts together cost less than one)
    near = _near_answer(problem, limits, weight, cover, deadline)
    if near is not None:
        return near
    left = deadline - time.monotonic()
    rest = _least(problem, limits, lambda cost: cost % weight, fewest, left, covered % weight)
    if rest is None:
        return None
    value = max(covered, weight * fewest + min(rest[0], weight))
    return OpenStartsBound(value, fewest, rest[2], rest[3])


def _without_if_needed(
    problem: Problem, limits: _Limits, weight: int, cover: _Cover, deadline: float
) -> OpenStartsBound | None:
    """Where the cover's bound is below one if-needed seat: the least shifts with none,
    which bounds the learners (an answer with a seat pays at least `weight`, more than
    any shifts), and its answer; None where every answer needs a seat (the two steps
    then count them) or no time is left. Step (a) would only show that none is needed
    (peer 100 at generator seed 102: 1.8 s of CPU), after which the two steps ended
    without asking (b), so the phase kept the cover's 53 and HiGHS's full model found 59
    but could not prove it in 17.6 s; this model proves 59 and finds its answer in
    4.8 s of CPU (root 51.8, 91 nodes)."""
    import time

    left = deadline - time.monotonic()
    rest = _least(problem, limits, lambda cost: cost % weight, 0, left)
    if rest is None:
        return None
    value = max(cover.value, min(rest[0], weight))
    return OpenStartsBound(value, 0, rest[2], rest[3])


def _by_steps(
    problem: Problem,
    limits: _Limits,
    weight: int,
    deadline: float,
    beat: int = 0,
    reach: int | None = None,
) -> OpenStartsBound | None:
    """(a) the fewest if-needed seats, (b) the least shifts with exactly so many. With
    `beat` (0: none), only what could pay more than `beat`: `a` seats bound at most
    `weight * (a + 1)` (the shifts together cost less than one seat), so (a) stops at an
    answer with `beat // weight - 1` seats or fewer and (b) is left out where `a` seats
    cannot beat it (sparse 300: 18 seats against a relaxation's 6,875 = 20 seats and 95,
    step (b) 0.25 s of CPU for 6,278). With `reach`, the value of an answer the caller has
    (so no bound above it): each step stops once its bound shows as much as that answer
    pays, no more to prove (typical 100 at generator seed 101, its plan worth 183, one seat
    and 68: (a) shows one seat after 0.34 s of CPU and finds it after 1.16 s, (b) shows
    more than 67 after 0.23 s and ends after 2.5-3.0 s)."""
    import time

    useless = beat // weight - 1  # the most if-needed seats that cannot beat `beat`
    aim = useless if useless >= 0 else None
    left = deadline - time.monotonic()
    seats_reach = None if reach is None else reach // weight
    coarse = _least(
        problem, limits, lambda cost: cost // weight, None, left, aim, reach=seats_reach
    )
    if coarse is None or coarse[0] == 0:
        return None  # nobody needs if-needed time: the relaxation sees as much
    fewest, proven = coarse[:2]
    if not proven or fewest <= useless:  # cut short, or (b) cannot beat `beat`
        return OpenStartsBound(weight * fewest, fewest)  # the if-needed seats only
    # the shifts alone with the if-needed seats fixed (peer 100: 3.8 s with the size rows;
    # the whole cost in one MIP instead took 14.8 s)
    left = deadline - time.monotonic()
    # stopped at an answer whose shifts could not lift the bound above `beat`
    shifts_aim = beat - weight * fewest if beat > 0 else None
    shifts_reach = None if reach is None else reach - weight * fewest
    rest = _least(
        problem, limits, lambda cost: cost % weight, fewest, left, shifts_aim, reach=shifts_reach
    )
    shifts = 0 if rest is None else rest[0]
    value = weight * fewest + min(shifts, weight)
    if rest is None:
        return OpenStartsBound(value, fewest)
    return OpenStartsBound(value, fewest, rest[2], rest[3])


@dataclass(frozen=True)
class _Limits:
    placed: int  # learners placed in every answer
    most: int  # new groups at most
    sizes: int | None  # the held size objective
    fewest: int = 0  # new groups at least
    # who leads where in the model too (`_leader_columns`), at each facilitator's price
    leaders: bool = False


def _least(
    problem: Problem,
    limits: _Limits,
    cost: Cost,
    if_needed: int | None,
    budget: float,
    aim: int | None = None,
    only: frozenset[int] | None = None,
    interrupt: Interrupt | None = None,
    seed: int = _SEED,
    reach: int | None = None,
) -> tuple[int, bool, dict[tuple[int, int], int], dict[int, int]] | None:
    """HiGHS's bound of the model for `cost` (rounded up), whether it is the optimum, and
    its answer (learners per class and start, groups per start; empty if none); with
    `if_needed`, exactly that many if-needed seats; with `aim` (a bound proven without
    this model), stopped once its answer costs no more; with `only`, no groups elsewhere
    (then its bound is the restricted model's, no bound of the whole); with `interrupt`,
    that callback too; `seed`, HiGHS's random seed; with `reach` (the value of an answer
    of the whole problem, so at least this model's optimum), stopped once its bound
    rounded up reaches it: then it is the optimum, proven, though its answer may be
    missing."""
    if budget <= 0.05:
        return None
    highs, columns = _model(problem, limits, cost, if_needed, seed)
    for start, col in columns.groups.items():
        if only is not None and start not in only:
            highs.changeColBounds(col, 0.0, 0.0)
    highs.setOptionValue("time_limit", budget)
    if aim is not None:
        stopper = Stopper()
        stopper.aim(aim, False, {})
        highs.cbMipImprovingSolution.subscribe(stopper.improving)
        highs.cbMipInterrupt.subscribe(stopper.check)
    if interrupt is not None:
        highs.cbMipInterrupt.subscribe(interrupt)
    if reach is not None:
        highs.cbMipInterrupt.subscribe(functools.partial(_stop_at_reach, reach))
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    bound = highs.getInfo().mip_dual_bound
    if status == "Infeasible" or not math.isfinite(bound):
        return None
    least = max(math.ceil(bound - _SLACK), 0)
    reached = reach is not None and least >= reach
    seats: dict[tuple[int, int], int] = {}
    groups: dict[int, int] = {}
    if highs.getInfo().primal_solution_status == 2:  # a feasible answer
        values = list(highs.getSolution().col_value)
        seats = {key: round(values[col]) for key, col in columns.seats.items()}
        groups = {start: round(values[col]) for start, col in columns.groups.items()}
    return least, status == "Optimal" or reached, seats, groups


def _stop_at_reach(reach: int, event: Any) -> None:
    """HiGHS's interrupt callback for `_least`'s `reach`: stop once the bound, rounded up,
    reaches it (asks for nothing before, so it never undoes another callback's stop)."""
    bound = event.data_out.mip_dual_bound
    if math.isfinite(bound) and math.ceil(bound - _SLACK) >= reach:
        event.interrupt(True)


@dataclass(frozen=True)
class _Columns:
    seats: dict[tuple[int, int], int]  # (class, start): its learners there
    groups: dict[int, int]  # start: its groups


def _model(
    problem: Problem, limits: _Limits, cost: Cost, if_needed: int | None, seed: int = _SEED
) -> tuple[Any, _Columns]:
    """Columns: groups per start (integral), learners of each class at each of its
    options, each start's size deviation; rows: each class seats at most its members,
    `placed` in all, a start's learners within its groups' limits (and a class's within
    its groups'), `fewest` to `most` groups in all, the deviations within the held sizes."""
    import numpy as np

    low, high = problem.params.learner_bounds()
    # with the if-needed seats fixed, a start beats another by the whole price: moving
    # there never adds an if-needed seat, and never removes one, or fewer than the least
    # would do
    priced = cost if if_needed is None else (lambda price: price)
    starts = _undominated(problem, priced, limits.leaders)
    groups = {start: position for position, start in enumerate(starts)}
    seats: dict[tuple[int, int], int] = {}
    highs = new_instance(seed)
    count = len(starts)
    highs.addVars(count, np.zeros(count), np.full(count, float(limits.most)))
    change_integrality(highs, list(range(count)), True)
    at_start: dict[int, list[int]] = {start: [] for start in starts}
    # where every learner is placed each class seats all its members: equal rows, which
    # HiGHS's presolve turns into fewer columns (sparse 1,200: root in 3 s, not 22 s)
    everyone_placed = limits.placed == sum(len(cls.members) for cls in problem.classes)
    everyone: list[int] = []
    paid_if_needed: list[int] = []
    for c, cls in enumerate(problem.classes):
        size = len(cls.members)
        seated = []
        for start, price in cls.options:
            if start in groups:
                col = highs.getNumCol()
                highs.addVar(0.0, float(size))
                highs.changeColCost(col, float(cost(price)))
                _row(highs, -math.inf, 0.0, {col: 1.0, groups[start]: -float(min(size, high))})
                seated.append(col)
                at_start[start].append(col)
                seats[c, start] = col
                if price >= problem.if_needed_weight():
                    paid_if_needed.append(col)
        _row(
            highs,
            float(size) if everyone_placed else -math.inf,
            float(size),
            dict.fromkeys(seated, 1.0),
        )
        everyone.extend(seated)
    for start, cols in at_start.items():
        _row(highs, 0.0, math.inf, dict.fromkeys(cols, 1.0) | {groups[start]: -float(low)})
        _row(highs, -math.inf, 0.0, dict.fromkeys(cols, 1.0) | {groups[start]: -float(high)})
    _row(highs, float(limits.placed), math.inf, dict.fromkeys(everyone, 1.0))
    _row(highs, float(limits.fewest), float(limits.most), dict.fromkeys(range(count), 1.0))
    if limits.leaders:
        paid_if_needed += _leader_columns(highs, problem, groups, cost)
    if if_needed is not None:
        _row(highs, float(if_needed), float(if_needed), dict.fromkeys(paid_if_needed, 1.0))
    if limits.sizes is not None:
        _size_rows(highs, problem, groups, at_start, limits.sizes)
    return highs, _Columns(seats, groups)


def _leader_columns(highs: Any, problem: Problem, groups: dict[int, int], cost: Cost) -> list[int]:
    """Who leads: a whole column per facilitator and start they can lead at (among the
    model's `groups`), at their `cost` there; each start's groups led, each facilitator
    within their capacity. A facilitator may lead several groups at one start (overlaps
    are left out, which is what lets a beaten start merge into the one beating it).
    The columns of if-needed leading, returned."""
    leading: dict[int, list[int]] = {start: [] for start in groups}
    if_needed = []
    for f, options in enumerate(problem.facilitator_options):
        capacity = max(problem.facilitator_capacity[f], 0)
        own = []
        for start, price in options.items():
            if start not in groups or capacity == 0:
                continue
            col = highs.getNumCol()
            highs.addVar(0.0, float(capacity))
            highs.changeColCost(col, float(cost(price)))
            leading[start].append(col)
            own.append(col)
            if price >= problem.if_needed_weight():
                if_needed.append(col)
        if own:
            _row(highs, -math.inf, float(capacity), dict.fromkeys(own, 1.0))
    first = highs.getNumCol() - sum(map(len, leading.values()))
    change_integrality(highs, list(range(first, highs.getNumCol())), True)
    for start, cols in leading.items():
        _row(highs, 0.0, 0.0, dict.fromkeys(cols, 1.0) | {groups[start]: -1.0})
    return if_needed


def _size_rows(
    highs: Any, problem: Problem, groups: dict[int, int], at_start: dict[int, list[int]], held: int
) -> None:
    """e_s ≥ |x_s − t·G_s| and Σ_s e_s ≤ the held sizes (merging a beaten start into the one
    beating it never raises Σ_s |x_s − t·G_s|, so leaving beaten starts out stays valid)."""
    target = float(problem.params.target_learners())
    deviations = []
    for start, cols in at_start.items():
        deviation = highs.getNumCol()
        highs.addVar(0.0, math.inf)
        deviations.append(deviation)
        learners = dict.fromkeys(cols, 1.0)
        _row(highs, 0.0, math.inf, {deviation: 1.0, groups[start]: target} | _minus(learners))
        _row(highs, 0.0, math.inf, {deviation: 1.0, groups[start]: -target} | learners)
    _row(highs, -math.inf, float(held), dict.fromkeys(deviations, 1.0))


def _minus(terms: dict[int, float]) -> dict[int, float]:
    return {col: -value for col, value in terms.items()}


def _row(highs: Any, low: float, high: float, terms: dict[int, float]) -> None:
    import numpy as np

    columns = np.array(list(terms), dtype=np.int32)
    highs.addRow(low, high, len(columns), columns, np.array(list(terms.values())))


@dataclass(frozen=True)
class _Cover:
    value: int  # the cover's bound: least the learners pay with at most `most` starts open
    opened: frozenset[int]  # the starts open in HiGHS's best cover (empty if none)
    proven: bool = True  # HiGHS ended optimal (not cut short by its limit or a cancel)


class CoverAhead(OnThread):
    """The cover's bound (`_cover`) asked ahead on a thread of its own, beside the sizes
    phase's question, with at most `most` starts open: the most new groups the sizes
    phase's bound allows (`most_new_groups`). The cover depends only on the placed
    learners and `most`, so where the sizes phase ends at that bound the preferences
    phase's cover is this one (`answers`), already solved: peer 100's 0.6-0.9 s of CPU
    beside the sizes question (0.4-0.6 s) instead of after it. Its own instance, seed
    and model, so its answer is the same as the phase's own would be (unless the
    clock cuts either short)."""

    def __init__(self, problem: Problem, placed: int, most: int, budget: float) -> None:
        super().__init__()
        self.problem, self.placed, self.most, self.budget = problem, placed, most, budget
        self.found: _Cover | None = None

    def answers(self, placed: int, most: int) -> bool:
        """Whether it asked the cover for these limits: with more starts open the cover
        can be cheaper (no bound then); with fewer, dearer (a stronger one, not asked)."""
        return (self.placed, self.most) == (placed, most)

    def cover_within(self, budget: float) -> _Cover | None:
        """Its cover, waited for at most `budget` seconds (None where it has not ended
        by then: it is stopped, and the caller's own cover gets what is left)."""
        if not self.join(budget):
            self.cancel()
            return None
        return self.found

    def _solve(self) -> None:
        if self._cancelled:
            return
        self.found = _cover(self.problem, self.placed, self.most, self.budget, self.interrupt)


def _cover(
    problem: Problem,
    placed: int,
    most: int,
    budget: float,
    interrupt: Interrupt | None = None,
) -> _Cover | None:
    """Least the learners pay with at most `most` starts open, each paying the cheapest
    open start they can attend (rounded up; HiGHS's bound where cut short), or None.

    Only where every learner is placed. An answer has at most `most` starts with a group,
    and each of its learners pays at least the cheapest of those: a relaxation of the
    model below without group sizes, whole groups or size rows. Written as a cover (a
    binary per start; per class and price level, a column paying the step to the next
    level unless a start at that level is open), its 143 columns on peer 100 prove 363,
    the optimum, in 0.6-0.8 s, where the model below took 3-22 s for each of its steps."""
    if placed != sum(len(cls.members) for cls in problem.classes) or budget <= 0.05:
        return None
    highs = _cover_model(problem, most)
    highs.setOptionValue("time_limit", budget)
    if interrupt is not None:  # asked ahead: stopped where the phase no longer wants it
        highs.cbMipInterrupt.subscribe(interrupt)
    highs.run()
    bound = highs.getInfo().mip_dual_bound
    if highs.modelStatusToString(highs.getModelStatus()) == "Infeasible":
        return None
    if not math.isfinite(bound):
        return None
    opened: frozenset[int] = frozenset()
    if highs.getInfo().primal_solution_status == 2:  # a feasible cover
        values = highs.getSolution().col_value
        starts = _undominated(problem, lambda price: price)  # the model's, in its order
        opened = frozenset(start for k, start in enumerate(starts) if values[k] > 0.5)
    proven = highs.modelStatusToString(highs.getModelStatus()) == "Optimal"
    return _Cover(max(math.ceil(bound - _SLACK), 0), opened, proven)


# How far from the cover's own open starts the covers at its bound are gathered, swap by
# swap, and how many at most. Peer 100, the covers of HiGHS seeds 0-5: 14 covers one swap
# away (their 33 starts: 364 at best), 35-91 two away (an answer at the bound for four
# covers of six), three away (the 400 covers, 39-45 starts) for all six, in 0.2-0.4 s.
_NEAR_SWAPS = 3
_NEAR_COVERS = 400
# Of the time left, what the restricted model may take: where it cannot reach the bound
# it proves so on peer 100 in 0.06 s, but the whole model must keep most of the time.
_NEAR_SHARE = 0.25


def _near_answer(
    problem: Problem, limits: _Limits, weight: int, cover: _Cover, deadline: float
) -> OpenStartsBound | None:
    """An answer at the cover's bound with groups only at the starts of covers near the
    cover's own, or None.

    An answer at the bound seats everyone at their cheapest open start, so its starts are
    a cover at the bound too; the cover HiGHS found itself is rarely one (peer 100: 15 of
    15 optimal covers could not hold the groups, session 6), but one a few swaps away
    often is. The model restricted to the starts of every cover within `_NEAR_SWAPS`
    swaps (peer 100: 39-45 of 128 starts) is answered in 0.2-0.4 s, where the whole
    model's answer took 2-5 s. Its answer is one of the whole model, worth the bound."""
    import time

    fewest, aim = divmod(cover.value, weight)
    starts = _near_starts(problem, cover, _NEAR_SWAPS, _NEAR_COVERS)
    if starts is None:
        return None
    left = (deadline - time.monotonic()) * _NEAR_SHARE
    rest = _least(problem, limits, lambda cost: cost % weight, fewest, left, aim, starts)
    if rest is None or not rest[3]:
        return None
    if _shifts(problem, rest[2], weight) > aim:
        return None
    return OpenStartsBound(cover.value, fewest, rest[2], rest[3])


def _shifts(problem: Problem, seats: dict[tuple[int, int], int], weight: int) -> int:
    """What the seats pay besides their if-needed seats."""
    prices = [dict(cls.options) for cls in problem.classes]
    return sum(count * (prices[c][start] % weight) for (c, start), count in seats.items())


def _near_starts(problem: Problem, cover: _Cover, swaps: int, limit: int) -> frozenset[int] | None:
    """The starts open in some cover worth at most the cover's bound reached from its own
    open starts by at most `swaps` changes (a start closed, or closed and another
    opened), at most `limit` covers in all; None without the cover's own starts."""
    import numpy as np

    starts = _undominated(problem, lambda price: price)
    where = {start: k for k, start in enumerate(starts)}
    prices = np.full((len(problem.classes), len(starts)), np.inf)
    for c, cls in enumerate(problem.classes):
        for start, price in cls.options:
            if start in where:
                prices[c, where[start]] = price
    members = np.array([len(cls.members) for cls in problem.classes], dtype=float)
    own = frozenset(where[start] for start in cover.opened)
    if not own or float(members @ prices[:, sorted(own)].min(axis=1)) > cover.value:
        return None
    seen, frontier = {own}, [own]
    for _swap in range(swaps):
        reached = []
        for opened in frontier:
            for near in _one_swap(prices, members, opened, cover.value):
                if near not in seen and len(seen) < limit:
                    seen.add(near)
                    reached.append(near)
        frontier = reached
    return frozenset(starts[k] for near in seen for k in near)


def _one_swap(
    prices: Any, members: Any, opened: frozenset[int], bound: int
) -> list[frozenset[int]]:
    """The covers worth at most `bound` with one of `opened` closed, and maybe another
    start opened (columns of `prices`, the classes' price per start, inf where none)."""
    import numpy as np

    found = []
    for closed in opened:
        rest = frozenset(opened - {closed})
        cheapest = prices[:, sorted(rest)].min(axis=1) if rest else np.full(len(members), np.inf)
        if members @ cheapest <= bound:
            found.append(rest)
        # the cover's worth with `closed` swapped for each start in turn
        worth = members @ np.minimum(cheapest[:, None], prices)
        found += [rest | {int(k)} for k in np.flatnonzero(worth <= bound) if k not in opened]
    return found


def _cover_model(problem: Problem, most: int) -> Any:
    """Columns: open per start (binary), and per class and price level but the dearest,
    whether none of its starts at that price or below is open (paying the step up to the
    next level for every member); rows: some start of each class open, each level's
    column at least 1 minus its open starts, `most` open in all."""
    import numpy as np

    starts = _undominated(problem, lambda price: price)
    opens = {start: position for position, start in enumerate(starts)}
    highs = new_instance(_SEED)
    count = len(starts)
    highs.addVars(count, np.zeros(count), np.ones(count))
    change_integrality(highs, list(range(count)), True)
    paid = 0
    for cls in problem.classes:
        members = len(cls.members)
        options = [(price, opens[start]) for start, price in cls.options if start in opens]
        levels = sorted({price for price, _col in options})
        paid += members * levels[0]
        _row(highs, 1.0, math.inf, {col: 1.0 for _price, col in options})
        for level, above in itertools.pairwise(levels):
            none_open = highs.getNumCol()
            highs.addVar(0.0, 1.0)
            highs.changeColCost(none_open, float(members * (above - level)))
            at_most = {col: 1.0 for price, col in options if price <= level}
            _row(highs, 1.0, math.inf, {none_open: 1.0} | at_most)
    _row(highs, -math.inf, float(most), dict.fromkeys(range(count), 1.0))
    highs.changeObjectiveOffset(float(paid))
    return highs


def _undominated(problem: Problem, cost: Cost, leaders: bool = False) -> list[int]:
    """The starts no other start beats for everyone who can meet there (with `leaders`,
    the facilitators too): moving a beaten start's groups and learners (and leaders) to
    the start beating it keeps every row of the model and costs nobody more, so some
    optimum uses only these."""
    import numpy as np

    starts = sorted({start for cls in problem.classes for start, _price in cls.options})
    where = {start: position for position, start in enumerate(starts)}
    people = [dict(cls.options) for cls in problem.classes]
    if leaders:
        people += problem.facilitator_options
    costs = np.full((len(starts), len(people)), np.inf)
    for c, options in enumerate(people):
        for start, price in options.items():
            if start in where:
                costs[where[start], c] = cost(price)
    kept = []
    for i, start in enumerate(starts):
        reach = np.isfinite(costs[i])
        no_dearer = (costs[:, reach] <= costs[i, reach]).all(axis=1)
        same = (costs == costs[i]).all(axis=1)
        beaten = no_dearer & ~same
        same[i:] = False  # an identical start earlier in the order stands for this one
        if not beaten.any() and not same.any():
            kept.append(start)
    return kept


def answer_values(bound: OpenStartsBound, model: Formulation) -> list[float] | None:
    """Step (b)'s answer as values of the peer model (`formulation`), or None without one."""
    if not bound.groups or model.y:
        return None
    values = [0.0] * len(model.cost)
    for (c, start), count in bound.seats.items():
        values[model.w[c, start]] = float(count)
    for start, count in bound.groups.items():
        values[model.n[start]] = float(count)
    return values
