"""Regrouping a running cohort (scheduling.regroup): the model; the exact solve vs brute force."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roundtable.scheduling.checks import InvalidInputError
from roundtable.scheduling.feasibility import weekly_series
from roundtable.scheduling.model import Block
from roundtable.scheduling.regroup import (
    Instance,
    RegroupGroup,
    RegroupLearner,
    RegroupProblem,
    build_instance,
    plan_from_record,
    score,
)
from roundtable.scheduling.regroup_solve import propose, solve

EVENINGS = tuple(Block(day, 17 * 60, 21 * 60) for day in range(7))
TUESDAY_18_19 = (Block(1, 18 * 60, 19 * 60),)


def brute_force(instance: Instance) -> tuple[int, int, int]:
    """The lexicographically least (undersized, moves, dissolved) over every assignment."""
    pairs = zip(instance.current, instance.options, strict=True)
    choices = [(own, *options) for own, options in pairs]
    best = None
    for assignment in itertools.product(*choices):
        found = score(instance, assignment)
        if found is not None and (best is None or found.as_tuple() < best):
            best = found.as_tuple()
    assert best is not None  # nobody moving is always allowed
    return best


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    groups = draw(st.integers(1, 4))
    learners = draw(st.integers(0, 7))
    current = tuple(draw(st.integers(0, groups - 1)) for _ in range(learners))
    options = tuple(
        tuple(sorted(draw(st.sets(st.sampled_from([g for g in range(groups) if g != own])))))
        if groups > 1
        else ()
        for own in current
    )
    low = tuple(draw(st.integers(0, 4)) for _ in range(groups))
    high = tuple(max(current.count(g), low[g], draw(st.integers(1, 5))) for g in range(groups))
    return Instance(current, options, low, high, draw(st.booleans()))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_the_solve_is_lexicographically_optimal_against_brute_force(instance: Instance) -> None:
    assignment, optimality = solve(instance, time_limit=20)

    found = score(instance, assignment)
    assert found is not None
    assert all(
        g == own or g in options
        for g, own, options in zip(assignment, instance.current, instance.options, strict=True)
    )
    assert found.as_tuple() == brute_force(instance)
    assert optimality.proven
    assert tuple(p.value for p in optimality.phases) == found.as_tuple()


def test_a_small_group_is_merged_with_the_fewest_moves() -> None:
    # Group 0 has one learner (minimum 3 learners): refilling it takes two moves,
    # moving its one learner into group 2 (room for one) takes one, and dissolves it.
    instance = Instance(
        current=(0, 1, 1, 1, 1, 1, 2, 2),
        options=((1, 2), (0,), (0,), (0,), (), (), (0,), (0,)),
        low=(3, 3, 3),
        high=(5, 5, 3),
        allow_dissolve=True,
    )

    assignment, optimality = solve(instance)

    assert assignment == (2, 1, 1, 1, 1, 1, 2, 2)
    assert [(p.name, p.value, p.proven) for p in optimality.phases] == [
        ("undersized", 0, True),
        ("moves", 1, True),
        ("dissolved", 1, True),
    ]
    assert "proven optimal" in optimality.text()


def test_without_dissolving_the_small_group_is_refilled() -> None:
    instance = Instance(
        current=(0, 1, 1, 1, 1, 1),
        options=((1,), (0,), (0,), (0,), (), ()),
        low=(3, 3),
        high=(5, 5),
        allow_dissolve=False,
    )

    assignment, optimality = solve(instance)

    assert sorted(assignment).count(0) == 3  # two moved in
    assert optimality.phases[1].value == 2


def test_nothing_to_fix_needs_no_solver() -> None:
    instance = Instance((0, 0, 0, 1, 1, 1), ((1,),) * 6, (3, 3), (5, 5), True)

    assignment, optimality = solve(instance)

    assert assignment == instance.current
    assert optimality.method == "no change needed" and optimality.proven


def _group(
    group_id: int, learners: tuple[int, ...], anchor: str, first: date, count: int = 4
) -> RegroupGroup:
    return RegroupGroup(
        id=group_id,
        name=f"Group {group_id}",
        anchor_timezone=anchor,
        weekday=1,
        local_time=time(18, 0),
        meeting_minutes=60,
        facilitators=(100 + group_id,),
        learners=learners,
        remaining=weekly_series(anchor, 1, 18 * 60, first, count),
    )


def _learner(user: int, zone: str = "UTC", blocks: tuple[Block, ...] = EVENINGS) -> RegroupLearner:
    return RegroupLearner(user, f"Learner {user}", zone, blocks)


def test_a_move_is_feasible_only_if_every_remaining_date_fits_daylight_saving_included() -> None:
    # Ana (London, Tuesdays 18–19 local) is in group 1, which has too few learners.
    # Group 2 meets 18:00 UTC: 18:00 in London until 30 March 2025, then 19:00 → not for her.
    # Group 3 meets 18:00 London time on every date → she can move there.
    across = date(2025, 3, 18)
    problem = RegroupProblem(
        groups=(
            _group(1, (1,), "Europe/London", across),
            _group(2, (2, 3, 4), "UTC", across),
            _group(3, (5, 6, 7), "Europe/London", across),
        ),
        learners=(
            _learner(1, "Europe/London", TUESDAY_18_19),
            *(_learner(u) for u in range(2, 8)),
        ),
        min_size=4,
        max_size=5,
    )

    instance = build_instance(problem)
    plan = propose(problem)

    assert instance.options[0] == (2,)  # group index 2 = Group 3 only
    assert [(m.learner_id, m.from_group, m.to_group) for m in plan.moves] == [(1, 1, 3)]
    assert plan.dissolved == (1,)
    after = {g.group_id: (g.size_after, g.below_min_after) for g in plan.groups}
    assert after == {1: (0, False), 2: (4, False), 3: (5, False)}
    assert plan.optimality.proven


def test_only_the_remaining_dates_matter() -> None:
    # The same UTC group, but its remaining meetings all fall before London's change.
    before = date(2025, 3, 4)
    ana = _learner(1, "Europe/London", TUESDAY_18_19)
    problem = RegroupProblem(
        groups=(_group(1, (1,), "Europe/London", before, 3), _group(2, (2, 3), "UTC", before, 3)),
        learners=(ana, _learner(2), _learner(3)),
        min_size=3,
        max_size=5,
    )

    assert build_instance(problem).options[0] == (1,)


def test_sizes_count_the_facilitator_and_moves_never_overfill() -> None:
    first = date(2030, 1, 1)
    problem = RegroupProblem(
        groups=(_group(1, (1,), "UTC", first), _group(2, (2, 3, 4, 5), "UTC", first)),
        learners=tuple(_learner(u) for u in range(1, 6)),
        min_size=3,
        max_size=5,  # group 2 is full: 4 learners + its facilitator
    )

    plan = propose(problem)

    # Learner 1 cannot join group 2; one of group 2 joins group 1 (both reach 3 with facilitators).
    assert len(plan.moves) == 1 and plan.moves[0].to_group == 1
    assert {g.group_id: g.size_after for g in plan.groups} == {1: 3, 2: 4}


def test_an_unknown_zone_means_the_learner_stays() -> None:
    first = date(2030, 1, 1)
    problem = RegroupProblem(
        groups=(_group(1, (1,), "UTC", first), _group(2, (2,), "UTC", first)),
        learners=(_learner(1, "Mars/Olympus"), _learner(2)),
        min_size=3,
        max_size=6,
    )

    assert build_instance(problem).options == ((), (0,))


def test_the_plan_survives_its_json_record() -> None:
    first = date(2030, 1, 1)
    problem = RegroupProblem(
        groups=(_group(1, (1,), "UTC", first), _group(2, (2, 3), "UTC", first)),
        learners=tuple(_learner(u) for u in range(1, 4)),
        min_size=4,
        max_size=6,
    )
    plan = propose(problem)

    assert plan_from_record(plan.as_record()) == plan


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"min_size": 0}, "group sizes"),
        ({"learners": ()}, "not exactly the groups' learners"),
    ],
)
def test_bad_problems_are_refused(change: dict[str, object], message: str) -> None:
    first = datetime(2030, 1, 1, tzinfo=UTC).date()
    base = {
        "groups": (_group(1, (1,), "UTC", first),),
        "learners": (_learner(1),),
        "min_size": 3,
        "max_size": 6,
    }
    with pytest.raises(InvalidInputError, match=message):
        build_instance(RegroupProblem(**{**base, **change}))  # type: ignore[arg-type]
