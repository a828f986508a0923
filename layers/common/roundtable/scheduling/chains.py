"""Chains of hand-overs: freeing a facilitator for a new group, or a cheaper leader.

Opening a group at a start needs a facilitator free there: able, with capacity
left, and leading nothing that overlaps it. When nobody is, a facilitator `f0`
who is blocked by exactly one of their groups (an overlapping one, or any one
when they are at capacity) can still take it if that group goes to someone
else, `f1`, who may in turn be blocked by exactly one group, and so on until
someone takes the last group freely. Each hand-over keeps the group where it
is, so no learner moves and no count changes; a breadth-first search finds the
shortest such chain. With `neutral`, nobody takes a group at a higher cost than
its leader pays, so the preference objective cannot grow (the later phases need
that; sizes does not care who leads).

The same search gives a group led at a cost a cheaper leader: the root is the
group itself, its first taker must pay strictly less, the rest no more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from roundtable.scheduling.search import PEER, Leaders, Search

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# Enough for every chain the bench cohorts needed; bounds the search on big cohorts.
_MOST_ENTRIES = 400


@dataclass(frozen=True)
class _Entry:
    node: int  # a start whose group needs a new leader (the root: the new group)
    owner: int  # who leads it now (-1 for a new group)
    parent: int  # the entry whose group `owner` takes once this one is handed on


def free_by_chain(search: Search, node: int, neutral: bool) -> int | None:
    """Hand groups along the shortest chain that frees a facilitator for `node`; return them.

    Nothing changes when no chain exists. The hand-overs go to the search's journal, so
    a caller's `undo` takes them back.
    """
    found = _chain(search, node, -1, neutral)
    return None if found is None else _apply(search, *found)


def cheaper_by_chain(search: Search, node: int, owner: int) -> bool:
    """Give owner's group at the node to someone cheaper there, by a chain if need be."""
    found = _chain(search, node, owner, neutral=True)
    if found is not None:
        _apply(search, *found)
    return found is not None


def cheaper_leaders_by_chain(search: Search) -> int:
    """Every group whose leader pays gets a cheaper one where a chain allows; how many.

    A group is asked of the chains' search only if `_ChainEnds` (worked out again after
    each hand-over) says some chain from it may end: nearly every ask found nothing
    (typical 1,200: 204 of 204, 0.75 s of CPU; typical 2,000: 210 of 213, 0.95 s), and
    each such ask expanded up to 400 entries to say so."""
    if not search.problem.facilitated:
        return 0
    cheaper = 0
    ends: _ChainEnds | None = None
    for node in range(len(search.starts)):
        for owner in list(search.groups[node]):
            if owner != PEER and search.leaders.cost[owner, node] > 0:
                ends = ends or _ChainEnds(search)
                if ends.may_end(node, owner) and cheaper_by_chain(search, node, owner):
                    cheaper += 1
                    ends = None  # the hand-overs changed who is free where
    return cheaper


class _ChainEnds:
    """Which groups a neutral chain could start from and still end, on the leaders as
    they are: `_chain`'s search without its `used` marks and its 400-entry limit, over
    groups (node, leader) rather than entries. Both only take chains away, so a group
    this says no chain from can end gets None from `_chain` too (a test checks it
    against `_chain` on every paying group of generated cohorts).

    A group can end a chain where someone free there costs no more than its leader
    (`cheapest_free`); a chain goes on from it to the groups of each facilitator who
    could take it but for one clashing group (that group) or for capacity (all of
    theirs), costing no more there; a group may start one if it reaches an end."""

    def __init__(self, search: Search) -> None:
        import numpy as np

        self.search = search
        leaders = search.leaders
        self.cheapest = leaders.cheapest_free()
        self.room = np.array(leaders.capacity, dtype=np.int64) > 0
        groups = [
            (node, owner)
            for node, owners in enumerate(search.groups)
            for owner in owners
            if owner != PEER
        ]
        index = {group: k for k, group in enumerate(groups)}
        parents: list[list[int]] = [[] for _ in groups]
        for k, (node, owner) in enumerate(groups):
            for child in self._next(node, owner, strict=False):
                parents[index[child]].append(k)
        self.reaching = self._reaching_ends(groups, parents)

    def may_end(self, node: int, owner: int) -> bool:
        """Whether a chain handing owner's group at the node to someone who pays less may
        exist (False: `cheaper_by_chain` finds none)."""
        paid = self.search.leaders.cost[owner, node]
        if self.cheapest[node] < paid:
            return True
        return any(child in self.reaching for child in self._next(node, owner, strict=True))

    def _next(self, node: int, owner: int, strict: bool) -> list[tuple[int, int]]:
        """The groups a chain may go on to from owner's group at the node: those of each
        facilitator able there at no more (`strict`: less) than owner pays who is held
        back by exactly one clashing group, or by capacity alone."""
        import numpy as np

        leaders = self.search.leaders
        paid = leaders.cost[owner, node]
        cost = leaders.cost[:, node]
        busy = leaders.busy[:, node]
        takers = leaders.able[:, node] & ((cost < paid) if strict else (cost <= paid))
        takers &= _held_back(busy, self.room)
        return [
            (given, taker)
            for taker in np.flatnonzero(takers).tolist()
            for given in _handed_on(leaders, taker, node)
        ]

    def _reaching_ends(
        self, groups: list[tuple[int, int]], parents: list[list[int]]
    ) -> set[tuple[int, int]]:
        """The groups from which some chain reaches a group that can end one."""
        leaders = self.search.leaders
        reached = [bool(self.cheapest[n] <= leaders.cost[o, n]) for n, o in groups]
        queue = [k for k, end in enumerate(reached) if end]
        while queue:
            for parent in parents[queue.pop()]:
                if not reached[parent]:
                    reached[parent] = True
                    queue.append(parent)
        return {group for group, end in zip(groups, reached, strict=True) if end}


