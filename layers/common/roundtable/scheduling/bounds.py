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
`k` times). Spread: groups led beyond the facilitators who can lead, where what
the leaders may pay (the held preferences less what the learners pay at least)
limits how many distinct facilitators can lead.
"""

from __future__ import annotations

from itertools import accumulate

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


def held_totals(problem: Problem, holds: dict[str, int]) -> range:
    """Totals of new groups any answer keeping the `holds` can have. The new groups seat
    P = placed - joins learners, from the held placement less the existing groups' room
    up to the placement bound less the held joins; G groups seat P only if
    G*min <= P <= G*max (and the facilitators can lead G), and a held size objective S
    bounds |P - t*G| <= S (`size_bound`). Whole G, so the ends round inwards: where
    |P - t*G| <= S leaves less than one group of slack (sparse 1,200: P = 1,100, S = 4,
    t = 5, so 219.2 <= G <= 220.8) only one total is left, which a relaxation is free to
    miss (the preferences relaxation took G = 220.8 and paid 33,213; 35,982 at 220)."""
    low, high = problem.params.learner_bounds()
    target, spare = problem.params.target_learners(), holds.get("sizes")
    room = sum(max(slot.room, 0) for slot in problem.existing)
    fewest_learners = max(holds.get("placed", 0) - room, 0)
    most_learners = max(placement_bound(problem) - holds.get("joins", 0), 0)
    fewest = -(-fewest_learners // high)
    most = most_learners // max(low, 1)
    if problem.facilitated:
        most = min(most, sum(problem.facilitator_capacity))
    if spare is not None and target > 0:
        fewest = max(fewest, -(-(fewest_learners - spare) // target))
        most = min(most, (most_learners + spare) // target)
    return range(fewest, most + 1)


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


def learner_cost_with_if_needed(problem: Problem, if_needed: int) -> int:
    """Least everyone pays with at least `if_needed` learners on if-needed time: each their
    cheapest, plus, for the `if_needed` learners whose cheapest if-needed option is the
    least above their cheapest, that step (none for those with only if-needed time).
    Only where everyone is placed and there are no existing groups (else 0). Sparse 1,200
    (27 seats, `open_starts.fewest_if_needed`): 37,998 where `learner_cost_bound` says
    28,306, so the leaders' budget in spread is 60, not 9,752."""
    if problem.existing:
        return 0
    weight = problem.if_needed_weight()
    steps: list[int] = []
    for cls in problem.classes:
        prices = [price for _start, price in cls.options]
        dearer = [price for price in prices if price >= weight]
        if dearer:
            steps += [min(dearer) - min(prices)] * len(cls.members)
    if len(steps) < if_needed:
        return 0  # no answer has so many (none keeping the holds): stay valid
    return learner_cost_bound(problem, seats(problem)) + sum(sorted(steps)[:if_needed])


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


def spread_bound(
    problem: Problem,
    new_groups: int,
    leader_budget: int | None = None,
    crowd: int = 0,
    leaders: int | None = None,
) -> int:
    """10 x (groups beyond each facilitator's first) + most groups at one start, at least.

    Every group needs a leader, so with L groups led in all (new and existing) and D
    facilitators leading any, L - D of them are someone's second (`most_leaders` bounds
    D); and G new groups over S possible starts put at least ceil(G / S) at one of them
    (or `crowd`, a bound from `least_crowd`, when larger). `leaders`: most facilitators
    who can lead, when known to be fewer (`leader_count`).
    """
    if new_groups <= 0:
        return 0
    crowd = fewest_at_a_start(problem, new_groups, crowd)
    if not problem.facilitated:
        return crowd
    led = new_groups + sum(existing_loads(problem))
    most = most_leaders(problem, new_groups, leader_budget)
    return 10 * max(0, led - (most if leaders is None else min(most, leaders))) + crowd


