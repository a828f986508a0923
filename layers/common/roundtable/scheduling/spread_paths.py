"""Spread moves: a group closes at one start and opens at another, learners along paths.

`relocation` moves a group with its own learners, so it needs a start they can all
make; with sizes held (every count near a multiple of the target) and the
preferences held at everyone's cheapest, such a start rarely exists, though a chain
often does. Here the learners both counts need travel along paths of moves, each hop
costing its learner nothing more (one learner per hop, so only the two ends change
their counts, as in `cycles`). Two uses:

- *thin a crowd*: a group leaves a most crowded start for one holding at least two
  fewer (the term "most groups at one start");
- *lead with the idle*: a facilitator leading several gives up a group, which opens
  where a facilitator leading nothing can lead it at no more cost (one second group
  fewer, 10 each).

Kept only when sizes and preferences are no worse and the spread drops; placement
and joins never change.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from roundtable.scheduling.chains import cheaper_leaders_by_chain
from roundtable.scheduling.leading import cheaper_leaders, share_groups
from roundtable.scheduling.path_relocation import preference_cost
from roundtable.scheduling.polish import find_leader, size_objective
from roundtable.scheduling.relocation import leader_cost_at
from roundtable.scheduling.search import Search

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_DESTINATIONS = 8  # thin starts tried per crowded start, nearest by moves first
# Moves tried per idle facilitator, and idle facilitators in a row given nothing before
# a pass ends, by pass (True: donors paying at least the idle one's fee; False: dearer
# idle leaders, which a learner's saving must pay for and rarely does). Where nothing
# is found (sparse 1,200: 800 moves in 5 s) the solver's time is better spent.
_TRIALS = {True: 48, False: 16}
_FAILURES = {True: 6, False: 2}


def improve_spread(search: Search, deadline: float, least: int = 1) -> bool:
    """Both moves below, in turn, until neither finds anything or the deadline."""
    moved = False
    while time.monotonic() < deadline:
        led = lead_with_idle(search, deadline)
        if led:
            share_groups(search)
        if not (thin_crowds(search, deadline, least) or led):
            break
        moved = True
    return moved


def thin_crowds(search: Search, deadline: float, least: int = 1) -> bool:
    """Move groups off the most crowded starts until none moves, the deadline, or the
    crowd is down to `least` (a bound: no answer has fewer at its most crowded start)."""
    moved = False
    while time.monotonic() < deadline:
        crowd = [len(g) for g in search.groups]
        most = max(crowd, default=0)
        if most <= max(least, 1):
            break
        origins = [k for k, count in enumerate(crowd) if count == most]
        if not any(_move_off(search, origin, most, deadline) for origin in origins):
            break
        moved = True
    return moved


def lead_with_idle(search: Search, deadline: float) -> bool:
    """Give facilitators who lead nothing a group of someone leading several: the group
    closes where its leader leads it and opens where the idle facilitator can lead at
    no more cost, its learners brought along free paths (one second group fewer)."""
    if not search.problem.facilitated:
        return False
    moved = False
    leaders = search.leaders
    idle = [
        f
        for f in leaders.order
        if not leaders.at[f] and not leaders.existing[f] and leaders.capacity[f] > 0
    ]
    # first from leaders paying at least as much; then from any, when a learner's
    # saving along the paths makes up for the dearer leader
    for strict in (True, False):
        failures = 0
        for f in idle:
            if time.monotonic() > deadline or failures >= _FAILURES[strict]:
                break
            if not leaders.at[f]:
                given = _give_group(search, f, deadline, strict)
                moved |= given
                failures = 0 if given else failures + 1
    return moved


def _give_group(search: Search, idle: int, deadline: float, strict: bool) -> bool:
    """One group for the idle facilitator, from a leader of several (`strict`: one who
    pays at least as much as the idle one would), if any move keeps sizes and
    preferences."""
    import numpy as np

    leaders = search.leaders
    before = _score(search)
    loads = [len(at) + e for at, e in zip(leaders.at, leaders.existing, strict=True)]
    starts = len(search.starts)
    places = [k for k in range(starts) if leaders.free(idle, k)]
    counts = _free_links(search)
    links, usable = counts > 0, search.open_nodes()
    into = np.where(usable[:, None], counts, 0).sum(axis=0)  # free moves into each node
    out = np.where(usable[None, :], counts, 0).sum(axis=1)  # and out of it
    counts_now, groups = search.counts, [len(g) for g in search.groups]
    # per start, the dearest and the cheapest leader there who leads several (donors)
    paid = [
        [int(leaders.cost[f, k]) for f in g if loads[f] >= 2] for k, g in enumerate(search.groups)
    ]
    dearest = max((max(costs) for costs in paid if costs), default=-1)
    cheapest = min((min(costs) for costs in paid if costs), default=-1)
    trials = 0
    for destination in sorted(places, key=lambda k: int(leaders.cost[idle, k])):
        fee = int(leaders.cost[idle, destination])
        if (dearest < fee) if strict else (cheapest < 0 or cheapest >= fee):
            continue  # no donor anywhere of the kind this pass wants
        # a new group there needs its minimum, which must be able to arrive
        arriving = search.low * (groups[destination] + 1) - int(counts_now[destination])
        if arriving > into[destination]:
            continue
        senders = _senders(links, usable, destination)
        for origin in np.flatnonzero(senders[:starts]).tolist():
            # one group fewer there holds at most this many: the rest must be able to leave
            leaving = int(counts_now[origin]) - search.high * (groups[origin] - 1)
            if leaving > out[origin] or (origin == destination):
                continue
            if time.monotonic() > deadline:
                return False
            donors = [
                f
                for f in search.groups[origin]
                if loads[f] >= 2 and (int(leaders.cost[f, origin]) >= fee) == strict
            ]
            for donor in donors[:1]:
                trials += 1
                if trials > _TRIALS[strict]:
                    return False
                mark, trial = search.mark(), counts.copy()
                if _relocate(search, origin, destination, donor, idle, trial) and _better(
                    before, _repaid(search, before[1])
                ):
                    return True
                search.undo(mark)
    return False


def _repaid(search: Search, paid: int) -> tuple[int, int, int, int, int]:
    """The score after a dearer idle leader's move, once groups whose leaders pay are
    handed to cheaper ones where that is now possible: the donor's group gone frees
    them (typical 300: the idle facilitator pays 1 where a free leader gave the group
    up, who then takes a paid group for nothing; 221 -> 211)."""
    if preference_cost(search) > paid:
        cheaper_leaders(search)
        cheaper_leaders_by_chain(search)
    return _score(search)


def _senders(
    links: NDArray[np.bool_], usable: NDArray[np.bool_], destination: int
) -> NDArray[np.bool_]:
    """Nodes from which a free path of moves reaches the destination through nodes with
    groups (the destination itself included: a group may move within a start's learners)."""
    import numpy as np

    reached = np.zeros(len(usable), dtype=bool)
    reached[destination] = True
    frontier = np.array([destination])
    while frontier.size:
        fresh = np.flatnonzero(links[:, frontier].any(axis=1) & usable & ~reached)
        reached[fresh] = True
        frontier = fresh
    return reached


def _score(search: Search) -> tuple[int, int, int, int, int]:
    """(sizes, preferences, spread's seconds, most groups at a start, starts at that)."""
    crowd = [len(g) for g in search.groups]
    most = max(crowd, default=0)
    loads = [len(at) + e for at, e in zip(search.leaders.at, search.leaders.existing, strict=True)]
    seconds = sum(max(load - 1, 0) for load in loads)
    return size_objective(search), preference_cost(search), seconds, most, crowd.count(most)


def _move_off(search: Search, origin: int, most: int, deadline: float) -> bool:
    """Move one of the origin's groups to the nearest thin start that takes it."""
    before = _score(search)
    for destination in _thin_reachable(search, origin, most)[:_DESTINATIONS]:
        if time.monotonic() > deadline:
            return False
        mark = search.mark()
        if _relocate(search, origin, destination) and _better(before, _score(search)):
            return True
        search.undo(mark)
    return False


def _better(before: tuple[int, ...], after: tuple[int, ...]) -> bool:
    """Sizes and preferences no worse; then fewer seconds, or as many and a smaller crowd."""
    if after[0] > before[0] or after[1] > before[1]:
        return False
    return (after[2], after[3], after[4]) < (before[2], before[3], before[4])


def _thin_reachable(search: Search, origin: int, most: int) -> list[int]:
    """Starts with at most `most - 2` groups reached from the origin by free moves (a hop
    from a start with groups), nearest first."""
    import numpy as np

    links = _free_links(search)
    starts = len(search.starts)
    thin = np.array([len(g) <= most - 2 for g in search.groups] + [False] * (search.size - starts))
    seen = np.zeros(search.size, dtype=bool)
    seen[origin] = True
    frontier, found = np.array([origin]), []
    while frontier.size:
        fresh = np.flatnonzero((links[frontier] > 0).any(axis=0) & ~seen)
        seen[fresh] = True
        found += fresh[thin[fresh]].tolist()
        frontier = fresh  # a node holding nobody has no links out
    return found


def _free_links(search: Search) -> NDArray[np.int64]:
    """(nodes x nodes, the pool left out): how many learners at the first could move to
    the second paying no more. Existing groups keep their joiners (as in `gather`): they
    take learners, never give them."""
    import numpy as np

    starts = len(search.starts)
    placed = np.flatnonzero(search.assign < starts)
    here = search.assign[placed]
    paying = search.cost[placed, here]
    free = search.compat[placed] & (search.cost[placed] <= paying[:, None])
    links = np.zeros((search.size, search.size), dtype=np.int64)
    order = np.argsort(here, kind="stable")
    nodes, firsts = np.unique(here[order], return_index=True)
    if order.size:
        links[nodes] = np.add.reduceat(free[order].astype(np.int64), firsts, axis=0)
    np.fill_diagonal(links, 0)
    return links


def _relocate(
    search: Search,
    origin: int,
    destination: int,
    leaving: int | None = None,
    leader: int | None = None,
    links: NDArray[np.int64] | None = None,
) -> bool:
    """Close `leaving`'s group at the origin (by default the most flexible leader's),
    open one at the destination led by `leader` (by default whoever is free there or
    freed by a chain, paying no more than the released leader did), and bring learners
    from the origin's side along free paths until both counts are as near target as
    they can be; False (the caller undoes) if that fails. `links`: `_free_links` of the
    state now, if known (changed in place)."""
    released = search.remove_group(origin, leaving)
    if leader is None:
        leader = find_leader(search, destination, neutral=True)
        # the new leader must not pay more than the released one (a chosen leader may:
        # the caller weighs the whole move)
        if leader is not None and leader_cost_at(search, leader, destination) > leader_cost_at(
            search, released, origin
        ):
            return False
    elif not search.leaders.free(leader, destination):
        return False
    if leader is None:
        return False
    search.add_group(destination, leader)
    wanted = _wanted(search, origin, destination)
    if wanted is None:
        return False
    links = _free_links(search) if links is None else links
    for _unit in range(wanted):
        path = _free_path(search, links, origin, destination)
        if path is None:
            return False
        _apply(search, links, path)
    return True


def _apply(search: Search, links: NDArray[np.int64], path: list[int]) -> None:
    """`Search.apply_path`, keeping the free links up to date with each learner moved."""
    import numpy as np

    starts = len(search.starts)
    for hop in range(len(path) - 1, 0, -1):
        origin, destination = path[hop - 1], path[hop]
        learner = search.mover(origin, destination)
        links[origin] -= _free_row(search, learner, origin)
        search.move(learner, destination)
        if destination < starts:  # existing groups give nobody on
            links[destination] += _free_row(search, learner, destination)
    np.fill_diagonal(links, 0)


def _free_row(search: Search, learner: int, node: int) -> NDArray[np.int64]:
    """Where the learner, at the node, could go paying no more (1) or not (0)."""
    import numpy as np

    costs = search.cost[learner]
    row: NDArray[np.int64] = (search.compat[learner] & (costs <= costs[node])).astype(np.int64)
    return row


def _wanted(search: Search, origin: int, destination: int) -> int | None:
    """Learners to move so that both ends are legal and nearest their target (fewest
    moves among equals); None if no number is legal."""
    counts = search.counts
    groups = [len(search.groups[origin]), len(search.groups[destination])]
    best: tuple[int, int] | None = None
    for moving in range(int(counts[origin]) + 1):
        ends = (int(counts[origin]) - moving, int(counts[destination]) + moving)
        if all(g * search.low <= n <= g * search.high for n, g in zip(ends, groups, strict=True)):
            deviation = sum(abs(n - search.target * g) for n, g in zip(ends, groups, strict=True))
            if best is None or (deviation, moving) < best:
                best = (deviation, moving)
    return None if best is None else best[1]


def _free_path(
    search: Search, links: NDArray[np.int64], origin: int, destination: int
) -> list[int] | None:
    """Shortest path of moves from the origin to the destination, every hop costing its
    learner nothing more, through starts with groups (breadth first)."""
    import numpy as np

    usable = search.open_nodes()
    usable[origin] = True
    free = (links > 0) & usable[None, :] & usable[:, None]
    parent = np.full(search.size, -2, dtype=np.int64)
    parent[origin] = -1
    frontier = np.array([origin])
    while frontier.size and parent[destination] == -2:
        reach = free[frontier] & (parent == -2)
        fresh = np.flatnonzero(reach.any(axis=0))
        parent[fresh] = frontier[reach[:, fresh].argmax(axis=0)]
        frontier = fresh
    if parent[destination] == -2:
        return None
    path = [destination]
    while parent[path[-1]] >= 0:
        path.append(int(parent[path[-1]]))
    return path[::-1]
