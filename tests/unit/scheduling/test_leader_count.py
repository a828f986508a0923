"""Whether so many facilitators can lead, by HiGHS (leader_count.py): never says no where
a brute-forced answer keeping the held phases has that many leaders, and says it where
the solver-free count allows more than any answer has."""

from __future__ import annotations

import pytest

from roundtable.scheduling.bounds import learner_cost_bound, most_leaders
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.leader_count import too_many_leaders
from tests.unit.scheduling.test_phase_bounds import _answers, _brute_force, _cohort, _fewest_groups

_SEEDS = range(16)


def _case(seed: int):
    """A cohort, a runner holding its optimal (placed, sizes, preferences), the fewest
    groups by the count, the most leaders of any answer keeping them, and the count's."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, preferences, _spread = _brute_force(problem)
    runner = Runner(problem, 1)
    for name, value in zip(
        ("placed", "sizes", "preferences"), (placed, sizes, preferences), strict=True
    ):
        runner.hold(name, value)
    most = max(
        led
        for p, s, cost, _spread, led, _total in _answers(problem)
        if (p, s, cost) == (placed, sizes, preferences)
    )
    fewest = _fewest_groups(problem, placed, sizes)
    counted = most_leaders(problem, fewest, preferences - learner_cost_bound(problem, placed))
    return runner, fewest, most, counted


@pytest.mark.parametrize("seed", _SEEDS)
def test_never_says_fewer_lead_than_a_brute_forced_answer_keeping_the_holds_has(seed):
    runner, fewest, most, _counted = _case(seed)
    assert not any(too_many_leaders(runner, fewest, d, 10.0) for d in range(1, most + 1))


def test_shows_where_the_count_of_leaders_allows_more_than_any_answer_has():
    shown = [
        seed
        for seed in _SEEDS
        for runner, fewest, most, counted in [_case(seed)]
        if counted > most and too_many_leaders(runner, fewest, most + 1, 10.0)
    ]
    assert shown
