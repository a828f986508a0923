"""Freeing a facilitator for a new group by a chain of hand-overs.

Opening a group at a start needs a facilitator free there: able, with capacity
left, and leading nothing that overlaps it. When nobody is, a facilitator `f0`
who is blocked by exactly one of their groups (an overlapping one, or any one
when they are at capacity) can still take it if that group goes to someone
else, `f1`, who may in turn be blocked by exactly one group, and so on until
someone takes the last group freely. Each hand-over keeps the group where it
is, so no learner moves and no count changes; a breadth-first search finds the
shortest such chain. With `neutral`, nobody takes a group at a higher cost than
its leader pays, so the preference objective cannot grow (the later phases need
that; sizes does not care who leads).
"""

from __future__ import annotations

from dataclasses import dataclass

from roundtable.scheduling.search import Search

# Enough for every chain the bench cohorts needed; bounds the search on big cohorts.
_MOST_ENTRIES = 400


@dataclass(frozen=True)
class _Entry:
    node: int  # a start whose group needs a new leader (the root: the new group)
    owner: int  # who leads it now (-1 for the new group)
    parent: int  # the entry whose group `owner` takes once this one is handed on


def free_by_chain(search: Search, node: int, neutral: bool) -> int | None:
    """Hand groups along the shortest chain that frees a facilitator for `node`; return them.

    Nothing changes when no chain exists. The hand-overs go to the search's journal, so
    a caller's `undo` takes them back.
    """
    found = _chain(search, node, neutral)
    if found is None:
        return None
    entries, last, taker = found
    entry = entries[last]
    search.hand_over(entry.node, entry.owner, taker)
    while entry.parent > 0:
        parent = entries[entry.parent]
        search.hand_over(parent.node, parent.owner, entry.owner)
        entry = parent
    return entry.owner


def _chain(search: Search, node: int, neutral: bool) -> tuple[list[_Entry], int, int] | None:
    """(entries, the entry whose group `taker` can lead freely, taker), breadth first."""
    leaders = search.leaders
    entries = [_Entry(node, -1, -1)]
    used: set[int] = set()
    index = 0
    while index < len(entries) and len(entries) < _MOST_ENTRIES:
        entry = entries[index]
        for taker in leaders.order:
            if taker in used or not leaders.able[taker, entry.node]:
                continue
            if entry.node in leaders.at[taker]:
                continue  # already leads a group there: a swap would change nothing
            if neutral and entry.owner >= 0:
                if leaders.cost[taker, entry.node] > leaders.cost[entry.owner, entry.node]:
                    continue
            blocking = [b for b in leaders.at[taker] if leaders.clash[entry.node, b]]
            if not blocking and leaders.capacity[taker] > 0:
                if entry.owner >= 0:
                    return entries, index, taker
                continue  # free at the new group's start: the caller would have found them
            if len(blocking) > 1 or (not blocking and not leaders.at[taker]):
                continue
            used.add(taker)
            for given in blocking or list(dict.fromkeys(leaders.at[taker])):
                entries.append(_Entry(given, taker, index))
        index += 1
    return None
