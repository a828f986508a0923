"""Size moves: a thin start's group shifted to a start its learners can make; a crowded
start given a group closed where its learners can come from."""

from __future__ import annotations

import numpy as np
import pytest

from roundtable.scheduling.bounds import size_bound
from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.polish import _open_then_close, _try, improve_sizes, size_objective
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


FRI = {"Friday": [["18:00", "19:00"]]}


def test_a_crowded_start_out_of_reach_of_thin_ones_gains_a_group_closed_where_it_is_reached():
    # 33 learners: seven groups at best (35 seats, 2 short). Tuesday's six can make only
    # Tuesday (one over target, no way out); Thursday (4 in one group) and Friday (8 in
    # two) are thin, and nobody can join them but X0. Wednesday's 15 sit in three groups
    # of five: five of them can make Tuesday, X0 Thursday. Closing a thin group, or
    # shifting one, fails; a second group at Tuesday fed from a closed Wednesday group
    # gives 10 and 10, with X0 at Thursday: only Friday's 2 short left.
    people = [
        *(person(f"FT{i}", "UTC", TUE, max_groups=1) for i in range(2)),
        *(person(f"FW{i}", "UTC", WED, max_groups=1) for i in range(3)),
        person("FH0", "UTC", THU, max_groups=1),
        *(person(f"FF{i}", "UTC", FRI, max_groups=1) for i in range(2)),
        *crowd("T", 6, "UTC", TUE),
        *crowd("W", 5, "UTC", TUE | WED),
        *crowd("D", 9, "UTC", WED),
        person("X0", "UTC", WED | THU),
        *crowd("H", 4, "UTC", THU),
        *crowd("R", 8, "UTC", FRI),
    ]
    params, everyone, existing = parse_instance(instance(people))
    problem = _problem(everyone, params, existing)
    ids = [a.person.id for a in problem.learners]
    leaders = [a.person.id for a in problem.facilitators]
    tuesday, wednesday, thursday, friday = (_start(problem, day) for day in (1, 2, 3, 4))

    def members(prefix: str) -> list[int]:
        return [k for k, i in enumerate(ids) if i.startswith(prefix)]

    def led(prefix: str) -> list[int]:
        return [k for k, i in enumerate(leaders) if i.startswith(prefix)]

    plan = Plan(
        groups_at={
            tuesday: led("FT")[:1],
            wednesday: led("FW"),
            thursday: led("FH"),
            friday: led("FF"),
        },
        learners_at={
            tuesday: members("T"),
            wednesday: members("W") + members("D") + members("X"),
            thursday: members("H"),
            friday: members("R"),
        },
    )
    search = Search(problem, plan)
    assert size_objective(search) == 4
    improve_sizes(search)
    result = search.plan()
    assert size_objective(search) == 2 == size_bound(problem, 33)
    assert plan_objectives(problem, result)["placed"] == 33
    assert {start: len(result.groups_at[start]) for start in result.groups_at} == {
        tuesday: 2,
        wednesday: 2,
        thursday: 1,
        friday: 2,
    }
    assert plan_is_consistent(problem, result)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("narrow", [True, False])
def test_a_group_opened_then_one_closed_never_loses_a_learner_nor_raises_the_sizes(seed, narrow):
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}
    document = generate_instance(120, seed, narrow=narrow, params=params)
    settings, people, existing = parse_instance(document)
    problem = _problem(people, settings, existing)
    search = Search(problem, solve_heuristic(problem, seed))
    placed = search.placed()
    for node in [int(k) for k in np.flatnonzero(search.deviation() > 0)]:
        before = size_objective(search)
        kept = _try(search, _open_then_close, node)
        assert size_objective(search) < before if kept else size_objective(search) == before
        assert search.placed() == placed
        assert plan_is_consistent(problem, search.plan())


def _slot(day: str, hour: int) -> dict[str, list[list[str]]]:
    return {day: [[f"{hour:02}:00", f"{hour + 1:02}:00"]]}


def _at(problem, day, hour):
    return next(
        s
        for s in problem.viable_starts
        if problem.catalog.starts[s].start.weekday == day
        and problem.catalog.starts[s].start.local_minute == hour * 60
    )


# five Monday starts that come before every other start of these cohorts
_MONDAYS = [_slot("Monday", hour) for hour in (8, 10, 12, 14, 16)]
_TUE, _WED, _SAT = _slot("Tuesday", 18), _slot("Wednesday", 18), _slot("Saturday", 18)


