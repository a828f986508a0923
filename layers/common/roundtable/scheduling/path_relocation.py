"""Opening a group where a paying learner would pay less, its learners brought along paths.

With every count held (sizes on target: each start has exactly target x groups
learners), a learner on if-needed or shifting time can leave their start only
if a group opens somewhere cheaper for them and one closes somewhere else, and
whole groups rarely share a second start (`relocation` moves a group's own
learners only). Here the learner's group closes (its dearest leader leaves), a
group opens at the cheaper start (the cheapest free leader takes it), the
learner moves there, and the other learners the two counts need travel along
the cheapest paths of moves between the starts (each hop moves one learner, so
only the two ends change their counts, as in `cycles`). Kept only when
(sizes, preferences) drop; placement and joins never change.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from roundtable.scheduling.cycles import step_costs
from roundtable.scheduling.polish import size_objective
from roundtable.scheduling.relocation import (
    dearest_leader,
    leader_cost_at,
    leader_fees,
    move_group,
)
from roundtable.scheduling.search import FAR, Search

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_LEARNERS = 64  # paying learners tried per call, dearest first
_DESTINATIONS = 2  # cheaper starts tried per learner
_PATIENCE = 16  # failed group moves in a row that end a pass


def relocate_along_paths(search: Search, deadline: float) -> bool:
    """Try the dearest paying learners' cheaper starts until the deadline."""
    moved = False
    for learner, origin, destination in _candidates(search):
        if time.monotonic() > deadline:
            break
        if int(search.assign[learner]) == origin and search.groups[origin]:
            moved |= _relocate(search, learner, origin, destination)
    return moved


def relocate_groups_along_paths(search: Search, deadline: float) -> bool:
    """Move groups to starts where their leader, or the learners a path of moves brings,
    pay less; passes over the starts with groups until one moves nothing or time runs
    out.

    With every learner already at a cheapest start the objective left is the leaders';
    a cheaper leader at another start needs the whole group moved there, and its
    learners rarely share that start, so they travel along paths as above. When not
    everyone is placed a path may pass through the pool (a payer leaves, a learner who
    pays less comes in), so placement holds.
    """
    moved = False
    while _pass(search, deadline):
        moved = True
    return moved


def _pass(search: Search, deadline: float) -> bool:
    """One pass, the starts that pay most first; True if any group moved. The pass ends
    after `_PATIENCE` failed attempts in a row: where one learner's path is a poor
    guide (narrow availability: the next learners find no path) most attempts fail."""
    moved, failed = False, 0
    steps = _all_steps(search)  # learners only move when an attempt is kept
    for origin in _paying_starts(search):
        if time.monotonic() > deadline or failed >= _PATIENCE:
            break
        destination = _best_destination(search, steps, origin) if search.groups[origin] else None
        if destination is None:
            continue
        if _relocate(search, None, origin, destination, steps):
            moved, failed, steps = True, 0, _all_steps(search)
        else:
            failed += 1
    return moved


def _paying_starts(search: Search) -> list[int]:
    """Starts with groups where their learners or dearest leader pay, most first (where
    nobody pays, a path would have to gain on its own: `cycles` finds those)."""
    import numpy as np

    starts = len(search.starts)
    placed = np.flatnonzero(search.assign < starts)
    paid = np.bincount(
        search.assign[placed], weights=search.cost[placed, search.assign[placed]], minlength=starts
    )
    for origin in range(starts):
        leader = dearest_leader(search, origin) if search.groups[origin] else None
        paid[origin] += leader_cost_at(search, leader, origin) if leader is not None else 0
    paying = np.flatnonzero(search.open_nodes()[:starts] & (paid > 0))
    return sorted(paying.tolist(), key=lambda k: -paid[k])


