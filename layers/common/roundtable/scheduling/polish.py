"""Moves that place more learners and bring group sizes nearer the target.

All of them work on a `Search` state, so every intermediate answer is valid:
learners only move to nodes they can attend, along paths that change nothing
but the two end counts, and a group opens only with a free facilitator and
closes only when its learners fit elsewhere. A tried move that does not pay is
undone from the search's journal.
"""

from __future__ import annotations

from collections.abc import Callable

from roundtable.scheduling.chains import free_by_chain
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import PEER, Search

_ROUNDS = 3
_TRIALS = 40  # candidates tried per round of regrouping


def polish_sizes(problem: Problem, plan: Plan) -> Plan:
    """The plan with sizes evened out and groups opened or closed where that helps."""
    search = Search(problem, plan)
    improve_sizes(search)
    return search.plan()


def place_more(search: Search) -> None:
    """Augment from the pool, then open groups where unplaced learners could meet."""
    augment(search)
    for _round in range(_ROUNDS):
        if not search.counts[search.pool] or not _open_for_unplaced(search):
            return


def augment(search: Search) -> int:
    """Place unplaced learners along augmenting paths; returns how many were placed."""
    import numpy as np

    placed = 0
    sources = np.zeros(search.size + 1, dtype=bool)
    sources[search.pool] = True
    while search.counts[search.pool]:
        upper = search.upper()
        path = search.find_path(sources, search.counts[: search.size] < upper, upper > 0)
        if path is None:
            break
        search.apply_path(path)
        placed += 1
    return placed


def _open_for_unplaced(search: Search) -> bool:
    """One pass over starts unplaced learners can make: keep each group that places more."""
    waiting = search.links[search.pool, : len(search.starts)].tolist()
    candidates = sorted((k for k, n in enumerate(waiting) if n), key=lambda k: (-waiting[k], k))
    improved = False
    for node in candidates:
        if not search.counts[search.pool]:
            break
        before, mark = search.placed(), search.mark()
        leader = find_leader(search, node)
        if leader is not None:
            search.add_group(node, leader)
            if gather(search, node, prefer_pool=True):
                augment(search)
                if search.placed() > before:
                    improved = True
                    continue
        search.undo(mark)
    return improved


def find_leader(search: Search, node: int, neutral: bool = False) -> int | None:
    """A facilitator free at the node, freeing one by a chain of hand-overs if needed.

    With `neutral`, no hand-over gives a group to someone who costs more there.
    """
    if not search.problem.facilitated:
        return PEER
    free = search.leaders.free_at(node)
    if free is not None:
        return free
    return free_by_chain(search, node, neutral)


def gather(search: Search, node: int, prefer_pool: bool) -> bool:
    """Bring learners to the node until it holds its groups' minimum."""
    import numpy as np

    pool_only = np.zeros(search.size + 1, dtype=bool)
    pool_only[search.pool] = True
    sinks = np.zeros(search.size, dtype=bool)
    sinks[node] = True
    while search.counts[node] < search.lower()[node]:
        enterable = search.open_nodes()
        path = search.find_path(pool_only, sinks, enterable) if prefer_pool else None
        if path is None:
            # only new groups give learners away: existing groups keep their joiners
            spare = np.zeros(search.size + 1, dtype=bool)
            starts = len(search.starts)
            spare[:starts] = search.counts[:starts] > search.lower()[:starts]
            spare[node] = False
            path = search.find_path(spare, sinks, enterable)
        if path is None:
            return False
        search.apply_path(path)
    return True


def improve_sizes(search: Search) -> None:
    """Even out counts, then open, close or move groups while the size objective drops."""
    balance(search)
    while size_objective(search) and _regroup(search):
        pass


def size_objective(search: Search) -> int:
    """Sum over starts of |learners - target x groups|."""
    return int(abs(search.deviation()).sum())


def balance(search: Search) -> None:
    """Move learners from starts above target to starts below it while a path exists."""
    import numpy as np

    starts = len(search.starts)
    while True:
        deviation = search.deviation()
        lower, upper = search.lower(), search.upper()
        counts = search.counts[:starts]
        sources = np.zeros(search.size + 1, dtype=bool)
        sources[:starts] = (deviation > 0) & (counts > lower[:starts])
        sinks = np.zeros(search.size, dtype=bool)
        sinks[:starts] = (deviation < 0) & (counts < upper[:starts])
        if not sources.any() or not sinks.any():
            return
        path = search.find_path(sources, sinks, upper > 0)
        if path is None:
            return
        search.apply_path(path)


