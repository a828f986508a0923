"""Placement's neighbourhood rounds end at the first round without gain (`Runner.solve`:
its full model proves the rounds' answer at its root), where the later phases' rounds
grow the neighbourhood instead: they never grow, and placement still reaches the
brute-forced optimum."""

from __future__ import annotations

from typing import Any

import pytest

from roundtable.scheduling import highs
from tests.unit.scheduling.test_phase_bounds import (
    _assert_exact_reaches_the_brute_forced_optimum,
    _cohort,
)


def _rounds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every neighbourhood round from now on: its phase and how many starts it frees."""
    rounds: list[tuple[str, int]] = []
    restricted = highs._restricted

    def recorded(highs_: Any, problem: Any, model: Any, name: str, *rest: Any) -> Any:
        rounds.append((name, len(rest[1])))
        return restricted(highs_, problem, model, name, *rest)

    monkeypatch.setattr(highs, "_restricted", recorded)
    return rounds


def test_placement_rounds_never_grow_and_placement_reaches_the_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # rounds of one start at first, so that these tiny cohorts have rounds to grow
    monkeypatch.setattr(highs, "_NEIGHBOURHOOD_START", 1)
    rounds = _rounds(monkeypatch)
    for seed in range(12):
        _assert_exact_reaches_the_brute_forced_optimum(_cohort(seed, facilitators=3, most_groups=2))
    placed = [size for name, size in rounds if name == "placed"]
    assert placed and set(placed) == {1}
