"""Keyset (cursor) paging for admin lists that grow with the cohort.

A page is the rows after the cursor in a fixed order on a unique, never-reused key
(a table's id), at most `limit` of them, and the cursor of the next page. Unlike
offsets, a row added or removed while someone pages neither repeats nor skips another
row: every row present from the first page to the last appears exactly once, and rows
added meanwhile appear once when they sort after the cursor. A page's size is bounded,
so no response nears Lambda's 6 MB response limit (docs/operations.md, "Paged lists").

Cursors are opaque to clients (base64 of a versioned key) and checked: a cursor that
is not one of ours is a ValidationError naming the field, not a server error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, tuple_

from roundtable.errors import ValidationError

_PREFIX = "k1:"
_NAMED_PREFIX = "n1:"  # a list in name order: (name, id), the id breaking ties


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None  # None on the last page


def encode_cursor(key: int) -> str:
    """The opaque cursor that continues after the row with this key."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The key a cursor continues after (None: from the start)."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    key = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not key.isdigit():
        raise ValidationError(
            "cursor: not a cursor this list gave out; start again without one", field="cursor"
        )
    return int(key)


def encode_named_cursor(name: str, key: int) -> str:
    """The opaque cursor that continues after the row (name, key) of a list in name order."""
    text = _NAMED_PREFIX + json.dumps([name, key], ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_named_cursor(cursor: str | None) -> tuple[str, int] | None:
    """The (name, key) a named cursor continues after (None: from the start)."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        name, key = json.loads(text.removeprefix(_NAMED_PREFIX))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        text, name, key = "", None, None
    if not text.startswith(_NAMED_PREFIX) or not isinstance(name, str) or type(key) is not int:
        raise ValidationError(
            "cursor: not a cursor this list gave out; start again without one", field="cursor"
        )
    return name, key


def check_limit(limit: int, most: int) -> int:
    """The page size, refused outside 1..most."""
    if not 1 <= limit <= most:
        raise ValidationError(f"limit: {limit} is outside 1..{most}", field="limit")
    return limit


def page_of[T](
    rows: Sequence[T],
    limit: int,
    key: Callable[[T], int],
    *,
    name: Callable[[T], str] | None = None,
) -> Page[T]:
    """A page from up to limit + 1 rows read in key order, or in (name, key) order when
    `name` is given (an extra row says there is a next page, which continues after this
    page's last row)."""
    items = list(rows[:limit])
    if len(rows) <= limit:
        return Page(items, None)
    last = items[-1]
    if name is None:
        return Page(items, encode_cursor(key(last)))
    return Page(items, encode_named_cursor(name(last), key(last)))


def after_name(table: Table, after: tuple[str, int] | None) -> tuple[ColumnElement[bool], ...]:
    """The condition for rows after a named cursor, in (name, id) order (none: the start)."""
    if after is None:
        return ()
    row: Any = tuple_(table.c.name, table.c.id)
    return (row > tuple_(*after),)