def _best_destination(search: Search, steps: NDArray[np.float64], origin: int) -> int | None:
    """The start where moving one of the origin's groups looks best, if any looks like
    it pays: the cheapest path of moves from the origin into it costs less than the
    group's dearest leader would save there.

    One learner's path only guides (the group needs several, and each changes the
    next one's cost); the move is judged by its true effect.
    """
    import numpy as np

    starts = len(search.starts)
    saving = np.zeros(starts, dtype=np.int64)
    leaving = dearest_leader(search, origin)
    if leaving is not None:
        saving = leader_fees(search, origin, leaving, search.leaders.cheapest_free())
    # the path's inner nodes keep their groups; the pool gives one for one it takes
    inner = np.append(np.flatnonzero(search.open_nodes()), search.pool)
    _parent, distance = _shortest(steps[np.ix_(inner, inner)], int(np.searchsorted(inner, origin)))
    # the cheapest path from the origin into each start: its last hop from an inner node
    score = (distance[:, None] + steps[inner, :starts]).min(axis=0) - saving
    score[origin] = np.inf
    best = int(np.argmin(score))
    return best if score[best] < 0 else None


def preference_cost(search: Search) -> int:
    """What placed learners and the leaders of new groups pay, as the search counts it."""
    import numpy as np

    placed = np.flatnonzero(search.assign != search.pool)
    paid = int(search.cost[placed, search.assign[placed]].sum())
    leaders = search.leaders
    return paid + sum(int(leaders.cost[f, node]) for f, at in enumerate(leaders.at) for node in at)


def _candidates(search: Search) -> list[tuple[int, int, int]]:
    """(learner, their start, a start where they would pay less), dearest payers first."""
    import numpy as np

    starts = len(search.starts)
    placed = np.flatnonzero(search.assign < starts)
    if not placed.size:
        return []
    here = search.cost[placed, search.assign[placed]]
    excess = here - search.cost[placed, :starts].min(axis=1)
    order = np.argsort(-excess, kind="stable")
    chosen = [int(placed[k]) for k in order[:_LEARNERS] if excess[k] > 0]
    found = []
    for learner in chosen:
        origin = int(search.assign[learner])
        costs = search.cost[learner, :starts]
        cheaper = np.flatnonzero(costs < costs[origin])
        best = cheaper[np.argsort(costs[cheaper], kind="stable")][:_DESTINATIONS]
        found += [(learner, origin, int(destination)) for destination in best]
    return found


def _relocate(
    search: Search,
    learner: int | None,
    origin: int,
    destination: int,
    steps: NDArray[np.float64] | None = None,
) -> bool:
    """Move the origin's dearest leader's group to the destination (with `learner`, if
    given), the others the counts need along paths; kept if (sizes, preferences) drop.
    `steps`: `_all_steps` of the current state, if known."""
    before = (size_objective(search), preference_cost(search))
    mark = search.mark()
    # any leader will do here: the move is judged by its whole effect below
    if not move_group(search, origin, dearest_leader(search, origin), destination, -FAR):
        return False
    if learner is not None:
        search.move(learner, destination)
    if not _bring(search, origin, destination, steps):
        search.undo(mark)
        return False
    if (size_objective(search), preference_cost(search)) < before:
        return True
    search.undo(mark)
    return False


def _bring(
    search: Search, origin: int, destination: int, steps: NDArray[np.float64] | None = None
) -> bool:
    """Move learners from origin to destination along the cheapest paths until both
    counts are legal and as near their targets as any number of moves makes them.

    The step costs are computed once and reused for every unit (recomputed only when a
    path's hop has nobody left to move): they only guide, the move is judged by its
    true effect. `steps` (between all nodes, from `_all_steps`) saves computing them.
    """
    wanted = _transfer(search, origin, destination)
    if wanted is None:
        return False
    graph = _step_graph(search, origin, steps)
    for _unit in range(wanted):
        path = _cheapest_path(graph, origin, destination)
        if path is None or not _movable(search, path):
            graph = _step_graph(search, origin)
            path = _cheapest_path(graph, origin, destination)
        if path is None or not _movable(search, path):
            return False
        _apply(search, path)
    return True


def _movable(search: Search, path: list[int]) -> bool:
    return all(
        search.counts[a] > 0 if b == search.pool else search.links[a, b] > 0
        for a, b in zip(path, path[1:], strict=False)
    )


