"""The aggregated mixed-integer model, as plain lists (no solver imported here).

Columns:
  w[c,s]  learners of class c meeting at start s (integer)
  v[c,g]  learners of class c joining existing group g (integer)
  y[f,s]  facilitator f leads a group at start s (binary; facilitated cohorts)
  n[s]    groups at start s (integer; peer cohorts)
  e[s]    |learners at s - target * groups at s| (size objective)
  o[f]    groups of f beyond their first (fairness objective)
  m       most groups at any one start (spread objective)
Rows: one seat per learner class, room in existing groups, facilitator
capacity, no facilitator in two overlapping meetings in any week (one row per
instant where several of their candidate meetings overlap), and per start
G*min <= learners <= G*max, which makes any split of the learners legal.

Optional linking rows w[c,s] <= min(|c|, max)*G_s add nothing to the integer
model (they follow from the start rows) but cut off fractional answers where a
learner sits in a fraction of a group: they make the relaxation of the size and
preference phases much tighter on small and narrow cohorts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from roundtable.scheduling.problem import Problem

INF = float("inf")
Row = tuple[float, float, list[int], list[float]]  # bounds, columns, coefficients


@dataclass
class Formulation:
    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[float, float, list[int], list[float]]] = field(default_factory=list)
    w: dict[tuple[int, int], int] = field(default_factory=dict)
    v: dict[tuple[int, int], int] = field(default_factory=dict)
    y: dict[tuple[int, int], int] = field(default_factory=dict)
    n: dict[int, int] = field(default_factory=dict)
    e: dict[int, int] = field(default_factory=dict)
    o: dict[int, int] = field(default_factory=dict)
    m: int = -1
    # objectives of the phases, as {column: coefficient}
    objectives: dict[str, dict[int, float]] = field(default_factory=dict)
    seat_rows: list[int] = field(default_factory=list)  # per class, its seat row
    # the rows keeping a facilitator out of two overlapping meetings (`overlap_cliques`)
    overlap_rows: list[int] = field(default_factory=list)
    linking: range = range(0)  # where the linking rows are in `rows`
    # linking rows left out of `rows`, for a solver to add as they are violated
    left_out: list[tuple[float, float, list[int], list[float]]] = field(default_factory=list)

    def column(self, upper: float, integer: bool) -> int:
        self.cost.append(0.0)
        self.lower.append(0.0)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, lower: float, upper: float, terms: dict[int, float]) -> None:
        if terms:
            self.rows.append((lower, upper, list(terms), list(terms.values())))

    def without_linking(self) -> Formulation:
        """The same model with its linking rows in `left_out` instead of `rows` (they add
        nothing to the integer model; `lp_dive.LinkingRows` adds back those a relaxation
        violates). Shares every other list with this one."""
        kept = self.rows[: self.linking.start] + self.rows[self.linking.stop :]
        left_out = self.rows[self.linking.start : self.linking.stop]
        return replace(self, rows=kept, linking=range(0), left_out=left_out)


def formulate(problem: Problem, linking: bool = False) -> Formulation:
    """Build the model of the problem with every phase's objective."""
    model = Formulation()
    _learner_columns(problem, model)
    _group_columns(problem, model)
    _facilitator_rows(problem, model)
    _start_rows(problem, model)
    if linking:
        first = len(model.rows)
        _linking_rows(problem, model)
        model.linking = range(first, len(model.rows))
    _objectives(problem, model)
    return model


def _linking_rows(problem: Problem, model: Formulation) -> None:
    """w[c,s] <= min(|c|, max) * G_s: a class's learners at a start need whole groups."""
    high = problem.params.learner_bounds()[1]
    groups_at = _groups_by_start(problem, model)
    for (c, start), col in model.w.items():
        seats = min(len(problem.classes[c].members), high)
        model.row(-INF, 0, {col: 1.0} | _times(groups_at.get(start, {}), -seats))


def _learner_columns(problem: Problem, model: Formulation) -> None:
    for c, cls in enumerate(problem.classes):
        seats: dict[int, float] = {}
        for start, _cost in cls.options:
            seats[model.column(len(cls.members), True)] = 1.0
            model.w[c, start] = len(model.cost) - 1
        for slot, _cost in cls.joins:
            room = min(len(cls.members), problem.existing[slot].room)
            seats[model.column(room, True)] = 1.0
            model.v[c, slot] = len(model.cost) - 1
        model.seat_rows.append(len(model.rows))
        model.row(-INF, len(cls.members), seats)
    joining: dict[int, dict[int, float]] = {}
    for (_c, slot_index), col in model.v.items():
        joining.setdefault(slot_index, {})[col] = 1.0
    for slot_index, terms in sorted(joining.items()):
        model.row(-INF, problem.existing[slot_index].room, terms)


