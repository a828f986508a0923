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
_SHIFTS = 5  # destinations tried when shifting a thin start's group
_RELOCATIONS = 100  # groups moved in all, to fill the groups to the facilitators' capacity


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


def fill_to_bound(search: Search, bound: int) -> bool:
    """Move groups that are not full to starts unplaced learners can make, while each move
    places more, within `_RELOCATIONS` tries in all; whether `bound` learners are placed.

    Where the facilitators' capacity limits placement, every leader may already lead all
    the groups they can, so no group opens for the unplaced (`_open_for_unplaced`), and
    the capacity bound is met only with every group full. Few facilitators 300 at seeds
    304, 308 and 310: 1-10 learners short of the bound in groups of 5 and 6; these moves
    reach it in 1-53 tries, where HiGHS's feasibility jump found it at once but its root
    LP (12,600 dual simplex iterations, 3.9 s of CPU on 304) had to end before the run
    did. Where the bound is out of reach the tries find nothing to prove (few
    facilitators 100-111: 80-1,156 tries, up to 0.48 s of CPU, without the limit).
    """
    tries = _RELOCATIONS
    while search.counts[search.pool] and tries > 0:
        placed_more, tried = _relocation_pays(search, tries)
        tries -= tried
        if not placed_more:
            break
    return search.placed() >= bound


def _relocation_pays(search: Search, most: int) -> tuple[bool, int]:
    """The first relocation that places more, kept, within `most` tries: origins with the
    most room first, destinations with the most unplaced learners who can make them
    first. Whether one did, and the tries made."""
    starts = len(search.starts)
    waiting = search.links[search.pool, :starts].tolist()
    destinations = sorted((k for k, n in enumerate(waiting) if n), key=lambda k: (-waiting[k], k))
    room = (search.upper()[:starts] - search.counts[:starts]).tolist()
    origins = sorted(
        (k for k in range(starts) if search.groups[k] and room[k]), key=lambda k: (-room[k], k)
    )
    pairs = [(o, d) for o in origins for d in destinations[:_TRIALS] if d != o][:most]
    for tried, (origin, destination) in enumerate(pairs, start=1):
        before, mark = search.placed(), search.mark()
        if _relocate(search, origin, destination):
            augment(search)
            if search.placed() > before:
                return True, tried
        search.undo(mark)
    return False, len(pairs)


def _relocate(search: Search, origin: int, destination: int) -> bool:
    """Close a group at `origin` (learners it can no longer hold back to the pool) and
    open one at `destination` (its leader freed by a chain of hand-overs if need be),
    filled from the pool first."""
    import numpy as np

    search.remove_group(origin)
    leader = find_leader(search, destination)
    if leader is None:
        return False
    search.add_group(destination, leader)
    while search.counts[origin] > search.upper()[origin]:
        search.move(int(np.flatnonzero(search.assign == origin)[0]), search.pool)
    return gather(search, destination, prefer_pool=True)


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
            # only new groups give learners away: existing groups keep their joiners;
            # starts above target first (taking from them lowers the size objective)
            spare = np.zeros(search.size + 1, dtype=bool)
            starts = len(search.starts)
            spare[:starts] = search.counts[:starts] > search.lower()[:starts]
            spare[node] = False
            surplus = spare.copy()
            surplus[:starts] &= search.deviation() > 0
            path = search.find_path(surplus, sinks, enterable) if surplus.any() else None
            path = path or search.find_path(spare, sinks, enterable)
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
        # crowded starts first, then the starts most learners of crowded starts can make
        crowded = deviation > 0
        reach = search.links[: len(search.starts)][crowded].sum(axis=0)[: len(search.starts)]
        order = sorted(nodes, key=lambda k: (-max(int(deviation[k]), 0), -int(reach[k]), k))
        return any(_try(search, _open_crowded, k) for k in order[:_TRIALS])
    with_groups = [k for k in nodes if search.groups[k]]
    order = sorted(with_groups, key=lambda k: (int(deviation[k]), int(search.counts[k]), k))
    thin = [k for k in order[:_TRIALS] if deviation[k] < 0]
    if total < 0 and any(_try(search, _close_thin, k) for k in order[:_TRIALS]):
        return True
    if total == 0 and any(_try(search, _move_group, k) for k in thin):
        return True
    if any(_shift_group(search, k) for k in thin):
        return True
    over = [k for k in nodes if deviation[k] > 0]
    return any(_try(search, _open_then_close, k) for k in over[:_TRIALS])


