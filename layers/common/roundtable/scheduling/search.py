"""A mutable plan for local search: learners move along paths that keep every count legal.

Nodes are the viable starts (where new groups meet) and the existing groups
with room; one more node, the *pool*, holds the learners not placed. `links[a, b]`
counts the learners at node `a` who can attend node `b`. A path a → b → … → z
moves one learner along every hop, so only the two ends change their counts:
an augmenting path from the pool places one more learner, a path from a crowded
start to a thin one evens sizes, and no intermediate count ever changes. Every
learner stays at a node they can attend and every count stays within
[groups·min, groups·max], so any state of the search is a valid plan.

numpy is imported lazily (it ships with highspy in the worker).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

PEER = -1
FAR = 1 << 40  # cost of a node a learner cannot attend


class Search:
    """A plan as arrays: who is where, groups per start, facilitators' loads."""

    def __init__(self, problem: Problem, plan: Plan) -> None:
        import numpy as np

        self.problem = problem
        self.low, self.high = problem.params.learner_bounds()
        self.target = problem.params.target_learners()
        self.starts = list(problem.viable_starts)
        self.node_of = {start: k for k, start in enumerate(self.starts)}
        self.size = len(self.starts) + len(problem.existing)  # nodes, without the pool
        self.pool = self.size
        self.compat, self.cost = _learner_matrices(problem, self.starts)
        # learners who can attend something (the others stay out of the pool's count)
        self.movable = np.flatnonzero(self.compat.any(axis=1))
        self.groups: list[list[int]] = [[] for _ in self.starts]
        # len(groups[k]) kept as an array: lower, upper and deviation built it from the
        # lists each call, 0.45 of sparse 2,000's 1.5 s of profiled heuristic (2,200 calls)
        self.group_counts = np.zeros(len(self.starts), dtype=np.int64)
        self._room = np.array([max(slot.room, 0) for slot in problem.existing], dtype=np.int64)
        self.assign = np.full(len(problem.learners), self.pool, dtype=np.int64)
        self.leaders = Leaders(problem, self.starts)
        self.journal: list[tuple[str, int, int]] = []
        self._load(plan)
        self.journal.clear()

    # -- state ---------------------------------------------------------------------------

    def _load(self, plan: Plan) -> None:
        import numpy as np

        for start, leaders in plan.groups_at.items():
            for leader in leaders:
                self.add_group(self.node_of[start], leader)
        for start, members in plan.learners_at.items():
            self.assign[members] = self.node_of[start]
        offset = len(self.starts)
        for slot, members in plan.joins.items():
            self.assign[members] = offset + slot
        movable = self.movable
        self.counts = np.bincount(self.assign[movable], minlength=self.size + 1)
        self.links = np.zeros((self.size + 1, self.size), dtype=np.int32)
        order = movable[np.argsort(self.assign[movable], kind="stable")]
        nodes, firsts = np.unique(self.assign[order], return_index=True)
        if order.size:
            sums = np.add.reduceat(self.compat[order].astype(np.int32), firsts, axis=0)
            self.links[nodes] = sums

    def mark(self) -> int:
        """A point to undo back to."""
        return len(self.journal)

    def undo(self, mark: int) -> None:
        """Undo every change since the mark, newest first."""
        while len(self.journal) > mark:
            kind, first, second = self.journal.pop()
            if kind == "move":
                self._place(first, second)
            elif kind == "add":
                self._drop_leader(first, second)
            elif kind == "remove":
                self._add_leader(first, second)
            else:  # "hand": the group at `first` goes back from its new leader to `second`
                self._replace_leader(first, self.groups[first][-1], second)

    def plan(self) -> Plan:
        """The state as a Plan (learners in index order, facilitators as assigned)."""
        plan = Plan()
        offset = len(self.starts)
        for learner, node in enumerate(self.assign.tolist()):
            if node < offset:
                plan.learners_at.setdefault(self.starts[node], []).append(learner)
            elif node < self.pool:
                plan.joins.setdefault(node - offset, []).append(learner)
        for k, leaders in enumerate(self.groups):
            if leaders:
                plan.groups_at[self.starts[k]] = list(leaders)
        return plan

    def placed(self) -> int:
        """Learners in new or existing groups."""
        return int(self.counts[: self.pool].sum())

    # -- bounds of a node ----------------------------------------------------------------

    def group_count(self, node: int) -> int:
        return len(self.groups[node]) if node < len(self.starts) else 0

    def lower(self) -> NDArray[np.int64]:
        """Least learners each node must keep."""
        import numpy as np

        room = np.zeros(self.size - len(self.starts), dtype=np.int64)
        return np.concatenate([self.group_counts * self.low, room])

    def upper(self) -> NDArray[np.int64]:
        """Most learners each node may hold."""
        import numpy as np

        return np.concatenate([self.group_counts * self.high, self._room])

    @cached_property
    def attendable_cost(self) -> NDArray[np.float64]:
        """`cost` with infinity where the learner cannot attend the node (`cycles`)."""
        import numpy as np

        return np.where(self.compat, self.cost, np.inf)

    def open_nodes(self) -> NDArray[np.bool_]:
        """Nodes a learner may be moved to: starts with a group, existing groups with room."""
        return self.upper() > 0

    def deviation(self) -> NDArray[np.int64]:
        """Per start, learners minus target times groups (the size objective's terms)."""
        return self.counts[: len(self.starts)] - self.target * self.group_counts

    # -- groups --------------------------------------------------------------------------

    def add_group(self, node: int, leader: int) -> None:
        """Open one more group at a start, led by `leader` (PEER in peer cohorts)."""
        self._add_leader(node, leader)
        self.journal.append(("add", node, leader))

    def remove_group(self, node: int, leader: int | None = None) -> int:
        """Close `leader`'s group at a start (by default the leader with the most other
        options); return the leader."""
        leaders = self.groups[node]
        if leader is None:
            leader = max(leaders, key=self.leaders.flexibility) if leaders[0] != PEER else PEER
        self._drop_leader(node, leader)
        self.journal.append(("remove", node, leader))
        return leader

    def hand_over(self, node: int, old: int, new: int) -> None:
        """Give old's group at the node to facilitator `new`."""
        self._replace_leader(node, old, new)
        self.journal.append(("hand", node, old))

    def _add_leader(self, node: int, leader: int) -> None:
        self.groups[node].append(leader)
        self.group_counts[node] += 1
        if leader != PEER:
            self.leaders.take(leader, node)

    def _drop_leader(self, node: int, leader: int) -> None:
        self.groups[node].remove(leader)
        self.group_counts[node] -= 1
        if leader != PEER:
            self.leaders.release(leader, node)

    def _replace_leader(self, node: int, old: int, new: int) -> None:
        self.groups[node].remove(old)
        self.leaders.release(old, node)
        self.groups[node].append(new)
        self.leaders.take(new, node)

    # -- paths ---------------------------------------------------------------------------

    def find_path(
        self, sources: NDArray[np.bool_], sinks: NDArray[np.bool_], enterable: NDArray[np.bool_]
    ) -> list[int] | None:
        """Shortest node path from a source to a sink along links (breadth first)."""
        import numpy as np

        parent = np.full(self.size + 1, -2, dtype=np.int64)
        frontier = np.flatnonzero(sources)
        parent[frontier] = -1
        while frontier.size:
            reach = (self.links[frontier] > 0) & enterable & (parent[: self.size] == -2)
            fresh = np.flatnonzero(reach.any(axis=0))
            if not fresh.size:
                return None
            parent[fresh] = frontier[reach[:, fresh].argmax(axis=0)]
            done = fresh[sinks[fresh]]
            if done.size:
                return _trace(parent, int(done[0]))
            frontier = fresh
        return None

    def apply_path(self, path: list[int]) -> None:
        """Move one learner along each hop, last hop first so no count overshoots."""
        for hop in range(len(path) - 1, 0, -1):
            self.move(self.mover(path[hop - 1], path[hop]), path[hop])

    def mover(self, origin: int, destination: int) -> int:
        """The learner at `origin` who gains most (loses least) by going to `destination`."""
        import numpy as np

        here = np.flatnonzero((self.assign == origin) & self.compat[:, destination])
        if origin == self.pool:
            change = self.cost[here, destination]
        else:
            change = self.cost[here, destination] - self.cost[here, origin]
        return int(here[int(np.argmin(change))])

    def move(self, learner: int, node: int) -> None:
        """Put one learner at a node (the pool unplaces them)."""
        self.journal.append(("move", learner, int(self.assign[learner])))
        self._place(learner, node)

    def _place(self, learner: int, node: int) -> None:
        origin = int(self.assign[learner])
        self.assign[learner] = node
        self.links[origin] -= self.compat[learner]
        self.links[node] += self.compat[learner]
        self.counts[origin] -= 1
        self.counts[node] += 1


