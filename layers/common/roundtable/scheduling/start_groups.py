"""The runner's model as a relaxation of its own, each start's groups one column.

In facilitated cohorts the groups at a start are the leaders' columns there, G_s = Σ_f
y[f,s], and every start row and linking row (`formulation.py`) holds that whole sum, each
leader's column with the same coefficient. With a column g_s and a row g_s = Σ_f y[f,s]
per start, those rows hold g_s alone: the same relaxation (substitute the sum back), with
the same value and the same dual on every row it shares, and far fewer non-zeros where
many leaders can meet at a start (the sweep's sparse 1,200: 108,742 → 41,318; its free
relaxation by dual simplex 0.51 → 0.31 s of CPU, by interior point 1.09 → 0.63 s; sparse
600's interior point 0.26 → 0.21 s). The leaders' own rows (capacity, overlaps, groups
beyond the first) hold some of a start's columns, not all alike, and are kept as they are.

The copy keeps every column and row of the runner's instance at its index (its bounds,
holds included); the start columns and their rows come after them. Its columns are all
continuous: it is for relaxations only (`totals.relax_totals`).
"""

from __future__ import annotations

from typing import Any

from roundtable.scheduling.formulation import INF, Formulation
from roundtable.scheduling.highs_model import new_instance


def grouped_relaxation(highs: Any, model: Formulation, seed: int) -> Any:
    """A new instance (`new_instance`) holding the relaxation of `highs`'s model (loaded
    from `model`), each start's leaders' columns summed in one column where a row holds
    all of them alike; without leaders' columns (peer cohorts) the same relaxation."""
    import highspy
    import numpy as np

    lp = highs.getLp()
    rows, columns, values = _entries(lp)
    leaders = np.array(list(model.y.values()), dtype=np.int64)
    starts = np.array([start for _f, start in model.y], dtype=np.int64)
    summed, start_of = _summed_entries(rows, columns, values, leaders, starts, lp.num_col_)
    rows, columns, values = (
        np.concatenate([part[~summed], added])
        for part, added in zip((rows, columns, values), start_of, strict=True)
    )
    definitions = _definitions(leaders, starts, lp.num_col_, lp.num_row_)
    rows, columns, values = (
        np.concatenate([part, added])
        for part, added in zip((rows, columns, values), definitions, strict=True)
    )
    count = lp.num_col_ + len(np.unique(starts))
    extra = count - lp.num_col_
    copy = highspy.HighsLp()
    copy.num_col_, copy.num_row_ = count, lp.num_row_ + extra
    copy.col_cost_ = np.concatenate([np.array(lp.col_cost_), np.zeros(extra)])
    copy.col_lower_ = np.concatenate([np.array(lp.col_lower_), np.zeros(extra)])
    copy.col_upper_ = np.concatenate([np.array(lp.col_upper_), np.full(extra, INF)])
    copy.row_lower_ = np.concatenate([np.array(lp.row_lower_), np.zeros(extra)])
    copy.row_upper_ = np.concatenate([np.array(lp.row_upper_), np.zeros(extra)])
    order = np.lexsort((rows, columns))
    copy.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    copy.a_matrix_.start_ = np.concatenate(
        [[0], np.cumsum(np.bincount(columns, minlength=count))]
    ).astype(np.int32)
    copy.a_matrix_.index_ = rows[order].astype(np.int32)
    copy.a_matrix_.value_ = values[order]
    instance = new_instance(seed)
    instance.passModel(copy)
    return instance


def _entries(lp: Any) -> tuple[Any, Any, Any]:
    """The constraint matrix's entries: (row, column, coefficient) arrays (HiGHS holds
    it by columns or, once it has solved, by rows)."""
    import highspy
    import numpy as np

    matrix = lp.a_matrix_
    by_rows = matrix.format_ == highspy.MatrixFormat.kRowwise
    starts = np.array(matrix.start_, dtype=np.int64)
    lines = np.repeat(np.arange(len(starts) - 1, dtype=np.int64), np.diff(starts))
    others = np.array(matrix.index_, dtype=np.int64)
    rows, columns = (lines, others) if by_rows else (others, lines)
    return rows, columns, np.array(matrix.value_)


