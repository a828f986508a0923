"""Solve a cohort as independent parts: the connected components of "who can meet when".

Two people are connected when they can both attend some viable start (with per-group
anchors every anchor's series is a start of its own, so that covers anchors too), or
could both be in one existing group (a learner who can join it, its facilitators). No
row of the model links two components: a class's seats, a start's groups and learners,
a facilitator's capacity and overlapping meetings, an existing group's room all stay
inside one. So the model is block-diagonal and each component is solved alone with the
ordinary lexicographic solver (`solver.solve_exact`), on a sub-problem that shares the
whole problem's catalogue (start indices stay the same) and its people's rows.

Merging is exact for every phase whose objective is a sum over components: placed,
joins, sizes and preferences. Maximising a sum of independent terms maximises each term,
and holding the sum at its best forces every term to its best, so the next phase faces,
in each component, exactly the set of answers the component's own solve held (by
induction over the phases). Spread is 10·(groups beyond each facilitator's first) plus
the most groups at one start: the first part is a sum, the second a maximum over the
components, so per-component optima are not always a global optimum (two answers of one
component that tie at 10·1 + 1 and 10·0 + 11 differ once another component already has
11 groups at a start). The merged spread is therefore reported against a lower bound
built from the components' bounds (`spread_lower_bound`), proven only when they meet.
See docs/scheduling.md, "Large cohorts".
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import SENSES, PhaseResult
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import LearnerClass, Problem
from roundtable.scheduling.search import PEER
from roundtable.scheduling.solver import ExactOutcome, solve_exact
from roundtable.scheduling.values import plan_objectives

# Phases whose objective is a sum over components (see the module docstring).
ADDITIVE = ("placed", "joins", "sizes", "preferences")


@dataclass(frozen=True)
class Part:
    """One connected component, as indices into the whole problem."""

    classes: tuple[int, ...]
    learners: tuple[int, ...]  # sorted
    facilitators: tuple[int, ...]  # sorted
    existing: tuple[int, ...]  # sorted existing-slot indices


@dataclass
class PartsOutcome:
    """The merged answer, as the whole model's solver would report it."""

    plan: Plan
    upper_bound: int
    heuristic_placed: int
    placement_seconds: float
    phases: list[str] = field(default_factory=list)
    parts: int = 0


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
    sub.viable_starts = sorted(starts)
    sub.classes = [
        LearnerClass(
            tuple(learner_at[i] for i in problem.classes[c].members),
            problem.classes[c].options,
            tuple((slot_at[e], cost) for e, cost in problem.classes[c].joins),
        )
        for c in part.classes
    ]
    return sub


def _remap(joins: dict[int, int], slot_at: dict[int, int]) -> dict[int, int]:
    return {slot_at[e]: cost for e, cost in joins.items()}


def solve_by_parts(problem: Problem, seed: int, time_limit: float) -> PartsOutcome:
    """Solve each component within its share of the time and merge the answers.

    A part's share is its learners' share of the time still left, so time a small part
    does not use flows to the larger ones. Deterministic: parts in a fixed order, each
    solved with the same seed.
    """
    began = time.monotonic()
    parts = find_parts(problem)
    plan, results, heuristic_placed, upper_bound = Plan(), [], 0, 0
    crowds: list[int] = []
    placement = 0.0
    waiting = sum(len(part.learners) for part in parts)
    for part in parts:
        left = max(time_limit - (time.monotonic() - began), 0.05)
        sub = sub_problem(problem, part)
        crowds.append(most_groups_at_a_start(sub))
        warm = solve_heuristic(sub, seed)
        heuristic_placed += warm.placed()
        outcome = solve_exact(sub, warm, seed, left * len(part.learners) / waiting)
        waiting -= len(part.learners)
        upper_bound += outcome.upper_bound
        placement += outcome.placement_seconds
        results.append(outcome)
        _merge_into(plan, outcome.plan, part)
    merged = PartsOutcome(plan, upper_bound, heuristic_placed, round(placement, 3))
    merged.parts = len(parts)
    sizes = [len(part.learners) for part in parts]
    seconds = time.monotonic() - began
    merged.phases = merged_phase_lines(problem, plan, results, sizes, crowds, seconds)
    return merged


