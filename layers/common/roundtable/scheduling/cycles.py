"""Cheaper times for learners without changing any count: negative-cycle cancelling.

With the counts per node fixed, who sits where is a min-cost flow, and it is
optimal exactly when no cycle of moves lowers the cost. A cycle a → b → … → a
moves one learner out of and one into every node on it, so placement, joins
and sizes stay as they are. `step[a, b]` is the cheapest change of cost for
moving some learner at `a` to `b`; the pool takes part (swapping a placed
learner for an unplaced one keeps the number placed). Bellman-Ford from a
virtual source finds a negative cycle in the predecessor graph; it is cancelled
and the search repeats until none is left.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from roundtable.scheduling.search import Search

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_NONE = float("inf")


def cancel_cycles(search: Search, seconds: float) -> int:
    """Cancel negative cycles until none is left or time runs out; returns how many."""
    import numpy as np

    deadline = time.monotonic() + seconds
    cancelled = 0
    nodes = np.empty(0, dtype=np.int64)
    while time.monotonic() < deadline:
        # only nodes with groups (and the pool) hold learners or can take them
        now = np.append(np.flatnonzero(search.open_nodes()), search.pool)
        if not np.array_equal(now, nodes):
            nodes = now
            steps, movers = step_costs(search, nodes)
        cycle = _negative_cycle(steps)
        if cycle is None:
            break
        for origin, destination in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
            search.move(int(movers[origin, destination]), int(nodes[destination]))
        cancelled += 1
        # a move changes who sits at its two nodes only, so only the cycle's rows of the
        # table change (a table each time took 2.7 of 2.9 s on few facilitators 2,000)
        _fill_rows(search, nodes, np.array(cycle, dtype=np.int64), steps, movers)
    return cancelled


def step_costs(
    search: Search, nodes: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per pair of the given nodes, the cheapest change of cost of one move, and its learner."""
    import numpy as np

    count = len(nodes)
    steps = np.full((count, count), _NONE)
    movers = np.zeros((count, count), dtype=np.int64)
    _fill_rows(search, nodes, np.arange(count), steps, movers)
    return steps, movers


def _fill_rows(
    search: Search,
    nodes: NDArray[np.int64],
    rows: NDArray[np.int64],
    steps: NDArray[np.float64],
    movers: NDArray[np.int64],
) -> None:
    """(Re)compute the table's rows of the given node positions: moves out of them."""
    import numpy as np

    count = len(nodes)
    position = np.full(search.size + 1, -1, dtype=np.int64)
    position[nodes] = np.arange(count)
    active = search.movable
    where = position[search.assign[active]]
    inside = np.isin(where, rows)
    active, where = active[inside], where[inside]
    placed = search.assign[active] != search.pool
    here = np.zeros(len(active))
    here[placed] = search.cost[active[placed], search.assign[active[placed]]]
    change = np.empty((len(active), count))
    starts = nodes[:-1]  # every node but the pool
    # one gather from the costs with _NONE where a learner cannot attend: the pool's row
    # holds every unplaced learner (few facilitators 2,000: 782, most cycles pass it)
    change[:, :-1] = search.attendable_cost[np.ix_(active, starts)] - here[:, None]
    change[:, -1] = np.where(placed, -here, _NONE)
    steps[rows], movers[rows] = _NONE, 0
    order = np.lexsort((active, where))
    origins, firsts = np.unique(where[order], return_index=True)
    for origin, first, last in zip(origins, firsts, [*firsts[1:], len(order)], strict=True):
        block = order[first:last]
        moves = change[block]
        best = moves.argmin(axis=0)
        steps[origin] = moves[best, np.arange(count)]
        movers[origin] = active[block[best]]
    steps[rows, rows] = _NONE


def _negative_cycle(steps: NDArray[np.float64]) -> list[int] | None:
    """A cycle of negative total cost in the step graph, or None (Bellman-Ford)."""
    import numpy as np

    nodes = len(steps)
    distance = np.zeros(nodes)
    parent = np.full(nodes, -1, dtype=np.int64)
    for _round in range(nodes):
        reach = distance[:, None] + steps
        best = reach.argmin(axis=0)
        value = reach[best, np.arange(nodes)]
        better = value < distance - 1e-9
        if not better.any():
            return None
        distance[better] = value[better]
        parent[better] = best[better]
        cycle = _cycle_in(parent, steps)
        if cycle is not None:
            return cycle
    return None


def _cycle_in(parent: NDArray[np.int64], steps: NDArray[np.float64]) -> list[int] | None:
    """A negative cycle among the predecessor links, in forward order."""
    seen = [0] * len(parent)  # 0 unseen, 1 on the current walk, 2 done
    for begin in range(len(parent)):
        walk, node = [], begin
        while node >= 0 and seen[node] == 0:
            seen[node] = 1
            walk.append(node)
            node = int(parent[node])
        if node >= 0 and seen[node] == 1:
            cycle = walk[walk.index(node) :][::-1]  # parent links point backwards
            cost = sum(steps[a, b] for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True))
            if cost < -1e-9:
                return cycle
        for visited in walk:
            seen[visited] = 2
    return None
