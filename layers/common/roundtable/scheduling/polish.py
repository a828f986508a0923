"""Moves that bring group sizes nearer the target without unplacing anyone.

Used on a plan before the size phase so the solver starts from a good answer.
Every move keeps G*min <= learners <= G*max at each start and only moves a
learner to a start they can make, so validity cannot break.
"""

from __future__ import annotations

from roundtable.scheduling.heuristic import PEER, free_facilitators
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem


def polish_sizes(problem: Problem, plan: Plan) -> Plan:
    """Add groups where starts are crowded, then move learners from crowded to thin starts."""
    _add_groups_where_crowded(problem, plan)
    _move_learners(problem, plan)
    return plan


def _add_groups_where_crowded(problem: Problem, plan: Plan) -> None:
    low, _high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    facilitators = free_facilitators(problem, plan)
    for start in sorted(plan.groups_at):
        while True:
            groups = len(plan.groups_at[start])
            learners = len(plan.learners_at.get(start, []))
            better = abs(learners - target * (groups + 1)) < abs(learners - target * groups)
            if not better or learners < low * (groups + 1):
                break
            leader = facilitators.free_at(start) if problem.facilitated else PEER
            if leader is None:
                break
            if problem.facilitated:
                facilitators.take(leader, start)
            plan.groups_at[start].append(leader)


def _move_learners(problem: Problem, plan: Plan) -> None:
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()

    def excess(start: int) -> int:
        return len(plan.learners_at.get(start, [])) - target * len(plan.groups_at[start])

    moved = True
    while moved:
        moved = False
        for start in sorted(plan.learners_at):
            members = plan.learners_at[start]
            for i in list(members):
                if excess(start) <= 0 or len(members) - 1 < low * len(plan.groups_at[start]):
                    break
                thin = [
                    s
                    for s in problem.learner_options[i]
                    if s in plan.groups_at
                    and excess(s) < 0
                    and len(plan.learners_at.get(s, [])) < high * len(plan.groups_at[s])
                ]
                if thin:
                    destination = min(thin, key=lambda s: (excess(s), s))
                    members.remove(i)
                    plan.learners_at.setdefault(destination, []).append(i)
                    moved = True
