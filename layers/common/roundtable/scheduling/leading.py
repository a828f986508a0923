"""Who leads which group: cheaper facilitators, and as many different ones as possible.

Neither move changes a learner or a group's start, so placement, joins and
sizes stay as they are, and no facilitator's cost goes up, so preferences do
not either. Handing a group to a facilitator with none lowers the spread
objective (groups beyond a facilitator's first); when nobody free can take an
overloaded facilitator's group directly, a chain does: an idle facilitator
takes a group from someone leading one, who takes the next group, and so on,
until the last group taken belongs to someone leading several.
"""

from __future__ import annotations

from collections import deque

from roundtable.scheduling.search import PEER, Search

_MOST_STEPS = 4  # different extra costs tried for an idle facilitator's first group


def cheaper_leaders(search: Search) -> None:
    """Hand each group with a paying leader to a free facilitator who costs nothing there."""
    leaders = search.leaders
    for node, group_leaders in enumerate(search.groups):
        for leader in list(group_leaders):
            if leader != PEER and leaders.cost[leader, node] > 0:
                cheaper = leaders.free_at(node)
                if cheaper is not None and leaders.cost[cheaper, node] == 0:
                    search.hand_over(node, leader, cheaper)


def share_groups(search: Search, allowance: int = 0) -> int:
    """Hand groups from facilitators leading several to idle ones; returns how many.

    `allowance`: how much more the leaders may pay in all (what the held preferences
    leave above the plan's): an idle facilitator may take their group at up to that much
    more than its leader paid (every later hand-over of a chain at no more), the
    cheapest chains first. Without it (0) no leader pays more.
    """
    if not search.problem.facilitated:
        return 0
    shared = 0
    while (found := _chain(search, allowance)) is not None:
        chain, extra = found
        for node, old, new in chain:
            search.hand_over(node, old, new)
        allowance -= extra
        shared += 1
    return shared


def _chain(search: Search, allowance: int = 0) -> tuple[list[tuple[int, int, int]], int] | None:
    """(node, old leader, new leader) hand-overs ending at an overloaded facilitator, and
    what the first (the idle facilitator's) costs more than its leader paid: none at
    all if such a chain exists, else the least within the allowance."""
    for extra in sorted({0, *_dearer_steps(search, allowance)}):
        chain = _chain_within(search, extra)
        if chain is not None:
            return chain, _first_extra(search, chain)
    return None


def _dearer_steps(search: Search, allowance: int) -> list[int]:
    """The different amounts (within the allowance) by which an idle facilitator would
    pay more than the leader of a group they can lead."""
    if allowance <= 0:
        return []
    import numpy as np

    leaders = search.leaders
    steps: set[int] = set()
    for node, group in enumerate(search.groups):
        owners = [int(leaders.cost[owner, node]) for owner in group]
        if not owners:
            continue
        takers = leaders.cost[leaders.able[:, node], node]
        for more in (takers[:, None] - np.array(owners)[None, :]).ravel().tolist():
            if 0 < more <= allowance:
                steps.add(int(more))
    return sorted(steps)[:_MOST_STEPS]


def _first_extra(search: Search, chain: list[tuple[int, int, int]]) -> int:
    node, old, new = chain[0]
    return max(int(search.leaders.cost[new, node]) - int(search.leaders.cost[old, node]), 0)


def _chain_within(search: Search, extra: int) -> list[tuple[int, int, int]] | None:
    """A chain whose idle facilitator pays at most `extra` more than the group's leader."""
    leaders = search.leaders
    load = [len(at) + earlier for at, earlier in zip(leaders.at, leaders.existing, strict=True)]
    idle = [f for f in leaders.order if not load[f] and leaders.capacity[f] > 0]
    if not idle or max(load, default=0) < 2:
        return None
    taken_from: dict[int, tuple[int, int]] = dict.fromkeys(idle, (-1, -1))
    starters = set(idle)
    queue = deque(idle)
    while queue:
        taker = queue.popleft()
        more = extra if taker in starters else 0
        for node in leaders.able[taker].nonzero()[0].tolist():
            for owner in search.groups[node]:
                dearer = leaders.cost[taker, node] > leaders.cost[owner, node] + more
                if owner in taken_from or dearer:
                    continue
                taken_from[owner] = (node, taker)
                if load[owner] >= 2:
                    return _unwind(taken_from, owner)
                queue.append(owner)
    return None


def _unwind(taken_from: dict[int, tuple[int, int]], owner: int) -> list[tuple[int, int, int]]:
    """The hand-overs in the order they can be made: the idle facilitator's first."""
    chain: list[tuple[int, int, int]] = []
    while True:
        node, taker = taken_from[owner]
        if node < 0:
            return chain[::-1]
        chain.append((node, owner, taker))
        owner = taker
