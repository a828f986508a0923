"""The open starts' cover asked ahead beside the sizes phase (`open_starts.CoverAhead`,
`phase_preferences.cover_ahead`): it is the cover the preferences phase would ask with
the sizes held at the guessed bound, the phase takes it only for the same limits, asks
its own where it had others or was cut short, and stops it either way."""

from __future__ import annotations

import time
from typing import Any

import pytest

from roundtable.scheduling import open_starts
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.open_starts import (
    CoverAhead,
    _Cover,
    _cover,
    _cover_taken,
    answer_values,
    learner_bound,
    most_new_groups,
)
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.phase_preferences import _open_starts_bound, cover_ahead
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import Search
from roundtable.scheduling.values import plan_from_values
from tests.unit.scheduling.test_open_starts import (
    _peer_brute_force,
    _peer_cohort,
    _two_forced_starts,
)


def _counting_covers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """`open_starts._cover` wrapped to note the `most` of every cover asked."""
    asked: list[int] = []
    own = open_starts._cover

    def counted(problem: Problem, placed: int, most: int, *args: Any) -> _Cover | None:
        asked.append(most)
        return own(problem, placed, most, *args)

    monkeypatch.setattr(open_starts, "_cover", counted)
    return asked


@pytest.mark.parametrize("seed", range(12))
def test_the_cover_asked_ahead_is_the_one_the_phase_would_ask(seed: int) -> None:
    problem = _peer_cohort(seed)
    placed, sizes, _preferences = _peer_brute_force(problem)
    most = most_new_groups(problem, placed, sizes)
    ahead = CoverAhead(problem, placed, most, 10.0).start()
    assert ahead.answers(placed, most) and not ahead.answers(placed, most + 1)
    assert ahead.cover_within(10.0) == _cover(problem, placed, most, 10.0)


def test_the_bound_takes_the_cover_asked_ahead_for_its_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _two_forced_starts()
    weight = problem.if_needed_weight()
    ahead = CoverAhead(problem, 8, 2, 10.0).start()
    assert ahead.join(10.0)
    asked = _counting_covers(monkeypatch)
    found = learner_bound(problem, 8, 2, weight, 10.0, 0, ahead)
    assert asked == []  # not asked again
    assert found is not None and (found.value, found.if_needed) == (2 * weight, 2)


def test_the_bound_asks_its_own_cover_where_the_one_ahead_had_other_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # asked ahead with three starts open (sizes ended above the guess): cheaper, so no
    # bound for two; the phase asks its own
    problem = _two_forced_starts()
    weight = problem.if_needed_weight()
    ahead = CoverAhead(problem, 8, 3, 10.0).start()
    assert ahead.join(10.0)
    asked = _counting_covers(monkeypatch)
    found = learner_bound(problem, 8, 2, weight, 10.0, 0, ahead)
    assert asked == [2]
    assert found is not None and (found.value, found.if_needed) == (2 * weight, 2)


def test_a_cover_cut_short_ahead_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _two_forced_starts()
    weight = problem.if_needed_weight()
    ahead = CoverAhead(problem, 8, 2, 10.0)
    ahead.found = _Cover(0, frozenset(), proven=False)  # as if its limit had cut it
    asked = _counting_covers(monkeypatch)
    found = learner_bound(problem, 8, 2, weight, 10.0, 0, ahead)
    assert asked == [2]
    assert found is not None and found.value == 2 * weight


def _peer_context(problem: Problem, holds: dict[str, int]) -> PhaseContext:
    """The phase's view of the cohort with these phases held, from an answer placing
    everyone (the open starts' own: the heuristic's leaves two out here)."""
    runner = Runner(problem, 1)
    for name, value in holds.items():
        runner.hold(name, value)
    found = learner_bound(problem, 8, 2, problem.if_needed_weight(), 10.0, 0)
    assert found is not None
    model = runner.loaded()[0]
    values = answer_values(found, model)
    assert values is not None
    search = Search(problem, plan_from_values(problem, model, values))
    context = PhaseContext(problem, runner, search, time.monotonic() + 10.0, 10.0)
    context.proven = dict.fromkeys(holds, True)
    return context


def test_the_sizes_phase_asks_the_cover_ahead_and_the_preferences_phase_takes_it() -> None:
    # every answer pays two if-needed seats, the solver-free bound none: the phase will
    # ask the cover, so the sizes phase asks it ahead at its bound (0: two groups)
    problem = _two_forced_starts()
    context = _peer_context(problem, {"placed": 8})
    cover_ahead(context, 0, 10.0)
    ahead = context.cover_ahead
    assert ahead is not None and ahead.answers(8, 2)
    held = _peer_context(problem, {"placed": 8, "sizes": 0})
    held.cover_ahead = ahead
    assert _open_starts_bound(held, 10.0, 0) >= 2 * problem.if_needed_weight()
    assert held.cover_ahead is None and ahead.ended()  # taken once, and over


def test_the_preferences_phase_stops_a_cover_asked_for_other_limits() -> None:
    problem = _two_forced_starts()
    ahead = CoverAhead(problem, 8, 3, 10.0).start()  # as if the sizes ended elsewhere
    held = _peer_context(problem, {"placed": 8, "sizes": 0})
    held.cover_ahead = ahead
    assert _open_starts_bound(held, 10.0, 0) >= 2 * problem.if_needed_weight()
    assert held.cover_ahead is None and ahead.ended()


def test_a_cover_cut_short_ahead_is_kept_where_none_can_be_asked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # no time left to ask again (`_cover` asks nothing within 0.05 s): the bound the
    # cover ahead reached before its limit is still valid, and kept
    problem = _two_forced_starts()
    ahead = CoverAhead(problem, 8, 2, 10.0)
    cut_short = _Cover(5, frozenset(), proven=False)
    ahead.found = cut_short
    asked = _counting_covers(monkeypatch)
    assert _cover_taken(problem, 8, 2, 0.0, ahead) is cut_short
    assert asked == [2]  # asked, and it said nothing
    assert _cover_taken(problem, 8, 2, 0.0, None) is None


def test_a_cover_asked_again_replaces_the_one_cut_short_ahead() -> None:
    problem = _two_forced_starts()
    ahead = CoverAhead(problem, 8, 2, 10.0)
    ahead.found = _Cover(5, frozenset(), proven=False)
    taken = _cover_taken(problem, 8, 2, 10.0, ahead)
    assert taken == _cover(problem, 8, 2, 10.0) and taken is not None and taken.proven
    assert taken.value == 2 * problem.if_needed_weight() > 5