def _summed_entries(
    rows: Any, columns: Any, values: Any, leaders: Any, starts: Any, first: int
) -> tuple[Any, tuple[Any, Any, Any]]:
    """Which entries a start column replaces (a row holding every leader's column at that
    start with one coefficient), and the start columns' entries in their place: column
    `first + i` for the i-th start in order."""
    import numpy as np

    summed = np.zeros(len(rows), dtype=bool)
    start_at = np.full(first, -1, dtype=np.int64)
    start_ids, start_index = np.unique(starts, return_inverse=True)
    start_at[leaders] = start_index
    leaders_at = np.bincount(start_index, minlength=len(start_ids))
    entry = np.flatnonzero(start_at[columns] >= 0)
    if len(entry) == 0:
        return summed, (rows[:0], columns[:0], values[:0])
    key = rows[entry] * len(start_ids) + start_at[columns[entry]]
    order = np.lexsort((values[entry], key))
    entry, key = entry[order], key[order]
    first_of, count = np.unique(key, return_index=True, return_counts=True)[1:]
    last_of = first_of + count - 1
    start = key[first_of] % len(start_ids)
    whole = (count == leaders_at[start]) & (values[entry[first_of]] == values[entry[last_of]])
    summed[entry[np.repeat(whole, count)]] = True
    kept = entry[first_of[whole]]
    return summed, (rows[kept], first + start[whole], values[kept])


def _definitions(leaders: Any, starts: Any, first: int, first_row: int) -> tuple[Any, Any, Any]:
    """The rows g_s − Σ_f y[f,s] = 0, one per start, after the model's rows."""
    import numpy as np

    _ids, start_index = np.unique(starts, return_inverse=True)
    extra = int(start_index.max()) + 1 if len(start_index) else 0
    rows = np.concatenate([first_row + np.arange(extra), first_row + start_index])
    columns = np.concatenate([first + np.arange(extra), leaders])
    values = np.concatenate([np.ones(extra), -np.ones(len(leaders))])
    return rows, columns, values


def original_basis(copy: Any, model: Formulation, rows: int) -> Any:
    """The copy's optimal basis (`grouped_relaxation`, solved) on the model it was made
    from, with `rows` rows: each start column dropped with its row. That keeps it square
    where exactly one of the two is basic (the start's column, or its row where the
    column sits at 0). Where both are (the row degenerate) the start's leader column not
    basic with the least reduced cost is made basic (at its bound, so the answer is the
    same; with a reduced cost of 0 so are the duals); where neither is (no group there,
    every leader's column at 0) one of them basic is made not basic, at 0. Sparse 1,200:
    14 of 336 starts with both, none with neither; no iteration from it. A start with no
    such column leaves the basis alien, which HiGHS completes itself."""
    import highspy

    basic = highspy.HighsBasisStatus.kBasic
    basis, costs = copy.getBasis(), copy.getSolution().col_dual
    columns = len(model.cost)
    col_status = list(basis.col_status[:columns])
    leaders = _leaders_by_start(model)
    pairs = zip(basis.col_status[columns:], basis.row_status[rows:], strict=True)
    square = True
    for start, (column, row) in zip(sorted(leaders), pairs, strict=True):
        if (column == basic) != (row == basic):
            continue
        # both basic: one basic short; neither: one too many
        short = column == basic
        spare = [col for col in leaders[start] if (col_status[col] == basic) != short]
        if not spare:
            square = False
            continue
        chosen = min(spare, key=lambda col: abs(costs[col]))
        col_status[chosen] = basic if short else highspy.HighsBasisStatus.kLower
    original = highspy.HighsBasis()
    original.col_status = col_status
    original.row_status = list(basis.row_status[:rows])
    original.valid = True
    original.alien = not square
    return original


def _leaders_by_start(model: Formulation) -> dict[int, list[int]]:
    leaders: dict[int, list[int]] = {}
    for (_f, start), col in model.y.items():
        leaders.setdefault(start, []).append(col)
    return leaders
