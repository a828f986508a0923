"""The HiGHS stopper: a run stops at once when HiGHS values an answer better than it is
worth (what HiGHS 1.16's presolve did to the warm start of the peer 100 sweep cohort:
18 for an answer worth 20, minimising, after which the whole phase's time went on
pruning against the wrong value), and runs on when the values agree or when an answer
is valued worse than it is worth (that prunes nothing).

HiGHS's mis-valuation cannot be provoked on purpose, so the stopper is told an objective
that differs from the model's: from outside, that is exactly what a mis-valued answer
looks like (HiGHS reports one value, the answer it hands over is worth another). The
knapsack maximises, so an objective one lower per item makes every answer HiGHS reports
better than it is worth, one higher per item worse.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from roundtable.scheduling.highs import Stopper

highspy = pytest.importorskip("highspy")


def _knapsack(seed: int) -> tuple[Any, list[int]]:
    """A 0-1 knapsack of 40 items, large enough that HiGHS finds several answers."""
    rng = random.Random(seed)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 1)
    weights = [rng.randint(20, 60) for _ in range(40)]
    values = [weight + rng.randint(0, 5) for weight in weights]
    items = np.arange(40, dtype=np.int32)
    none = np.zeros(0, dtype=np.int32)
    highs.addCols(40, np.array(values, float), np.zeros(40), np.ones(40), 0, none, none, [])
    highs.changeColsIntegrality(40, items, np.array([highspy.HighsVarType.kInteger] * 40))
    highs.addRow(0, sum(weights) // 2, 40, items, np.array(weights, float))
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return highs, values


def _run(seed: int, shift: int) -> tuple[Any, Stopper]:
    highs, values = _knapsack(seed)
    stopper = Stopper()
    highs.cbMipImprovingSolution.subscribe(stopper.improving)
    highs.cbMipInterrupt.subscribe(stopper.check)
    # a target no answer reaches: only a mis-valued answer can stop the run
    stopper.aim(10**6, True, {item: value + shift for item, value in enumerate(values)})
    highs.run()
    return highs, stopper


@pytest.mark.parametrize("seed", range(3))
def test_answers_valued_right_let_highs_run_to_the_optimum(seed: int) -> None:
    highs, stopper = _run(seed, shift=0)

    assert highs.modelStatusToString(highs.getModelStatus()) == "Optimal"
    assert stopper.misvalued is None
    assert stopper.best == pytest.approx(highs.getInfo().objective_function_value)


@pytest.mark.parametrize("seed", range(3))
def test_answers_valued_worse_than_their_worth_let_highs_run_on(seed: int) -> None:
    highs, stopper = _run(seed, shift=1)

    assert highs.modelStatusToString(highs.getModelStatus()) == "Optimal"
    assert stopper.misvalued is None
    # none of them is a best to stop at (only the empty knapsack is worth what it shows)
    assert stopper.best in (None, 0.0)


@pytest.mark.parametrize("seed", range(3))
def test_an_answer_valued_better_than_its_worth_stops_the_run(seed: int) -> None:
    highs, stopper = _run(seed, shift=-1)

    assert highs.modelStatusToString(highs.getModelStatus()) == "Interrupted by user"
    assert stopper.misvalued == pytest.approx(highs.getInfo().objective_function_value)
    # only the empty knapsack (worth 0 either way) was valued right
    assert stopper.best in (None, 0.0)
