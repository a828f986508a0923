"""Who can lead, for the spread phase: a compact model whose relaxation bounds the
facilitators leading, and a dive on it for an answer with one more.

Spread pays 10 for every group beyond a facilitator's first, so an answer gains most by
one more facilitator leading, and its bound rests on how many can. On typical 300 (issue
20, session 7) the moves along paths stop at 201 (40 leaders) while the optimum, 191,
has 41; the nearest answer with 41 opens 4 starts the 201 plan does not use and closes 4
it does, and with the 201 plan's starts no assignment of leaders has 41. HiGHS reaches
191 on the held model in 7-12 s, the LP dive (`lp_dive`) on it in 5-12 s (its re-solves
take 70-300 ms there); the bounds said 189 (spread's relaxation) and 44 leaders.

Where everyone is placed and the held sizes are 0, every group has the target number of
learners and every answer the plan's number of groups, so the question is small: which
starts open, who leads there, who sits where, within what the held preferences allow.
This module builds that model alone (typical 300: 5,285 columns, 5,716 rows; the learners
continuous, since with whole counts they are a transportation problem):

- its options are those an answer with more leaders than the plan could use (each
  learner's and leader's within what the held preferences leave above the learners'
  least and the leaders' least with that many leading), so its relaxation bounds the
  facilitators leading in every answer keeping the holds (typical 300: 41.25, so 41 and
  a spread of at least 191: proven);
- the dive then keeps every learner at a cheapest start and no more groups at a start
  than the plan has, rounds the counts of groups up, nearest a whole number first, while
  the relaxation keeps the leaders it promises, and lets one small MIP with the counts
  fixed choose the leaders (typical 300: 41 leaders in 0.9-1.5 s at load 3, after the
  relaxation's 0.45-1 s). A primal heuristic: its restrictions can miss answers.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from roundtable.scheduling.bounds import learner_cost_bound, least_leader_cost, seats
from roundtable.scheduling.formulation import INF, overlap_cliques
from roundtable.scheduling.highs_model import LEAST_SECONDS, CompactColumns
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem

_WHOLE = 1e-6  # a value this close to a whole number counts as whole
_SLACK = 1e-6  # the relaxation's value is this close to the leaders it promises
# Counts rounded up together while more than twice as many are fractional (typical 300,
# the same 41 leaders each way: 12 re-solves and 3,917 simplex iterations with 4 at once,
# 11 and 5,429 with 8, 21 and 9,527 with 16, 45 one at a time; at load 4 an iteration
# takes 0.3-0.5 ms, and the first relaxation 0.7-1 s).
_AT_ONCE = 4
# After a batch loses a leader (and is undone), this many counts are rounded alone.
_ALONE_AFTER_FAILED_BATCH = 4
# The first batch: every count at least this far to its next whole number, rounded up
# together (to the nearest whole), where more than `_AT_ONCE` are; undone, the dive goes
# on as without it. Simplex iterations of the dive on typical 200 / 250 / 300 / 400:
# 2,961 / 3,412 / 3,669 / 5,086 against 4,065 / 4,786 / 3,895 / 7,636 (issue 20,
# session 10); from 0.4 or 0.6 of the way some took more.
_HALFWAY = 0.5
_DUAL_SIMPLEX, _PRIMAL_SIMPLEX = 1, 4  # HiGHS's `simplex_strategy`


@dataclass
class _Core(CompactColumns):
    """The compact model in a HiGHS instance: its columns by meaning."""

    highs: Any = None
    counts: dict[int, int] = field(default_factory=dict)  # start -> its number of groups
    leads: dict[tuple[int, int], int] = field(default_factory=dict)  # (facilitator, start)
    seats: dict[tuple[int, int], int] = field(default_factory=dict)  # (class, start)
    dearer: list[int] = field(default_factory=list)  # seats above their class's cheapest
    # the rows joining the starts, by what they hold: the starts left out are priced by
    # their duals (`_left_out`)
    class_rows: dict[int, int] = field(default_factory=dict)
    capacity_rows: dict[int, int] = field(default_factory=dict)
    flag_rows: dict[int, int] = field(default_factory=dict)
    total_row: int = -1
    budget_row: int = -1
    flags: dict[int, int] = field(default_factory=dict)  # facilitator -> its flag
    row_keys: list[tuple[Any, ...]] = field(default_factory=list)  # each row's meaning

    def next_row(self) -> int:
        """The index the next row gets."""
        return len(self.rows)

    def keyed_row(
        self, key: tuple[Any, ...], low: float, high: float, terms: dict[int, float]
    ) -> int:
        """`row` with its meaning (`key`), to carry a basis over (`_carried_basis`); its index."""
        self.row_keys.append(key)
        self.row(low, high, terms)
        return len(self.rows) - 1

    def column_keys(self) -> list[tuple[Any, ...]]:
        """Each column's meaning, in column order."""
        keys: list[tuple[Any, ...]] = [()] * len(self.cost)
        for kind, columns in (("seat", self.seats), ("lead", self.leads)):
            for (first, start), col in columns.items():
                keys[col] = (kind, first, start)
        for start, col in self.counts.items():
            keys[col] = ("count", start)
        for f, col in self.flags.items():
            keys[col] = ("flag", f)
        return keys


