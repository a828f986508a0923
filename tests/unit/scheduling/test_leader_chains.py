"""Freeing a facilitator for a new group by a chain of hand-overs (`chains.py`)."""

from __future__ import annotations

import pytest

from roundtable.scheduling import chains
from roundtable.scheduling.chains import (
    _chain,
    _ChainEnds,
    cheaper_by_chain,
    cheaper_leaders_by_chain,
)
from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner, _leaders_only
from roundtable.scheduling.instance import parse_instance
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.polish import find_leader, gather
from roundtable.scheduling.scheduler import _problem
from roundtable.scheduling.search import PEER, Leaders, Search
from roundtable.scheduling.values import plan_from_values, plan_objectives, values_from_plan
from tests.unit.scheduling.helpers import crowd, instance, person


def _start(problem, hour):
    return next(
        s
        for s in problem.viable_starts
        if problem.catalog.starts[s].start.local_minute == hour * 60
    )


def _setup(f2_if_needed: bool):
    # A new group at 22:00 can only be led by F0, who is at capacity with 18:00. F1 could
    # take 18:00 but is at capacity with 20:00; idle F2 can take 20:00. One hand-over is
    # not enough: F2 takes 20:00 from F1, then F1 takes 18:00 from F0.
    f2_hours = {"Tuesday": [["20:00", "21:00"]]}
    f2 = (
        person("F2", "UTC", {}, if_needed=f2_hours, max_groups=1)
        if f2_if_needed
        else person("F2", "UTC", f2_hours, max_groups=1)
    )
    people = [
        person("F0", "UTC", {"Tuesday": [["18:00", "19:00"], ["22:00", "23:00"]]}, max_groups=1),
        person("F1", "UTC", {"Tuesday": [["18:00", "19:00"], ["20:00", "21:00"]]}, max_groups=1),
        f2,
        *crowd("A", 4, "UTC", {"Tuesday": [["18:00", "19:00"]]}),
        *crowd("B", 4, "UTC", {"Tuesday": [["20:00", "21:00"]]}),
        *crowd("C", 4, "UTC", {"Tuesday": [["22:00", "23:00"]]}),
    ]
    params, everyone, existing = parse_instance(instance(people))
    problem = _problem(everyone, params, existing)
    ids = [a.person.id for a in problem.learners]
    leaders = [a.person.id for a in problem.facilitators]
    starts = {hour: _start(problem, hour) for hour in (18, 20, 22)}
    plan = Plan(
        groups_at={starts[18]: [leaders.index("F0")], starts[20]: [leaders.index("F1")]},
        learners_at={
            starts[hour]: [ids.index(f"{prefix}{k}") for k in range(4)]
            for hour, prefix in ((18, "A"), (20, "B"))
        },
    )
    return problem, plan, leaders, starts


def _led(problem, search, leaders):
    return {
        leaders[f]: [problem.viable_starts[n] for n in nodes]
        for f, nodes in enumerate(search.leaders.at)
    }


def test_a_chain_of_two_hand_overs_frees_the_only_leader_for_a_new_group():
    problem, plan, leaders, starts = _setup(f2_if_needed=False)
    search = Search(problem, plan)
    node = search.node_of[starts[22]]
    before = plan_objectives(problem, search.plan())
    assert find_leader(search, node) == leaders.index("F0")
    assert _led(problem, search, leaders) == {"F0": [], "F1": [starts[18]], "F2": [starts[20]]}
    # no learner moved and no count changed: every earlier phase keeps its value
    after = search.plan()
    assert after.learners_at == plan.learners_at
    assert {k: plan_objectives(problem, after)[k] for k in ("placed", "sizes")} == {
        k: before[k] for k in ("placed", "sizes")
    }
    search.add_group(node, leaders.index("F0"))
    assert gather(search, node, prefer_pool=True)
    assert search.leaders.capacity == [0, 0, 0]
    assert search.placed() == 8 + search.low  # gathered up to the minimum
    assert plan_is_consistent(problem, search.plan())


def test_a_chain_is_undone_with_the_search_journal():
    problem, plan, leaders, starts = _setup(f2_if_needed=False)
    search = Search(problem, plan)
    mark = search.mark()
    assert find_leader(search, search.node_of[starts[22]]) is not None
    search.undo(mark)
    assert _led(problem, search, leaders) == {"F0": [starts[18]], "F1": [starts[20]], "F2": []}