def fewest_at_a_start(problem: Problem, new_groups: int, crowd: int = 0) -> int:
    """Most groups at one start, at least: G new groups over S starts put ceil(G / S) at
    one of them, or `crowd` (from `least_crowd`) when larger."""
    if new_groups <= 0:
        return 0
    return max(crowd, -(-new_groups // max(len(problem.viable_starts), 1)))


def most_leaders(problem: Problem, new_groups: int, budget: int | None = None) -> int:
    """Most facilitators who lead a group, existing or one of `new_groups` new ones, when
    the new groups' leaders pay at most `budget` in all (None: no limit).

    Each new group's leader pays at least their cheapest start. Choosing d facilitators
    who lead no existing group to lead one new group each costs at least the d smallest
    of their cheapest costs; the other G - d new groups go to free capacity beyond those
    first groups (or of facilitators already leading), at least the G - d smallest such
    slots. The two pools are disjoint, so those sums bound the cost of any answer with d
    new leaders, and the largest d within the budget bounds how many can lead. (Fewer
    groups never need fewer leaders than this: dropping a second group costs nothing.)
    """
    firsts, seconds, already = leader_slots(problem)
    most = min(len(firsts), max(new_groups, 0))
    if budget is None:
        return already + most
    first_sums = [0, *accumulate(sorted(firsts))]  # the d cheapest, for every d
    second_sums = [0, *accumulate(sorted(seconds))]
    within = [
        d
        for d in range(most + 1)
        if new_groups - d < len(second_sums)
        and first_sums[d] + second_sums[new_groups - d] <= budget
    ]
    # none within the budget cannot happen for a budget some answer keeps; stay valid anyway
    return already + (max(within) if within else most)


def leader_slots(problem: Problem) -> tuple[list[int], list[int], int]:
    """Each facilitator leading nothing yet at their cheapest start (a first group), every
    further group any facilitator could lead at their cheapest, and how many lead an
    existing group already."""
    loads = existing_loads(problem)
    firsts: list[int] = []
    seconds: list[int] = []
    for f, options in enumerate(problem.facilitator_options):
        capacity = problem.facilitator_capacity[f]
        if capacity <= 0 or not options:
            continue
        cheapest = min(options.values())
        if not loads[f]:
            firsts.append(cheapest)
            capacity -= 1
        seconds += [cheapest] * capacity
    return firsts, seconds, sum(1 for load in loads if load)


def least_leader_cost(problem: Problem, new_groups: int, new_leaders: int) -> int:
    """Least the leaders of `new_groups` (or more) new groups pay when at least
    `new_leaders` facilitators leading no existing group lead one: each of the d leaders'
    first groups and the other G - d groups at the cheapest of the disjoint pools of
    `leader_slots`, least over every d from `new_leaders` on (one more leader can pay
    less, a first group costing less than a further one)."""
    firsts, seconds = (sorted(pool) for pool in leader_slots(problem)[:2])
    sums = [
        sum(firsts[:d]) + sum(seconds[: new_groups - d])
        for d in range(max(new_leaders, 0), min(len(firsts), new_groups) + 1)
        if new_groups - d <= len(seconds)
    ]
    return min(sums, default=0)


def least_crowd(
    problem: Problem, new_groups: int, need: int, cheapest_only: bool, most: int | None = None
) -> int:
    """Most groups at one start, at least, when `need` learners must sit within the target
    size of their groups (the rest, at most the held size objective, above it).

    With at most k groups at each start (and no more than the facilitators who can lead
    there), a start seats t·k learners within target; existing groups their room. If a
    maximum flow of learners to those seats falls short of `need`, more than k groups
    meet at some start. `cheapest_only`: every learner and leader is at a cheapest option
    (the preferences held at everyone's cheapest, everyone placed). No k at or above
    `most` (what an answer has) is tried: the bound is then `most` itself.
    """
    from roundtable.scheduling.flow import max_flow

    starts = {start: k for k, start in enumerate(problem.viable_starts)}
    leaders = _leaders_per_start(problem, starts, cheapest_only)
    edges, supplies = [], []
    for c, cls in enumerate(problem.classes):
        supplies.append(len(cls.members))
        cheapest = min(cost for _where, cost in (*cls.options, *cls.joins))
        fits = [
            (where, cost) for where, cost in cls.options if not cheapest_only or cost == cheapest
        ]
        edges += [(c, starts[where]) for where, _cost in fits]
        joins = [(slot, cost) for slot, cost in cls.joins if not cheapest_only or cost == cheapest]
        edges += [(c, len(starts) + slot) for slot, _cost in joins]
    room = [max(slot.room, 0) for slot in problem.existing]
    target = problem.params.target_learners()
    crowd = -(-max(new_groups, 0) // max(len(starts), 1))
    highest = max(leaders, default=0) if most is None else min(most, max(leaders, default=0))
    while crowd < highest:
        seats = [target * min(crowd, able) for able in leaders]
        if max_flow(supplies, seats + room, edges) >= need:
            break
        crowd += 1
    return crowd


def _leaders_per_start(problem: Problem, starts: dict[int, int], free_only: bool) -> list[int]:
    """Per start, how many groups could meet there: the facilitators able to lead there
    (at no cost with `free_only`), or in peer cohorts as many as its learners fill."""
    if not problem.facilitated:
        low = max(problem.params.learner_bounds()[0], 1)
        seats = [0] * len(starts)
        for cls in problem.classes:
            for where, _cost in cls.options:
                seats[starts[where]] += len(cls.members)
        return [seat // low for seat in seats]
    able = [0] * len(starts)
    for f, options in enumerate(problem.facilitator_options):
        if problem.facilitator_capacity[f] > 0:
            for where, cost in options.items():
                able[starts[where]] += 1 if not free_only or cost == 0 else 0
    return able
