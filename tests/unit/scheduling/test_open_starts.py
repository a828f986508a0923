"""The open starts' bound (open_starts.py): never above the brute-forced preferences
optimum of an answer keeping placement and sizes, and it sees if-needed seats that whole
groups force where the solver-free bound does not."""

from __future__ import annotations

import itertools
import math
import random
import time
from collections import Counter

import pytest

from roundtable.scheduling import phase_preferences
from roundtable.scheduling.bounds import held_totals, leader_cost_bound, learner_cost_bound
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.open_starts import (
    _cover,
    _Limits,
    _near_answer,
    _near_starts,
    _stop_at_reach,
    answer_values,
    if_needed_bound,
    learner_bound,
    most_new_groups,
)
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.plan import plan_is_consistent
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.values import plan_from_values, plan_objectives
from tests.unit.scheduling.helpers import person
from tests.unit.scheduling.test_phase_bounds import _brute_force, _cohort, _hours, _problem_of

TUESDAY = {"Tuesday": [["18:00", "19:00"]]}
WEDNESDAY = {"Wednesday": [["18:00", "19:00"]]}


def _peer_cohort(seed: int) -> Problem:
    rng = random.Random(seed)
    people = []
    for k in range(rng.randint(5, 7)):
        extra = {"if_needed": _hours(rng)} if rng.random() < 0.6 else {}
        people.append(person(f"L{k}", "UTC", _hours(rng), **extra))
    return _problem_of(people, require_facilitator=False)


def _peer_brute_force(problem: Problem) -> tuple[int, int, int]:
    """(placed, sizes, preferences), lexicographically best over every seating of a peer
    cohort: a start's learners must split into groups of the allowed sizes."""
    low, high = problem.params.learner_bounds()
    target = problem.params.target_learners()
    seats = [[None, *sorted(options)] for options in problem.learner_options]
    best = (0, 0, 0)  # (placed, -sizes, -preferences)
    for chosen in itertools.product(*seats):
        counts = Counter(start for start in chosen if start is not None)
        sizes = 0
        for count in counts.values():
            fits = [
                abs(count - target * g) for g in range(1, count + 1) if low * g <= count <= high * g
            ]
            if not fits:
                break
            sizes += min(fits)
        else:
            paid = sum(
                problem.learner_options[i][start]
                for i, start in enumerate(chosen)
                if start is not None
            )
            best = max(best, (len(chosen) - list(chosen).count(None), -sizes, -paid))
    return best[0], -best[1], -best[2]