def _group_columns(problem: Problem, model: Formulation) -> None:
    low = max(problem.params.learner_bounds()[0], 1)
    if problem.facilitated:
        for f, options in enumerate(problem.facilitator_options):
            if problem.facilitator_capacity[f] > 0:
                for start in sorted(options):
                    model.y[f, start] = model.column(1, True)
    else:
        seats_at = _seats_at(problem)
        for start in problem.viable_starts:
            model.n[start] = model.column(seats_at.get(start, 0) // low, True)
    for start in problem.viable_starts:
        model.e[start] = model.column(INF, False)
    if problem.facilitated:
        for f in range(len(problem.facilitators)):
            model.o[f] = model.column(INF, False)
    model.m = model.column(INF, False)


def _facilitator_rows(problem: Problem, model: Formulation) -> None:
    existing_load = _existing_load(problem)
    by_facilitator: dict[int, dict[int, int]] = {}
    for (f, start), col in model.y.items():
        by_facilitator.setdefault(f, {})[start] = col
    for f, columns in sorted(by_facilitator.items()):
        model.row(-INF, problem.facilitator_capacity[f], dict.fromkeys(columns.values(), 1.0))
        for clique in overlap_cliques(problem, sorted(columns)):
            model.overlap_rows.append(len(model.rows))
            model.row(-INF, 1, {columns[s]: 1.0 for s in clique})
        terms = {model.o[f]: 1.0} | dict.fromkeys(columns.values(), -1.0)
        model.row(existing_load.get(f, 0) - 1, INF, terms)


def _existing_load(problem: Problem) -> dict[int, int]:
    index = {a.person.id: f for f, a in enumerate(problem.facilitators)}
    load: dict[int, int] = {}
    for slot in problem.existing:
        for person_id in slot.group.facilitators:
            if person_id in index:
                load[index[person_id]] = load.get(index[person_id], 0) + 1
    return load


def overlap_cliques(problem: Problem, starts: list[int]) -> list[tuple[int, ...]]:
    """Maximal sets of starts that share an instant in some week: at most one may be chosen.

    One sweep over the meetings in time order: the meetings still running when one
    begins are those since the first that ends after it (`searchsorted`), and a window
    is kept only where the next meeting ends one of them, since until then each window
    contains the last (per-group 1,200's 184 facilitators: 0.22 s against 0.49 s when
    every meeting's window was gathered again by walking back). The windows are found
    by numpy; only the kept ones are made sets (sparse 2,000: 41,371 windows of 49,520
    meetings, 5,278 distinct)."""
    import numpy as np

    series = [problem.catalog.starts[start].minutes for start in starts]
    moments = np.fromiter((m for one in series for m in one), np.int64)
    owners = np.repeat(np.array(starts, dtype=np.int64), [len(one) for one in series])
    order = np.lexsort((owners, moments))  # by (moment, start)
    moments, owners = moments[order], owners[order]
    # first[i]: the earliest meeting still running when meeting i begins
    first = np.searchsorted(moments, moments - problem.params.meeting_minutes, side="right")
    kept = np.append(first[1:] > first[:-1], True) & (first < np.arange(len(first)))
    members = owners.tolist()
    windows = {
        frozenset(members[begin : end + 1])
        for begin, end in zip(first[kept].tolist(), np.flatnonzero(kept).tolist(), strict=True)
    }
    return _maximal({window for window in windows if len(window) > 1})


def _maximal(cliques: set[frozenset[int]]) -> list[tuple[int, ...]]:
    """Drop cliques contained in a larger one; their rows would add nothing."""
    kept: list[frozenset[int]] = []
    containing: dict[int, list[frozenset[int]]] = {}
    for clique in sorted(cliques, key=lambda c: (-len(c), sorted(c))):
        if any(clique <= other for other in containing.get(min(clique), ())):
            continue
        kept.append(clique)
        for member in clique:
            containing.setdefault(member, []).append(clique)
    return sorted(tuple(sorted(clique)) for clique in kept)


def _start_rows(problem: Problem, model: Formulation) -> None:
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    learners_at: dict[int, dict[int, float]] = {}
    for (_c, start), col in model.w.items():
        learners_at.setdefault(start, {})[col] = 1.0
    groups_at = _groups_by_start(problem, model)
    seats = _seats_at(problem)
    for start in problem.viable_starts:
        learners = learners_at.get(start, {})
        groups = groups_at.get(start, {})
        model.row(0, INF, learners | dict.fromkeys(groups, -low))
        # x <= U*G is valid when at most U < max learners can ever meet here (G = 0 means
        # x = 0, and G >= 1 allows x <= U anyway); it is much tighter when G is fractional
        most = min(high, seats.get(start, 0))
        model.row(-INF, 0, learners | dict.fromkeys(groups, -most))
        model.row(
            0, INF, {model.e[start]: 1.0} | dict.fromkeys(learners, -1.0) | _times(groups, target)
        )
        model.row(0, INF, {model.e[start]: 1.0} | learners | _times(groups, -target))
        model.row(0, INF, {model.m: 1.0} | _times(groups, -1))


def _seats_at(problem: Problem) -> dict[int, int]:
    """Most learners who could ever meet at each start."""
    seats: dict[int, int] = {}
    for cls in problem.classes:
        for start, _cost in cls.options:
            seats[start] = seats.get(start, 0) + len(cls.members)
    return seats


def _groups_by_start(problem: Problem, model: Formulation) -> dict[int, dict[int, float]]:
    if not problem.facilitated:
        return {start: {col: 1.0} for start, col in model.n.items()}
    groups: dict[int, dict[int, float]] = {}
    for (_f, start), col in model.y.items():
        groups.setdefault(start, {})[col] = 1.0
    return groups


def _times(terms: dict[int, float], factor: float) -> dict[int, float]:
    return {col: value * factor for col, value in terms.items()}


def _objectives(problem: Problem, model: Formulation) -> None:
    placed = dict.fromkeys([*model.w.values(), *model.v.values()], 1.0)
    model.objectives["placed"] = placed
    if model.v:
        model.objectives["joins"] = dict.fromkeys(model.v.values(), 1.0)
    model.objectives["sizes"] = dict.fromkeys(model.e.values(), 1.0)
    model.objectives["preferences"] = _preference_costs(problem, model)
    spread = {model.m: 1.0} | dict.fromkeys(model.o.values(), 10.0)
    model.objectives["spread"] = spread


def _preference_costs(problem: Problem, model: Formulation) -> dict[int, float]:
    costs: dict[int, float] = {}
    for c, cls in enumerate(problem.classes):
        for start, cost in cls.options:
            costs[model.w[c, start]] = float(cost)
        for slot, cost in cls.joins:
            costs[model.v[c, slot]] = float(cost)
    for (f, start), col in model.y.items():
        costs[col] = float(problem.facilitator_options[f][start])
    return {col: cost for col, cost in costs.items() if cost}


def group_column_count(problem: Problem) -> int:
    """The model's group columns (`formulation._group_columns`), counted without it."""
    if not problem.facilitated:
        return len(problem.viable_starts)
    capacities = problem.facilitator_capacity
    return sum(len(o) for f, o in enumerate(problem.facilitator_options) if capacities[f] > 0)


def total_row(problem: Problem, model: Formulation, totals: range) -> Row:
    """Between `totals.start` and `totals.stop - 1` new groups in all (`bounds.held_totals`:
    a relaxation free to take 220.8 groups where every answer has 220 pays less)."""
    columns = [col for cols in _groups_by_start(problem, model).values() for col in cols]
    return (float(totals.start), float(totals.stop - 1), columns, [1.0] * len(columns))


def if_needed_seats(problem: Problem, model: Formulation) -> dict[int, float]:
    """The if-needed seats each column of the preferences pays: its cost in whole
    if-needed weights (learners' and leaders' alike). Every cost is non-negative, so an
    answer with s seats costs at least s weights."""
    weight = problem.if_needed_weight()
    costs = model.objectives["preferences"].items()
    return {col: float(cost // weight) for col, cost in costs if cost >= weight}


def fewest_seats_row(problem: Problem, model: Formulation, least: int) -> Row:
    """At least `least` if-needed seats (`if_needed_seats`) in all."""
    seats = if_needed_seats(problem, model)
    return (float(least), INF, list(seats), list(seats.values()))


def if_needed_row(problem: Problem, model: Formulation, most: int) -> Row:
    """At most `most` learners on if-needed time (their options costing the if-needed
    weight or more)."""
    weight = problem.if_needed_weight()
    columns = [
        model.w[c, start]
        for c, cls in enumerate(problem.classes)
        for start, price in cls.options
        if price >= weight
    ]
    return (0.0, float(most), columns, [1.0] * len(columns))
