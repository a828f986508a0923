"""The preferences' proof asked beside the LP dive (proof_beside.py): capped below the
brute-forced optimum it finds no answer, capped at it it finds the optimum, keeping the
held phases; cancelled it proves nothing; the phase asks it only where the rule allows
and still reaches the brute-forced optimum. Capped at the if-needed seats
(`SeatsProof`), it never bounds above the optimum, and below the optimum's seats it
proves their row, with which the phase still reaches the optimum."""

from __future__ import annotations

import time
from typing import Any

import pytest

from roundtable.scheduling import highs, phase_preferences
from roundtable.scheduling.formulation import fewest_seats_row
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import PhaseResult, Runner
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.proof_beside import ProofBeside, SeatsProof
from roundtable.scheduling.values import plan_from_values, plan_objectives
from tests.unit.scheduling.test_fewest_seats import _kept_costs
from tests.unit.scheduling.test_first_pass_skipped import _dives
from tests.unit.scheduling.test_phase_bounds import (
    _assert_exact_reaches_the_brute_forced_optimum,
    _brute_force,
    _cohort,
)
from tests.unit.scheduling.test_preference_moves import assert_earlier_phases_kept


def _asked(
    seed: int, below: int, kind: type[ProofBeside] = ProofBeside
) -> tuple[Problem, tuple[int, int, int], ProofBeside]:
    """A tiny cohort's brute-forced placement, sizes and preferences, and the proof asked
    with placement and sizes held there, capped `below` the preferences' optimum (for
    `SeatsProof`, below its whole if-needed weights)."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, preferences, _spread = _brute_force(problem)
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    top = preferences if kind is ProofBeside else preferences // problem.if_needed_weight()
    proof = kind(runner, "preferences", top - below, 10.0).start()
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


def _proofs(monkeypatch: pytest.MonkeyPatch) -> list[ProofBeside]:
    """Every proof asked beside a dive from now on."""
    asked: list[ProofBeside] = []
    start = ProofBeside.start

    def counted(self: ProofBeside) -> ProofBeside:
        asked.append(self)
        return start(self)

    monkeypatch.setattr(ProofBeside, "start", counted)
    return asked


def test_the_phase_with_the_proof_beside_reaches_the_brute_forced_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked, dived = _proofs(monkeypatch), _dives(monkeypatch)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert dived and len(asked) == len(dived)  # asked beside every dive here
    assert not any(isinstance(proof, SeatsProof) for proof in asked)


@pytest.mark.parametrize("rule", ["_leaders_scarce", "_PROOF_BESIDE_COLUMNS"])
def test_the_proof_is_not_asked_where_the_rule_says_not(
    monkeypatch: pytest.MonkeyPatch, rule: str
) -> None:
    value = {"_PROOF_BESIDE_COLUMNS": 0}.get(rule, lambda *_args: True)
    monkeypatch.setattr(phase_preferences, rule, value)
    asked, dived = _proofs(monkeypatch), _dives(monkeypatch)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert dived and asked == []


# the brute-forced cohorts whose optimum pays an if-needed seat or more
_WITH_SEATS = [
    seed
    for seed in range(12)
    if _brute_force(_cohort(seed, 3, 2))[2] >= _cohort(seed, 3, 2).if_needed_weight()
]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("below", [-1, 0, 1])
def test_the_seats_proof_never_bounds_above_the_optimum(seed: int, below: int) -> None:
    _problem, (_placed, _sizes, preferences), proof = _asked(seed, below, SeatsProof)
    found = proof.found
    assert proof.bound(0 if found is None else _worth(proof, found)) <= preferences


@pytest.mark.parametrize("seed", _WITH_SEATS)
def test_below_the_optimums_seats_every_answer_pays_them(seed: int) -> None:
    problem, (_placed, _sizes, preferences), proof = _asked(seed, 1, SeatsProof)
    weight, seats = problem.if_needed_weight(), preferences // problem.if_needed_weight()
    assert proof.infeasible and proof.found is None
    assert proof.bound() == seats * weight
    assert proof.cut() == fewest_seats_row(problem, proof.runner._formulation(), seats)


@pytest.mark.parametrize("seed", _WITH_SEATS)
def test_at_the_optimums_seats_the_answer_is_the_optimum(seed: int) -> None:
    problem, (_placed, _sizes, preferences), proof = _asked(seed, 0, SeatsProof)
    assert not proof.infeasible and proof.cut() is None and proof.found is not None
    assert _worth(proof, proof.found) == preferences == proof.bound(preferences)


def _worth(proof: ProofBeside, found: list[float]) -> int:
    answer = plan_from_values(proof.runner.problem, proof.runner._formulation(), found)
    return plan_objectives(proof.runner.problem, answer)["preferences"]


def test_where_the_seats_decide_their_proof_comes_first_and_the_optimum_is_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the gate open wherever the plan pays above the bound, the relaxation's bound
    or the seats' proof before the dive (`_seats_first`) decides the phase, at the
    optimum, and no dive runs."""
    _seats_decide(monkeypatch)
    asked, dived = _proofs(monkeypatch), _dives(monkeypatch)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    assert all(isinstance(proof, SeatsProof) for proof in asked)
    assert dived == []