def _held(seed: int) -> tuple[Problem, int, int, int, range, int]:
    """A brute-forced facilitated cohort: the problem, its optimal placement, sizes and
    preferences, the totals of new groups those holds allow, and the if-needed weight."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, preferences, _spread = _brute_force(problem)
    totals = held_totals(problem, {"placed": placed, "sizes": sizes})
    return problem, placed, sizes, preferences, totals, problem.if_needed_weight()


def _bound(problem: Problem, placed: int, sizes: int) -> int:
    """The phase's bound as the solver puts it together (no joins in these cohorts)."""
    weight = problem.if_needed_weight()
    most = most_new_groups(problem, placed, sizes)
    found = learner_bound(problem, placed, most, weight, 10.0, sizes)
    learners = learner_cost_bound(problem, placed) if found is None else found.value
    target = problem.params.target_learners()
    fewest = max(-(-placed // problem.params.learner_bounds()[1]), -(-(placed - sizes) // target))
    return learners + leader_cost_bound(problem, fewest)


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_never_exceeds_the_brute_forced_optimum(seed: int) -> None:
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, preferences, _spread = _brute_force(problem)
    assert _bound(problem, placed, sizes) <= preferences


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_never_exceeds_the_brute_forced_peer_optimum(seed: int) -> None:
    problem = _peer_cohort(seed)
    placed, sizes, preferences = _peer_brute_force(problem)
    assert placed > 0
    assert _bound(problem, placed, sizes) <= preferences


def test_whole_groups_force_an_if_needed_seat() -> None:
    # five learners regular on Tuesday, where one group holds at most four: the fifth
    # meets on Wednesday, on if-needed time, with the three regular there
    people = [person(f"A{k}", "UTC", TUESDAY) for k in range(4)]
    people.append(person("A4", "UTC", TUESDAY, if_needed=WEDNESDAY))
    people += [person(f"B{k}", "UTC", WEDNESDAY) for k in range(3)]
    problem = _problem_of(people, require_facilitator=False)  # 3..4 learners, target 4
    weight = problem.if_needed_weight()
    placed, sizes, preferences = _peer_brute_force(problem)
    assert (placed, sizes, preferences) == (8, 0, weight)
    assert learner_cost_bound(problem, placed) == 0  # everyone's cheapest is regular
    most = most_new_groups(problem, placed, sizes)
    found = learner_bound(problem, placed, most, weight, 10.0, sizes)
    assert found is not None and (found.value, found.if_needed) == (weight, 1)


def _a_shift_forced() -> Problem:
    """Four learners on Sunday only and three on Monday only (UTC, the anchor), and one in
    New York free at both starts: her Sunday group meets after the clock change of
    2025-03-09, her Monday group's local time moves from the second meeting, one shift.
    Groups hold 3 to 4 (target 4), so the eight make a group at each start, and she sits
    on Monday: the shift nobody pays at their cheapest open start."""
    sunday, monday = {"Sunday": [["18:00", "19:00"]]}, {"Monday": [["18:00", "19:00"]]}
    people = [person(f"A{k}", "UTC", sunday) for k in range(4)]
    both = {"Sunday": [["13:00", "15:00"]], "Monday": [["13:00", "15:00"]]}
    people.append(person("N", "America/New_York", both))
    people += [person(f"B{k}", "UTC", monday) for k in range(3)]
    dates = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}
    return _problem_of(people, require_facilitator=False, **dates)


def test_whole_groups_force_a_shift_no_cover_sees() -> None:
    # no if-needed seat anywhere, so the cover bounds the shifts alone: both starts open,
    # everyone at their cheapest, 0; the least shifts with no if-needed seat is the
    # optimum, 1, and its answer a whole one (before: no bound, the two steps ending at
    # none needed)
    problem = _a_shift_forced()
    weight = problem.if_needed_weight()
    assert _peer_brute_force(problem) == (8, 0, 1)
    assert learner_cost_bound(problem, 8) == 0
    most = most_new_groups(problem, 8, 0)
    cover = _cover(problem, 8, most, 10.0)
    assert cover is not None and cover.value == 0
    found = learner_bound(problem, 8, most, weight, 10.0, 0)
    assert found is not None and (found.value, found.if_needed) == (1, 0)
    model = Runner(problem, 1).loaded()[0]
    values = answer_values(found, model)
    assert values is not None
    scores = plan_objectives(problem, plan_from_values(problem, model, values))
    assert (scores["placed"], scores["sizes"], scores["preferences"]) == (8, 0, 1)


@pytest.mark.parametrize("seed", range(12))
def test_the_if_needed_bound_never_exceeds_the_brute_forced_optimum(seed: int) -> None:
    # as the phase puts it together for facilitated cohorts: with the leaders' least
    problem, placed, sizes, preferences, totals, weight = _held(seed)
    found = if_needed_bound(problem, placed, totals, weight, 10.0, sizes)
    # None where no learner needs if-needed time (the phase keeps its bound); seeds 2, 3
    # and 8 are bounded at their optimum
    if found is not None:
        assert found.value + leader_cost_bound(problem, totals.start) <= preferences


def test_the_if_needed_bound_counts_the_seat_whole_groups_force() -> None:
    # as `test_whole_groups_force_an_if_needed_seat`, everyone placed (equal seat rows)
    people = [person(f"A{k}", "UTC", TUESDAY) for k in range(4)]
    people.append(person("A4", "UTC", TUESDAY, if_needed=WEDNESDAY))
    people += [person(f"B{k}", "UTC", WEDNESDAY) for k in range(3)]
    problem = _problem_of(people, require_facilitator=False)  # 3..4 learners, target 4
    weight = problem.if_needed_weight()
    totals = held_totals(problem, {"placed": 8, "sizes": 0})
    assert totals == range(2, 3)
    found = if_needed_bound(problem, 8, totals, weight, 10.0, 0)
    assert found is not None and (found.value, found.if_needed) == (weight, 1)
    assert if_needed_bound(problem, 8, range(3, 3), weight, 10.0, 0) is None  # no total


def test_the_most_groups_follow_the_held_sizes() -> None:
    people = [person(f"A{k}", "UTC", TUESDAY) for k in range(10)]
    problem = _problem_of(people, require_facilitator=False)  # 3..4 learners, target 4
    assert most_new_groups(problem, 10, None) == 3  # 10 // 3
    assert most_new_groups(problem, 10, 2) == 3  # 4 * G - 10 <= 2
    assert most_new_groups(problem, 10, 1) == 2


@pytest.mark.parametrize("seed", range(12))
def test_the_answer_handed_back_keeps_placement_and_sizes(seed: int) -> None:
    # in a peer cohort step (b)'s answer, with the size rows, is a whole answer: placed and
    # sizes at their optima, preferences at the bound
    problem = _peer_cohort(seed)
    placed, sizes, preferences = _peer_brute_force(problem)
    weight = problem.if_needed_weight()
    most = most_new_groups(problem, placed, sizes)
    found = learner_bound(problem, placed, most, weight, 10.0, sizes)
    if found is None:  # nobody needs if-needed time
        assert learner_cost_bound(problem, placed) <= preferences
        return
    model = Runner(problem, 1).loaded()[0]
    values = answer_values(found, model)
    assert values is not None
    plan = plan_from_values(problem, model, values)
    scores = plan_objectives(problem, plan)
    assert plan_is_consistent(problem, plan)
    assert (scores["placed"], scores["sizes"]) == (placed, sizes)
    assert scores["preferences"] == found.value == preferences


@pytest.mark.parametrize("seed", range(12))
def test_the_cover_never_exceeds_the_brute_forced_peer_optimum(seed: int) -> None:
    # at most `most` starts open, everyone paying their cheapest open one: a relaxation
    problem = _peer_cohort(seed)
    placed, sizes, preferences = _peer_brute_force(problem)
    cover = _cover(problem, placed, most_new_groups(problem, placed, sizes), 10.0)
    if placed < sum(len(cls.members) for cls in problem.classes):
        assert cover is None  # only where everyone is placed
    else:
        assert cover is not None and learner_cost_bound(problem, placed) <= cover.value
        assert cover.value <= preferences


def _two_forced_starts() -> Problem:
    thursday = {"Thursday": [["18:00", "19:00"]]}
    people = [person(f"A{k}", "UTC", TUESDAY) for k in range(2)]
    people += [person(f"B{k}", "UTC", WEDNESDAY) for k in range(2)]
    people.append(person("C0", "UTC", thursday, if_needed=TUESDAY))
    people.append(person("C1", "UTC", thursday, if_needed=WEDNESDAY))
    people.append(person("D", "UTC", TUESDAY | thursday))
    people.append(person("E", "UTC", WEDNESDAY | thursday))
    return _problem_of(people, require_facilitator=False)  # 3..4 learners, target 4


def test_two_starts_open_force_two_if_needed_seats() -> None:
    # eight learners make two groups of four, so two starts open; the Tuesday and the
    # Wednesday pair can meet nowhere else, so those two, and the two Thursday learners
    # who can only come there on if-needed time pay it (Thursday alone is everyone's
    # cheapest start for them: the solver-free bound sees nothing)
    problem = _two_forced_starts()
    weight = problem.if_needed_weight()
    assert _peer_brute_force(problem) == (8, 0, 2 * weight)
    assert learner_cost_bound(problem, 8) == 0
    most = most_new_groups(problem, 8, 0)
    assert most == 2
    cover = _cover(problem, 8, most, 10.0)
    assert cover is not None and cover.value == 2 * weight
    found = learner_bound(problem, 8, most, weight, 10.0, 0)
    assert found is not None and (found.value, found.if_needed) == (2 * weight, 2)
    assert sum(found.groups.values()) == 2


@pytest.mark.parametrize("seed", range(12))
def test_an_answer_near_the_cover_keeps_the_held_phases_at_the_optimum(seed: int) -> None:
    # groups only at the starts of covers a few swaps from the cover's own: where it
    # finds an answer, that answer is valid, keeps placement and sizes, and pays the
    # cover's bound, which is then the brute-forced optimum
    problem = _peer_cohort(seed)
    placed, sizes, preferences = _peer_brute_force(problem)
    weight = problem.if_needed_weight()
    most = most_new_groups(problem, placed, sizes)
    cover = _cover(problem, placed, most, 10.0)
    if cover is None:
        return
    starts = _near_starts(problem, cover, 3, 400)
    assert starts is None or cover.opened <= starts
    found = _near_answer(problem, _Limits(placed, most, sizes), weight, cover, 1e12)
    if found is None:
        return
    assert starts is not None
    assert {start for start, count in found.groups.items() if count} <= starts
    model = Runner(problem, 1).loaded()[0]
    values = answer_values(found, model)
    assert values is not None
    plan = plan_from_values(problem, model, values)
    scores = plan_objectives(problem, plan)
    assert plan_is_consistent(problem, plan)
    assert (scores["placed"], scores["sizes"]) == (placed, sizes)
    assert scores["preferences"] == found.value == cover.value == preferences


def test_the_answer_near_the_cover_opens_the_two_forced_starts() -> None:
    # the cohort above: the answer near the cover is the two groups, two if-needed seats
    problem = _two_forced_starts()
    weight = problem.if_needed_weight()
    cover = _cover(problem, 8, 2, 10.0)
    assert cover is not None and len(cover.opened) == 2
    found = _near_answer(problem, _Limits(8, 2, 0), weight, cover, 1e12)
    assert found is not None and (found.value, found.if_needed) == (2 * weight, 2)
    near = _near_starts(problem, cover, 3, 400)
    assert near is not None and cover.opened <= near
    assert sum(found.groups.values()) == 2
    assert {start for start, count in found.groups.items() if count} <= near


@pytest.mark.parametrize("seed", range(12))
def test_the_if_needed_bound_with_a_bound_to_beat_keeps_what_can_beat_it(seed: int) -> None:
    # `beat` only leaves out what cannot raise it: below what the bound reaches alone the
    # same bound; at or above it never more than the bound alone, still a bound, and
    # step (b) left out where (a)'s seats and less than one seat of shifts cannot beat it
    problem, placed, sizes, preferences, totals, weight = _held(seed)
    alone = if_needed_bound(problem, placed, totals, weight, 10.0, sizes)
    if alone is None:
        return
    below = if_needed_bound(problem, placed, totals, weight, 10.0, sizes, alone.value - 1)
    assert below == alone and alone.seats  # step (b) ran, its answer kept
    for beat in (alone.value, weight * (alone.if_needed + 1), 10 * weight * (seed + 1)):
        found = if_needed_bound(problem, placed, totals, weight, 10.0, sizes, beat)
        assert found is not None and found.value <= alone.value <= preferences
        if weight * (found.if_needed + 1) <= beat:
            assert (found.value, found.seats) == (weight * found.if_needed, {})  # (a) only


@pytest.mark.parametrize("seed", range(24))
def test_the_if_needed_bound_with_its_leaders_never_exceeds_the_brute_forced_optimum(
    seed: int,
) -> None:
    # who leads where in the model too: its value counts the leaders' cost itself
    problem, placed, sizes, preferences, totals, weight = _held(seed)
    found = if_needed_bound(problem, placed, totals, weight, 10.0, sizes, leaders=True)
    if found is not None:
        assert found.value <= preferences


@pytest.mark.parametrize("seed", range(24))
def test_the_if_needed_bound_stopped_at_an_answers_value_loses_nothing_below_it(
    seed: int,
) -> None:
    # `reach`, the value of an answer the caller has, stops each step once its bound shows
    # that much: still never above the optimum, and as high as the bound run to its end
    # wherever that shows the optimum (so the answer is proven either way); an answer
    # dearer than the optimum stops nothing early that could have proven it
    problem, placed, sizes, preferences, totals, weight = _held(seed)
    whole = if_needed_bound(problem, placed, totals, weight, 10.0, sizes, leaders=True)
    for reach in (preferences, preferences + weight, preferences + 1):
        found = if_needed_bound(
            problem, placed, totals, weight, 10.0, sizes, leaders=True, reach=reach
        )
        assert (found is None) == (whole is None)
        if found is None or whole is None:
            continue
        assert found.value <= preferences
        if whole.value == preferences:
            assert (found.value, found.if_needed) == (whole.value, whole.if_needed)


class _Event:
    """HiGHS's MIP interrupt callback's event, as far as `_stop_at_reach` reads it."""

    def __init__(self, bound: float) -> None:
        self.data_out = type("DataOut", (), {"mip_dual_bound": bound})()
        self.asked: list[bool] = []

    def interrupt(self, value: bool) -> None:
        self.asked.append(value)


@pytest.mark.parametrize(
    ("bound", "asked"),
    [
        (67.2, [True]),
        (68.0, [True]),
        (67.0 + 1e-9, []),
        (66.9, []),
        (-math.inf, []),
        (math.inf, []),
    ],
)
def test_the_bound_stops_once_rounded_up_it_reaches_the_answer(
    bound: float, asked: list[bool]
) -> None:
    # rounded up, 67.2 proves 68 (every cost is whole); a bound a hair above 67 is
    # HiGHS's tolerance, not 68; before the root (-inf) nothing is proven, and the
    # callback never asks HiGHS to go on (another callback's stop stands)
    event = _Event(bound)
    _stop_at_reach(68, event)
    assert event.asked == asked


def _leader_on_if_needed_time() -> Problem:
    """Three learners on Tuesday only, three on Wednesday only; the one facilitator leads
    two groups, regular on Tuesday and on Wednesday only if needed: everyone placed
    costs one if-needed seat, the leader's, which the learners alone do not show."""
    people = [person("F0", "UTC", TUESDAY, max_groups=2, if_needed=WEDNESDAY)]
    people += [person(f"A{k}", "UTC", TUESDAY) for k in range(3)]
    people += [person(f"B{k}", "UTC", WEDNESDAY) for k in range(3)]
    return _problem_of(people)  # 2..3 learners besides the leader, target 3


def test_a_leaders_if_needed_time_is_counted_where_the_learners_need_none() -> None:
    problem = _leader_on_if_needed_time()
    weight = problem.if_needed_weight()
    placed, sizes, preferences, _spread = _brute_force(problem)
    assert (placed, sizes, preferences) == (6, 0, weight)
    totals = held_totals(problem, {"placed": placed, "sizes": sizes})
    assert if_needed_bound(problem, placed, totals, weight, 10.0, sizes) is None
    found = if_needed_bound(problem, placed, totals, weight, 10.0, sizes, leaders=True)
    assert found is not None and (found.value, found.if_needed) == (weight, 1)


def test_the_phase_proves_a_leaders_if_needed_seats_before_the_dive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # as `_leader_on_if_needed_time`, with three more learners on Thursday, where the
    # leader is free only if needed too: the plan pays two seats the solver-free bound
    # does not count, so the bound with the leaders is asked before the dive, and proves
    # the plan
    thursday = {"Thursday": [["18:00", "19:00"]]}
    people = [person("F0", "UTC", TUESDAY, max_groups=3, if_needed=WEDNESDAY | thursday)]
    for prefix, day in (("A", TUESDAY), ("B", WEDNESDAY), ("C", thursday)):
        people += [person(f"{prefix}{k}", "UTC", day) for k in range(3)]
    problem = _problem_of(people)
    weight = problem.if_needed_weight()
    assert _brute_force(problem)[:3] == (9, 0, 2 * weight)
    runner = Runner(problem, 1)
    runner.hold("placed", 9)
    runner.hold("sizes", 0)
    search = Search(problem, solve_heuristic(problem, 1))
    context = PhaseContext(problem, runner, search, time.monotonic() + 30.0, 30.0)
    context.proven = {"placed": True, "sizes": True}

    def no_dive(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the dive ran")

    monkeypatch.setattr(phase_preferences, "dive", no_dive)
    result = phase_preferences.preferences_phase(context, 10.0)
    assert result.proven and result.value == 2 * weight
    assert "if-needed seats' bound" in result.status
