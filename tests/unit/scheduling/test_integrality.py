"""`highs_model.change_integrality` and the steps built on it: which columns HiGHS takes
as integer after the dive's `relax`, `learners_integral` and a model's load."""

from __future__ import annotations

from typing import Any

import highspy
import pytest

from roundtable.scheduling.highs import Runner
from roundtable.scheduling.highs_model import (
    CompactColumns,
    change_integrality,
    learner_columns,
    learners_integral,
    relax,
)
from tests.unit.scheduling.test_phase_bounds import _cohort

_INTEGER = highspy.HighsVarType.kInteger


def _integer_columns(highs: Any) -> set[int]:
    return {col for col, kind in enumerate(highs.getLp().integrality_) if kind == _INTEGER}


def _four_columns() -> Any:
    model = CompactColumns()
    for _ in range(4):
        model.column(cost=1.0, upper=1.0, integer=False)
    return model.load(seed=1)


def test_one_flag_per_column_sets_each_and_leaves_the_others() -> None:
    highs = _four_columns()
    change_integrality(highs, [0, 1, 3], [True, False, True])
    assert _integer_columns(highs) == {0, 3}
    change_integrality(highs, [3], [False])
    assert _integer_columns(highs) == {0}


def test_one_flag_for_all_and_no_columns() -> None:
    highs = _four_columns()
    change_integrality(highs, [1, 2], True)
    assert _integer_columns(highs) == {1, 2}
    change_integrality(highs, [], False)
    assert _integer_columns(highs) == {1, 2}
    change_integrality(highs, [1, 2], False)
    assert _integer_columns(highs) == set()


@pytest.mark.parametrize("seed", range(3))
def test_the_model_loads_groups_integral_and_relax_and_learners_switch_them(seed: int) -> None:
    runner = Runner(_cohort(seed, facilitators=3, most_groups=2), 1)
    model, highs = runner.loaded()
    integral = {col for col, whole in enumerate(model.integer) if whole}
    learners = set(learner_columns(model))
    assert learners and integral - learners
    relax(highs, model, False)  # the runner's usual state: learners continuous
    assert _integer_columns(highs) == integral - learners
    learners_integral(highs, model, True)
    assert _integer_columns(highs) == integral
    relax(highs, model, True)
    assert _integer_columns(highs) == set()
    relax(highs, model, False)
    assert _integer_columns(highs) == integral - learners
