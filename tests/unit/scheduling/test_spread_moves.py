"""Spread moves along paths: a group leaves a crowded start, or goes to an idle leader."""

from __future__ import annotations

import time

import pytest

from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.leading import share_groups
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.relocation import relocate_for_spread
from roundtable.scheduling.scheduler import _problem
from roundtable.scheduling.search import PEER, Search
from roundtable.scheduling.spread_paths import (
    _free_links,
    _relocate,
    improve_spread,
    lead_with_idle,
    thin_crowds,
)
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.helpers import crowd, instance, person
from tests.unit.scheduling.test_preference_moves import _leaders_legal

MON = {"Monday": [["18:00", "19:00"]]}
TUE = {"Tuesday": [["18:00", "19:00"]]}
WED = {"Wednesday": [["18:00", "19:00"]]}
THU = {"Thursday": [["18:00", "19:00"]]}
FRI = {"Friday": [["18:00", "19:00"]]}
# 3 to 4 learners a group, 4 the target (a facilitator counts in a group's size)
SIZES = {"min_group_size": 3, "max_group_size": 4, "target_group_size": 4}
LED_SIZES = {"min_group_size": 4, "max_group_size": 5, "target_group_size": 5}


def _problem_of(document):
    params, people, existing = parse_instance(document)
    return _problem(people, params, existing)


def _start(problem, day):
    return next(s for s in problem.viable_starts if problem.catalog.starts[s].start.weekday == day)


def _chain_cohort(facilitators):
    """A (8 learners: Tuesday or Wednesday) and B (4: Wednesday or Thursday); nobody at
    Tuesday can make Thursday, so a group moves from Tuesday to Thursday only if learners
    pass along Tuesday -> Wednesday -> Thursday."""
    people = [*facilitators, *crowd("A", 8, "UTC", TUE | WED), *crowd("B", 4, "UTC", WED | THU)]
    sizes = LED_SIZES if facilitators else SIZES
    return _problem_of(instance(people, require_facilitator=bool(facilitators), **sizes))


def _ids(problem, names):
    ids = [a.person.id for a in problem.learners]
    return [ids.index(name) for name in names]