def _trace(parent: NDArray[np.int64], node: int) -> list[int]:
    path = [node]
    while parent[path[-1]] >= 0:
        path.append(int(parent[path[-1]]))
    return path[::-1]


def _learner_matrices(problem: Problem, starts: list[int]) -> tuple[NDArray[Any], NDArray[Any]]:
    """(learners x nodes) compatibility and cost; existing groups come after the starts."""
    import numpy as np

    costs = problem.learner_costs[:, starts].astype(np.int64)
    joins = np.full((len(problem.learners), len(problem.existing)), -1, dtype=np.int64)
    for learner, options in enumerate(problem.learner_joins):
        for slot, cost in options.items():
            joins[learner, slot] = cost
    costs = np.concatenate([costs, joins], axis=1)
    compat = costs >= 0
    return compat, np.where(compat, costs, FAR)


class Leaders:
    """Facilitators: who leads which starts, capacity left, and who is free where."""

    def __init__(self, problem: Problem, starts: list[int]) -> None:
        import numpy as np

        self.capacity = list(problem.facilitator_capacity)
        self.at: list[list[int]] = [[] for _ in problem.facilitators]
        self.existing = existing_loads(problem)
        costs = problem.facilitator_costs[:, np.array(starts, dtype=np.int64)]
        self.able: NDArray[np.bool_] = costs >= 0
        self.cost: NDArray[np.int64] = np.where(self.able, costs, 0).astype(np.int64)
        self.clash = clash_matrix(problem, starts)
        # busy[f, node]: how many of f's groups overlap the node (kept up to date)
        self.busy: NDArray[np.int32] = np.zeros((len(problem.facilitators), len(starts)), np.int32)
        options = self.able.sum(axis=1)
        ids = [a.person.id for a in problem.facilitators]
        # the scarcest first: a facilitator with few options should get them
        self.order = sorted(range(len(ids)), key=lambda f: (int(options[f]), ids[f]))
        self.rank = {f: position for position, f in enumerate(self.order)}
        self._order = np.array(self.order, dtype=np.int64)

    def flexibility(self, f: int) -> int:
        return self.rank[f]

    def free(self, f: int, node: int) -> bool:
        """Whether f may take one more group at the node."""
        return (
            bool(self.able[f, node])
            and self.capacity[f] > 0
            and not any(self.clash[node, other] for other in self.at[f])
        )

    def cheapest_free(self) -> NDArray[np.int64]:
        """Per node, what the cheapest facilitator free there would pay (FAR: nobody)."""
        import numpy as np

        free = self.able & (np.array(self.capacity) > 0)[:, None] & (self.busy == 0)
        return np.where(free, self.cost, FAR).min(axis=0, initial=FAR)

    def any_capacity(self) -> bool:
        """Whether some facilitator may take one more group (anywhere)."""
        return any(left > 0 for left in self.capacity)

    def free_at(self, node: int) -> int | None:
        """The scarcest facilitator free at the node, if any (cheapest first).

        `free` for everyone at once: busy[f, node] counts f's groups that clash with the
        node. Asking `free` of each facilitator in turn was 0.15 of sparse 2,000's 0.43 s
        of profiled heuristic (394 calls, 87,000 questions).
        """
        import numpy as np

        if not self.any_capacity():
            return None  # a common case when facilitators are few: no arrays built
        order = self._order
        free = self.able[order, node] & (self.busy[order, node] == 0)
        free &= np.array(self.capacity, dtype=np.int64)[order] > 0
        candidates = order[free]
        if not candidates.size:
            return None
        # the first (scarcest) of the cheapest
        return int(candidates[int(np.argmin(self.cost[candidates, node]))])

    def take(self, f: int, node: int) -> None:
        self.capacity[f] -= 1
        self.at[f].append(node)
        self.busy[f] += self.clash[node]

    def release(self, f: int, node: int) -> None:
        self.capacity[f] += 1
        self.at[f].remove(node)
        self.busy[f] -= self.clash[node]


