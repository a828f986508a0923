"""Keyset cursors (roundtable/paging.py): opaque, checked, and continuing after a row."""

from __future__ import annotations

import pytest

from roundtable.errors import ValidationError
from roundtable.paging import (
    decode_cursor,
    decode_named_cursor,
    encode_cursor,
    encode_named_cursor,
    page_of,
)


@pytest.mark.parametrize("name", ["Owls", "Café Ünïcode — 火曜", "", 'quotes " and [brackets]'])
def test_a_named_cursor_gives_back_its_name_and_id(name: str) -> None:
    assert decode_named_cursor(encode_named_cursor(name, 42)) == (name, 42)


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor(7),  # an id-only cursor is not a named list's
        "bjE6WzEsIDJd",  # n1:[1, 2]
        "bjE6WyJhIl0",  # n1:["a"]
        "bjE6WyJhIiwgMS41XQ",  # n1:["a", 1.5]
        "%%%",
    ],
)
def test_a_cursor_that_is_not_a_named_one_is_refused_naming_the_field(cursor: str) -> None:
    with pytest.raises(ValidationError, match="cursor") as refused:
        decode_named_cursor(cursor)
    assert refused.value.field == "cursor"
    with pytest.raises(ValidationError):
        decode_cursor(encode_named_cursor("Owls", 1))  # nor the other way round


def test_a_page_continues_after_its_last_row_and_the_last_page_has_no_cursor() -> None:
    rows = [("Ants", 4), ("Bees", 2), ("Crows", 9)]
    page = page_of(rows, 2, key=lambda r: r[1], name=lambda r: r[0])
    assert page.items == rows[:2]
    assert decode_named_cursor(page.next_cursor) == ("Bees", 2)
    assert page_of(rows, 3, key=lambda r: r[1], name=lambda r: r[0]).next_cursor is None
    assert decode_cursor(page_of(rows, 1, key=lambda r: r[1]).next_cursor) == 4
