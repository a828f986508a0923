"""Bounds that prove a phase optimal without a solver, when an answer meets them.

Placement can never exceed the learners who can attend some viable start or
existing group, nor, when groups need a facilitator, what the groups the
facilitators can still lead (at most `max` learners each) and the room in
existing groups hold. Sizes: Σ_s |x_s − t·G_s| ≥ |Σ x_s − t·Σ G_s|, and the number of
groups G must hold the placed learners (G·min ≤ P ≤ G·max) and find leaders, so
the least |P − t·G| over those G bounds the size objective. Preferences: the P
placed learners pay at least the P smallest of everyone's cheapest options, and
the G new groups' leaders at least the G smallest cheapest costs over the
facilitators' free capacity (a facilitator able to lead `k` more groups counts
`k` times).
"""

from __future__ import annotations

from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import existing_loads


def seats(problem: Problem) -> int:
    """Learners who can attend at least one viable start or existing group."""
    return sum(len(cls.members) for cls in problem.classes)


def placement_bound(problem: Problem) -> int:
    """Most learners any answer places: those who can meet somewhere, and in a facilitated
    cohort no more than the groups its facilitators can still lead hold (plus the room
    in existing groups)."""
    if not problem.facilitated:
        return seats(problem)
    high = problem.params.learner_bounds()[1]
    leadable = sum(
        capacity
        for capacity, options in zip(
            problem.facilitator_capacity, problem.facilitator_options, strict=True
        )
        if options
    )
    room = sum(max(slot.room, 0) for slot in problem.existing)
    return min(seats(problem), high * leadable + room)


def size_bound(problem: Problem, new_learners: int) -> int:
    """Least possible size objective when `new_learners` are in new groups."""
    if new_learners <= 0:
        return 0
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    fewest = -(-new_learners // high)
    most = new_learners // max(low, 1)
    if problem.facilitated:
        most = min(most, sum(problem.facilitator_capacity))
    if fewest > most:
        return 0
    below, above = new_learners // target, -(-new_learners // target)
    nearest = {min(max(groups, fewest), most) for groups in (below, above)}
    return min(abs(new_learners - target * groups) for groups in nearest)


def preference_bound(problem: Problem, everyone_placed: bool) -> int:
    """Each placed learner's cheapest option, summed (only when all who can are placed)."""
    if not everyone_placed:
        return 0
    return sum(
        len(cls.members) * min(cost for _where, cost in (*cls.options, *cls.joins))
        for cls in problem.classes
    )


def learner_cost_bound(problem: Problem, placed: int) -> int:
    """Least the learners pay when `placed` of them are placed: the cheapest minima."""
    minima = sorted(
        cost
        for cls in problem.classes
        for cost in [min(cost for _where, cost in (*cls.options, *cls.joins))] * len(cls.members)
    )
    return sum(minima[: max(placed, 0)])


def leader_cost_bound(problem: Problem, new_groups: int) -> int:
    """Least the leaders of `new_groups` new groups pay (each facilitator's cheapest start,
    once per group they may still lead); 0 in peer cohorts."""
    if not problem.facilitated or new_groups <= 0:
        return 0
    slots = sorted(
        cost
        for f, options in enumerate(problem.facilitator_options)
        if options
        for cost in [min(options.values())] * max(problem.facilitator_capacity[f], 0)
    )
    return sum(slots[:new_groups])


def spread_bound(problem: Problem, new_groups: int) -> int:
    """10 x (groups beyond each facilitator's first) + most groups at one start, at least.

    Every group needs a leader, so with L groups led in all (new and existing) and F
    facilitators who could lead any, at least L - F of them are someone's second; and G
    new groups over S possible starts put at least ceil(G / S) at one of them.
    """
    if new_groups <= 0:
        return 0
    crowd = -(-new_groups // max(len(problem.viable_starts), 1))  # some start holds this many
    if not problem.facilitated:
        return crowd
    loads = existing_loads(problem)
    able = sum(
        1
        for f, load in enumerate(loads)
        if load or (problem.facilitator_capacity[f] > 0 and problem.facilitator_options[f])
    )
    return 10 * max(0, new_groups + sum(loads) - able) + crowd