def existing_loads(problem: Problem) -> list[int]:
    """Per facilitator, the existing groups they lead already."""
    index = {attendee.person.id: f for f, attendee in enumerate(problem.facilitators)}
    loads = [0] * len(problem.facilitators)
    for slot in problem.existing:
        for person_id in slot.group.facilitators:
            if person_id in index:
                loads[index[person_id]] += 1
    return loads


def clash_matrix(problem: Problem, starts: list[int]) -> NDArray[np.bool_]:
    """(starts x starts): whether two starts' meetings overlap in some week (or are equal)."""
    import numpy as np

    minutes = problem.params.meeting_minutes
    series = [problem.catalog.starts[s].minutes for s in starts]
    moments = np.array([m for one in series for m in one], dtype=np.int64)
    owner = np.repeat(np.arange(len(starts)), [len(one) for one in series])
    order = np.argsort(moments, kind="stable")
    moments, owner = moments[order], owner[order]
    ends = np.searchsorted(moments, moments + minutes, side="left")
    clash = np.eye(len(starts), dtype=bool)
    reach = int((ends - np.arange(len(moments))).max(initial=1))
    for gap in range(1, reach):
        first = np.flatnonzero(np.arange(len(moments)) + gap < ends)
        clash[owner[first], owner[first + gap]] = True
    return clash | clash.T
