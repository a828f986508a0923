"""Moving a group to another start and filling it from the learners not placed.

When not everyone can be placed (few facilitators, say), who is left out is
free: a group whose leader or learners pay at its start can close, its dearest
learners go back to the pool, and a group opens at another start, led by the
cheapest facilitator free there and filled with the pool's cheapest learners
for that start. As many learners leave as arrive, so placement and joins keep
their values; the size rule is the one of `relocation` (the size objective may
not grow), and the move is kept only when the preference cost drops. Plain
relocation moves the group's own learners, which rarely can all make another
start; the pool usually has people who can.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from roundtable.scheduling.relocation import (
    best_relocation,
    dearest_leader,
    leader_fees,
    move_group,
)
from roundtable.scheduling.search import FAR, Search

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def relocate_through_pool(search: Search, deadline: float) -> bool:
    """One pass over starts with groups (until the deadline): move a group and refill it
    from the pool where that lowers the preference cost."""
    moved = False
    arrivals, cheapest = _pool_arrivals(search), search.leaders.cheapest_free()
    for origin in range(len(search.starts)):
        if arrivals is None or time.monotonic() > deadline:
            break
        if search.groups[origin] and _relocate_from(search, origin, arrivals, cheapest):
            moved = True
            arrivals, cheapest = _pool_arrivals(search), search.leaders.cheapest_free()
    return moved


def _pool_arrivals(search: Search) -> tuple[NDArray[np.int64], NDArray[np.int64]] | None:
    """Per start, the pool's learners cheapest there first (at most `high` of them), and
    the running sum of their costs; None when the pool is empty."""
    import numpy as np

    pool = np.flatnonzero(search.assign == search.pool)
    if not pool.size:
        return None
    costs = search.cost[pool, : len(search.starts)]
    depth = min(search.high, len(pool))
    if depth < len(pool):  # only the cheapest `depth` per start matter: no full sort
        nearest = np.argpartition(costs, depth - 1, axis=0)[:depth]
        costs_near = np.take_along_axis(costs, nearest, axis=0)
        order = np.take_along_axis(nearest, np.argsort(costs_near, axis=0), axis=0)
    else:
        order = np.argsort(costs, axis=0, kind="stable")
    return pool[order], np.cumsum(np.take_along_axis(costs, order, axis=0), axis=0)


def _relocate_from(
    search: Search,
    origin: int,
    arrivals: tuple[NDArray[np.int64], NDArray[np.int64]],
    cheapest: NDArray[np.int64],
) -> bool:
    """Close a group at `origin` (its dearest learners to the pool), open one where the
    pool's learners and a free leader cost least, if that pays."""
    import numpy as np

    newcomers, arriving_cost = arrivals
    members = np.flatnonzero(search.assign == origin)
    dearest = members[np.argsort(-search.cost[members, origin], kind="stable")]
    saved = np.cumsum(search.cost[dearest, origin])  # what the k dearest stop paying
    depth = len(arriving_cost)
    gained = np.full((depth, len(search.starts)), -FAR, dtype=np.int64)
    usable = min(depth, len(saved))
    gained[:usable] = saved[:usable, None] - arriving_cost[:usable]
    gained[arriving_cost >= FAR] = -FAR
    leaving = dearest_leader(search, origin)
    fees = np.zeros(len(search.starts), dtype=np.int64)
    if leaving is not None:
        fees = leader_fees(search, origin, leaving, cheapest)
    gained[:usable] += fees
    choice = best_relocation(search, origin, gained, spread=False)
    if choice is None:
        return False
    destination, count = choice
    if not move_group(search, origin, leaving, destination, int(fees[destination])):
        return False
    for learner in dearest[:count].tolist():
        search.move(learner, search.pool)
    for learner in newcomers[:count, destination].tolist():
        search.move(learner, destination)
    return True
