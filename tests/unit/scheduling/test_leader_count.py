"""Whether so many facilitators can lead, by HiGHS (leader_count.py): never says no where
a brute-forced answer keeping the held phases has that many leaders, and says it where
the solver-free count allows more than any answer has; asked ahead (`LeadersAhead`) it
answers the same, and the spread phase takes that answer only for its own holds."""

from __future__ import annotations

import time

import pytest

from roundtable.scheduling import phase_preferences, phase_spread
from roundtable.scheduling.bounds import learner_cost_bound, most_leaders
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.leader_count import LeadersAhead, too_many_leaders
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.proof_beside import ProofBeside
from roundtable.scheduling.search import Search
from roundtable.scheduling.solver import solve_exact
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


def _ahead(
    runner: Runner, fewest: int, leaders: int, cap: int | None = None, budget: float = 10.0
) -> LeadersAhead:
    """The test asked ahead on a copy of the runner, its preferences held at `cap` (the
    runner's own preferences hold by default), run to its end (or its `budget`)."""
    held = dict(runner.holds)
    copy = Runner(runner.problem, runner.seed)
    for name in ("placed", "sizes"):
        copy.hold(name, held[name])
    copy.hold("preferences", held["preferences"] if cap is None else cap)
    ahead = LeadersAhead(copy, fewest, leaders, budget).start()
    assert ahead.join()
    return ahead


@pytest.mark.parametrize("seed", _SEEDS)
def test_asked_ahead_it_answers_as_asked_in_the_phase(seed):
    runner, fewest, most, _counted = _case(seed)
    for leaders in (most, most + 1):
        ahead = _ahead(runner, fewest, leaders)
        assert ahead.too_many is not None  # shown one way or the other
        assert ahead.too_many == too_many_leaders(runner, fewest, leaders, 10.0)


def test_asked_ahead_it_answers_only_its_counts_with_the_preferences_held_no_higher():
    runner, fewest, most, _counted = _case(0)
    held = dict(runner.holds)
    ahead = LeadersAhead(runner, fewest, most + 1, 10.0)
    assert ahead.answers(held, fewest, most + 1)
    assert ahead.answers(held | {"preferences": held["preferences"] - 1}, fewest, most + 1)
    assert not ahead.answers(held | {"preferences": held["preferences"] + 1}, fewest, most + 1)
    assert not ahead.answers(held | {"sizes": held["sizes"] + 1}, fewest, most + 1)
    assert not ahead.answers(held, fewest + 1, most + 1)
    assert not ahead.answers(held, fewest, most)


def test_a_cancelled_test_ahead_says_nothing():
    runner, fewest, most, _counted = _case(0)
    ahead = LeadersAhead(runner.on_own_instance(), fewest, most + 1, 10.0)
    ahead.cancel()  # before it starts: HiGHS never runs
    assert ahead.start().join()
    assert ahead.too_many is None and ahead.runner.highs is None


def _asked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The leaders of every test the spread phase asks itself from now on."""
    asked: list[int] = []

    def counted(runner, new_groups, leaders, budget):
        asked.append(leaders)
        return too_many_leaders(runner, new_groups, leaders, budget)

    monkeypatch.setattr(phase_spread, "too_many_leaders", counted)
    return asked


def _context(runner: Runner, ahead: LeadersAhead | None) -> PhaseContext:
    search = Search(runner.problem, solve_heuristic(runner.problem, 1))
    context = PhaseContext(runner.problem, runner, search, time.monotonic() + 10.0, 10.0)
    context.leaders_ahead = ahead
    return context


def test_the_spread_phase_takes_the_answer_ahead_for_its_holds_and_asks_where_looser(
    monkeypatch: pytest.MonkeyPatch,
):
    shown = next(
        case
        for seed in _SEEDS
        for case in [_case(seed)]
        if too_many_leaders(*case[:2], case[2] + 1, 10.0)
    )
    runner, fewest, most, _counted = shown
    asked = _asked(monkeypatch)
    same = _ahead(runner, fewest, most + 1)
    assert phase_spread._too_many(_context(runner, same), fewest, most + 1, 10.0)
    assert asked == []  # its own holds: the answer ahead is the answer
    assert phase_spread._too_many(_context(runner, same), fewest, most, 10.0) is False
    assert asked == [most]  # other counts: asked in the phase
    looser = _ahead(runner, fewest, most, cap=dict(runner.holds)["preferences"] + 50)
    assert not looser.too_many
    phase_spread._too_many(_context(runner, looser), fewest, most, 10.0)
    assert asked == [most, most]  # an answer under a higher hold proves nothing here
    unshown = _ahead(runner, fewest, most + 1, budget=0.0)
    assert unshown.too_many is None
    assert phase_spread._too_many(_context(runner, unshown), fewest, most + 1, 10.0)
    assert asked == [most, most, most + 1]  # out of time ahead: asked in the phase


def test_with_the_test_ahead_the_spread_bound_never_exceeds_the_brute_forced_optimum(
    monkeypatch: pytest.MonkeyPatch,
):
    # the proof beside the dive capped one below each cohort's optimum and waited for
    # (these dives end at once): it shows nothing costs that much, and the test is asked
    # ahead with the optimum held
    started: list[int] = []
    start, proof_start = LeadersAhead.start, ProofBeside.start

    def counted(self: LeadersAhead) -> LeadersAhead:
        started.append(self.leaders)
        return start(self)

    def waited(self: ProofBeside) -> ProofBeside:
        proof_start(self).join()
        return self

    monkeypatch.setattr(LeadersAhead, "start", counted)
    monkeypatch.setattr(ProofBeside, "start", waited)
    for seed in _SEEDS:
        problem = _cohort(seed, facilitators=3, most_groups=2)
        _placed, _sizes, preferences, spread = _brute_force(problem)
        monkeypatch.setattr(phase_preferences, "_cap", lambda _relaxed, cap=preferences - 1: cap)
        outcome = solve_exact(problem, solve_heuristic(problem, 1), 1, 10.0)
        assert outcome.results["spread"].bound <= spread
    assert started  # asked ahead on some of them
