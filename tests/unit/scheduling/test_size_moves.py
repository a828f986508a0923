"""Size moves: a thin start's group shifted to a start its learners can make."""

from __future__ import annotations

from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.polish import improve_sizes, size_objective
from roundtable.scheduling.scheduler import _problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.helpers import crowd, instance, person

TUE, WED, THU = (
    {"Tuesday": [["18:00", "19:00"]]},
    {"Wednesday": [["18:00", "19:00"]]},
    {"Thursday": [["18:00", "19:00"]]},
)


def _start(problem, day):
    return next(
        s
        for s in problem.viable_starts
        if problem.catalog.starts[s].start.weekday == day
        and problem.catalog.starts[s].start.local_minute == 18 * 60
    )


def test_a_group_nobody_can_leave_moves_to_a_start_they_can_make_and_sizes_even_out():
    # Tuesday's group has 3 (T0 can make only Tuesday and Wednesday, where nobody meets):
    # it cannot close, and nobody at Thursday (7) can come to Tuesday. Moving Tuesday's
    # group to Wednesday lets W0 and W1 follow from Thursday: 5 and 5.
    people = [
        person("F0", "UTC", TUE | WED, max_groups=1),
        person("F1", "UTC", THU, max_groups=1),
        person("T0", "UTC", TUE | WED),
        *crowd("T", 2, "UTC", TUE | WED | THU),
        *crowd("H", 5, "UTC", THU),
        *crowd("W", 2, "UTC", WED | THU),
    ]
    people[3]["id"], people[4]["id"] = "T1", "T2"
    params, everyone, existing = parse_instance(instance(people))
    problem = _problem(everyone, params, existing)
    ids = [a.person.id for a in problem.learners]
    tuesday, wednesday, thursday = (_start(problem, day) for day in (1, 2, 3))
    plan = Plan(
        groups_at={tuesday: [0], thursday: [1]},
        learners_at={
            tuesday: [ids.index(i) for i in ("T0", "T1", "T2")],
            thursday: [ids.index(i) for i in ("H0", "H1", "H2", "H3", "H4", "W0", "W1")],
        },
    )
    search = Search(problem, plan)
    assert size_objective(search) == 4
    improve_sizes(search)
    result = search.plan()
    assert size_objective(search) == 0
    assert plan_objectives(problem, result)["placed"] == 10
    assert sorted(result.groups_at) == [wednesday, thursday]
    assert sorted(len(m) for m in result.learners_at.values()) == [5, 5]
    assert plan_is_consistent(problem, result)