def test_a_neutral_chain_never_hands_a_group_to_someone_who_costs_more():
    # F2 could take 20:00 only on if-needed time, which costs more than F1's regular time
    problem, plan, leaders, starts = _setup(f2_if_needed=True)
    search = Search(problem, plan)
    node = search.node_of[starts[22]]
    assert find_leader(search, node, neutral=True) is None
    assert _led(problem, search, leaders) == {"F0": [starts[18]], "F1": [starts[20]], "F2": []}
    before = plan_objectives(problem, search.plan())["preferences"]
    assert find_leader(search, node) == leaders.index("F0")
    assert plan_objectives(problem, search.plan())["preferences"] > before


def test_a_chain_gives_a_paying_leaders_group_to_a_cheaper_one_and_no_count_changes():
    # F2 leads 18:00 on if-needed time. F0 is free there on regular time but at capacity
    # with 20:00, which idle F1 can take at no cost: F1 takes 20:00, F0 takes 18:00.
    people = [
        person("F0", "UTC", {"Tuesday": [["18:00", "19:00"], ["20:00", "21:00"]]}, max_groups=1),
        person("F1", "UTC", {"Tuesday": [["20:00", "21:00"]]}, max_groups=1),
        person("F2", "UTC", {}, if_needed={"Tuesday": [["18:00", "19:00"]]}, max_groups=1),
        *crowd("A", 4, "UTC", {"Tuesday": [["18:00", "19:00"]]}),
        *crowd("B", 4, "UTC", {"Tuesday": [["20:00", "21:00"]]}),
    ]
    params, everyone, existing = parse_instance(instance(people))
    problem = _problem(everyone, params, existing)
    ids = [a.person.id for a in problem.learners]
    leaders = [a.person.id for a in problem.facilitators]
    early, late = _start(problem, 18), _start(problem, 20)
    plan = Plan(
        groups_at={early: [leaders.index("F2")], late: [leaders.index("F0")]},
        learners_at={
            early: [ids.index(f"A{k}") for k in range(4)],
            late: [ids.index(f"B{k}") for k in range(4)],
        },
    )
    search = Search(problem, plan)
    before = plan_objectives(problem, search.plan())
    assert cheaper_leaders_by_chain(search) == 1
    after = plan_objectives(problem, search.plan())
    assert _led(problem, search, leaders) == {"F0": [early], "F1": [late], "F2": []}
    assert after["preferences"] == 0 < before["preferences"]
    assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"])
    assert plan_is_consistent(problem, search.plan())


def test_leaders_are_re_chosen_for_the_groups_as_placed_where_no_chain_helps():
    # F0 leads Tuesday and F1 Thursday, each on if-needed time, each at capacity; each is
    # free on regular time at the other's start. No chain of cheaper hand-overs exists
    # (the swap needs both at once); the assignment with the groups fixed finds it.
    tue, thu = {"Tuesday": [["18:00", "19:00"]]}, {"Thursday": [["18:00", "19:00"]]}
    people = [
        person("F0", "UTC", thu, if_needed=tue, max_groups=1),
        person("F1", "UTC", tue, if_needed=thu, max_groups=1),
        *crowd("A", 4, "UTC", tue),
        *crowd("B", 4, "UTC", thu),
    ]
    params, everyone, existing = parse_instance(instance(people))
    problem = _problem(everyone, params, existing)
    ids = [a.person.id for a in problem.learners]
    leaders = [a.person.id for a in problem.facilitators]
    starts = {
        problem.catalog.starts[s].start.weekday: s
        for s in problem.viable_starts
        if problem.catalog.starts[s].start.local_minute == 18 * 60
    }
    tuesday, thursday = starts[1], starts[3]
    plan = Plan(
        groups_at={tuesday: [leaders.index("F0")], thursday: [leaders.index("F1")]},
        learners_at={
            tuesday: [ids.index(f"A{k}") for k in range(4)],
            thursday: [ids.index(f"B{k}") for k in range(4)],
        },
    )
    search = Search(problem, plan)
    assert cheaper_leaders_by_chain(search) == 0
    before = plan_objectives(problem, plan)
    runner = Runner(problem, seed=1)
    runner.hold("placed", before["placed"])
    runner.hold("sizes", before["sizes"])
    model, highs = runner.loaded()
    values = values_from_plan(problem, model, plan)
    found = plan_from_values(
        problem, model, _leaders_only(highs, problem, model, "preferences", values, 5.0, set())
    )
    after = plan_objectives(problem, found)
    assert found.groups_at == {tuesday: [leaders.index("F1")], thursday: [leaders.index("F0")]}
    assert found.learners_at == plan.learners_at
    assert after["preferences"] == 0 < before["preferences"]
    assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"])


