"""Text shown as is in Discord: its markdown characters escaped."""

from __future__ import annotations

_SPECIAL = str.maketrans({c: "\\" + c for c in "\\*_~`|"})


def plain(text: str) -> str:
    """`text` as Discord shows it, without it turning bold, italic, struck or code."""
    return text.translate(_SPECIAL)
