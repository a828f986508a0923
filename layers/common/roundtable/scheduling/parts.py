"""Parts of a scheduling problem: connected components of "who can meet when", and a
part as a problem of its own (see split.py for why solving them apart is exact)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import LearnerClass, Problem
from roundtable.scheduling.search import PEER


@dataclass(frozen=True)
class Part:
    """One connected component, as indices into the whole problem."""

    classes: tuple[int, ...]
    learners: tuple[int, ...]  # sorted
    facilitators: tuple[int, ...]  # sorted
    existing: tuple[int, ...]  # sorted existing-slot indices


class _Components:
    """Union-find over starts (0..S-1) and existing slots (S..S+E-1)."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, node: int) -> int:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def join(self, nodes: Iterable[int]) -> int | None:
        """Put every node in one component; its root, or None for no nodes."""
        root = None
        for node in nodes:
            found = self.find(node)
            if root is None:
                root = found
            elif found != root:
                self.parent[found] = root
        return None if root is None else self.find(root)


def find_parts(problem: Problem) -> list[Part]:
    """The problem's connected components, in order of their first learner's id.

    Learners are joined through their class's starts and joinable groups (members of a
    class share them); facilitators through their starts and the existing groups they
    lead. A facilitator connected to no learner forms no part: no group can form there.
    """
    offset = len(problem.catalog.starts)
    components = _Components(offset + len(problem.existing))
    for cls in problem.classes:
        components.join([s for s, _cost in cls.options] + [offset + e for e, _c in cls.joins])
    slot_of = _facilitator_slots(problem)
    leaders = [
        components.join([*problem.facilitator_options[f], *(offset + e for e in slot_of[f])])
        for f in range(len(problem.facilitators))
    ]
    members: dict[int, tuple[list[int], list[int], list[int]]] = {}
    for c, cls in enumerate(problem.classes):
        anchor = cls.options[0][0] if cls.options else offset + cls.joins[0][0]
        members.setdefault(components.find(anchor), ([], [], []))[0].append(c)
    for f, root in enumerate(leaders):
        if root is not None and components.find(root) in members:
            members[components.find(root)][1].append(f)
    for e in range(len(problem.existing)):
        root = components.find(offset + e)
        if root in members:
            members[root][2].append(e)
    parts = [
        Part(
            tuple(classes),
            tuple(sorted(i for c in classes for i in problem.classes[c].members)),
            tuple(facilitators),
            tuple(existing),
        )
        for classes, facilitators, existing in members.values()
    ]
    return sorted(parts, key=lambda part: problem.classes[part.classes[0]].members[0])


def _facilitator_slots(problem: Problem) -> list[list[int]]:
    """Per facilitator, the existing slots they lead."""
    index = {attendee.person.id: f for f, attendee in enumerate(problem.facilitators)}
    slots: list[list[int]] = [[] for _ in problem.facilitators]
    for e, slot in enumerate(problem.existing):
        for person_id in slot.group.facilitators:
            if person_id in index:
                slots[index[person_id]].append(e)
    return slots


def sub_problem(problem: Problem, part: Part) -> Problem:
    """The part as a problem of its own, sharing the catalogue (start indices unchanged)."""
    learner_at = {i: k for k, i in enumerate(part.learners)}
    slot_at = {e: k for k, e in enumerate(part.existing)}
    learners, leaders = list(part.learners), list(part.facilitators)
    sub = Problem(
        params=problem.params,
        catalog=problem.catalog,
        learners=[problem.learners[i] for i in learners],
        facilitators=[problem.facilitators[f] for f in leaders],
        existing=[problem.existing[e] for e in part.existing],
        learner_options=[problem.learner_options[i] for i in learners],
        learner_joins=[_remap(problem.learner_joins[i], slot_at) for i in learners],
        facilitator_options=[problem.facilitator_options[f] for f in leaders],
        facilitator_capacity=[problem.facilitator_capacity[f] for f in leaders],
        raw_learner_starts=[problem.raw_learner_starts[i] for i in learners],
        raw_facilitator_starts=[problem.raw_facilitator_starts[f] for f in leaders],
        zones=problem.zones,
        learner_costs=problem.learner_costs[learners],
        facilitator_costs=problem.facilitator_costs[leaders],
    )
    starts = {s for i in learners for s in problem.learner_options[i]}
    starts |= {s for f in leaders for s in problem.facilitator_options[f]}
    sub.viable_starts = sorted(starts)
    sub.classes = [
        LearnerClass(
            tuple(learner_at[i] for i in problem.classes[c].members if i in learner_at),
            problem.classes[c].options,
            tuple((slot_at[e], cost) for e, cost in problem.classes[c].joins),
        )
        for c in part.classes
    ]
    return sub


def _remap(joins: dict[int, int], slot_at: dict[int, int]) -> dict[int, int]:
    return {slot_at[e]: cost for e, cost in joins.items()}


def merge_into(whole: Plan, plan: Plan, part: Part) -> None:
    """Add a part's plan to the whole one, its indices translated back."""
    for start, leaders in plan.groups_at.items():
        mapped = [f if f == PEER else part.facilitators[f] for f in leaders]
        whole.groups_at.setdefault(start, []).extend(mapped)
    for start, members in plan.learners_at.items():
        whole.learners_at.setdefault(start, []).extend(part.learners[i] for i in members)
    for slot, members in plan.joins.items():
        whole.joins.setdefault(part.existing[slot], []).extend(part.learners[i] for i in members)


def whole_part(problem: Problem) -> Part:
    """Everybody in the problem as one part (indices unchanged)."""
    return Part(
        tuple(range(len(problem.classes))),
        tuple(range(len(problem.learners))),
        tuple(range(len(problem.facilitators))),
        tuple(range(len(problem.existing))),
    )
