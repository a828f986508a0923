"""HiGHS instances of the scheduling model, and what the phases' solves do to them.

One place for the steps every HiGHS user of the formulation repeats: a quiet,
single-threaded instance (`new_instance`), the formulation loaded into it
(`load_formulation`), learner columns made integral or continuous, a phase's
objective set, every integer column relaxed, rows added for a while and deleted
again, and a relaxation solved within a budget. `highs.Runner`, the LP dive, the
relaxations by totals, the spread counts and the regroup solve build on them.
highspy is imported lazily, inside each function: a handler that never solves
never pays for it.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any, Self

from roundtable.scheduling.formulation import Formulation

if TYPE_CHECKING:
    from numpy.typing import NDArray

# Less time than this is not worth starting HiGHS for (it answers nothing useful).
LEAST_SECONDS = 0.05


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """HiGHS prints a banner from C++ when constructed; keep stdout clean for JSON output."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def option_value(highs: Any, name: str) -> Any:
    """An option's value (highspy 1.16 hands back its status with it)."""
    value = highs.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


@contextmanager
def options_set(highs: Any, options: dict[str, Any]) -> Iterator[None]:
    """HiGHS's `options` set while the block runs, then set back as they were."""
    before = {name: option_value(highs, name) for name in options}
    for name, value in options.items():
        highs.setOptionValue(name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            highs.setOptionValue(name, value)


def new_instance(seed: int) -> Any:
    """A silent, single-threaded (so deterministic) HiGHS instance for models whose
    objectives are integral: a gap below 1 means optimal."""
    import highspy

    with quiet_stdout():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    for option, value in (
        ("output_flag", False),
        ("random_seed", seed),
        ("mip_rel_gap", 0.0),
        ("mip_abs_gap", 0.999),
        ("threads", 1),
    ):
        highs.setOptionValue(option, value)
    return highs


class OnThread:
    """A HiGHS solve (a subclass's `_solve`) that may run on a thread of its own
    (`start`): HiGHS releases the GIL while it runs, so on two cores it runs beside the
    caller's work. `cancel` asks HiGHS to stop at its next interrupt check (`_solve`
    subscribes `interrupt` to the callbacks it wants checked) and waits for the thread;
    a failure on the thread is raised again where it is joined (`join`). The LP dive's
    relaxation and per-group anchors' proof run this way."""

    def __init__(self) -> None:
        self._cancelled = False
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._solve_caught, daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread (at most `timeout` seconds); whether it has ended. Its
        failure, if any, is raised here."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return False
        if self._failure is not None:
            raise self._failure
        return True

    def started(self) -> bool:
        return self._thread is not None

    def ended(self) -> bool:
        """Whether the thread has run to its end (not if never started)."""
        return self._thread is not None and not self._thread.is_alive()

    def cancel(self, wait: bool = True) -> None:
        """Interrupt HiGHS (at its next check) and wait for the thread, if started; with
        `wait` False, leave it to end at that check on its own core (HiGHS checks only
        between the steps of its MIP: 2 s of wall time later on sparse 1,200 at load 5-6)."""
        self._cancelled = True
        if wait and self._thread is not None:
            self._thread.join()

    def interrupt(self, event: Any) -> None:
        """HiGHS's interrupt callback: stop once cancelled."""
        event.interrupt(self._cancelled)

    def stop_if_cancelled(self, event: Any) -> None:
        """`interrupt` beside another callback of the same kind (a runner's stopper): asks
        for nothing while not cancelled, so it never undoes the other's interrupt."""
        if self._cancelled:
            event.interrupt(True)

    def _solve(self) -> None:
        raise NotImplementedError

    def _solve_caught(self) -> None:
        try:
            self._solve()
        except BaseException as failure:  # raised again where the thread is joined
            self._failure = failure


@dataclass
class CompactColumns:
    """A small model of its own (not the formulation), gathered column by column and row
    by row in Python and loaded into HiGHS in one call (`load`). The compact models of
    per-group anchors and of spread's leaders build on it; every column's lower bound is
    0."""

    cost: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[float, float, list[int], list[float]]] = field(default_factory=list)

    def column(self, cost: float, upper: float, integer: bool) -> int:
        """A new column; its index."""
        self.cost.append(cost)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, low: float, high: float, terms: dict[int, float]) -> None:
        """`low <= sum(coefficient * column) <= high` over `terms` (column -> coefficient)."""
        self.rows.append((low, high, list(terms), list(terms.values())))

    def entries(self) -> tuple[Any, Any, Any]:
        """Every row's entries as numpy arrays, row by row: (row, column, coefficient).
        Gathered without a Python tuple per entry (per-group 1,200's 166,000: 0.02 s of
        CPU against 0.10-0.14 s)."""
        import numpy as np

        lengths = np.fromiter((len(row[2]) for row in self.rows), np.int64, len(self.rows))
        total = int(lengths.sum())
        columns = np.fromiter(chain.from_iterable(row[2] for row in self.rows), np.int64, total)
        values = np.fromiter(chain.from_iterable(row[3] for row in self.rows), np.float64, total)
        return np.repeat(np.arange(len(self.rows)), lengths), columns, values

    def load(self, seed: int) -> Any:
        """A new HiGHS instance (`new_instance`) holding these columns and rows."""
        return load_model(
            seed, self.cost, [0.0] * len(self.cost), self.upper, self.integer, self.rows
        )


