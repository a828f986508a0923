"""A fast constructive answer: the solver's warm start and its fallback.

Existing groups with room are filled first. Then, repeatedly, a group opens at
the start where the most unplaced learners can meet, led by the free
facilitator with the fewest other options, and takes the learners with the
fewest other options first. Deterministic for a given seed.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter

from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem

PEER = -1


def solve_heuristic(problem: Problem, seed: int = 0) -> Plan:
    """A valid plan built greedily: the better of opening groups at target and at full size."""
    low, high = problem.params.learner_bounds()
    sizes = sorted({problem.params.target_learners(), high})
    plans = [_greedy(problem, seed, take) for take in sizes]
    return max(plans, key=lambda plan: (plan.placed(), -size_deviation(problem, plan)))


def size_deviation(problem: Problem, plan: Plan) -> int:
    """Sum over starts of |learners - target * groups|, the size objective."""
    target = problem.params.target_learners()
    return sum(
        abs(len(plan.learners_at.get(start, [])) - target * len(leaders))
        for start, leaders in plan.groups_at.items()
    )


def _greedy(problem: Problem, seed: int, take: int) -> Plan:
    rng = random.Random(seed)
    ties = [rng.random() for _ in problem.learners]
    plan = Plan()
    remaining = set(range(len(problem.learners)))
    _fill_existing(problem, plan, remaining, ties)
    _open_groups(problem, plan, remaining, ties, rng, take)
    _top_up(problem, plan, remaining, ties)
    return plan


def _top_up(problem: Problem, plan: Plan, remaining: set[int], ties: list[float]) -> None:
    """Add leftover learners to the emptiest groups at their times that have room."""
    high = problem.params.learner_bounds()[1]
    for i in sorted(remaining, key=lambda i: _scarcity(problem, i, ties)):
        fits = [
            (len(plan.learners_at[s]) / len(plan.groups_at[s]), s)
            for s in problem.learner_options[i]
            if s in plan.groups_at and len(plan.learners_at[s]) < high * len(plan.groups_at[s])
        ]
        if fits:
            plan.learners_at[min(fits)[1]].append(i)
            remaining.discard(i)


def _scarcity(problem: Problem, learner: int, ties: list[float]) -> tuple[int, float]:
    options = problem.learner_options[learner]
    return len(options) + len(problem.learner_joins[learner]), ties[learner]


def _fill_existing(problem: Problem, plan: Plan, remaining: set[int], ties: list[float]) -> None:
    for slot_index, slot in enumerate(problem.existing):
        fits = [i for i in remaining if slot_index in problem.learner_joins[i]]
        fits.sort(
            key=lambda i: (problem.learner_joins[i][slot_index], *_scarcity(problem, i, ties))
        )
        chosen = fits[: max(slot.room, 0)]
        if chosen:
            plan.joins[slot_index] = chosen
            remaining.difference_update(chosen)


class _Facilitators:
    """Who is free where: capacity left and no clash with groups already given."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.used: list[list[int]] = [[] for _ in problem.facilitators]
        self.left = list(problem.facilitator_capacity)
        self.at: dict[int, list[int]] = {}
        order = sorted(
            range(len(problem.facilitators)),
            key=lambda f: (len(problem.facilitator_options[f]), problem.facilitators[f].person.id),
        )
        for f in order:
            for start in problem.facilitator_options[f]:
                self.at.setdefault(start, []).append(f)

    def free_at(self, start: int) -> int | None:
        for f in self.at.get(start, ()):
            if self.left[f] > 0 and not any(self._clash(start, other) for other in self.used[f]):
                return f
        return None

    def take(self, f: int, start: int) -> None:
        self.left[f] -= 1
        self.used[f].append(start)

    def _clash(self, a: int, b: int) -> bool:
        minutes = self.problem.params.meeting_minutes
        first, second = self.problem.catalog.starts[a], self.problem.catalog.starts[b]
        return any(abs(x - y) < minutes for x in first.minutes for y in second.minutes)


def free_facilitators(problem: Problem, plan: Plan) -> _Facilitators:
    """Facilitator availability left over after the plan's groups."""
    facilitators = _Facilitators(problem)
    for start, leaders in plan.groups_at.items():
        for f in leaders:
            if f != PEER:
                facilitators.take(f, start)
    return facilitators


def _open_groups(
    problem: Problem,
    plan: Plan,
    remaining: set[int],
    ties: list[float],
    rng: random.Random,
    take: int,
) -> None:
    low, high = problem.params.learner_bounds()
    low = max(low, 1)
    learners_at: dict[int, list[int]] = {}
    for i in sorted(remaining, key=lambda i: _scarcity(problem, i, ties)):
        for start in problem.learner_options[i]:
            learners_at.setdefault(start, []).append(i)
    count = Counter({s: len(members) for s, members in learners_at.items()})
    start_ties = {s: rng.random() for s in learners_at}
    heap = [(-min(n, high), start_ties[s], s) for s, n in count.items() if n >= low]
    heapq.heapify(heap)
    facilitators = _Facilitators(problem)
    while heap:
        key, tie, start = heapq.heappop(heap)
        if -key != min(count[start], high):
            if count[start] >= low:
                heapq.heappush(heap, (-min(count[start], high), tie, start))
            continue
        leader = facilitators.free_at(start) if problem.facilitated else PEER
        if leader is None:
            continue
        members = [i for i in learners_at[start] if i in remaining][:take]
        if problem.facilitated:
            facilitators.take(leader, start)
        plan.groups_at.setdefault(start, []).append(leader)
        plan.learners_at.setdefault(start, []).extend(members)
        for i in members:
            remaining.discard(i)
            for option in problem.learner_options[i]:
                count[option] -= 1
        if count[start] >= low:
            heapq.heappush(heap, (-min(count[start], high), tie, start))
