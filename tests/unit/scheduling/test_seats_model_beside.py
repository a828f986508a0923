"""Where the seats decide (`phase_preferences._seats_for_the_dive`): HiGHS's model within
the seats runs while the seats' proof does (`_within_the_seats`), its bound is taken
only where the proof shows the row and its answer is dropped where not; no first pass
comes before the seats' proof or the dive; and the dive's relaxation is asked ahead
there on models too large for the proof beside the dive (`relaxation_ahead`)."""

from __future__ import annotations

from typing import Any

import pytest

from roundtable.scheduling import phase_preferences
from roundtable.scheduling.highs import PhaseResult
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.proof_beside import SeatsProof
from roundtable.scheduling.search import Search
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.test_open_starts import _held
from tests.unit.scheduling.test_phase_bounds import (
    _assert_exact_reaches_the_brute_forced_optimum,
    _cohort,
)
from tests.unit.scheduling.test_proof_beside import _seats_decide
from tests.unit.scheduling.test_relaxation_ahead import _context
from tests.unit.scheduling.test_seats_for_the_dive import _no_seats_first, _steps


def _order(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, in order: "model" for each HiGHS solve with rows, "settled" for each
    time the phase waits for the seats' proof."""
    order: list[str] = []
    solve, settle = phase_preferences.solve_phase, SeatsProof.settle

    def solved(*args: Any, **kwargs: Any) -> PhaseResult:
        if kwargs.get("cuts"):
            order.append("model")
        return solve(*args, **kwargs)

    def settled(self: SeatsProof, deadline: float) -> None:
        order.append("settled")
        settle(self, deadline)

    monkeypatch.setattr(phase_preferences, "solve_phase", solved)
    monkeypatch.setattr(SeatsProof, "settle", settled)
    return order


@pytest.mark.parametrize("seed", [8, 16, 22])
def test_the_model_within_the_seats_runs_before_the_proof_is_waited_for(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    # with the cap a seat below the rule's these cohorts' proofs show the row
    # (test_proof_beside): the model with it has run by the time the phase waits for
    # the proof, and the optimum is reached
    _seats_decide(monkeypatch)
    cap = phase_preferences._seats_cap
    monkeypatch.setattr(phase_preferences, "_seats_cap", lambda *args: cap(*args) - 1)
    order = _order(monkeypatch)
    _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=3))
    assert order[:2] == ["model", "settled"]


def _searches_around_the_model(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Search, Search]]:
    """For each model within the seats from now on: the search before it, and the one the
    phase settles the proof with."""
    pairs: list[tuple[Search, Search]] = []
    within, settle = phase_preferences._within_the_seats, phase_preferences._settle

    def recorded(context: PhaseContext, *args: Any) -> PhaseResult:
        before = context.search
        result = within(context, *args)
        pairs.append((before, context.search))
        return result

    def settled(context: PhaseContext, *args: Any) -> int:
        if pairs:
            pairs[-1] = (pairs[-1][0], context.search)
        return settle(context, *args)

    monkeypatch.setattr(phase_preferences, "_within_the_seats", recorded)
    monkeypatch.setattr(phase_preferences, "_settle", settled)
    return pairs


@pytest.mark.parametrize("seed", [8, 16, 22])
def test_where_the_proof_finds_an_answer_the_models_bound_and_answer_are_dropped(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    # at the rule's cap these cohorts' proofs find an answer (a seat below it, none:
    # above), so the row the model ran with ("cap + 1 seats or more") is not every
    # answer's; the phase still reaches the brute-forced optimum, and settles the proof
    # from the search it had before the model, whose answer (cut short when the proof
    # ended) would depend on the clock. The model asked wherever the plan pays above the
    # bound (these plans are at the row's least, where it would not be)
    _seats_decide(monkeypatch)
    monkeypatch.setattr(phase_preferences, "_beyond_the_row", lambda *_args: True)
    pairs = _searches_around_the_model(monkeypatch)
    _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=3))
    assert pairs and all(before is settled for before, settled in pairs)


def test_where_the_seats_decide_no_first_pass_comes_before_the_dive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the gate open, the linking rows kept (the search, not the dive, comes first), the
    # dive's path: wherever the search leaves the phase to the dive, no first pass comes
    # between them; the optimum reached on every cohort
    _seats_decide(monkeypatch)
    monkeypatch.setattr("roundtable.scheduling.lp_dive._LINKING_NONZEROS", 1.0)
    _no_seats_first(monkeypatch)
    steps = _steps(monkeypatch)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert "_dive" in steps and "_first_pass" not in steps


@pytest.mark.parametrize("gate", [0, 10**9])
def test_the_relaxation_is_asked_ahead_on_larger_models_only_where_the_seats_decide(
    monkeypatch: pytest.MonkeyPatch, gate: int
) -> None:
    # every model "larger" than the proof beside the dive allows: the relaxation is
    # asked ahead exactly where the sizes phase's plan already opens the gate
    monkeypatch.setattr(phase_preferences, "_PROOF_BESIDE_COLUMNS", 0)
    monkeypatch.setattr(phase_preferences, "_SEATS_FOR_THE_DIVE", gate)
    asked = []
    for seed in range(6):
        context = _context(seed, {"placed": _held(seed)[1]})
        opened = phase_preferences._seats_ahead(context)
        phase_preferences.relaxation_ahead(context, 0)
        asked.append(context.relaxation_ahead is not None)
        assert asked[-1] == opened
        if context.relaxation_ahead is not None:
            context.relaxation_ahead.cancel()
    assert any(asked) if gate == 0 else not any(asked)


@pytest.mark.parametrize("seed", range(6))
def test_the_model_is_asked_beside_the_proof_only_above_the_rows_least(seed: int) -> None:
    # at or below the least the row allows ((cap + 1) seats' weights), the proof showing
    # the row proves the plan by itself: no model beside it
    context = _context(seed, {"placed": _held(seed)[1]})
    weight = context.problem.if_needed_weight()
    paid = plan_objectives(context.problem, context.search.plan())["preferences"]
    for cap in range(paid // weight - 2, paid // weight + 2):
        least = (cap + 1) * weight
        assert phase_preferences._beyond_the_row(context, cap) == (paid > least)
