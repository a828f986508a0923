"""Which starts a large-neighbourhood round frees: where the phase's objective hurts.

A round re-solves a phase with group columns free only at a few starts. Good
rounds free the starts where the objective is paid (learners left out, groups
far from target, learners at if-needed or shifting times) together with the
starts where those people would do better; a few random starts (from a seeded
generator, so runs repeat) keep successive rounds from trying the same thing.
"""

from __future__ import annotations

import random
from collections import Counter

from roundtable.scheduling.formulation import Formulation
from roundtable.scheduling.problem import Problem


def group_columns(model: Formulation) -> list[tuple[int, int]]:
    """(start, column) of every group column: a facilitator at a start, or peer groups."""
    return [(start, col) for (_f, start), col in model.y.items()] + list(model.n.items())


def focus_starts(
    problem: Problem,
    model: Formulation,
    name: str,
    values: list[float],
    rng: random.Random,
    size: int,
) -> set[int]:
    """About `size` starts to free in the next round of phase `name`.

    Three quarters by weight (half the heaviest, the rest drawn among the others with
    weight), a quarter drawn among all starts.
    """
    focused, scattered = size * 3 // 4, size - size * 3 // 4
    weight = _weights(problem, model, name, values)
    ranked = sorted(weight, key=lambda start: (-weight[start], start))
    head, rest = ranked[: focused // 2], ranked[focused // 2 :]
    chosen = set(head) | set(rng.sample(rest, min(len(rest), focused - len(head))))
    others = [start for start in problem.viable_starts if start not in chosen]
    return chosen | set(rng.sample(others, min(len(others), scattered)))


def _weights(problem: Problem, model: Formulation, name: str, values: list[float]) -> Counter[int]:
    if name == "sizes":
        return _size_weights(problem, model, values)
    if name == "preferences":
        return _preference_weights(problem, model, values)
    return _placement_weights(problem, model, values)


def _placement_weights(problem: Problem, model: Formulation, values: list[float]) -> Counter[int]:
    """Starts where learners still unplaced could meet, by how many."""
    weight = Counter[int]()
    for c, cls in enumerate(problem.classes):
        seated = sum(values[model.w[c, s]] for s, _ in cls.options)
        seated += sum(values[model.v[c, g]] for g, _ in cls.joins)
        waiting = len(cls.members) - round(seated)
        for start, _cost in cls.options if waiting > 0 else ():
            weight[start] += waiting
    return weight


def _size_weights(problem: Problem, model: Formulation, values: list[float]) -> Counter[int]:
    """Starts off target, and the other starts their learners could move to."""
    weight = Counter[int]()
    off = {start for start, col in model.e.items() if values[col] > 0.5}
    for start in off:
        weight[start] += 10 * round(values[model.e[start]])
    for c, cls in enumerate(problem.classes):
        here = [s for s, _ in cls.options if s in off and values[model.w[c, s]] > 0.5]
        for start, _cost in cls.options if here else ():
            weight[start] += 1
    return weight


def _preference_weights(problem: Problem, model: Formulation, values: list[float]) -> Counter[int]:
    """Starts where people pay more than they must, and where they would pay less."""
    weight = Counter[int]()
    for c, cls in enumerate(problem.classes):
        cheapest = min(cost for _where, cost in (*cls.options, *cls.joins))
        paying = [(s, cost) for s, cost in cls.options if values[model.w[c, s]] > 0.5]
        excess = sum(cost - cheapest for _s, cost in paying)
        for start, cost in paying:
            weight[start] += cost - cheapest
        for start, cost in cls.options if excess else ():
            if cost == cheapest:
                weight[start] += excess
    for (f, start), col in model.y.items():
        cost = problem.facilitator_options[f][start]
        if cost and values[col] > 0.5:
            weight[start] += cost
            for other, other_cost in problem.facilitator_options[f].items():
                if other_cost == 0:
                    weight[other] += cost
    return weight