def _regroup(search: Search) -> bool:
    """Open a group (too many learners for the groups) or close one (too few), if it pays.

    Candidates are tried most crowded (or thinnest) first; the first change that lowers
    the size objective is kept. Closing a group on target can pay too: its learners fill
    groups below target elsewhere.
    """
    deviation = search.deviation()
    total = int(deviation.sum())
    nodes = range(len(search.starts))
    if total > 0:
        order = sorted(nodes, key=lambda k: (-int(deviation[k]), k))
        return any(_try(search, _open_crowded, k) for k in order[:_TRIALS])
    with_groups = [k for k in nodes if search.groups[k]]
    order = sorted(with_groups, key=lambda k: (int(deviation[k]), int(search.counts[k]), k))
    if total < 0:
        return any(_try(search, _close_thin, k) for k in order[:_TRIALS])
    return any(_try(search, _move_group, k) for k in order[:_TRIALS] if deviation[k] < 0)


def _move_group(search: Search, node: int) -> bool:
    """Close the group at a thin start and open one at the most crowded start that can."""
    if not _close_thin(search, node):
        return False
    deviation = search.deviation()
    crowded = sorted(range(len(search.starts)), key=lambda k: (-int(deviation[k]), k))
    for other in crowded[:_TRIALS]:
        if deviation[other] <= 0:
            return False
        mark = search.mark()
        if _open_crowded(search, other):
            return True
        search.undo(mark)
    return False


def _try(search: Search, change: Callable[[Search, int], bool], node: int) -> bool:
    """Keep a change only if it lowers the size objective."""
    before, mark = size_objective(search), search.mark()
    if change(search, node):
        balance(search)
        if size_objective(search) < before:
            return True
    search.undo(mark)
    return False


def _open_crowded(search: Search, node: int) -> bool:
    leader = find_leader(search, node)
    if leader is None:
        return False
    search.add_group(node, leader)
    return gather(search, node, prefer_pool=False)


def _close_thin(search: Search, node: int) -> bool:
    import numpy as np

    search.remove_group(node)
    sources = np.zeros(search.size + 1, dtype=bool)
    sources[node] = True
    while search.counts[node] > search.upper()[node]:
        upper = search.upper()
        room = search.counts[: search.size] < upper
        thin = np.zeros(search.size, dtype=bool)
        thin[: len(search.starts)] = search.deviation() < 0
        path = search.find_path(sources, room & thin, upper > 0)
        path = path or search.find_path(sources, room, upper > 0)
        if path is None:
            return False
        search.apply_path(path)
    return True


def level_sizes(search: Search) -> None:
    """Tie-break: even out group sizes across starts while no objective changes.

    Moves one learner at a time from the start with the largest groups to one whose
    groups are at least two smaller, only where the size objective stays the same
    (both ends above target, or both below) and nobody pays more; anything else is
    undone.
    """
    import numpy as np

    starts = len(search.starts)
    for _step in range(search.placed()):
        groups = np.array([max(len(g), 1) for g in search.groups], dtype=np.int64)
        counts = search.counts[:starts]
        largest, smallest = -(-counts // groups), counts // groups
        has = np.array([bool(g) for g in search.groups])
        if not has.any():
            return
        top = int(np.argmax(np.where(has, largest, -1)))
        above = counts[top] > search.target * groups[top]
        neutral = counts >= search.target * groups if above else counts < search.target * groups
        sinks = np.zeros(search.size, dtype=bool)
        sinks[:starts] = has & neutral & (smallest <= largest[top] - 2)
        sinks[:starts] &= counts < search.upper()[:starts]
        if counts[top] - 1 < search.lower()[top] or not sinks.any():
            return
        sources = np.zeros(search.size + 1, dtype=bool)
        sources[top] = True
        mark, before = search.mark(), _paid(search)
        path = search.find_path(sources, sinks, search.open_nodes())
        if path is None:
            return
        search.apply_path(path)
        if _paid(search) > before:
            search.undo(mark)
            return


def _paid(search: Search) -> int:
    """What placed learners pay (preference costs of the learners' part)."""
    import numpy as np

    placed = np.flatnonzero(search.assign != search.pool)
    return int(search.cost[placed, search.assign[placed]].sum())
