"""Translate between a `Plan` and the model's column values."""

from __future__ import annotations

from collections import Counter

from roundtable.scheduling.formulation import Formulation
from roundtable.scheduling.heuristic import PEER
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Problem


def values_from_plan(problem: Problem, model: Formulation, plan: Plan) -> list[float]:
    """Column values describing the plan (a warm start)."""
    values = [0.0] * len(model.cost)
    class_of = {i: c for c, cls in enumerate(problem.classes) for i in cls.members}
    for start, members in plan.learners_at.items():
        for learner, count in Counter(class_of[i] for i in members).items():
            values[model.w[learner, start]] += count
    for slot, members in plan.joins.items():
        for learner, count in Counter(class_of[i] for i in members).items():
            values[model.v[learner, slot]] += count
    for start, leaders in plan.groups_at.items():
        if problem.facilitated:
            for f in leaders:
                values[model.y[f, start]] = 1.0
        else:
            values[model.n[start]] = float(len(leaders))
    return complete_aux(problem, model, values)


def complete_aux(problem: Problem, model: Formulation, values: list[float]) -> list[float]:
    """Set the objective helper columns (e, o, m) to their least values."""
    learners = Counter[int]()
    for (_c, start), col in model.w.items():
        learners[start] += round(values[col])
    groups = _groups_at(problem, model, values)
    target = problem.params.target_learners()
    for start, col in model.e.items():
        values[col] = float(abs(learners[start] - target * groups[start]))
    loads = Counter[int]()
    for (f, _start), col in model.y.items():
        loads[f] += round(values[col])
    index = {attendee.person.id: f for f, attendee in enumerate(problem.facilitators)}
    for slot in problem.existing:
        for person_id in slot.group.facilitators:
            if person_id in index:
                loads[index[person_id]] += 1
    for f, col in model.o.items():
        values[col] = float(max(loads[f] - 1, 0))
    values[model.m] = float(max(groups.values(), default=0))
    return values


def _groups_at(problem: Problem, model: Formulation, values: list[float]) -> Counter[int]:
    groups = Counter[int]()
    if problem.facilitated:
        for (_f, start), col in model.y.items():
            groups[start] += round(values[col])
    else:
        for start, col in model.n.items():
            groups[start] += round(values[col])
    return groups


def plan_from_values(problem: Problem, model: Formulation, values: list[float]) -> Plan:
    """Concrete learners per start from class counts, taking each class's members in id order."""
    plan = Plan()
    for c, cls in enumerate(problem.classes):
        queue = list(cls.members)
        for slot, _cost in cls.joins:
            taken, queue = _take(queue, values[model.v[c, slot]])
            if taken:
                plan.joins.setdefault(slot, []).extend(taken)
        for start, _cost in cls.options:
            taken, queue = _take(queue, values[model.w[c, start]])
            if taken:
                plan.learners_at.setdefault(start, []).extend(taken)
    if problem.facilitated:
        for (f, start), col in sorted(model.y.items()):
            if round(values[col]):
                plan.groups_at.setdefault(start, []).append(f)
    else:
        for start, col in sorted(model.n.items()):
            if round(values[col]):
                plan.groups_at[start] = [PEER] * round(values[col])
    return plan


def _take(queue: list[int], amount: float) -> tuple[list[int], list[int]]:
    count = round(amount)
    return queue[:count], queue[count:]


def learners_pay(problem: Problem, plan: Plan) -> int:
    """The learners' part of a plan's preferences: their options where they are seated and
    their costs of joining groups (the leaders' options left out)."""
    seated = sum(
        problem.learner_options[i][start]
        for start, members in plan.learners_at.items()
        for i in members
    )
    return seated + sum(
        problem.learner_joins[i][slot] for slot, members in plan.joins.items() for i in members
    )


def plan_objectives(problem: Problem, plan: Plan) -> dict[str, int]:
    """Every phase's objective for a plan, as the model counts it."""
    target = problem.params.target_learners()
    preferences = learners_pay(problem, plan)
    loads = Counter[int]()
    for start, leaders in plan.groups_at.items():
        for f in leaders:
            if f != PEER:
                loads[f] += 1
                preferences += problem.facilitator_options[f][start]
    index = {attendee.person.id: f for f, attendee in enumerate(problem.facilitators)}
    for slot in problem.existing:
        loads.update(index[p] for p in slot.group.facilitators if p in index)
    return {
        "placed": plan.placed(),
        "joins": sum(len(members) for members in plan.joins.values()),
        "sizes": sum(
            abs(len(plan.learners_at.get(start, [])) - target * len(leaders))
            for start, leaders in plan.groups_at.items()
        ),
        "preferences": preferences,
        "spread": 10 * sum(max(load - 1, 0) for load in loads.values())
        + max((len(leaders) for leaders in plan.groups_at.values()), default=0),
    }