def _apply(search: Search, path: list[int]) -> None:
    """Move one learner along each hop, last hop first; into the pool goes the dearest
    learner of the node (the pool is only ever an inner node: as many leave as enter)."""
    import numpy as np

    for hop in range(len(path) - 1, 0, -1):
        origin, destination = path[hop - 1], path[hop]
        if destination == search.pool:
            here = np.flatnonzero(search.assign == origin)
            learner = int(here[int(np.argmax(search.cost[here, origin]))])
        else:
            learner = search.mover(origin, destination)
        search.move(learner, destination)


def _transfer(search: Search, origin: int, destination: int) -> int | None:
    """How many learners to move from origin to destination (None: no legal number)."""
    counts, groups = search.counts, [len(search.groups[k]) for k in (origin, destination)]
    best: tuple[int, int] | None = None
    for moving in range(counts[origin] + 1):
        here, there = counts[origin] - moving, counts[destination] + moving
        legal = all(
            g * search.low <= n <= g * search.high
            for n, g in zip((here, there), groups, strict=True)
        )
        if legal:
            deviation = abs(here - search.target * groups[0])
            deviation += abs(there - search.target * groups[1])
            if best is None or (deviation, moving) < best:
                best = (deviation, moving)
    return None if best is None else best[1]


def _all_steps(search: Search) -> NDArray[np.float64]:
    """The cheapest step between every two nodes (the pool last). They depend on where
    learners sit, not on the groups, so they serve every attempt until learners move."""
    import numpy as np

    steps, _movers = step_costs(search, np.arange(search.size + 1, dtype=np.int64))
    return steps


def _step_graph(
    search: Search, origin: int, every: NDArray[np.float64] | None = None
) -> tuple[NDArray[np.int64], NDArray[np.float64], dict[int, int]]:
    """The nodes with groups (and the origin, which may have lost its last group but
    still holds learners), the cheapest step between each two, and each node's index.
    The pool is left out, so placement holds. `every`: `_all_steps` of this state."""
    import numpy as np

    usable = search.open_nodes()
    usable[origin] = True
    nodes = np.append(np.flatnonzero(usable), search.pool)
    if every is None:
        steps, _movers = step_costs(search, nodes)
    else:
        steps = every[np.ix_(nodes, nodes)]
    if not (search.assign == search.pool).any():
        steps[-1, :] = steps[:, -1] = np.inf
    return nodes, steps, {int(node): k for k, node in enumerate(nodes)}


def _cheapest_path(
    graph: tuple[NDArray[np.int64], NDArray[np.float64], dict[int, int]],
    origin: int,
    destination: int,
) -> list[int] | None:
    """Nodes of the cheapest path of moves from origin to destination (Bellman-Ford)."""
    nodes, steps, index = graph
    parent = _shortest_tree(steps, index[origin])
    walk: list[int] = []
    node = index[destination]
    while node >= 0 and len(walk) <= len(nodes):
        walk.append(int(nodes[node]))
        node = int(parent[node])
    if walk[-1] != origin or len(set(walk)) != len(walk):
        return None
    return walk[::-1]


def _shortest_tree(steps: NDArray[np.float64], source: int) -> NDArray[np.int64]:
    """Predecessors of the cheapest paths from the source (at most len(steps) rounds)."""
    return _shortest(steps, source)[0]


def _shortest(
    steps: NDArray[np.float64], source: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Predecessors and costs of the cheapest paths from the source (Bellman-Ford)."""
    import numpy as np

    count = len(steps)
    distance = np.full(count, np.inf)
    distance[source] = 0.0
    parent = np.full(count, -1, dtype=np.int64)
    for _round in range(count):
        reach = distance[:, None] + steps
        best = reach.argmin(axis=0)
        value = reach[best, np.arange(count)]
        better = value < distance - 1e-9
        better[source] = False
        if not better.any():
            break
        distance[better] = value[better]
        parent[better] = best[better]
    return parent, distance
