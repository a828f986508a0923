"""Who can make which start, for many people at once, as numpy matrices.

A start is possible for a person when every local cell its meetings need (in
their zone, on every real date) is in their availability. Everyone in one
offset regime needs the same cells per start, so that is a few vectorised
look-ups. numpy is imported lazily: it ships with highspy in the worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from roundtable.scheduling.catalog import Catalog
from roundtable.scheduling.model import Person
from roundtable.scheduling.timegrid import CELLS_PER_WEEK

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


class Available(Protocol):
    @property
    def person(self) -> Person: ...
    @property
    def regular(self) -> int: ...
    @property
    def everything(self) -> int: ...


def cost_matrix(catalog: Catalog, attendees: Sequence[Available], weight: int) -> NDArray[Any]:
    """Cost of each start per person (people x starts), -1 where they cannot attend it.

    If-needed time costs `weight` (more than any count of shifts), a start whose local
    time moves during the cohort costs one more.
    """
    import numpy as np

    costs = np.full((len(attendees), len(catalog.starts)), -1, dtype=np.int32)
    by_regime: dict[int, list[int]] = {}
    for index, attendee in enumerate(attendees):
        by_regime.setdefault(catalog.regime(attendee.person.timezone), []).append(index)
    for indices in by_regime.values():
        cells, shifts = catalog.needed_cells(attendees[indices[0]].person.timezone)
        possible = _covers(_bits([attendees[i].everything for i in indices]), cells)
        block = np.broadcast_to(shifts.astype(np.int32), possible.shape).copy()
        # only people with if-needed time can pay for it
        chosen = [attendees[i] for i in indices]
        extra = [k for k, a in enumerate(chosen) if a.regular != a.everything]
        if extra:
            regular = _covers(_bits([chosen[k].regular for k in extra]), cells)
            block[extra] += weight * (~regular).astype(np.int32)
        costs[indices] = np.where(possible, block, -1)
    return costs


def _covers(available: NDArray[np.bool_], cells: NDArray[np.int64]) -> NDArray[np.bool_]:
    """(people x starts): whether the availability holds every cell the start needs."""
    covered = available[:, cells[:, 0]]
    for column in range(1, cells.shape[1]):
        covered &= available[:, cells[:, column]]
    return covered


def _bits(masks: list[int]) -> NDArray[np.bool_]:
    """Availability masks as a (people x cells) boolean matrix."""
    import numpy as np

    width = CELLS_PER_WEEK // 8
    raw = np.frombuffer(b"".join(mask.to_bytes(width, "little") for mask in masks), np.uint8)
    bits = np.unpackbits(raw.reshape(len(masks), width), axis=1, bitorder="little")
    return bits.astype(bool)


def start_sets(costs: NDArray[Any]) -> list[frozenset[int]]:
    """Per person, the starts they can attend."""
    return [frozenset(row.nonzero()[0].tolist()) for row in costs >= 0]


def option_dicts(costs: NDArray[Any]) -> list[dict[int, int]]:
    """Per person, {start: cost} of the starts they can attend."""
    found = []
    for row in costs:
        starts = (row >= 0).nonzero()[0]
        found.append(dict(zip(starts.tolist(), row[starts].tolist(), strict=True)))
    return found
