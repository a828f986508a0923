"""Cheaper times (regular over if-needed, no local-time shift) without worse sizes.

Four moves, each keeping placement and joins: cycles of learner moves that
change no count (`cycles`); relocating a group from one start to another with
the learners who gain most from the move, its leader's saving counted
(`relocation`), or, when not everyone is placed, with the pool's cheapest
learners there instead (`pool_relocation`); and handing a group to
a facilitator who costs nothing there (`leading`), or to a cheaper one freed by a
chain of hand-overs that costs no more anywhere (`chains`).
"""

from __future__ import annotations

import time

from roundtable.scheduling.chains import cheaper_leaders_by_chain
from roundtable.scheduling.cycles import cancel_cycles
from roundtable.scheduling.leading import cheaper_leaders
from roundtable.scheduling.path_relocation import relocate_along_paths
from roundtable.scheduling.pool_relocation import relocate_through_pool
from roundtable.scheduling.relocation import relocate_for_preferences
from roundtable.scheduling.search import Search

_PASSES = 20


def improve_preferences(search: Search, seconds: float) -> None:
    """Cycles, relocations and cheaper leaders until nothing pays or time runs out."""
    deadline = time.monotonic() + seconds
    cancel_cycles(search, seconds / 2)
    for _pass in range(_PASSES):
        if time.monotonic() > deadline:
            break
        moved = relocate_for_preferences(search)
        if not (relocate_through_pool(search, deadline) or moved):
            break
        cancel_cycles(search, max(deadline - time.monotonic(), 0.0))
    if relocate_along_paths(search, deadline):
        cancel_cycles(search, max(deadline - time.monotonic(), 0.0))
    cheaper_leaders(search)
    cheaper_leaders_by_chain(search)
