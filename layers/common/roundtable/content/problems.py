"""Small constructors for problems found by the cross-file checks."""

from __future__ import annotations

from roundtable.content.fields import nearest
from roundtable.content.model import Problem, Where


def error_at(where: Where, line: int, message: str, suggestion: str | None = None) -> Problem:
    """An error in the item's file at `line`."""
    return Problem(where.file, line, message, suggestion)


def warning_at(where: Where, line: int, message: str, suggestion: str | None = None) -> Problem:
    """A warning in the item's file at `line`."""
    return Problem(where.file, line, message, suggestion, "warning")


def did_you_mean(word: str, choices: list[str], kind: str) -> str:
    """A hint for a reference to a missing slug: the nearest one, or the ones there are."""
    guess = nearest(word, choices)
    if guess:
        return f"did you mean {guess!r}?"
    return f"existing {kind}: {', '.join(sorted(choices))}" if choices else f"there are no {kind}"
