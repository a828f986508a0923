"""Where the seats decide (`phase_preferences._seats_for_the_dive`): HiGHS's first pass
runs while the seats' proof does (`_seats_first`), not before it, and not at all before
the dive; and the dive's relaxation is asked ahead there on models too large for the
proof beside the dive (`relaxation_ahead`)."""

from __future__ import annotations

from typing import Any

import pytest

from roundtable.scheduling import phase_preferences
from roundtable.scheduling.highs import PhaseResult
from roundtable.scheduling.proof_beside import SeatsProof
from tests.unit.scheduling.test_open_starts import _held
from tests.unit.scheduling.test_phase_bounds import (
    _assert_exact_reaches_the_brute_forced_optimum,
    _cohort,
)
from tests.unit.scheduling.test_proof_beside import _seats_decide
from tests.unit.scheduling.test_relaxation_ahead import _context
from tests.unit.scheduling.test_seats_for_the_dive import _no_seats_first, _steps


def _order(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, in order: "proof" for each seats' proof started, "first" for each
    HiGHS first pass, "settled" for each time the phase waits for the seats' proof."""
    order: list[str] = []
    start, settle, first = SeatsProof.start, SeatsProof.settle, phase_preferences._first_pass

    def started(self: SeatsProof) -> SeatsProof:
        order.append("proof")
        return start(self)

    def settled(self: SeatsProof, deadline: float) -> None:
        order.append("settled")
        settle(self, deadline)

    def passed(*args: Any) -> PhaseResult:
        order.append("first")
        return first(*args)

    monkeypatch.setattr(SeatsProof, "start", started)
    monkeypatch.setattr(SeatsProof, "settle", settled)
    monkeypatch.setattr(phase_preferences, "_first_pass", passed)
    return order


@pytest.mark.parametrize("seed", [8, 16, 22])
def test_the_first_pass_runs_while_the_seats_proof_does(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    # with the cap a seat below the rule's these cohorts' proofs show the row
    # (test_proof_beside): the first pass comes after the proof has started and before
    # the phase waits for it, and the optimum is reached
    _seats_decide(monkeypatch)
    cap = phase_preferences._seats_cap
    monkeypatch.setattr(phase_preferences, "_seats_cap", lambda *args: cap(*args) - 1)
    order = _order(monkeypatch)
    _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=3))
    assert order[:3] == ["proof", "first", "settled"]


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