def _shift_group(search: Search, node: int) -> bool:
    """Move a thin start's group to a start its learners can make, opened first.

    Closing a group fails when one of its learners can make no other start with a
    group; opening the new group before emptying the old one gives them somewhere to
    go. Kept (the first that pays) if the size objective drops. Destinations are ranked
    by the thin start's learners who can make them, then by the learners of every thin
    start who can: a destination many thin groups can reach is one they can merge into
    (per-group anchors across a clock change, 300 learners: 103 -> 84 with the closing
    in `_shift_then_close`, where the destination's index broke the ties).
    """
    import numpy as np

    starts = len(search.starts)
    here = search.links[node, :starts].astype(np.int64)
    here[node] = 0
    thin_reach = search.links[:starts][search.deviation() < 0].sum(axis=0)[:starts]
    ranked = np.lexsort((-thin_reach, -here))  # the last key first; ties by index
    places = [int(k) for k in ranked[:_SHIFTS] if here[k]]
    return any(_try(search, lambda s, k: _shift_then_close(s, node, k), k) for k in places)


def _shift_then_close(search: Search, origin: int, destination: int) -> bool:
    """Shift the group; with groups still too many, close the thin start that pays most,
    those whose learners can make the destination first (they can merge into it).

    A shift alone rarely pays: it is the way to close another group whose learners
    could go nowhere before.
    """
    if not _regroup_at(search, origin, destination):
        return False
    balance(search)
    if int(search.deviation().sum()) < 0:
        deviation = search.deviation()
        toward = search.links[: len(search.starts), destination]
        thin = [
            k
            for k in range(len(search.starts))
            if search.groups[k] and deviation[k] < 0 and k != destination
        ]
        thin.sort(key=lambda k: (-int(toward[k]), int(deviation[k]), int(search.counts[k]), k))
        any(_try(search, _close_thin, k) for k in thin[:_SHIFTS])
    return True


def _open_then_close(search: Search, node: int) -> bool:
    """Open a group at a crowded start, then close one where learners who can make it sit.

    Where the groups are already too many (or just enough), opening one more never pays
    alone, and a crowded start's learners may reach no thin start (sparse 2,000: one start
    a learner over target, the two thin ones out of its learners' reach): a second group
    there and one group fewer at a start on target whose learners can come (15 in three
    groups become 10 in two, the crowded start's 6 become 10 in two) take the size
    objective from 4 to 2, the optimum HiGHS's full model took 1.7 s of CPU to find.
    """
    import numpy as np

    if not _open_crowded(search, node):
        return False
    balance(search)
    starts = len(search.starts)
    reach = search.links[:starts, node].copy()  # learners at each start who can make it
    reach[node] = 0
    donors = [k for k in np.argsort(-reach, kind="stable")[:_SHIFTS] if reach[k]]
    return any(_try(search, _close_thin, int(k)) for k in donors if search.groups[k])


def _regroup_at(search: Search, origin: int, destination: int) -> bool:
    """Close the group at `origin` and open one at `destination` (leader freed first)."""
    search.remove_group(origin)
    leader = find_leader(search, destination)
    if leader is None:
        return False
    search.add_group(destination, leader)
    return _empty(search, origin) and gather(search, destination, prefer_pool=False)


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
    search.remove_group(node)
    return _empty(search, node)


def _empty(search: Search, node: int) -> bool:
    """Move learners out of the node until it holds no more than its groups allow."""
    import numpy as np

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
        groups = np.maximum(search.group_counts, 1)
        counts = search.counts[:starts]
        largest, smallest = -(-counts // groups), counts // groups
        has = search.group_counts > 0
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