def applies(problem: Problem, holds: dict[str, int]) -> bool:
    """Facilitated cohorts without existing groups where everyone is placed and the held
    sizes are 0 (so every group has the target number of learners)."""
    return (
        problem.facilitated
        and not problem.existing
        and holds.get("placed") == seats(problem)
        and holds.get("sizes") == 0
        and "preferences" in holds
    )


class LeaderModel:
    """The compact model of who can lead, for one plan's number of groups, loaded into a
    HiGHS instance of its own: first the most facilitators any answer keeping the holds
    has (`most_leading`, a bound), then a dive for an answer with more than the plan's
    (`more_leaders`)."""

    def __init__(
        self,
        problem: Problem,
        holds: dict[str, int],
        plan: Plan,
        seed: int,
        crowd: int | None = None,
        starts: frozenset[int] | None = None,
    ) -> None:
        self.problem, self.plan, self.holds = problem, plan, holds
        self.leading = _leading(plan)
        # most groups at a start in the dive: the plan's crowd unless given
        self.crowd = max(map(len, plan.groups_at.values()), default=0) if crowd is None else crowd
        self.promised = 0  # the relaxation's leaders, rounded down (`most_leading`)
        self.counted: int | None = None  # what `most_leading` returned
        self.dive_basis: Any = None  # the relaxation's basis within the dive's limits
        # every option a learner or leader of an answer with more leaders than the plan
        # could use; the learners continuous: a relaxation of every such answer
        spare = _spare(problem, holds, plan)
        self.spare, self.seed = spare, seed
        self.core: _Core | None = None
        self.starts: frozenset[int] | None = None  # the starts loaded (None: every one)
        if spare >= 0:
            self._load(_first_starts(plan, starts))

    def _load(self, starts: frozenset[int] | None) -> None:
        """The model with only these `starts`' columns and rows (every start's: None),
        with a start at a cheapest option for every class, in a new HiGHS instance."""
        problem = self.problem
        self.starts = None if starts is None else _seating(problem, starts)
        self.core = _build(problem, self.holds["preferences"], self.plan, self.spare, self.starts)
        self.core.highs = self.core.load(self.seed)
        self.dive_basis = None
        self.carried: Any = None  # a basis carried over from fewer starts (`_warm`)

    def _warm(self, core: _Core, deadline: float) -> bool:
        """Whether the relaxation goes on from a basis carried over from fewer starts
        (`_carried_basis`; typical 300: three starts priced in after the first
        relaxation), not solved from scratch by the interior-point solver; by
        `deadline`."""
        import highspy

        carried, self.carried = self.carried, None
        if carried is None or core.highs.setBasis(carried) != highspy.HighsStatus.kOk:
            return False
        core.highs.setOptionValue("solve_relaxation", True)
        # the basis is primal feasible: from it primal simplex took 131 iterations (0.03 s
        # of CPU) on typical 300, dual simplex 3,343 (0.88 s)
        core.highs.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX)
        left = max(deadline - time.monotonic(), 0.0)
        core.highs.setOptionValue("time_limit", core.highs.getRunTime() + left)
        return True

    def most_leading(self, deadline: float) -> int | None:
        """Most facilitators leading in any answer keeping the holds (None if unknown):
        the relaxation's value, or the plan's, if more (answers with no more leaders than
        the plan are not what the model's options were chosen for). Typical 300: 41.25,
        so 41 (the solver-free count: 44), in 0.45-1 s."""
        if self.core is None:
            self.counted = self.leading  # one more could not even pay their cheapest starts
            return self.counted
        promised = self._bound_from_dive_limits(deadline)
        if promised is None:
            return None
        self.promised = math.floor(promised + _SLACK)
        self.counted = max(self.promised, self.leading)
        return self.counted

    def move_to(self, plan: Plan) -> None:
        """The dive (`more_leaders`) from another `plan` keeping the same holds, for more
        leaders than it has. The count (`most_leading`) stands: it bounds every answer
        keeping the holds. The options stay those of answers with more leaders than the
        first plan's (all of them where this one has at least as many: the leaders'
        least cost only grows with how many lead)."""
        self.plan, self.leading = plan, _leading(plan)

    def _bound_from_dive_limits(self, deadline: float) -> float | None:
        """A bound on the whole relaxation (None if not solved in time): the relaxation
        solved within the dive's limits (`_dive_limits`), its basis kept for the dive, and
        the limits lifted again by its duals; where that is looser (or the limited one
        has no optimum), the whole one solved. The dive's first re-solve from the whole
        relaxation's basis took 510 simplex iterations (0.24-0.27 s of CPU on typical
        300), from this one none; the whole one warm from it took 203 (0.16 s), and the
        duals' bound is the whole one's value there (41.25)."""
        while True:
            core = self.core
            assert core is not None
            limits = self._dive_limits()
            lifted = [(col, core.upper[col]) for col, _upper in limits]
            _limit(core, limits)
            warm = self._warm(core, deadline)
            limited = _relaxation(core.highs, deadline, ipm=not warm)
            if warm:  # the dive's re-solves by dual simplex again
                core.highs.setOptionValue("simplex_strategy", _DUAL_SIMPLEX)
            adding: list[int] = []
            if limited is not None:
                self.dive_basis = core.highs.getBasis()
                gain, adding = _left_out(self.problem, core, self.spare, self.starts)
                bound = limited + _lifted_gain(core.highs, lifted, limits) + gain
            _limit(core, lifted)
            loose = limited is None or math.floor(bound + _SLACK) > math.floor(limited + _SLACK)
            if self.starts is None or not loose:
                break
            # the starts left out may add leaders (or those loaded cannot seat everyone
            # within the limits): those that could, from this basis, else every start
            basis = core.highs.getBasis() if adding else None
            self._load(self.starts | set(adding) if adding else None)
            if basis is not None and self.core is not None:
                self.carried = _carried_basis(core, basis, self.core)
        if loose:
            # the duals' bound loose (or none): the whole relaxation, warm if possible
            return _relaxation(core.highs, deadline, ipm=limited is None)
        return bound

    def _dive_limits(self) -> list[tuple[int, float]]:
        """The dive's column limits: every learner at a cheapest start (dearer seats at
        0) and no more groups at a start than the crowd (the plan's unless given)."""
        core = self.core
        assert core is not None
        crowd = float(self.crowd)
        return [(col, 0.0) for col in core.dearer] + [(col, crowd) for col in core.counts.values()]

    def more_leaders(self, deadline: float) -> Plan | None:
        """A plan with more facilitators leading than the plan and no more groups at a
        start, keeping the held phases (the caller checks), or None if the dive finds
        none by `deadline`; after `most_leading`. Every learner at a cheapest start."""
        if self.promised <= self.leading:
            return None
        found = self._dive(deadline)
        return found if found is not None and _leading(found) > self.leading else None

    def within_budget(self, deadline: float) -> Plan | None:
        """An answer within the held preferences (the model's budget) with the leaders
        the relaxation promises, for the preferences phase: `more_leaders` where it
        promises more than the plan has, else the same dive for those it promises, since
        the plan, paying more than the budget, is no answer there. Typical 300 at
        generator seed 302 (issue 20, session 11): 37 promised, the plan has 37 at 190
        against 182; the dive finds 182 with 37 in 0.7 s of CPU, where the LP dive took
        8.2 s."""
        if self.promised > self.leading:
            return self.more_leaders(deadline)
        return self._dive(deadline)

    def _dive(self, deadline: float) -> Plan | None:
        """The dive for `promised` leaders (`more_leaders`): the plan's own counts first,
        then the counts rounded; its answer, or None."""
        core = self.core
        if core is None:
            return None
        # the relaxation's basis within these limits (`most_leading`), else the whole one's
        basis = self.dive_basis or core.highs.getBasis()
        _limit(core, self._dive_limits())
        # the plan's own counts first: who leads there, the learners free among them (a
        # MIP of 0.03-0.1 s; typical 350: 52 leaders, the relaxation's, where the dive ran
        # out of time); then the dive, from the relaxation's basis (from the MIP's last
        # one typical 300's took 19 re-solves instead of 12-15)
        found = self._at_plan_counts(deadline)
        if found is not None and _leading(found) >= self.promised:
            return found
        core.highs.setBasis(basis)
        core.highs.setOptionValue("solve_relaxation", True)
        # the MIP's time limit counted from its own run; an LP's counts the instance's
        core.highs.setOptionValue(
            "time_limit", core.highs.getRunTime() + max(deadline - time.monotonic(), 0.0)
        )
        promised = _relaxation(core.highs, deadline)
        if promised is not None and promised >= self.promised - _SLACK:
            if _round_counts(core, self.promised, deadline):
                found = _answer(self.problem, core, deadline) or found
        return found

    def _at_plan_counts(self, deadline: float) -> Plan | None:
        """`_answer` with every start's count fixed at the plan's (None where the plan
        has groups the model has no count for); the counts freed again after."""
        core, counts = self.core, self.plan.groups_at
        if core is None or not set(counts) <= set(core.counts):
            return None
        for start, col in core.counts.items():
            whole = float(len(counts.get(start, [])))
            core.highs.changeColBounds(col, whole, whole)
        try:
            return _answer(self.problem, core, deadline)
        finally:
            for col in core.counts.values():
                core.highs.changeColBounds(col, 0.0, core.upper[col])


