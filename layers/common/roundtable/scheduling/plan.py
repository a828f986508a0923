"""An aggregated answer: which facilitators run groups at which starts, who meets when.

Both the heuristic and the solver produce a `Plan`. Learners at one start can
all make it, so turning a plan into concrete groups is a split of each start's
learners among its groups, which is always legal while the counts respect
G·min <= n <= G·max.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from roundtable.scheduling.problem import Problem


@dataclass
class Plan:
    # start index -> facilitator indices (facilitated) or [-1] * groups (peer)
    groups_at: dict[int, list[int]] = field(default_factory=dict)
    # start index -> learner indices meeting then
    learners_at: dict[int, list[int]] = field(default_factory=dict)
    # existing slot index -> learner indices who join it
    joins: dict[int, list[int]] = field(default_factory=dict)

    def placed(self) -> int:
        """Learners placed in new or existing groups."""
        fresh = sum(len(members) for members in self.learners_at.values())
        return fresh + sum(len(members) for members in self.joins.values())

    def group_count(self) -> int:
        """New groups formed."""
        return sum(len(leaders) for leaders in self.groups_at.values())


def split_evenly(members: list[int], parts: int) -> list[list[int]]:
    """Contiguous chunks whose sizes differ by at most one."""
    size, extra = divmod(len(members), parts)
    chunks, begin = [], 0
    for part in range(parts):
        end = begin + size + (1 if part < extra else 0)
        chunks.append(members[begin:end])
        begin = end
    return chunks


def plan_is_consistent(problem: Problem, plan: Plan) -> bool:
    """Counts respect the size bounds and everybody placed can make their start."""
    low, high = problem.params.learner_bounds()
    for start, leaders in plan.groups_at.items():
        members = plan.learners_at.get(start, [])
        if not len(leaders) * low <= len(members) <= len(leaders) * high:
            return False
        if any(start not in problem.learner_options[i] for i in members):
            return False
    return set(plan.learners_at) <= set(plan.groups_at)
