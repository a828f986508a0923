"""Moving a whole group to another start, with the learners who gain most from it.

A relocation closes one group at a start, opens one at another (led by a
facilitator free there, costing no more than the one released) and moves the
learners who gain most. It serves two phases: preferences (kept when the size
objective does not grow and the preference cost drops) and spread (kept when
neither sizes nor preferences get worse and a crowded start loses a group to a
start with at least two fewer). Placement and joins never change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roundtable.scheduling.polish import find_leader
from roundtable.scheduling.search import FAR, PEER, Search

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def relocate_for_preferences(search: Search) -> bool:
    """One pass over starts with groups: relocate a group wherever that pays."""
    moved = False
    cheapest = search.leaders.cheapest_free()
    for origin in range(len(search.starts)):
        if search.groups[origin] and _relocate_from(search, origin, False, cheapest):
            moved = True
            cheapest = search.leaders.cheapest_free()
    return moved


def relocate_for_spread(search: Search) -> bool:
    """Move groups off the most crowded starts while sizes and preferences hold."""
    moved = False
    while (crowded := _spread_score(search))[1] >= 2:
        for origin in [k for k, g in enumerate(search.groups) if len(g) == crowded[1]]:
            mark = search.mark()
            if _relocate_from(search, origin, True):
                if _spread_score(search) < crowded:
                    moved = True
                    break
                search.undo(mark)
        else:
            return moved
    return moved


def _spread_score(search: Search) -> tuple[int, int, int]:
    """(the spread objective, most groups at a start, starts holding that many)."""
    crowd = [len(g) for g in search.groups]
    most = max(crowd, default=0)
    loads = [len(at) + e for at, e in zip(search.leaders.at, search.leaders.existing, strict=True)]
    extra = sum(max(load - 1, 0) for load in loads)
    return 10 * extra + most, most, crowd.count(most)


def _relocate_from(
    search: Search, origin: int, spread: bool, cheapest: NDArray[np.int64] | None = None
) -> bool:
    """Move one group from `origin` to the start where it pays most, if any does
    (`cheapest`: `Leaders.cheapest_free()` now, for preferences)."""
    import numpy as np

    members = np.flatnonzero(search.assign == origin)
    if not members.size:
        return False
    starts = len(search.starts)
    gains = search.cost[members, origin][:, None] - search.cost[members, :starts]
    gains = np.where(search.compat[members, :starts], gains, -FAR)
    gains[:, origin] = -FAR
    order = np.argsort(-gains, axis=0, kind="stable")
    best = np.take_along_axis(gains, order, axis=0)
    leaving = None if spread else dearest_leader(search, origin)
    fees = np.zeros(len(search.starts), dtype=np.int64)
    if leaving is not None and cheapest is not None:
        fees = leader_fees(search, origin, leaving, cheapest)
    choice = best_relocation(search, origin, np.cumsum(best, axis=0) + fees, spread)
    if choice is None:
        return False
    destination, count = choice
    if not move_group(search, origin, leaving, destination, int(fees[destination])):
        return False
    for learner in members[order[:count, destination]].tolist():
        search.move(learner, destination)
    return True


def move_group(
    search: Search, origin: int, leaving: int | None, destination: int, saving: int
) -> bool:
    """Close `leaving`'s group at the origin (by default the most flexible leader's) and
    open one at the destination, led by someone who pays at least `saving` less than the
    released leader did; False, with nothing changed, if nobody does."""
    mark = search.mark()
    released = leader_cost_at(search, search.remove_group(origin, leaving), origin)
    leader = find_leader(search, destination, neutral=True)
    if leader is None or leader_cost_at(search, leader, destination) > released - saving:
        search.undo(mark)
        return False
    search.add_group(destination, leader)
    return True


def best_relocation(
    search: Search, origin: int, gained: NDArray[np.int64], spread: bool
) -> tuple[int, int] | None:
    """(destination, learners to move) that lowers (sizes, preferences) the most.

    For spread the destination must hold at least two groups fewer than the origin, and
    sizes and preferences only must not get worse.
    """
    import numpy as np

    starts = len(search.starts)
    groups = np.array([len(g) for g in search.groups], dtype=np.int64)
    counts = search.counts[:starts]
    before = np.abs(counts - search.target * groups)
    best: tuple[int, int, int, int] | None = None
    for moving in range(max(search.low, 1), min(search.high, len(gained)) + 1):
        left, left_groups = counts[origin] - moving, groups[origin] - 1
        if not left_groups * search.low <= left <= left_groups * search.high:
            continue
        arriving = counts + moving
        fits = (arriving >= (groups + 1) * search.low) & (arriving <= (groups + 1) * search.high)
        sizes = np.abs(arriving - search.target * (groups + 1)) - before
        sizes += abs(left - search.target * left_groups) - before[origin]
        gain = gained[moving - 1]
        if spread:
            good = (sizes <= 0) & (gain >= 0) & (groups <= groups[origin] - 2)
        else:
            good = (sizes < 0) | ((sizes == 0) & (gain > 0))
        good &= fits & (gain > -FAR // 2)
        good[origin] = False
        for destination in np.flatnonzero(good).tolist():
            key = (int(sizes[destination]), -int(gain[destination]), destination, moving)
            if best is None or key < best:
                best = key
    return None if best is None else (best[2], best[3])


def dearest_leader(search: Search, origin: int) -> int | None:
    """The leader at the origin who pays most there (None in peer cohorts)."""
    leaders = search.groups[origin]
    if leaders[0] == PEER:
        return None
    return max(leaders, key=lambda f: (leader_cost_at(search, f, origin), search.leaders.rank[f]))


def leader_fees(
    search: Search, origin: int, leaving: int, cheapest: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Per start, what moving the group there saves on its leader: the leaving leader's
    cost less what the cheapest leader free there (once `leaving` is released) pays.

    `cheapest` is `Leaders.cheapest_free()` of the current state; releasing `leaving`
    only adds them where their origin group was their one clash. 0 where nobody is
    free: a leader freed by a chain must then cost no more than the released one.
    """
    import numpy as np

    leaders, starts = search.leaders, len(search.starts)
    clashes = leaders.busy[leaving, :starts] - leaders.clash[origin, :starts]
    free = leaders.able[leaving, :starts] & (clashes == 0)
    after = np.minimum(cheapest[:starts], np.where(free, leaders.cost[leaving, :starts], FAR))
    released = leader_cost_at(search, leaving, origin)
    return np.where(after < FAR, released - after, 0)


def leader_cost_at(search: Search, leader: int, node: int) -> int:
    return 0 if leader == PEER else int(search.leaders.cost[leader, node])