def _limit(core: _Core, limits: list[tuple[int, float]]) -> None:
    """Set these columns' upper bounds (column, upper), in the model and in HiGHS."""
    for col, upper in limits:
        core.upper[col] = upper
        core.highs.changeColBounds(col, 0.0, upper)


def _lifted_gain(
    highs: Any, lifted: list[tuple[int, float]], limited: list[tuple[int, float]]
) -> float:
    """How many more leaders the relaxation can have with these columns' upper bounds
    lifted from `limited` to `lifted`, at most (weak duality: the solved relaxation's
    row duals stay feasible, and each column gains at most its reduced cost times its
    bound's rise where raising it pays; the objective is minus the leaders)."""
    import numpy as np

    duals = np.array(highs.getSolution().col_dual)
    return sum(
        max(-float(duals[col]), 0.0) * (upper - low)
        for (col, upper), (_col, low) in zip(lifted, limited, strict=True)
    )


def _leading(plan: Plan) -> int:
    return len({f for leaders in plan.groups_at.values() for f in leaders})


def more_leaders(
    problem: Problem, holds: dict[str, int], plan: Plan, seed: int, deadline: float
) -> Plan | None:
    """`LeaderModel`'s relaxation and dive in one call."""
    model = LeaderModel(problem, holds, plan, seed)
    if model.most_leading(deadline) is None:
        return None
    return model.more_leaders(deadline)


