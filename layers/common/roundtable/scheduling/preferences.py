"""Cheaper times (regular over if-needed, no local-time shift) without worse sizes.

Moves, each keeping placement and joins: cycles of learner moves that change
no count (`cycles`); relocating a group from one start to another with the
learners who gain most from the move, its leader's saving counted
(`relocation`), or, when not everyone is placed, with the pool's cheapest
learners there instead (`pool_relocation`); opening a group where a paying
learner, or a paying group's leader, pays less, the learners the counts need
brought along paths of moves (`path_relocation`); and handing a group to a
facilitator who costs nothing there (`leading`), or to a cheaper one freed by a
chain of hand-overs that costs no more anywhere (`chains`).
"""

from __future__ import annotations

import time

from roundtable.scheduling.chains import cheaper_leaders_by_chain
from roundtable.scheduling.cycles import cancel_cycles
from roundtable.scheduling.leading import cheaper_leaders
from roundtable.scheduling.path_relocation import (
    preference_cost,
    relocate_along_paths,
    relocate_groups_along_paths,
)
from roundtable.scheduling.pool_relocation import relocate_through_pool
from roundtable.scheduling.relocation import relocate_for_preferences
from roundtable.scheduling.search import Search

_PASSES = 20


def improve_preferences(search: Search, seconds: float, floor: int = 0, paths: bool = True) -> None:
    """Cycles, relocations and cheaper leaders until nothing pays, time runs out or the
    preference cost meets `floor` (a proven bound: nothing can do better); without
    `paths`, none of the moves along paths (the search's dearest)."""
    if preference_cost(search) <= floor:
        # every move lowers the cost, so none is left: the dive's answer at its bound
        # (sparse 2,000: 0.35-0.5 s of CPU of cycles and chains that found nothing)
        return
    deadline = time.monotonic() + seconds
    cancel_cycles(search, seconds / 2)
    for _pass in range(_PASSES):
        if time.monotonic() > deadline or preference_cost(search) <= floor:
            break
        moved = relocate_for_preferences(search)
        if not (relocate_through_pool(search, deadline) or moved):
            break
        cancel_cycles(search, max(deadline - time.monotonic(), 0.0))
    if paths and preference_cost(search) > floor and relocate_along_paths(search, deadline):
        cancel_cycles(search, max(deadline - time.monotonic(), 0.0))
    cheaper_leaders(search)
    cheaper_leaders_by_chain(search)
    # whole groups moved along paths: the dearest move, so only while above the bound
    if paths and preference_cost(search) > floor and relocate_groups_along_paths(search, deadline):
        cancel_cycles(search, max(deadline - time.monotonic(), 0.0))
        cheaper_leaders(search)
        cheaper_leaders_by_chain(search)