def _few_facilitators(size: int, seed: int):
    # the sweep's few-facilitator cohorts: one facilitator in three kept, so every leader
    # ends at capacity and learners are left out
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}
    document = generate_instance(size, seed=seed, params=params)
    facilitators = [p for p in document["people"] if p["role"] == "facilitator"]
    dropped = {p["id"] for p in facilitators[1::3]} | {p["id"] for p in facilitators[2::3]}
    document["people"] = [p for p in document["people"] if p["id"] not in dropped]
    params_, everyone, existing = parse_instance(document)
    return _problem(everyone, params_, existing)


def test_with_nobody_s_capacity_left_no_leader_is_found_and_nothing_changes():
    problem, plan, _leaders, starts = _setup(f2_if_needed=False)
    search = Search(problem, plan)
    node = search.node_of[starts[22]]
    assert search.leaders.any_capacity() and find_leader(search, node) is not None
    search.undo(0)
    search.leaders.capacity[2] = 0  # F2, the only one left with capacity
    before = [list(at) for at in search.leaders.at]
    assert not search.leaders.any_capacity()
    assert all(search.leaders.free_at(k) is None for k in range(len(search.starts)))
    assert find_leader(search, node) is None
    assert [list(at) for at in search.leaders.at] == before and not search.journal


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_capacity_shortcut_changes_no_heuristic_answer(seed, monkeypatch):
    # free_at and the chains' search give up at once when nobody has capacity left (0.39
    # of few facilitators 2,000's 0.42 s of heuristic); without the shortcut they must
    # come to the same plan
    problem = _few_facilitators(240, seed)
    answers: list[bool] = []
    shortcut = Leaders.any_capacity
    monkeypatch.setattr(
        Leaders, "any_capacity", lambda self: answers.append(shortcut(self)) or answers[-1]
    )
    fast = solve_heuristic(problem, seed)
    assert False in answers  # the shortcut was taken
    monkeypatch.setattr(Leaders, "any_capacity", lambda self: True)
    slow = solve_heuristic(problem, seed)
    assert fast.groups_at == slow.groups_at
    assert fast.learners_at == slow.learners_at
    assert fast.placed() == slow.placed() > 0


def _free_at_one_by_one(leaders, node):
    """free_at as it was: each facilitator in order asked `free`, the first cheapest kept."""
    best = None
    for f in leaders.order:
        if leaders.free(f, node) and (
            best is None or leaders.cost[f, node] < leaders.cost[best, node]
        ):
            best = f
    return best


@pytest.mark.parametrize("seed", [1, 2])
def test_the_free_leader_found_for_all_at_once_is_the_one_asked_for_one_by_one(seed):
    # from an empty plan, then along the heuristic's groups, with capacity left and not
    problem = _few_facilitators(240, seed)
    search = Search(problem, Plan())
    plan = solve_heuristic(problem, seed)
    nodes = range(len(search.starts))
    checked = 0
    for start, leaders in plan.groups_at.items():
        for node in nodes:
            expected = _free_at_one_by_one(search.leaders, node)
            assert search.leaders.free_at(node) == expected
            checked += expected is not None
        for leader in leaders:
            search.add_group(search.node_of[start], leader)
    assert checked
    assert all(search.leaders.free_at(k) == _free_at_one_by_one(search.leaders, k) for k in nodes)


def _paying_leaders(size: int, seed: int, narrow: bool) -> Search:
    """A generated cohort's heuristic groups, each handed to the dearest facilitator free
    there: many paying leaders, some of whom a chain can replace and some not."""
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}
    document = generate_instance(size, seed=seed, narrow=narrow, params=params)
    params_, everyone, existing = parse_instance(document)
    problem = _problem(everyone, params_, existing)
    search = Search(problem, solve_heuristic(problem, seed))
    leaders = search.leaders
    for node, owners in enumerate(search.groups):
        for owner in list(owners):
            free = [f for f in range(len(leaders.capacity)) if leaders.free(f, node)]
            if owner != PEER and free:
                search.hand_over(node, owner, max(free, key=lambda f: leaders.cost[f, node]))
    return search


def _paying_groups(search: Search) -> list[tuple[int, int]]:
    return [
        (node, owner)
        for node, owners in enumerate(search.groups)
        for owner in owners
        if owner != PEER and search.leaders.cost[owner, node] > 0
    ]


