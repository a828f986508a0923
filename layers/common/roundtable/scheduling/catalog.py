"""Candidate starts and, per zone, the local cells each start's series needs.

Anchors that keep the same offsets over the cohort's weeks give identical
series, so each series is kept once and remembers its equivalent anchors.
Member zones that keep the same offsets share one table of needed cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

from roundtable.scheduling.model import (
    CELL_MINUTES,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    Params,
    Start,
)
from roundtable.scheduling.timegrid import ZoneOffsets, series_minutes, to_epoch_minutes

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
        self._masks: dict[int, list[int]] = {}
        self._shifts: dict[int, list[bool]] = {}
        self._by_first_cell: dict[int, dict[int, list[int]]] = {}
        self._week_masks: dict[tuple[int, int], list[int]] = {}

    def offsets(self, zone_name: str) -> ZoneOffsets:
        """The offset table of a member zone."""
        return self._offsets[zone_name]

    def needed_mask(self, zone_name: str, index: int) -> int:
        """Local cells, in that zone, that start `index`'s meetings cover."""
        return self._regime_masks(zone_name)[index]

    def shifts(self, zone_name: str, index: int) -> bool:
        """Whether the local time of start `index` changes across the series in that zone."""
        self._regime_masks(zone_name)
        return self._shifts[self._regime[zone_name]][index]

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

    def feasible_starts(self, zone_name: str, available: int) -> list[int]:
        """Indices of starts whose every meeting lies inside `available` (a cell mask)."""
        masks = self._regime_masks(zone_name)
        by_cell = self._by_first_cell[self._regime[zone_name]]
        found: list[int] = []
        bits = available
        while bits:
            lowest = bits & -bits
            for index in by_cell.get(lowest.bit_length() - 1, ()):
                if masks[index] & ~available == 0:
                    found.append(index)
            bits ^= lowest
        found.sort()
        return found

    def _regime_masks(self, zone_name: str) -> list[int]:
        regime = self._regime[zone_name]
        if regime not in self._masks:
            self._fill_regime(regime, self._offsets[zone_name])
        return self._masks[regime]

    def _fill_regime(self, regime: int, offsets: ZoneOffsets) -> None:
        minutes = self.params.meeting_minutes
        masks: list[int] = []
        shifts: list[bool] = []
        by_cell: dict[int, list[int]] = {}
        for index, info in enumerate(self.starts):
            mask = 0
            for moment in info.minutes:
                mask |= offsets.meeting_mask(moment, minutes)
            masks.append(mask)
            local = {offsets.local_week_minute(moment) for moment in info.minutes}
            shifts.append(len(local) > 1)
            first_cell = offsets.local_week_minute(info.minutes[0]) // CELL_MINUTES
            by_cell.setdefault(first_cell, []).append(index)
        self._masks[regime] = masks
        self._shifts[regime] = shifts
        self._by_first_cell[regime] = by_cell


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
