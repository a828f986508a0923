"""`highs_model.CompactColumns`: a small model gathered in Python, loaded into HiGHS."""

from __future__ import annotations

import pytest

from roundtable.scheduling.highs_model import CompactColumns


def test_columns_are_numbered_in_order_and_rows_keep_their_terms() -> None:
    model = CompactColumns()
    x = model.column(cost=3.0, upper=4.0, integer=True)
    y = model.column(cost=2.0, upper=float("inf"), integer=False)
    model.row(1.0, 5.0, {x: 1.0, y: -2.0})
    assert (x, y) == (0, 1)
    assert model.rows == [(1.0, 5.0, [0, 1], [1.0, -2.0])]
    assert model.integer == [True, False]


def test_loaded_model_solves_as_written() -> None:
    # minimise 3x + 2y with x + y >= 3.5, x <= 4 whole, y <= 1: x = 3 (not 2.5), y = 0.5
    model = CompactColumns()
    x = model.column(cost=3.0, upper=4.0, integer=True)
    y = model.column(cost=2.0, upper=1.0, integer=False)
    model.row(3.5, float("inf"), {x: 1.0, y: 1.0})
    highs = model.load(seed=1)
    highs.run()
    values = list(highs.getSolution().col_value)
    assert values == pytest.approx([3.0, 0.5])
    assert highs.getInfo().objective_function_value == pytest.approx(10.0)


def test_entries_are_every_rows_terms_row_by_row() -> None:
    # including a row without terms, which has no entry
    model = CompactColumns()
    x = model.column(cost=1.0, upper=1.0, integer=False)
    y = model.column(cost=1.0, upper=1.0, integer=False)
    model.row(0.0, 1.0, {y: 2.0, x: -1.0})
    model.row(0.0, 0.0, {})
    model.row(1.0, 1.0, {x: 0.5})
    rows, columns, values = model.entries()
    assert list(zip(rows, columns, values, strict=True)) == [(0, 1, 2.0), (0, 0, -1.0), (2, 0, 0.5)]