def _either(*slots: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    merged: dict[str, list[list[str]]] = {}
    for slot in slots:
        for day, windows in slot.items():
            merged.setdefault(day, []).extend(windows)
    return merged


def _thin_groups_plan(problem, groups: dict[int, tuple[str, str]]) -> Plan:
    """Per start, a group led by the facilitator and sat by the learners of a prefix."""
    ids = [a.person.id for a in problem.learners]
    leaders = [a.person.id for a in problem.facilitators]
    return Plan(
        groups_at={start: [leaders.index(lead)] for start, (lead, _) in groups.items()},
        learners_at={
            start: [k for k, i in enumerate(ids) if i.startswith(prefix)]
            for start, (_, prefix) in groups.items()
        },
    )


def test_a_thin_group_shifts_where_another_thin_group_can_merge_not_to_the_first_start_it_can():
    # Two groups of 3 (sizes 4). A's learners can make five Monday starts and Saturday,
    # B's only Wednesday and Saturday; B's leader can lead only Wednesday. A shifted to a
    # Monday start gains nothing (B cannot follow); shifted to Saturday, B closes into
    # it: 6 in one group (sizes 1). Ranked by A's learners alone, the Mondays come first
    # (the same three learners can make each) and take every try.
    people = [
        person("FA", "UTC", _either(_TUE, *_MONDAYS, _SAT), max_groups=1),
        person("FB", "UTC", _WED, max_groups=1),
        *crowd("A", 3, "UTC", _either(_TUE, *_MONDAYS, _SAT)),
        *crowd("B", 3, "UTC", _either(_WED, _SAT)),
    ]
    params, everyone, existing = parse_instance(instance(people))
    problem = _problem(everyone, params, existing)
    tuesday, wednesday, saturday = _at(problem, 1, 18), _at(problem, 2, 18), _at(problem, 5, 18)
    mondays = [_at(problem, 0, hour) for hour in (8, 10, 12, 14, 16)]
    order = problem.viable_starts.index
    assert max(map(order, mondays)) < order(saturday)  # the ties' order puts them first
    plan = _thin_groups_plan(problem, {tuesday: ("FA", "A"), wednesday: ("FB", "B")})
    search = Search(problem, plan)
    assert size_objective(search) == 4
    improve_sizes(search)
    result = search.plan()
    assert size_objective(search) == 1 == size_bound(problem, 6)
    assert plan_objectives(problem, result)["placed"] == 6
    assert {start: len(m) for start, m in result.learners_at.items()} == {saturday: 6}
    assert plan_is_consistent(problem, result)


def test_a_shifted_group_takes_in_the_thin_group_whose_learners_can_make_it_first():
    # Seven groups of 3 (sizes 14): five on Mondays whose learners can go nowhere else,
    # A on Tuesday and B on Wednesday, whose learners can both make Saturday. A shifted
    # to Saturday pays only once B closes into it (6 in one group: sizes 11); tried
    # thinnest first, then by start, the five Mondays take every try and each fails.
    people = [
        person("FA", "UTC", _either(_TUE, _SAT), max_groups=1),
        person("FB", "UTC", _WED, max_groups=1),
        *(person(f"FC{k}", "UTC", slot, max_groups=1) for k, slot in enumerate(_MONDAYS)),
        *(learner for k, slot in enumerate(_MONDAYS) for learner in crowd(f"C{k}", 3, "UTC", slot)),
        *crowd("A", 3, "UTC", _either(_TUE, _SAT)),
        *crowd("B", 3, "UTC", _either(_WED, _SAT)),
    ]
    params, everyone, existing = parse_instance(instance(people))
    problem = _problem(everyone, params, existing)
    tuesday, wednesday, saturday = _at(problem, 1, 18), _at(problem, 2, 18), _at(problem, 5, 18)
    mondays = [_at(problem, 0, hour) for hour in (8, 10, 12, 14, 16)]
    groups = {start: (f"FC{k}", f"C{k}") for k, start in enumerate(mondays)}
    groups |= {tuesday: ("FA", "A"), wednesday: ("FB", "B")}
    search = Search(problem, _thin_groups_plan(problem, groups))
    assert size_objective(search) == 14
    improve_sizes(search)
    result = search.plan()
    assert size_objective(search) == 11
    assert plan_objectives(problem, result)["placed"] == 21
    assert len(result.learners_at[saturday]) == 6
    assert tuesday not in result.groups_at and wednesday not in result.groups_at
    assert plan_is_consistent(problem, result)