def _held_back(busy: NDArray[Any], room: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Which facilitators could take a group but for exactly one clashing group of theirs
    (`busy` 1) or, clashing with none, for their capacity (`room` False): the ones a chain
    may go on through. `_chain` and `_ChainEnds` share it, so the filter stays a superset."""
    held: NDArray[np.bool_] = (busy == 1) | ((busy == 0) & ~room)
    return held


def _handed_on(leaders: Leaders, taker: int, node: int) -> list[int]:
    """The groups (nodes) of which the taker would hand on one to lead at the node: the
    clashing one that holds them back, else any of theirs; none where they already lead
    at the node (a swap changes nothing) or lead nothing."""
    led = leaders.at[taker]
    if node in led:
        return []
    blocking = [b for b in led if leaders.clash[node, b]]
    return blocking or list(dict.fromkeys(led))


def _apply(search: Search, entries: list[_Entry], last: int, taker: int) -> int:
    """Make the chain's hand-overs, last first; return who takes the root's group."""
    entry = entries[last]
    while True:
        if entry.owner < 0:
            return taker  # the root of a new group: the caller gives it to `taker`
        search.hand_over(entry.node, entry.owner, taker)
        if entry.parent < 0:
            return taker
        taker, entry = entry.owner, entries[entry.parent]


def _chain(
    search: Search, node: int, owner: int, neutral: bool
) -> tuple[list[_Entry], int, int] | None:
    """(entries, the entry whose group `taker` can lead freely, taker), breadth first."""
    import numpy as np

    leaders = search.leaders
    if not leaders.any_capacity():
        # Every chain ends with a facilitator taking a group freely, which needs capacity
        # left. Few facilitators 2,000's heuristic tried 367 chains, all with nobody's
        # capacity left: 0.39 of its 0.42 s of CPU, for nothing.
        return None
    capacity = np.array(leaders.capacity)
    order = np.array(leaders.order, dtype=np.int64)
    used = np.zeros(len(capacity), dtype=bool)
    if owner >= 0:
        used[owner] = True
    entries = [_Entry(node, owner, -1)]
    index = 0
    while index < len(entries) and len(entries) < _MOST_ENTRIES:
        entry = entries[index]
        column = order[leaders.able[order, entry.node] & ~used[order]]
        if entry.owner >= 0 and (neutral or index == 0):
            paid = leaders.cost[entry.owner, entry.node]
            cost = leaders.cost[column, entry.node]
            column = column[cost < paid] if index == 0 else column[cost <= paid]
        busy = leaders.busy[column, entry.node]
        free = column[(busy == 0) & (capacity[column] > 0)]
        if free.size and entry.owner >= 0:
            return entries, index, int(free[0])
        for taker in column[_held_back(busy, capacity[column] > 0)].tolist():
            handed_on = _handed_on(leaders, taker, entry.node)
            if handed_on:
                used[taker] = True
                entries.extend(_Entry(given, taker, index) for given in handed_on)
        index += 1
    return None