def _spare(problem: Problem, holds: dict[str, int], plan: Plan) -> int:
    """What the held preferences leave above the learners' least and the leaders' least
    with one more leading than the `plan`: how much dearer than its cheapest an option of
    an answer with more leaders may be (negative: no such answer)."""
    return (
        holds["preferences"]
        - learner_cost_bound(problem, holds["placed"])
        - least_leader_cost(problem, plan.group_count(), _leading(plan) + 1)
    )


def _first_starts(plan: Plan, starts: frozenset[int] | None) -> frozenset[int] | None:
    """The starts the model is first loaded with: `starts` and the `plan`'s (every start:
    None)."""
    return None if starts is None else starts | set(plan.groups_at)


def option_columns(
    problem: Problem, holds: dict[str, int], plan: Plan, starts: frozenset[int] | None = None
) -> int:
    """How many seat and lead columns `LeaderModel(problem, holds, plan, starts=starts)`
    is first loaded with (the bulk of its columns: every other is a start's count or a
    facilitator's flag), counted without building it; 0 where it builds none."""
    spare = _spare(problem, holds, plan)
    if spare < 0:
        return 0
    first = _first_starts(plan, starts)
    loaded = None if first is None else _seating(problem, first)
    seats = (start for _c, start, _cost, _dearer in _seat_options(problem, spare))
    leads = (start for _f, start, _cost in _lead_options(problem, spare))
    return sum(1 for start in [*seats, *leads] if loaded is None or start in loaded)