def test_a_crowded_start_loses_a_group_through_a_chain_of_moves():
    problem = _chain_cohort([])
    tuesday, wednesday, thursday = (_start(problem, day) for day in (1, 2, 3))
    plan = Plan(
        groups_at={tuesday: [PEER, PEER], wednesday: [PEER]},
        learners_at={
            tuesday: _ids(problem, [f"A{k}" for k in range(8)]),
            wednesday: _ids(problem, [f"B{k}" for k in range(4)]),
        },
    )
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    assert not relocate_for_spread(search)  # Tuesday's learners cannot make Thursday
    assert thin_crowds(search, time.monotonic() + 5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert {start: len(g) for start, g in result.groups_at.items()} == {
        tuesday: 1,
        wednesday: 1,
        thursday: 1,
    }
    assert (before["spread"], after["spread"]) == (2, 1)
    for phase in ("placed", "sizes", "preferences"):
        assert after[phase] == before[phase]
    assert plan_is_consistent(problem, result)


def test_an_idle_facilitator_takes_a_group_of_someone_leading_two():
    # F0 leads Tuesday and Wednesday (a second group: 10); F1 can lead only Thursday, where
    # nobody meets; share_groups cannot help (F1 can lead neither group where it is). The
    # Wednesday group moves to Thursday under F1, its learners along (the A's wait).
    facilitators = [
        person("F0", "UTC", TUE | WED, max_groups=2),
        person("F1", "UTC", THU, max_groups=1),
    ]
    problem = _chain_cohort(facilitators)
    tuesday, wednesday, thursday = (_start(problem, day) for day in (1, 2, 3))
    plan = Plan(
        groups_at={tuesday: [0], wednesday: [0]},
        learners_at={
            tuesday: _ids(problem, [f"A{k}" for k in range(4)]),
            wednesday: _ids(problem, [f"B{k}" for k in range(4)]),
        },
    )
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    assert lead_with_idle(search, time.monotonic() + 5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert result.groups_at[thursday] == [1]
    assert (before["spread"], after["spread"]) == (11, 1)
    for phase in ("placed", "sizes", "preferences"):
        assert after[phase] == before[phase]
    assert plan_is_consistent(problem, result)
    assert _leaders_legal(problem, result)


def test_an_idle_facilitator_paying_more_takes_a_group_when_a_learner_saves_as_much():
    # F1 can lead Thursday only on if-needed time; X sits on if-needed Wednesday and can
    # make Thursday regularly. Moving F0's Wednesday group to Thursday under F1 costs F1
    # what X saves (the same weight), so preferences hold and the second group goes.
    facilitators = [
        person("F0", "UTC", TUE | WED, max_groups=2),
        person("F1", "UTC", {}, if_needed=THU, max_groups=1),
    ]
    people = [
        *facilitators,
        *crowd("A", 4, "UTC", TUE | WED),
        person("X", "UTC", THU, if_needed=WED),
        *crowd("B", 3, "UTC", WED | THU),
    ]
    problem = _problem_of(instance(people, **LED_SIZES))
    tuesday, wednesday, thursday = (_start(problem, day) for day in (1, 2, 3))
    plan = Plan(
        groups_at={tuesday: [0], wednesday: [0]},
        learners_at={
            tuesday: _ids(problem, [f"A{k}" for k in range(4)]),
            wednesday: _ids(problem, ["X", "B0", "B1", "B2"]),
        },
    )
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    assert lead_with_idle(search, time.monotonic() + 5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert result.groups_at[thursday] == [1]
    assert _ids(problem, ["X"])[0] in result.learners_at[thursday]
    assert before["preferences"] == after["preferences"] == len(people) + 1
    assert (before["spread"], after["spread"]) == (11, 1)
    assert plan_is_consistent(problem, result)
    assert _leaders_legal(problem, result)


def test_an_idle_facilitator_paying_more_takes_a_group_when_a_paid_leader_is_relieved():
    # F1 can lead Thursday only on if-needed time; F2 leads Monday on if-needed time and
    # Friday regularly; F0 leads Tuesday and Wednesday and could lead Monday for nothing,
    # but has no room. Moving F0's Wednesday group to Thursday under F1 costs F1 the
    # if-needed weight, and frees F0 to take Monday from F2, which saves as much: one
    # second group fewer, preferences unchanged. Nobody at Monday can make Thursday, so
    # F2's group cannot move there itself.
    facilitators = [
        person("F0", "UTC", MON | TUE | WED, max_groups=2),
        person("F1", "UTC", {}, if_needed=THU, max_groups=1),
        person("F2", "UTC", FRI, if_needed=MON, max_groups=2),
    ]
    people = [
        *facilitators,
        *crowd("A", 4, "UTC", TUE | WED),
        *crowd("B", 4, "UTC", WED | THU),
        *crowd("M", 4, "UTC", MON),
        *crowd("R", 4, "UTC", FRI),
    ]
    problem = _problem_of(instance(people, **LED_SIZES))
    monday, tuesday, wednesday, thursday, friday = (_start(problem, day) for day in range(5))
    plan = Plan(
        groups_at={monday: [2], tuesday: [0], wednesday: [0], friday: [2]},
        learners_at={
            monday: _ids(problem, [f"M{k}" for k in range(4)]),
            tuesday: _ids(problem, [f"A{k}" for k in range(4)]),
            wednesday: _ids(problem, [f"B{k}" for k in range(4)]),
            friday: _ids(problem, [f"R{k}" for k in range(4)]),
        },
    )
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    assert lead_with_idle(search, time.monotonic() + 5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert result.groups_at[thursday] == [1]
    assert result.groups_at[monday] == [0]
    assert before["preferences"] == after["preferences"] == len(people) + 1
    assert (before["spread"], after["spread"]) == (21, 11)
    assert plan_is_consistent(problem, result)
    assert _leaders_legal(problem, result)


def _generated(seed: int, facilitated: bool):
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}
    document = generate_instance(80, seed, params=params, facilitated=facilitated)
    return _problem_of(document)


@pytest.mark.parametrize("facilitated", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_spread_moves_never_worsen_an_earlier_phase(seed, facilitated):
    problem = _generated(seed, facilitated)
    plan = solve_heuristic(problem, seed)
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    improve_spread(search, time.monotonic() + 5)
    result = search.plan()
    after = plan_objectives(problem, result)
    assert (after["placed"], after["joins"]) == (before["placed"], before["joins"])
    assert after["sizes"] <= before["sizes"]
    assert after["preferences"] <= before["preferences"]
    assert after["spread"] <= before["spread"]
    assert plan_is_consistent(problem, result)
    assert not facilitated or _leaders_legal(problem, result)


@pytest.mark.parametrize("seed", range(3))
def test_free_links_kept_up_to_date_along_a_relocation_match_a_recount(seed):
    problem = _generated(seed, facilitated=False)
    search = Search(problem, solve_heuristic(problem, seed))
    crowded = max(range(len(search.starts)), key=lambda k: len(search.groups[k]))
    links = _free_links(search)
    moved = False
    for destination in range(len(search.starts)):
        if destination != crowded and len(search.groups[destination]) < len(search.groups[crowded]):
            mark, trial = search.mark(), links.copy()
            if _relocate(search, crowded, destination, links=trial):
                assert (trial == _free_links(search)).all()
                moved = True
                break
            search.undo(mark)
    assert moved


def _dearer_idle_cohort():
    """F0 leads Tuesday and Wednesday; F1, idle, can lead Wednesday only on if-needed time
    (a cost of people + 1), so taking F0's Wednesday group costs that much more."""
    facilitators = [
        person("F0", "UTC", TUE | WED, max_groups=2),
        person("F1", "UTC", {}, if_needed=WED, max_groups=1),
    ]
    people = [*facilitators, *crowd("A", 4, "UTC", TUE), *crowd("B", 4, "UTC", WED)]
    problem = _problem_of(instance(people, **LED_SIZES))
    tuesday, wednesday = _start(problem, 1), _start(problem, 2)
    plan = Plan(
        groups_at={tuesday: [0], wednesday: [0]},
        learners_at={
            tuesday: _ids(problem, [f"A{k}" for k in range(4)]),
            wednesday: _ids(problem, [f"B{k}" for k in range(4)]),
        },
    )
    return problem, plan, len(people) + 1


@pytest.mark.parametrize("short", [0, 1])
def test_a_dearer_idle_leader_takes_a_group_only_when_the_slack_pays_for_it(short):
    problem, plan, fee = _dearer_idle_cohort()
    search = Search(problem, plan)
    assert share_groups(search) == 0  # nobody may pay more without an allowance
    assert share_groups(search, fee - short) == (0 if short else 1)
    before, after = plan_objectives(problem, plan), plan_objectives(problem, search.plan())
    if short:
        assert after == before
    else:
        assert (before["spread"], after["spread"]) == (11, 1)
        assert after["preferences"] == before["preferences"] + fee
        assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"])
    assert plan_is_consistent(problem, search.plan())
    assert _leaders_legal(problem, search.plan())


@pytest.mark.parametrize("seed", range(4))
def test_shared_groups_never_pay_more_than_the_allowance(seed):
    problem = _generated(seed, facilitated=True)
    plan = solve_heuristic(problem, seed)
    before = plan_objectives(problem, plan)
    search = Search(problem, plan)
    allowance = 3
    share_groups(search, allowance)
    after = plan_objectives(problem, search.plan())
    assert before["preferences"] <= after["preferences"] <= before["preferences"] + allowance
    assert after["spread"] <= before["spread"]
    assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"])
    assert plan_is_consistent(problem, search.plan())
    assert _leaders_legal(problem, search.plan())
