"""The proof beside the dive asked ahead, beside the sizes phase
(`proof_beside.ProofAhead`, `phase_preferences._proof_ahead`): it is the proof the
preferences phase would ask with the sizes held at the guessed bound, the phase takes it
only where its holds and relaxation are the ones it was asked for, asks its own
otherwise, and what follows it (spread's leader test) starts once it has shown no answer
within its cap, whenever that is handed over; the sizes phase drops it where its
question at the bound has no answer, and the preferences phase where not taken."""

from __future__ import annotations

import time
from typing import Any

import pytest

from roundtable.scheduling import phase_sizes
from roundtable.scheduling.highs import PhaseResult, Runner
from roundtable.scheduling.highs_model import OnThread
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.phase_preferences import (
    _cap,
    _proof_beside,
    preferences_phase,
    relaxation_ahead,
)
from roundtable.scheduling.proof_beside import ProofAhead, ProofBeside
from tests.unit.scheduling.test_open_starts import _held
from tests.unit.scheduling.test_relaxation_ahead import _context

# the brute-forced cohorts (`_held`) where the preferences phase asks the proof beside
# the dive: the leaders do not limit placement and the plan pays few seats above the bound
_ASKED = [0, 1, 2, 3, 5, 6]


def _asked_ahead(seed: int) -> tuple[PhaseContext, ProofAhead, int]:
    """The sizes phase's view (placement held) with the relaxation and the proof asked
    ahead at the brute-forced sizes; and those sizes."""
    _problem, placed, sizes, *_rest = _held(seed)
    context = _context(seed, {"placed": placed})
    relaxation_ahead(context, sizes)
    ahead = context.proof_ahead
    assert isinstance(ahead, ProofAhead)
    return context, ahead, sizes


@pytest.mark.parametrize("seed", _ASKED)
def test_the_proof_asked_ahead_is_the_one_the_phase_would_ask(seed: int) -> None:
    context, ahead, sizes = _asked_ahead(seed)
    assert ahead.runner.holds == [*context.runner.holds, ("sizes", sizes)]
    relaxed = ahead.relaxation.solve()
    assert relaxed is not None and ahead.join(10.0)
    assert ahead.cap == _cap(relaxed)
    own = ProofBeside(ahead.runner, "preferences", _cap(relaxed), 10.0).start()
    assert own.join(10.0)
    assert (ahead.infeasible, ahead.found) == (own.infeasible, own.found)


def test_the_phase_takes_the_proof_asked_ahead_for_its_holds_and_relaxation() -> None:
    context, ahead, sizes = _asked_ahead(0)
    context.runner.hold("sizes", sizes)  # the sizes phase ended at the guess
    relaxation = context.relaxation_ahead
    assert relaxation is not None
    assert _proof_beside(context, relaxation, 10.0, paths=True) is ahead
    assert context.proof_ahead is None  # taken once
    assert ahead.then is context.leaders_ahead or context.leaders_ahead.started()
    ahead.cancel()
    context.cancel_ahead()


def test_the_phase_asks_its_own_proof_where_the_sizes_ended_above_the_guess() -> None:
    context, ahead, sizes = _asked_ahead(0)
    context.runner.hold("sizes", sizes + 1)
    relaxation = context.relaxation_ahead
    assert relaxation is not None
    own = _proof_beside(context, relaxation, 10.0, paths=True)
    assert own is not None and own is not ahead
    assert own.runner.holds == context.runner.holds
    assert ahead.join(10.0) and context.proof_ahead is None
    own.cancel()
    context.cancel_ahead()


class _Follower(OnThread):
    """What follows the proof: notes that it ran."""

    def __init__(self) -> None:
        super().__init__()
        self.ran = False

    def _solve(self) -> None:
        self.ran = True


def _infeasible_proof(then: _Follower | None) -> ProofBeside:
    """The proof capped one below the brute-forced optimum (no answer), with `then`
    handed over before it starts."""
    problem, placed, sizes, preferences, *_rest = _held(0)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    proof = ProofBeside(runner, "preferences", preferences - 1, 10.0)
    proof.follow_with(then)
    return proof


def test_what_follows_a_proof_starts_once_it_shows_no_answer() -> None:
    follower = _Follower()
    proof = _infeasible_proof(follower).start()
    assert proof.join(10.0) and proof.infeasible
    assert follower.join(10.0) and follower.ran


def test_what_follows_a_proof_that_has_ended_starts_at_once() -> None:
    proof = _infeasible_proof(None).start()
    assert proof.join(10.0) and proof.infeasible
    follower = _Follower()
    proof.follow_with(follower)  # handed over after the proof ended (asked ahead)
    assert follower.started() and follower.join(10.0) and follower.ran


class _UntilCancelled(ProofBeside):
    """A proof asked ahead that runs until it is cancelled (or 10 s pass)."""

    def _solve(self) -> None:
        began = time.monotonic()
        while not self._cancelled and time.monotonic() - began < 10.0:
            time.sleep(0.01)


def _running_proof(context: PhaseContext) -> _UntilCancelled:
    problem, placed, sizes, preferences, *_rest = _held(0)
    return _UntilCancelled(context.runner, "preferences", preferences, 10.0).start()


def test_the_preferences_phase_stops_a_proof_asked_ahead_it_did_not_take() -> None:
    _problem, placed, sizes, *_rest = _held(0)
    context = _context(0, {"placed": placed, "sizes": sizes})
    ahead = context.proof_ahead = _running_proof(context)  # type: ignore[assignment]
    preferences_phase(context, 10.0)
    assert ahead.join(10.0) and context.proof_ahead is None


def test_the_sizes_phase_drops_the_proof_asked_ahead_where_the_bound_has_no_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _problem, placed, *_rest = _held(0)
    context = _context(0, {"placed": placed})
    asked: list[_UntilCancelled] = []

    class _Relaxed:
        whole: dict[int, dict[int, float]] = {}

        def at_least(self, total: int) -> int:
            return 0

        def least(self) -> int:
            return 0

    def ahead(context: PhaseContext, sizes: int, *args: Any) -> None:
        if not asked:
            asked.append(_running_proof(context))
            context.proof_ahead = asked[0]  # type: ignore[assignment]

    def unanswered(context: PhaseContext, *args: Any, **kwargs: Any) -> PhaseResult:
        return PhaseResult(3, 1, False, "no answer at the bound yet")

    def held(context: PhaseContext, name: str, budget: float, bound: int, **kwargs: Any) -> Any:
        assert asked and asked[0]._cancelled  # dropped before HiGHS's full model
        return PhaseResult(3, 3, True, "held")

    monkeypatch.setattr(phase_sizes, "size_bound", lambda *args: 0)
    monkeypatch.setattr(phase_sizes, "improve_sizes", lambda search: None)
    monkeypatch.setattr(phase_sizes, "plan_objectives", lambda *args: _scores())
    monkeypatch.setattr(phase_sizes, "_relaxed_totals", lambda *args: _Relaxed())
    for name in ("fewest_seats_ahead", "relaxation_ahead", "cover_ahead"):
        monkeypatch.setattr(phase_sizes, name, ahead)
    monkeypatch.setattr(phase_sizes, "_sizes_by_totals", unanswered)
    monkeypatch.setattr(phase_sizes, "solve_phase", held)
    context.proven = {"placed": True}
    phase_sizes.sizes_phase(context, 10.0)
    assert asked[0].join(10.0) and context.proof_ahead is None


def _scores() -> dict[str, int]:
    return {"placed": 8, "joins": 0, "sizes": 20}
