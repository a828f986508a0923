"""Maximum flow from supplies to capacities over a bipartite graph (Dinic), solver-free.

Used by the bounds: how many learners fit when each start may hold at most so
many. Sources and sinks are numbered separately; `edges` link a source to a
sink with unlimited capacity.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence


class _Network:
    def __init__(self, nodes: int) -> None:
        self.head: list[list[int]] = [[] for _ in range(nodes)]
        self.to: list[int] = []
        self.room: list[int] = []

    def arc(self, tail: int, head: int, capacity: int) -> None:
        """An arc and its reverse (arc i's reverse is i ^ 1)."""
        for a, b, c in ((tail, head, capacity), (head, tail, 0)):
            self.head[a].append(len(self.to))
            self.to.append(b)
            self.room.append(c)

    def levels(self, source: int, sink: int) -> list[int] | None:
        level = [-1] * len(self.head)
        level[source] = 0
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for arc in self.head[node]:
                if self.room[arc] and level[self.to[arc]] < 0:
                    level[self.to[arc]] = level[node] + 1
                    queue.append(self.to[arc])
        return level if level[sink] >= 0 else None

    def push(self, source: int, sink: int, level: list[int]) -> int:
        """A blocking flow along shortest paths (iterative depth-first search)."""
        pushed, nxt = 0, [0] * len(self.head)
        while True:
            path: list[int] = []  # arcs from the source
            node = source
            while node != sink:
                arcs = self.head[node]
                while nxt[node] < len(arcs):
                    arc = arcs[nxt[node]]
                    if self.room[arc] and level[self.to[arc]] == level[node] + 1:
                        break
                    nxt[node] += 1
                if nxt[node] == len(arcs):  # dead end: retreat
                    if not path:
                        return pushed
                    level[node] = -1
                    node = self.to[path.pop() ^ 1]
                    continue
                path.append(arcs[nxt[node]])
                node = self.to[path[-1]]
            amount = min(self.room[arc] for arc in path)
            for arc in path:
                self.room[arc] -= amount
                self.room[arc ^ 1] += amount
            pushed += amount


def max_flow(
    supplies: Sequence[int], capacities: Sequence[int], edges: Sequence[tuple[int, int]]
) -> int:
    """Most units sent from sources (at most `supplies[i]` each) to sinks (at most
    `capacities[j]` each) along `edges` (i, j)."""
    offset = len(supplies)
    source, sink = offset + len(capacities), offset + len(capacities) + 1
    network = _Network(sink + 1)
    # arc 2i: source -> i; 2(offset + j): j -> sink; 2(offset + sinks + k): edge k
    for i, supply in enumerate(supplies):
        network.arc(source, i, supply)
    for j, capacity in enumerate(capacities):
        network.arc(offset + j, sink, capacity)
    unlimited = sum(supplies)
    for i, j in edges:
        network.arc(i, offset + j, unlimited)
    total = _greedy(network, offset, len(capacities), edges)
    while (level := network.levels(source, sink)) is not None:
        total += network.push(source, sink, level)
    return total


def _greedy(network: _Network, offset: int, sinks: int, edges: Sequence[tuple[int, int]]) -> int:
    """Send what goes straight through first: the search then only repairs the rest."""
    room = network.room
    sent = 0
    for k, (i, j) in enumerate(edges):
        into, out, arc = 2 * i, 2 * (offset + j), 2 * (offset + sinks + k)
        amount = min(room[into], room[out])
        if amount:
            for forward, units in ((into, amount), (arc, amount), (out, amount)):
                room[forward] -= units
                room[forward ^ 1] += units
            sent += amount
    return sent