def _build(
    problem: Problem, budget: int, plan: Plan, spare: int, starts: frozenset[int] | None = None
) -> _Core:
    """The model: learners and leaders at options costing at most `spare` more than their
    cheapest, the plan's number of groups, what learners and leaders pay at most
    `budget`; minimising minus the facilitators leading. With `starts`, only their
    columns (every class's row still, and every facilitator's flag)."""
    core, target = _Core(), problem.params.target_learners()
    for c, start, _cost, dearer in _seat_options(problem, spare):
        if starts is None or start in starts:
            core.seats[c, start] = core.column(0.0, len(problem.classes[c].members), False)
            if dearer:
                core.dearer.append(core.seats[c, start])
    for f, start, _cost in _lead_options(problem, spare):
        if starts is None or start in starts:
            core.leads[f, start] = core.column(0.0, 1.0, True)
    able = Counter(start for _f, start in core.leads)
    for start in sorted(able):
        core.counts[start] = core.column(0.0, float(able[start]), True)
    for key, col in core.seats.items():
        if key[1] not in able:
            core.upper[col] = 0.0  # nobody can lead there
    _rows(problem, core, target, plan.group_count())
    _leader_rows(problem, core, spare if starts is not None else None)
    pay = {col: float(cost) for col, cost in _costs(problem, core).items() if cost}
    core.budget_row = core.keyed_row(("budget",), -INF, float(budget), pay)
    return core


def _seat_options(problem: Problem, spare: int) -> Iterator[tuple[int, int, int, bool]]:
    """(class, start, cost, dearer than the class's cheapest) of every learner option
    costing at most `spare` more than the class's cheapest."""
    for c, cls in enumerate(problem.classes):
        cheapest = min(cost for _start, cost in cls.options)
        for start, cost in cls.options:
            if cost - cheapest <= spare:
                yield c, start, cost, cost > cheapest


def _lead_options(problem: Problem, spare: int) -> Iterator[tuple[int, int, int]]:
    """(facilitator, start, cost) of every leader option costing at most `spare` more
    than the facilitator's cheapest, at a start some learner's option is (`_seat_options`)."""
    learner_starts = {start for _c, start, _cost, _dearer in _seat_options(problem, spare)}
    for f, options in enumerate(problem.facilitator_options):
        if problem.facilitator_capacity[f] <= 0 or not options:
            continue
        cheapest = min(options.values())
        for start, cost in sorted(options.items()):
            if start in learner_starts and cost - cheapest <= spare:
                yield f, start, cost