@pytest.mark.parametrize(("size", "seed", "narrow"), [(150, 1, False), (300, 3, True)])
def test_a_group_the_chain_ends_rule_out_gets_no_chain(size, seed, narrow):
    # _ChainEnds is the chains' search without its marks and its entry limit: where it
    # says no chain from a group can end, the search finds none (and it rules some out)
    search = _paying_leaders(size, seed, narrow)
    ends = _ChainEnds(search)
    asked = {
        group: (ends.may_end(*group), _chain(search, *group, neutral=True) is not None)
        for group in _paying_groups(search)
    }
    assert not [group for group, (may, found) in asked.items() if found and not may]
    assert (False, False) in asked.values() and (True, True) in asked.values()


@pytest.mark.parametrize(("size", "seed", "narrow"), [(150, 1, False), (300, 3, True)])
def test_cheaper_leaders_by_chain_hands_over_as_it_did_asking_every_group(
    size, seed, narrow, monkeypatch
):
    # the same hand-overs as asking the chains' search of every paying group in turn,
    # with fewer asks
    search = _paying_leaders(size, seed, narrow)
    everyone = _paying_leaders(size, seed, narrow)
    found, paying = 0, len(_paying_groups(everyone))
    for node in range(len(everyone.starts)):
        for owner in list(everyone.groups[node]):
            if owner != PEER and everyone.leaders.cost[owner, node] > 0:
                found += cheaper_by_chain(everyone, node, owner)
    asks: list[int] = []
    search_chain = chains._chain
    monkeypatch.setattr(
        chains, "_chain", lambda *args, **kwargs: asks.append(1) or search_chain(*args, **kwargs)
    )
    assert cheaper_leaders_by_chain(search) == found > 0
    assert found <= len(asks) < paying
    assert search.leaders.at == everyone.leaders.at
    assert search.journal == everyone.journal


def test_a_hand_over_that_frees_a_leader_of_a_clash_opens_a_chain_for_a_later_group():
    # F1 leads 18:00 (on if-needed time) and 19:00, and both clash with 18:30, where FG
    # leads on if-needed time and F1 would cost nothing: held back by two groups, F1 is
    # no taker there. Idle FH takes 18:00 from F1; now only 19:00 holds F1 back, and
    # idle FK can take it, so F1 takes 18:30 from FG. The chains' filter, which ruled
    # 18:30 out before the first hand-over, must not rule out the chain it opens.
    people = [
        person(
            "F1",
            "UTC",
            {"Tuesday": [["18:30", "20:00"]]},
            if_needed={"Tuesday": [["18:00", "18:30"]]},
            max_groups=2,
        ),
        person("FG", "UTC", {}, if_needed={"Tuesday": [["18:30", "19:30"]]}, max_groups=1),
        person("FH", "UTC", {"Tuesday": [["18:00", "19:00"]]}, max_groups=1),
        person("FK", "UTC", {"Tuesday": [["19:00", "20:00"]]}, max_groups=1),
        *crowd("A", 4, "UTC", {"Tuesday": [["18:00", "19:00"]]}),
        *crowd("B", 4, "UTC", {"Tuesday": [["18:30", "19:30"]]}),
        *crowd("C", 4, "UTC", {"Tuesday": [["19:00", "20:00"]]}),
    ]
    params, everyone, existing = parse_instance(instance(people))
    problem = _problem(everyone, params, existing)
    ids = [a.person.id for a in problem.learners]
    leaders = [a.person.id for a in problem.facilitators]
    minute = {s: problem.catalog.starts[s].start.local_minute for s in problem.viable_starts}
    at = {hour: next(s for s, m in minute.items() if m == hour) for hour in (1080, 1110, 1140)}
    plan = Plan(
        groups_at={
            at[1080]: [leaders.index("F1")],
            at[1110]: [leaders.index("FG")],
            at[1140]: [leaders.index("F1")],
        },
        learners_at={
            at[hour]: [ids.index(f"{prefix}{k}") for k in range(4)]
            for hour, prefix in ((1080, "A"), (1110, "B"), (1140, "C"))
        },
    )
    search = Search(problem, plan)
    before = plan_objectives(problem, search.plan())
    assert not _ChainEnds(search).may_end(search.node_of[at[1110]], leaders.index("FG"))
    assert cheaper_leaders_by_chain(search) == 2
    assert _led(problem, search, leaders) == {
        "F1": [at[1110]],
        "FG": [],
        "FH": [at[1080]],
        "FK": [at[1140]],
    }
    after = plan_objectives(problem, search.plan())
    assert after["preferences"] == 0 < before["preferences"]
    assert (after["placed"], after["sizes"]) == (before["placed"], before["sizes"])
    assert plan_is_consistent(problem, search.plan())