def _merge_into(whole: Plan, plan: Plan, part: Part) -> None:
    """Add a part's plan to the whole one, its indices translated back."""
    for start, leaders in plan.groups_at.items():
        whole.groups_at[start] = [f if f == PEER else part.facilitators[f] for f in leaders]
    for start, members in plan.learners_at.items():
        whole.learners_at[start] = [part.learners[i] for i in members]
    for slot, members in plan.joins.items():
        whole.joins[part.existing[slot]] = [part.learners[i] for i in members]


def merged_phase_lines(
    problem: Problem,
    plan: Plan,
    outcomes: Sequence[ExactOutcome],
    sizes: Sequence[int],
    crowds: Sequence[int],
    seconds: float,
) -> list[str]:
    """One line per phase in the solver's own format, for the merged plan.

    Values are the whole model's objectives of the merged plan; bounds are the sums of
    the parts' bounds (additive phases) or `spread_lower_bound`.
    """
    values = plan_objectives(problem, plan)
    lines = [
        f"exact: solved as {len(outcomes)} independent parts in {seconds:.2f} s "
        f"(largest {max(sizes, default=0)} learners)"
    ]
    names = [name for name in (*ADDITIVE, "spread") if any(name in o.results for o in outcomes)]
    for name in names:
        taken = [o.results[name] for o in outcomes if name in o.results]
        elapsed = sum(o.seconds.get(name, 0.0) for o in outcomes)
        if name == "spread":
            bound = spread_lower_bound([r.bound for r in taken], crowds)
        else:
            bound = sum(r.bound for r in taken)
        lines.append(f"{name} ({elapsed:.2f} s): {_status(name, values[name], bound, taken)}")
    return lines


def _status(name: str, value: int, bound: int, taken: Sequence[PhaseResult]) -> str:
    if value == bound:
        return f"{value}, optimal"
    gap = abs(value - bound) / max(abs(value), 1)
    reasons = sorted({r.status.rsplit("(", 1)[-1].rstrip(")") for r in taken if not r.proven})
    reason = ", ".join(reasons) or ("accepted" if not SENSES[name] else "time limit reached")
    return f"{value}, bound {bound}, gap {gap:.1%} ({reason})"


def most_groups_at_a_start(problem: Problem) -> int:
    """The most new groups any answer could put at one start: as many as the learners
    who can attend it fill to the minimum, and (facilitated) the facilitators who can."""
    low = max(problem.params.learner_bounds()[0], 1)
    starts = problem.viable_starts
    if not starts:
        return 0
    fill = (problem.learner_costs[:, starts] >= 0).sum(axis=0) // low
    if problem.facilitated:
        able = [f for f, cap in enumerate(problem.facilitator_capacity) if cap > 0]
        leaders = (problem.facilitator_costs[able][:, starts] >= 0).sum(axis=0)
        fill = fill.clip(max=leaders)
    return int(fill.max())


def spread_lower_bound(part_bounds: Sequence[int], crowds: Sequence[int]) -> int:
    """A lower bound on the whole spread from lower bounds b_k of each part's spread.

    In any answer, part k has 10·O_k + M_k >= b_k (O_k its facilitators' groups beyond
    their first, M_k its most groups at one start, at most `crowds[k]`) and the whole
    spread is 10·ΣO_k + M with M = max M_k. So 10·O_k >= b_k - min(M, crowds[k]), and as
    O_k is whole, the spread is at least
    min over M of M + Σ_k 10·ceil(max(b_k - min(M, crowds[k]), 0) / 10).
    It equals the merged value when every part's optimum has its fewest doubled-up
    facilitators (then the parts' maxima differ by less than 10).
    """
    if not part_bounds or max(part_bounds) <= 0:
        return 0
    return min(
        most
        + sum(
            10 * -(-max(b - min(most, crowd), 0) // 10)
            for b, crowd in zip(part_bounds, crowds, strict=True)
        )
        for most in range(max(crowds, default=0) + 1)
    )
