"""The preferences' proof asked beside the LP dive (proof_beside.py): capped below the
brute-forced optimum it finds no answer, capped at it it finds the optimum, keeping the
held phases; cancelled it proves nothing; the phase asks it only where the rule allows
and still reaches the brute-forced optimum."""

from __future__ import annotations

import time

import pytest

from roundtable.scheduling import phase_preferences
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.proof_beside import ProofBeside
from roundtable.scheduling.values import plan_from_values, plan_objectives
from tests.unit.scheduling.test_first_pass_skipped import _dives
from tests.unit.scheduling.test_phase_bounds import (
    _assert_exact_reaches_the_brute_forced_optimum,
    _brute_force,
    _cohort,
)
from tests.unit.scheduling.test_preference_moves import assert_earlier_phases_kept


def _asked(seed: int, below: int) -> tuple[Problem, tuple[int, int, int], ProofBeside]:
    """A tiny cohort's brute-forced placement, sizes and preferences, and the proof asked
    with placement and sizes held there, capped `below` the preferences' optimum."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, preferences, _spread = _brute_force(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    proof = ProofBeside(runner, "preferences", preferences - below, 10.0).start()
    assert proof.join()
    return problem, (placed, sizes, preferences), proof


@pytest.mark.parametrize("seed", range(12))
def test_capped_below_the_optimum_no_answer_is_found(seed: int) -> None:
    _problem, (_placed, _sizes, preferences), proof = _asked(seed, below=1)
    assert proof.found is None
    assert proof.infeasible and proof.bound() == preferences


@pytest.mark.parametrize("seed", range(12))
def test_capped_at_the_optimum_the_answer_is_the_optimum_keeping_the_holds(seed: int) -> None:
    problem, (placed, sizes, preferences), proof = _asked(seed, below=0)
    assert not proof.infeasible and proof.bound() == 0
    assert proof.found is not None
    answer = plan_from_values(problem, proof.runner._formulation(), proof.found)
    scores = plan_objectives(problem, answer)
    assert (scores["placed"], scores["sizes"], scores["preferences"]) == (
        placed,
        sizes,
        preferences,
    )
    assert_earlier_phases_kept(problem, answer, answer, preferences)


def test_a_cancelled_proof_proves_nothing() -> None:
    problem = _cohort(0, facilitators=3, most_groups=2)
    placed, sizes, preferences, _spread = _brute_force(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    proof = ProofBeside(runner, "preferences", preferences - 1, 10.0)
    proof.cancel()  # before it starts: HiGHS never runs
    proof.start().settle(time.monotonic() + 10.0)
    assert (proof.infeasible, proof.found, proof.bound()) == (False, None, 0)
    assert proof.runner.highs is None


def _proofs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The cap of every proof asked beside a dive from now on."""
    caps: list[int] = []
    start = ProofBeside.start

    def counted(self: ProofBeside) -> ProofBeside:
        caps.append(self.cap)
        return start(self)

    monkeypatch.setattr(ProofBeside, "start", counted)
    return caps


def test_the_phase_with_the_proof_beside_reaches_the_brute_forced_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caps, dived = _proofs(monkeypatch), _dives(monkeypatch)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert dived and len(caps) == len(dived)  # asked beside every dive here


@pytest.mark.parametrize(
    "rule", ["_leaders_scarce", "_PROOF_BESIDE_COLUMNS", "_seats_for_the_dive"]
)
def test_the_proof_is_not_asked_where_the_rule_says_not(
    monkeypatch: pytest.MonkeyPatch, rule: str
) -> None:
    value = {"_PROOF_BESIDE_COLUMNS": 0}.get(rule, lambda *_args: True)
    monkeypatch.setattr(phase_preferences, rule, value)
    caps, dived = _proofs(monkeypatch), _dives(monkeypatch)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert dived and caps == []
