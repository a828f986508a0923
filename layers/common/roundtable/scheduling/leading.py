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


def cheaper_leaders(search: Search) -> None:
    """Hand each group with a paying leader to a free facilitator who costs nothing there."""
    leaders = search.leaders
    for node, group_leaders in enumerate(search.groups):
        for leader in list(group_leaders):
            if leader != PEER and leaders.cost[leader, node] > 0:
                cheaper = leaders.free_at(node)
                if cheaper is not None and leaders.cost[cheaper, node] == 0:
                    search.hand_over(node, leader, cheaper)


def share_groups(search: Search) -> int:
    """Hand groups from facilitators leading several to idle ones; returns how many."""
    if not search.problem.facilitated:
        return 0
    shared = 0
    while (chain := _chain(search)) is not None:
        for node, old, new in chain:
            search.hand_over(node, old, new)
        shared += 1
    return shared


def _chain(search: Search) -> list[tuple[int, int, int]] | None:
    """(node, old leader, new leader) hand-overs ending at an overloaded facilitator."""
    leaders = search.leaders
    load = [len(at) + earlier for at, earlier in zip(leaders.at, leaders.existing, strict=True)]
    idle = [f for f in leaders.order if not load[f] and leaders.capacity[f] > 0]
    if not idle or max(load, default=0) < 2:
        return None
    taken_from: dict[int, tuple[int, int]] = dict.fromkeys(idle, (-1, -1))
    queue = deque(idle)
    while queue:
        taker = queue.popleft()
        for node in leaders.able[taker].nonzero()[0].tolist():
            for owner in search.groups[node]:
                if owner in taken_from or leaders.cost[taker, node] > leaders.cost[owner, node]:
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