def _carried_basis(old: _Core, basis: Any, new: _Core) -> Any:
    """`basis` of `old` in `new`, which has more starts: each column and row keeps its
    status, a new column is at 0, a new row basic, and a clique row that grew with a
    new start takes the status of the one it contains; None where that is not a basis
    (as many basic as rows). Every new row holds at 0, so the basis stays primal
    feasible."""
    import highspy

    basic, lower = highspy.HighsBasisStatus.kBasic, highspy.HighsBasisStatus.kLower
    columns = dict(zip(old.column_keys(), basis.col_status, strict=True))
    rows = dict(zip(old.row_keys, basis.row_status, strict=True))
    col_status = [columns.get(key, lower) for key in new.column_keys()]
    row_status = [rows.get(key, basic) for key in new.row_keys]
    kept = set(new.row_keys)
    for key, status in rows.items():
        if key[0] == "clique" and key not in kept and status != basic:
            grown = [
                k
                for k, other in enumerate(new.row_keys)
                if other[:2] == key[:2] and other not in rows and set(key[2]) <= set(other[2])
            ]
            if not grown or row_status[grown[0]] != basic:
                return None
            row_status[grown[0]] = status
    if sum(status == basic for status in [*col_status, *row_status]) != len(row_status):
        return None
    carried = highspy.HighsBasis()
    carried.col_status, carried.row_status = col_status, row_status
    carried.valid = True
    return carried


def _seating(problem: Problem, starts: frozenset[int] | set[int]) -> frozenset[int]:
    """`starts` and, for every class with no cheapest option among them, its first
    cheapest: within the dive's limits (every learner at a cheapest start) each class is
    then seated somewhere."""
    added = set(starts)
    for cls in problem.classes:
        cheapest = min(cost for _start, cost in cls.options)
        at = [start for start, cost in cls.options if cost == cheapest]
        if not added.intersection(at):
            added.add(at[0])
    return frozenset(added)


def _left_out(
    problem: Problem, core: _Core, spare: int, starts: frozenset[int] | None
) -> tuple[float, list[int]]:
    """How many more leaders the whole relaxation (every start, no dive limits) can have
    than the one solved with only `starts`, at most, and the starts left out that could
    add any: weak duality, the solved relaxation's row duals kept, each left-out start's
    own rows' duals chosen at best. Per group at a start, its count, its best leader and
    its `target` best seats (each class at most its `_most` a group) change the
    objective by their reduced costs' sum, the slope of that start's best at 0 groups;
    that best is convex in the groups, so at most its slope times the most groups there.
    The rows joining the starts keep their duals (a class's, the groups in all, the
    budget, a facilitator's capacity and flag); a clique row loaded is a part of a whole
    one, so every whole one takes 0. (0, []) with every start loaded."""
    if starts is None:
        return 0.0, []
    import numpy as np

    duals = np.array(core.highs.getSolution().row_dual)
    target, budget = problem.params.target_learners(), float(duals[core.budget_row])
    seats: dict[int, list[tuple[float, float]]] = {}
    for c, start, cost, _dearer in _seat_options(problem, spare):
        if start not in starts:
            reduced = -float(duals[core.class_rows[c]]) - cost * budget
            seats.setdefault(start, []).append((reduced, _most(problem, c, target)))
    leads: dict[int, list[float]] = {}
    for f, start, cost in _lead_options(problem, spare):
        if start not in starts:
            capacity = float(duals[core.capacity_rows[f]]) if f in core.capacity_rows else 0.0
            flag = float(duals[core.flag_rows[f]])
            leads.setdefault(start, []).append(-capacity + flag - cost * budget)
    gain, adding = 0.0, []
    for start, leaders in sorted(leads.items()):
        seated = _cheapest_seats(seats.get(start, []), target)
        if seated is None:
            continue  # no group can meet there
        slope = -float(duals[core.total_row]) + min(leaders) + seated
        if slope < 0:
            gain += -slope * len(leaders)  # each can lead one group there
        if slope < -_SLACK:
            adding.append(start)
    return gain, adding


