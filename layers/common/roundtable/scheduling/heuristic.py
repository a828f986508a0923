"""A fast constructive answer: the solver's warm start and its fallback.

Existing groups with room are filled first. Then, repeatedly, a group opens at
the start where the most unplaced learners can meet, led by the free
facilitator with the fewest options, and takes the target number of learners,
those with the fewest other options first. Augmenting paths then place whoever
still fits somewhere, more groups open where that places more learners, and
sizes are evened out (see `polish`). Deterministic for a given seed.
"""

from __future__ import annotations

import heapq
import random
from typing import TYPE_CHECKING

from roundtable.scheduling.plan import Plan
from roundtable.scheduling.polish import improve_sizes, level_sizes, place_more
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import FAR, PEER, Search

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["PEER", "construct", "size_deviation", "solve_heuristic"]


def solve_heuristic(problem: Problem, seed: int = 0) -> Plan:
    """A valid plan built greedily, then improved by augmenting paths and size moves."""
    search = construct(problem, seed)
    place_more(search)
    improve_sizes(search)
    level_sizes(search)
    return search.plan()


def size_deviation(problem: Problem, plan: Plan) -> int:
    """Sum over starts of |learners - target * groups|, the size objective."""
    target = problem.params.target_learners()
    return sum(
        abs(len(plan.learners_at.get(start, [])) - target * len(leaders))
        for start, leaders in plan.groups_at.items()
    )


def construct(problem: Problem, seed: int) -> Search:
    """The greedy plan as a search state."""
    import numpy as np

    rng = random.Random(seed)
    search = Search(problem, Plan())
    ties = np.array([rng.random() for _ in problem.learners])
    options = search.compat.sum(axis=1)
    # scarcest learners first; the seed breaks ties
    order = np.lexsort((ties, options)) if len(ties) else np.zeros(0, dtype=np.int64)
    priority = np.empty(len(order), dtype=np.int64)
    priority[order] = np.arange(len(order))
    _fill_existing(search, priority)
    _open_groups(search, priority, rng)
    return search


def _fill_existing(search: Search, priority: NDArray[np.int64]) -> None:
    """Existing groups take the cheapest, scarcest learners who can join them, up to room."""
    import numpy as np

    for slot_index, slot in enumerate(search.problem.existing):
        node = len(search.starts) + slot_index
        fits = np.flatnonzero((search.assign == search.pool) & search.compat[:, node])
        fits = fits[np.lexsort((priority[fits], search.cost[fits, node]))]
        for learner in fits[: max(slot.room, 0)].tolist():
            search.move(learner, node)


def _open_groups(search: Search, priority: NDArray[np.int64], rng: random.Random) -> None:
    """Open groups where most unplaced learners can meet at their best, cheapest first.

    A learner counts at a start where it costs them least (regular time, no shift), so
    groups open at the times people prefer; the most such learners (up to a full group)
    wins, then the start with fewest groups so far.
    """
    import numpy as np

    low = max(search.low, 1)
    waiting = search.links[search.pool]
    cheapest = np.where(search.compat, search.cost, FAR).min(axis=1, initial=FAR)
    extra = search.cost - cheapest[:, None]
    best = search.compat & (extra == 0)
    keen = best[search.assign == search.pool].sum(axis=0)
    ties = [rng.random() for _ in search.starts]

    def key(node: int) -> tuple[int, int, int, float, int]:
        return (
            -min(int(keen[node]), search.high),
            -min(int(waiting[node]), search.high),
            len(search.groups[node]),
            ties[node],
            node,
        )

    heap = [key(k) for k in range(len(search.starts)) if waiting[k] >= low]
    heapq.heapify(heap)
    while heap:
        entry = heapq.heappop(heap)
        node = entry[-1]
        if entry != key(node):
            if waiting[node] >= low:
                heapq.heappush(heap, key(node))
            continue
        leader = search.leaders.free_at(node) if search.problem.facilitated else PEER
        if leader is None:
            continue
        search.add_group(node, leader)
        fits = np.flatnonzero((search.assign == search.pool) & search.compat[:, node])
        fits = fits[np.lexsort((priority[fits], extra[fits, node]))]
        for learner in fits[: search.target].tolist():
            search.move(learner, node)
            keen -= best[learner]
        if waiting[node] >= low:
            heapq.heappush(heap, key(node))