def load_formulation(model: Formulation, seed: int) -> Any:
    return load_model(seed, model.cost, model.lower, model.upper, model.integer, model.rows)


def load_model(
    seed: int,
    cost: list[float],
    lower: list[float],
    upper: list[float],
    integer: list[bool],
    rows: list[tuple[float, float, list[int], list[float]]],
) -> Any:
    """A new instance (`new_instance`) with these columns (cost, bounds, which are
    integral) and rows (bounds, columns, coefficients)."""
    import numpy as np

    highs = new_instance(seed)
    count = len(cost)
    highs.addCols(
        count,
        np.array(cost, dtype=np.float64),
        np.array(lower, dtype=np.float64),
        np.array(upper, dtype=np.float64),
        0,
        np.zeros(count, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.float64),
    )
    change_integrality(highs, [i for i, flag in enumerate(integer) if flag], True)
    add_rows(highs, rows)
    return highs


def add_rows(highs: Any, rows: list[tuple[float, float, list[int], list[float]]]) -> None:
    import numpy as np

    starts: list[int] = []
    indices: list[int] = []
    coefficients: list[float] = []
    for _low, _high, columns, values in rows:
        starts.append(len(indices))
        indices.extend(columns)
        coefficients.extend(values)
    highs.addRows(
        len(rows),
        np.array([row[0] for row in rows], dtype=np.float64),
        np.array([row[1] for row in rows], dtype=np.float64),
        len(indices),
        np.array(starts, dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.array(coefficients, dtype=np.float64),
    )


def learner_columns(model: Formulation) -> list[int]:
    return [*model.w.values(), *model.v.values()]


def learners_integral(highs: Any, model: Formulation, integral: bool) -> None:
    """Make the learner columns integer (or continuous)."""
    change_integrality(highs, learner_columns(model), integral)


def change_integrality(
    highs: Any,
    columns: Sequence[int] | NDArray[Any],
    integral: bool | Sequence[bool] | NDArray[Any],
) -> None:
    """Make `columns` integer or continuous (`integral`: one flag for all, or one each).
    The kinds go to HiGHS as its own codes in a uint8 array, as its binding takes them:
    an array of highspy's enum objects is converted one by one (31,289 learner columns of
    few facilitators 2,000: about 10 ms against 2 ms, three to four times per phase)."""
    import highspy
    import numpy as np

    if len(columns) == 0:
        return
    integer, continuous = int(highspy.HighsVarType.kInteger), int(highspy.HighsVarType.kContinuous)
    flags = np.broadcast_to(np.asarray(integral, dtype=bool), (len(columns),))
    kinds = np.where(flags, integer, continuous).astype(np.uint8)
    highs.changeColsIntegrality(len(columns), np.array(columns, dtype=np.int32), kinds)


def set_objective(highs: Any, model: Formulation, name: str) -> None:
    import highspy
    import numpy as np

    costs = np.zeros(len(model.cost))
    for col, coefficient in model.objectives[name].items():
        costs[col] = coefficient
    highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)


def relax(highs: Any, model: Formulation, relaxed: bool) -> None:
    """Every integer column continuous, or back to the runner's usual state: groups
    integral, learners continuous (a solve that needs them whole makes them so)."""
    import numpy as np

    columns = np.flatnonzero(model.integer)
    learners = np.zeros(len(model.integer), dtype=bool)
    learners[learner_columns(model)] = True
    change_integrality(highs, columns, ~learners[columns] & (not relaxed))


def delete_rows_from(highs: Any, first: int) -> None:
    import numpy as np

    added = highs.getNumRow() - first
    if added > 0:
        highs.deleteRows(added, np.arange(first, first + added, dtype=np.int32))


def solve_relaxation(highs: Any, budget: float) -> float | None:
    """The relaxation's value, or None if it is not solved within `budget` seconds."""
    if budget < LEAST_SECONDS:
        return None
    # HiGHS holds an LP's run to its instance's time in all (a MIP's to its own run's)
    highs.setOptionValue("time_limit", highs.getRunTime() + budget)
    highs.run()
    if highs.modelStatusToString(highs.getModelStatus()) != "Optimal":
        return None
    return float(highs.getInfo().objective_function_value)