def _cheapest_seats(seats: list[tuple[float, float]], target: int) -> float | None:
    """The least sum of reduced costs over `target` seats, each (reduced cost, most)
    taken at most `most` times (None if they do not reach `target`)."""
    need, total = float(target), 0.0
    for reduced, most in sorted(seats):
        taken = min(most, need)
        total, need = total + taken * reduced, need - taken
        if need <= 0:
            return total
    return None


def _most(problem: Problem, c: int, target: int) -> float:
    """Most learners of class `c` in one group."""
    return float(min(len(problem.classes[c].members), target))


def _rows(problem: Problem, core: _Core, target: int, groups: int) -> None:
    """Each class seated, `target` learners per group at each start, a class's learners
    at a start only where it has a group (tightens the relaxation: 42 leaders promised
    without, 41.25 with, on typical 300), one leader per group, `groups` in all."""
    by_class: dict[int, dict[int, float]] = {}
    at_start: dict[int, dict[int, float]] = {}
    for (c, start), col in core.seats.items():
        by_class.setdefault(c, {})[col] = 1.0
        at_start.setdefault(start, {})[col] = 1.0
    for c, terms in sorted(by_class.items()):
        size = float(len(problem.classes[c].members))
        core.class_rows[c] = core.keyed_row(("class", c), size, size, terms)
    led_at: dict[int, dict[int, float]] = {}
    for (_f, start), col in core.leads.items():
        led_at.setdefault(start, {})[col] = 1.0
    for start, count in core.counts.items():
        core.keyed_row(("at", start), 0.0, 0.0, at_start.get(start, {}) | {count: -float(target)})
        core.keyed_row(("led", start), 0.0, 0.0, led_at[start] | {count: -1.0})
    for (c, start), col in core.seats.items():
        if start in core.counts:
            linked = {col: 1.0, core.counts[start]: -_most(problem, c, target)}
            core.keyed_row(("link", c, start), -INF, 0.0, linked)
    every = dict.fromkeys(core.counts.values(), 1.0)
    core.total_row = core.keyed_row(("total",), float(groups), float(groups), every)


def _leader_rows(problem: Problem, core: _Core, spare: int | None = None) -> None:
    """Capacity and overlapping meetings per facilitator, and a flag per facilitator that
    is 1 only if they lead a group (the objective: minus the flags). With `spare` (only
    some starts loaded), a flag also for every facilitator with an option within it but
    none loaded (its row: the flag at most 0)."""
    by_facilitator: dict[int, dict[int, int]] = {}
    for (f, start), col in core.leads.items():
        by_facilitator.setdefault(f, {})[start] = col
    if spare is not None:
        for f, _start, _cost in _lead_options(problem, spare):
            by_facilitator.setdefault(f, {})
    for f, columns in sorted(by_facilitator.items()):
        if columns:
            capacity = float(problem.facilitator_capacity[f])
            terms = dict.fromkeys(columns.values(), 1.0)
            core.capacity_rows[f] = core.keyed_row(("capacity", f), -INF, capacity, terms)
        for clique in overlap_cliques(problem, sorted(columns)):
            terms = {columns[start]: 1.0 for start in clique}
            core.keyed_row(("clique", f, clique), -INF, 1.0, terms)
        flag = core.flags[f] = core.column(-1.0, 1.0, False)
        terms = {flag: 1.0} | dict.fromkeys(columns.values(), -1.0)
        core.flag_rows[f] = core.keyed_row(("flag", f), -INF, 0.0, terms)


def _costs(problem: Problem, core: _Core) -> dict[int, int]:
    costs = {}
    for (c, start), col in core.seats.items():
        costs[col] = dict(problem.classes[c].options)[start]
    for (f, start), col in core.leads.items():
        costs[col] = problem.facilitator_options[f][start]
    return costs