@pytest.mark.parametrize("seed", [8, 16, 22])
def test_highs_with_the_seats_row_instead_of_the_dive_reaches_the_optimum(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    # with the cap a seat below the rule's, these cohorts' proofs show every answer pays
    # more seats than the cap: HiGHS's full model gets the row, and no dive runs
    _seats_decide(monkeypatch)
    cap = phase_preferences._seats_cap
    monkeypatch.setattr(phase_preferences, "_seats_cap", lambda *args: cap(*args) - 1)
    asked, dived, cuts = _proofs(monkeypatch), _dives(monkeypatch), _cuts(monkeypatch)
    starts = _starts(monkeypatch)
    _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=3))
    assert [type(proof) for proof in asked] == [SeatsProof]
    assert dived == [] and any(cuts)
    assert starts[-1] is False  # HiGHS's full model with the row, from no answer


def _starts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each HiGHS run from now on starts from an answer."""
    starts: list[bool] = []
    run_from = highs._run_from

    def recorded(instance: Any, values: list[float] | None, budget: float) -> None:
        starts.append(values is not None)
        run_from(instance, values, budget)

    monkeypatch.setattr(highs, "_run_from", recorded)
    return starts


def _seats_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate open wherever the plan pays above the bound, the dive's path (not HiGHS
    within the fewest seats, `test_fewest_seats`)."""
    monkeypatch.setattr(phase_preferences, "_SEATS_FOR_THE_DIVE", 0)
    monkeypatch.setattr(phase_preferences, "_one_total_many_seats", lambda *_args: False)


def _cuts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The rows of every HiGHS solve the phase asks from now on (None: none)."""
    cuts: list[object] = []
    solve = phase_preferences.solve_phase

    def recorded(*args: Any, **kwargs: Any) -> PhaseResult:
        cuts.append(kwargs.get("cuts"))
        return solve(*args, **kwargs)

    monkeypatch.setattr(phase_preferences, "solve_phase", recorded)
    return cuts


@pytest.mark.parametrize("seed", _WITH_SEATS)
def test_the_seats_row_keeps_every_answer_and_highs_with_it_bounds_the_optimum(
    seed: int,
) -> None:
    # the row the proof hands HiGHS's full model: every brute-forced answer keeping the
    # holds pays its seats (these cohorts' people are all on UTC: no shifts, so an
    # answer's cost is its seats' weights), and the model with it never bounds above
    # the optimum
    problem, (placed, sizes, preferences), proof = _asked(seed, 1, SeatsProof)
    cut = proof.cut()
    assert cut is not None
    weight, least = problem.if_needed_weight(), int(cut[0])
    assert all(cost % weight == 0 for cost in _kept_costs(problem, placed, sizes))
    assert min(cost // weight for cost in _kept_costs(problem, placed, sizes)) >= least
    runner = Runner(problem, 1)
    runner.hold("placed", placed)
    runner.hold("sizes", sizes)
    warm = solve_heuristic(problem, 1)
    _plan, result = runner.solve("preferences", warm, 10.0, 0, neighbourhoods=False, cuts=[cut])
    assert least * weight <= result.bound <= preferences
