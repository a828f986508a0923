"""Candidate starts and, per zone, the local cells each start's series needs.

Anchors that keep the same offsets over the cohort's weeks give identical
series, so each series is kept once and remembers its equivalent anchors.
Member zones that keep the same offsets share one table of needed cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from roundtable.scheduling.model import (
    CELL_MINUTES,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    Params,
    Start,
)
from roundtable.scheduling.timegrid import (
    CELLS_PER_WEEK,
    ZoneOffsets,
    series_minutes,
    to_epoch_minutes,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_DAY = MINUTES_PER_DAY


@dataclass(frozen=True)
class StartInfo:
    start: Start
    minutes: tuple[int, ...]  # epoch minutes of every meeting
    # Starts under other anchors with the identical series, preferred first. Within one
    # offset regime they share the local time; across regimes it differs (UTC 00:00 is
    # Kolkata 05:30), so each keeps its own weekday and time.
    equivalents: tuple[Start, ...]


class Catalog:
    """All starts on the grid, and who can make which."""

    def __init__(self, params: Params, anchors: Sequence[str], zones: Iterable[str]) -> None:
        self.params = params
        self.anchors = tuple(anchors)
        self.starts = _build_starts(params, anchors)
        low, high = _window(params)
        self._offsets: dict[str, ZoneOffsets] = {}
        self._regime: dict[str, int] = {}
        signatures: dict[object, int] = {}
        for name in sorted(set(zones) | set(anchors)):
            offsets = ZoneOffsets(name, low, high)
            self._offsets[name] = offsets
            self._regime[name] = signatures.setdefault(offsets.signature(), len(signatures))
        self._cells: dict[int, tuple[NDArray[np.int64], NDArray[np.bool_]]] = {}
        self._week_masks: dict[tuple[int, int], list[int]] = {}

    def offsets(self, zone_name: str) -> ZoneOffsets:
        """The offset table of a member zone."""
        return self._offsets[zone_name]

    def regime(self, zone_name: str) -> int:
        """Equal for member zones that keep the same offsets over the cohort."""
        return self._regime[zone_name]

    def needed_cells(self, zone_name: str) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Per start, the local cells (in that zone) its meetings cover, and whether it shifts.

        A (starts x k) matrix of cell numbers, each row padded by repeating a cell, and a
        vector: a start shifts when the local time of its meetings is not the same every
        week (then it needs more cells than one meeting covers).
        """
        regime = self._regime[zone_name]
        if regime not in self._cells:
            self._cells[regime] = _regime_cells(self, self._offsets[zone_name])
        return self._cells[regime]

    def week_masks(self, zone_name: str, index: int) -> list[int]:
        """Per meeting, the local cells it covers in that zone."""
        key = (self._regime[zone_name], index)
        if key not in self._week_masks:
            offsets = self._offsets[zone_name]
            minutes = self.params.meeting_minutes
            self._week_masks[key] = [
                offsets.meeting_mask(moment, minutes) for moment in self.starts[index].minutes
            ]
        return self._week_masks[key]


def _regime_cells(
    catalog: Catalog, offsets: ZoneOffsets
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Cells needed per start in one offset regime, computed for every meeting at once.

    Every quarter hour of every meeting is converted at its own instant, so a clock change
    during a meeting is handled like any other; the meeting's last minute is added so that
    a length that is not a whole number of cells still covers its final cell.
    """
    import numpy as np

    bounds, values = offsets.signature()
    breaks = np.array(bounds, dtype=np.int64)
    table = np.array(values, dtype=np.int64)
    moments = np.array([info.minutes for info in catalog.starts], dtype=np.int64)
    minutes = catalog.params.meeting_minutes
    steps = [*range(0, minutes, CELL_MINUTES), minutes - 1]
    needed = np.zeros((len(catalog.starts), CELLS_PER_WEEK), dtype=bool)
    rows = np.arange(len(catalog.starts))[:, None]
    for step in steps:
        needed[rows, _local_week_minutes(moments + step, breaks, table) // CELL_MINUTES] = True
    first = _local_week_minutes(moments, breaks, table)
    return _cells_in_order(needed), (first != first[:, :1]).any(axis=1)


def _cells_in_order(needed: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Each row's needed cells in order, then the row's first needed cell again as
    padding (cell 0 where it needs none). From the needed cells' positions, not a sort
    of every row (per-group 1,200: 18 regimes of 6,384 starts x 672 cells, 0.3 s)."""
    import numpy as np

    rows, cells = np.nonzero(needed)  # row-major: each row's cells in order
    counts = np.bincount(rows, minlength=len(needed))
    begins = np.cumsum(counts) - counts
    padding = np.zeros(len(needed), dtype=np.int64)
    padding[counts > 0] = cells[begins[counts > 0]]
    ordered = np.repeat(padding[:, None], int(counts.max(initial=1)), axis=1)
    ordered[rows, np.arange(len(rows)) - begins[rows]] = cells
    return ordered


def _local_week_minutes(
    moments: NDArray[np.int64], breaks: NDArray[np.int64], table: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Minutes since local Monday 00:00 of each epoch minute (1970-01-01 was a Thursday)."""
    import numpy as np

    local = moments + table[np.searchsorted(breaks, moments, side="right")]
    return ((local // _DAY + 3) % 7) * _DAY + local % _DAY


def _window(params: Params) -> tuple[int, int]:
    """Epoch minutes bracketing every possible meeting, with days to spare."""
    begin = datetime.combine(params.first_date, time(0), UTC)
    low = to_epoch_minutes(begin) - 2 * _DAY
    high = low + (params.meeting_count + 2) * MINUTES_PER_WEEK + 2 * _DAY
    return low, high


def _build_starts(params: Params, anchors: Sequence[str]) -> list[StartInfo]:
    """Every grid start under every anchor, one per distinct series."""
    by_series: dict[tuple[int, ...], list[Start]] = {}
    low, high = _window(params)
    regimes: dict[object, str] = {}
    equivalents: dict[str, list[str]] = {}
    for anchor in anchors:
        leader = regimes.setdefault(ZoneOffsets(anchor, low, high).signature(), anchor)
        equivalents.setdefault(leader, []).append(anchor)
    for leader in equivalents:
        for weekday in range(7):
            for local_minute in range(0, _DAY, params.slot_minutes):
                start = Start(leader, weekday, local_minute)
                by_series.setdefault(series_minutes(start, params), []).append(start)
    infos = []
    for minutes, starts in by_series.items():
        same = tuple(
            Start(name, start.weekday, start.local_minute)
            for start in starts
            for name in equivalents[start.anchor]
        )
        infos.append(StartInfo(starts[0], minutes, same))
    infos.sort(key=lambda info: info.minutes)
    return infos


def week_minute_utc(epoch_minute: int) -> int:
    """Minutes since Monday 00:00 UTC of the instant's UTC week."""
    return ((epoch_minute // _DAY + 3) % 7) * _DAY + epoch_minute % _DAY