def _relaxation(highs: Any, deadline: float, ipm: bool = False) -> float | None:
    """The most facilitators leading in the relaxation (None if not solved in time).
    The first by the interior-point solver with crossover (0.3-0.65 s on typical 300,
    against 0.9-2 s by dual simplex), whose basis the re-solves start from."""
    left = deadline - time.monotonic()
    if left < LEAST_SECONDS:
        return None
    if ipm:
        # the time limit only here: set before every re-solve as well, typical 300's
        # rounding took 1.8 s against 1.2 s (one run each at load 3); the re-solves end
        # well within it, and the deadline is checked between them
        highs.setOptionValue("solve_relaxation", True)
        highs.setOptionValue("solver", "ipm")
        highs.setOptionValue("time_limit", highs.getRunTime() + left)
    highs.run()
    if ipm:
        highs.setOptionValue("solver", "choose")
    if highs.modelStatusToString(highs.getModelStatus()) != "Optimal":
        return None
    return -float(highs.getInfo().objective_function_value)


def _round_counts(core: _Core, aim: int, deadline: float) -> bool:
    """Round every start's number of groups, up where the relaxation keeps `aim` leaders,
    else down; False if neither keeps them or time runs out."""
    import numpy as np

    alone, first = 0, True
    while True:
        solution = np.array(core.highs.getSolution().col_value)
        fractional = sorted(
            (
                (value - math.floor(value), start)
                for start, col in core.counts.items()
                if abs((value := float(solution[col])) - round(value)) > _WHOLE
            ),
            reverse=True,
        )
        if not fractional:  # whole already: kept so for the MIP that chooses leaders
            for col in core.counts.values():
                whole = float(round(float(solution[col])))
                core.highs.changeColBounds(col, whole, whole)
            return True
        ups = {start: math.ceil(float(solution[core.counts[start]])) for _p, start in fractional}
        if len(fractional) > 2 * _AT_ONCE and alone <= 0:
            batches = [fractional[:_AT_ONCE]]
            halfway = [(part, start) for part, start in fractional if part >= _HALFWAY]
            if first and len(halfway) > _AT_ONCE:
                batches.insert(0, halfway)
            first = False
            if any(
                _fix(core, {start: ups[start] for _part, start in batch}, aim, deadline)
                for batch in batches
            ):
                continue
            alone = _ALONE_AFTER_FAILED_BATCH
        alone -= 1
        start = fractional[0][1]
        if not any(
            _fix(core, {start: whole}, aim, deadline) for whole in (ups[start], ups[start] - 1)
        ):
            return False


def _fix(core: _Core, counts: dict[int, int], aim: int, deadline: float) -> bool:
    """Fix these starts' counts; kept if the relaxation still has `aim` leaders, else
    undone (False)."""
    basis = core.highs.getBasis()
    for start, whole in counts.items():
        core.highs.changeColBounds(core.counts[start], float(whole), float(whole))
    promised = _relaxation(core.highs, deadline)
    if promised is not None and promised >= aim - _SLACK:
        return True
    for start in counts:
        core.highs.changeColBounds(core.counts[start], 0.0, core.upper[core.counts[start]])
    # the basis from before, optimal again: after an infeasible batch dual simplex took
    # 4,444 iterations (0.64 s) to come back from the one it ended with
    core.highs.setBasis(basis)
    return False


def _answer(problem: Problem, core: _Core, deadline: float) -> Plan | None:
    """Who leads the groups at the counts fixed (a MIP of 0.03 s), and the learners'
    seats (whole: with whole counts they are a transportation problem); as a plan."""
    import highspy
    import numpy as np

    highs = core.highs
    left = deadline - time.monotonic()
    if left < LEAST_SECONDS:
        return None
    highs.setOptionValue("solve_relaxation", False)
    highs.setOptionValue("solver", "choose")
    highs.setOptionValue("time_limit", left)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = np.array(highs.getSolution().col_value)
    if any(abs(value - round(value)) > _WHOLE for value in solution):
        return None
    plan = Plan()
    for (f, start), col in core.leads.items():
        if round(solution[col]):
            plan.groups_at.setdefault(start, []).append(f)
    taken: Counter[int] = Counter()
    for (c, start), col in sorted(core.seats.items()):
        count = round(solution[col])
        if count:
            members = problem.classes[c].members[taken[c] : taken[c] + count]
            plan.learners_at.setdefault(start, []).extend(members)
            taken[c] += count
    return plan
