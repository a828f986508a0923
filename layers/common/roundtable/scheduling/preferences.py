"""Cheaper times (regular over if-needed, no local-time shift) without worse sizes.

Three moves, each keeping placement and joins: cycles of learner moves that
change no count (`cycles`); relocating a group from one start to another with
the learners who gain most from the move; and handing a group to a facilitator
who costs nothing there (`leading`). A relocation is kept only when the size
objective does not grow and the preference cost drops, so the lexicographic
order of the phases is respected.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from roundtable.scheduling.cycles import cancel_cycles
from roundtable.scheduling.leading import cheaper_leaders
from roundtable.scheduling.polish import find_leader
from roundtable.scheduling.search import FAR, PEER, Search

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_PASSES = 20


def improve_preferences(search: Search, seconds: float) -> None:
    """Cycles, relocations and cheaper leaders until nothing pays or time runs out."""
    deadline = time.monotonic() + seconds
    cancel_cycles(search, seconds / 2)
    for _pass in range(_PASSES):
        if time.monotonic() > deadline or not _relocate_some(search):
            break
        cancel_cycles(search, max(deadline - time.monotonic(), 0.0))
    cheaper_leaders(search)


def _relocate_some(search: Search) -> bool:
    """One pass over starts with groups: relocate a group wherever that pays."""
    moved = False
    for origin in range(len(search.starts)):
        if search.groups[origin] and _relocate_from(search, origin):
            moved = True
    return moved


def _relocate_from(search: Search, origin: int) -> bool:
    """Move one group from `origin` to the start where it pays most, if any does."""
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
    choice = _best_relocation(search, origin, np.cumsum(best, axis=0))
    if choice is None:
        return False
    destination, count = choice
    mark = search.mark()
    released = _leader_cost_at(search, search.remove_group(origin), origin)
    leader = find_leader(search, destination)
    if leader is None or _leader_cost_at(search, leader, destination) > released:
        search.undo(mark)
        return False
    search.add_group(destination, leader)
    for learner in members[order[:count, destination]].tolist():
        search.move(learner, destination)
    return True


def _best_relocation(
    search: Search, origin: int, gained: NDArray[np.int64]
) -> tuple[int, int] | None:
    """(destination, learners to move) that lowers (sizes, preferences) the most."""
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
        good = fits & (gain > -FAR // 2) & ((sizes < 0) | ((sizes == 0) & (gain > 0)))
        good[origin] = False
        for destination in np.flatnonzero(good).tolist():
            key = (int(sizes[destination]), -int(gain[destination]), destination, moving)
            if best is None or key < best:
                best = key
    return None if best is None else (best[2], best[3])


def _leader_cost_at(search: Search, leader: int, node: int) -> int:
    return 0 if leader == PEER else int(search.leaders.cost[leader, node])
