"""Why each unplaced person was not placed, and what would place them.

Reasons are read off the model, in order: no availability; availability lost
to a clock change (some meetings fit, not all); no time shared with a
facilitator; too few learners at any of their times; every facilitator at
their times full or busy; otherwise the answer was not proven optimal.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from roundtable.scheduling.assemble import week_label
from roundtable.scheduling.model import (
    CELL_MINUTES,
    MINUTES_PER_WEEK,
    Group,
    Reason,
    Role,
    Unplaced,
)
from roundtable.scheduling.plan import Plan
from roundtable.scheduling.problem import Attendee, Problem
from roundtable.scheduling.timegrid import CELLS_PER_WEEK, series_minutes

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from roundtable.scheduling.catalog import Catalog

_SUGGESTIONS = 3


class _Context:
    """What the result looks like from an unplaced person's point of view."""

    def __init__(self, problem: Problem, plan: Plan, groups: list[Group]) -> None:
        self.problem = problem
        self.low, self.high = problem.params.learner_bounds()
        self.placed = {i for members in plan.learners_at.values() for i in members}
        self.placed |= {i for members in plan.joins.values() for i in members}
        self.seats = Counter(s for starts in problem.raw_learner_starts for s in starts)
        unplaced = (i for i in range(len(problem.learners)) if i not in self.placed)
        self.waiting = Counter(s for i in unplaced for s in problem.raw_learner_starts[i])
        self.busy = _facilitator_meetings(problem, plan)
        self.left = [
            cap - sum(f in leaders for leaders in plan.groups_at.values())
            for f, cap in enumerate(problem.facilitator_capacity)
        ]
        self.group_minutes = {g.name: series_minutes(g.start, problem.params) for g in groups}
        # groups that could take one more learner (few facilitators 2,000: 0 of 174 groups,
        # each looked at for every one of its 782 learners left out)
        self.with_room = [g for g in groups if len(g.learners) < self.high]
        self.facilitator_starts = frozenset().union(*problem.raw_facilitator_starts)
        self._week_masks: dict[int, _WeekMasks] = {}
        self._free_at: dict[int, bool] = {}

    def free_facilitator_at(self, start: int) -> bool:
        """Whether a facilitator with capacity left can make the start without a clash.

        The answer depends on the start alone, so it is worked out once a start: few
        facilitators 2,000 asked 11,403 times for a few hundred starts (782 learners
        left out), each time over every facilitator."""
        found = self._free_at.get(start)
        if found is None:
            found = self._free_at[start] = self._any_free_facilitator(start)
        return found

    def week_masks(self, zone_name: str) -> _WeekMasks:
        """Every start's meetings' local cell masks in the zone, made once per offset
        regime (`_WeekMasks`)."""
        regime = self.problem.catalog.regime(zone_name)
        if regime not in self._week_masks:
            self._week_masks[regime] = _WeekMasks(self.problem.catalog, zone_name)
        return self._week_masks[regime]

    def _any_free_facilitator(self, start: int) -> bool:
        minutes = self.problem.params.meeting_minutes
        series = self.problem.catalog.starts[start].minutes
        return any(
            self.left[f] > 0
            and start in starts
            and not any(abs(a - b) < minutes for a in series for b in self.busy[f])
            for f, starts in enumerate(self.problem.raw_facilitator_starts)
        )


class _WeekMasks:
    """Per start, its meetings' distinct local cell masks in one offset regime, with how
    many weeks each covers, as rows of one array of 64-bit words, so that which meetings
    fit a person's availability is one array operation for every start at once.

    A start's meetings cover the same local cells every week but across a clock change,
    so its eight masks are one or two distinct ones. Checked start by start as Python
    integers, sparse 2,000's 162 learners with no whole start took 0.03-0.07 s of CPU
    (336 starts each), about as much as making the masks."""

    def __init__(self, catalog: Catalog, zone_name: str) -> None:
        import numpy as np

        owners, counts, masks = [], [], []
        for index in range(len(catalog.starts)):
            for mask, count in Counter(catalog.week_masks(zone_name, index)).items():
                owners.append(index)
                counts.append(count)
                masks.append(mask)
        self.owners = np.array(owners, dtype=np.int64)
        self.counts = np.array(counts, dtype=np.int64)
        self.words = _words(masks)
        self.meetings = np.array([len(info.minutes) for info in catalog.starts], dtype=np.int64)

    def weeks(self, available: int) -> NDArray[np.int64]:
        """Per start, how many of its meetings fit within the `available` cells."""
        import numpy as np

        missing = _words([~available & _WEEK])[0]
        fits = ~(self.words & missing).any(axis=1)
        return np.bincount(self.owners[fits], self.counts[fits], len(self.meetings)).astype(
            np.int64
        )


# a week's cells as bits, and its bytes padded to whole 64-bit words
_WEEK = (1 << CELLS_PER_WEEK) - 1
_WORD_BYTES = -(-CELLS_PER_WEEK // 64) * 8


def _words(masks: list[int]) -> NDArray[np.uint64]:
    """Cell masks (within a week) as rows of 64-bit words."""
    import numpy as np

    raw = b"".join(mask.to_bytes(_WORD_BYTES, "little") for mask in masks)
    return np.frombuffer(raw, dtype=np.uint64).reshape(len(masks), _WORD_BYTES // 8)


def _facilitator_meetings(problem: Problem, plan: Plan) -> list[list[int]]:
    busy: list[list[int]] = [[] for _ in problem.facilitators]
    index = {a.person.id: f for f, a in enumerate(problem.facilitators)}
    for start, leaders in plan.groups_at.items():
        for f in leaders:
            if f >= 0:
                busy[f].extend(problem.catalog.starts[start].minutes)
    for slot in problem.existing:
        for person_id in slot.group.facilitators:
            if person_id in index:
                busy[index[person_id]].extend(slot.minutes)
    return busy


def explain_unplaced(problem: Problem, plan: Plan, groups: list[Group]) -> list[Unplaced]:
    """One entry per learner left out and per facilitator given no group."""
    context = _Context(problem, plan, groups)
    found = [
        _explain_learner(context, i)
        for i in range(len(problem.learners))
        if i not in context.placed
    ]
    leading = {f for leaders in plan.groups_at.values() for f in leaders}
    leading |= {
        f
        for f, a in enumerate(problem.facilitators)
        if any(a.person.id in slot.group.facilitators for slot in problem.existing)
    }
    if problem.facilitated:
        found += [
            _explain_facilitator(context, f)
            for f in range(len(problem.facilitators))
            if f not in leading
        ]
    return found


def _explain_learner(context: _Context, i: int) -> Unplaced:
    problem = context.problem
    attendee = problem.learners[i]
    starts = problem.raw_learner_starts[i]
    if attendee.everything == 0:
        return _unplaced(attendee, Reason.NO_AVAILABILITY, "no weekly availability given")
    if not starts and not problem.learner_joins[i]:
        return _without_any_time(context, attendee)
    reason, detail = _learner_reason(context, i, starts)
    return _unplaced(attendee, reason, detail, _nearest_groups(context, attendee))


def _learner_reason(context: _Context, i: int, starts: frozenset[int]) -> tuple[Reason, str]:
    problem = context.problem
    if problem.facilitated:
        starts = starts & context.facilitator_starts
        if not starts and not problem.learner_joins[i]:
            return Reason.NO_FACILITATOR_TIME, "no facilitator is available at any of your times"
    most = max((context.seats[s] for s in starts), default=0)
    if most < context.low:
        return (
            Reason.TOO_FEW_LEARNERS,
            f"at most {most} learners can meet at any of your times; {context.low} are needed",
        )
    free = [s for s in starts if not problem.facilitated or context.free_facilitator_at(s)]
    if problem.facilitated and not free:
        return Reason.FACILITATOR_CAPACITY, "every facilitator at your times is fully booked"
    if any(context.waiting[s] >= context.low for s in free) or _group_with_room(context, starts):
        return Reason.NOT_OPTIMAL, "the solver stopped before proving the best answer"
    return (
        Reason.TOO_FEW_LEARNERS,
        "the groups at your times are full and too few unplaced learners share a time",
    )


def _group_with_room(context: _Context, starts: frozenset[int]) -> bool:
    catalog = context.problem.catalog
    series = {catalog.starts[s].minutes for s in starts}
    return any(
        context.group_minutes[group.name] in series
        for group in context.with_room
        if not group.existing
    )


def _without_any_time(context: _Context, attendee: Attendee) -> Unplaced:
    """No start fits every meeting: if some fit some meetings, a clock change is to blame."""
    partial = _partial_starts(context, attendee)
    if not partial:
        minutes = context.problem.params.meeting_minutes
        detail = f"no availability block fits a whole {minutes}-minute meeting"
        return _unplaced(attendee, Reason.NO_AVAILABILITY, detail)
    _best, weeks = partial[0]
    total = context.problem.params.meeting_count
    changes = _clock_changes(context, attendee)
    detail = f"available for at most {weeks} of {total} meetings at any time; {changes}"
    suggestions = tuple(
        _start_suggestion(context, attendee, s, w) for s, w in partial[:_SUGGESTIONS]
    )
    return _unplaced(attendee, Reason.DAYLIGHT_SAVING, detail, suggestions)


def _partial_starts(context: _Context, attendee: Attendee) -> list[tuple[int, int]]:
    """Starts where some but not all meetings fit, most weeks first."""
    import numpy as np

    table = context.week_masks(attendee.person.timezone)
    weeks = table.weeks(attendee.everything)
    found = np.flatnonzero((weeks > 0) & (weeks < table.meetings))
    ordered = found[np.lexsort((found, -weeks[found]))]  # most weeks, then the earliest start
    return [(int(index), int(weeks[index])) for index in ordered]


def _clock_changes(context: _Context, attendee: Attendee) -> str:
    params = context.problem.params
    zones = {attendee.person.timezone}
    if not params.per_group_anchor:
        zones.add(params.anchor_timezone)
    notes = []
    for name in sorted(zones):
        for moment, _old, _new in context.problem.catalog.offsets(name).changes():
            day = datetime.fromtimestamp(moment * 60, UTC).date().isoformat()
            notes.append(f"{name} changes clocks on {day}")
    return "; ".join(notes) or "the meeting zone and yours change clocks on different dates"


def _start_suggestion(
    context: _Context, attendee: Attendee, start: int, weeks: int
) -> dict[str, object]:
    offsets = context.problem.catalog.offsets(attendee.person.timezone)
    first = context.problem.catalog.starts[start].minutes[0]
    return {
        "time": context.problem.catalog.starts[start].start.label(),
        "your_local_time": week_label(offsets.local_week_minute(first)),
        "meetings_you_can_attend": weeks,
    }


def _nearest_groups(context: _Context, attendee: Attendee) -> tuple[dict[str, object], ...]:
    """Groups with room, by how far their time is from one the person could make."""
    if not context.with_room:
        return ()
    import numpy as np

    offsets = context.problem.catalog.offsets(attendee.person.timezone)
    starts = _local_meeting_starts(attendee.everything, context.problem.params.meeting_minutes)
    local = [
        offsets.local_week_minute(context.group_minutes[group.name][0])
        for group in context.with_room
    ]
    distances = _nearest(np.array(local, dtype=np.int64), np.array(starts, dtype=np.int64))
    names = [group.name for group in context.with_room]
    ranked = sorted(zip(distances.tolist(), names, local, strict=True))
    return tuple(
        {"group": name, "your_local_time": week_label(local), "minutes_away": distance}
        for distance, name, local in ranked[:_SUGGESTIONS]
    )


def _local_meeting_starts(available: int, minutes: int) -> list[int]:
    """Local week minutes at which a whole meeting fits the availability.

    Bit by bit for every cell this was 0.52 s of few facilitators 2,000's whole run (782
    learners left out); a cell starts a meeting where the `span` bits from it are all set,
    so the availability (doubled, for meetings across the week's end) is and-ed with
    itself shifted by each of them."""
    cells = MINUTES_PER_WEEK // CELL_MINUTES
    span = -(-minutes // CELL_MINUTES)
    week = (1 << cells) - 1
    doubled = (available & week) | ((available & week) << cells)
    fits = doubled
    for k in range(1, span):
        fits &= doubled >> k
    fits &= week
    found = []
    while fits:
        low = fits & -fits
        found.append((low.bit_length() - 1) * CELL_MINUTES)
        fits ^= low
    return found


def _nearest(times: NDArray[np.int64], starts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Per week minute in `times`, the minutes to the nearest of `starts` around the week
    (0 where there are none). All at once: one by one, sparse 300's 27 learners left out
    with groups to suggest took 22,000 comparisons in Python."""
    import numpy as np

    if not len(starts):
        return np.zeros(len(times), dtype=np.int64)
    gap = np.abs(times[:, None] - starts[None, :]) % MINUTES_PER_WEEK
    nearest: NDArray[np.int64] = np.minimum(gap, MINUTES_PER_WEEK - gap).min(axis=1)
    return nearest


def _explain_facilitator(context: _Context, f: int) -> Unplaced:
    problem = context.problem
    attendee = problem.facilitators[f]
    if attendee.everything == 0:
        return _unplaced(attendee, Reason.NO_AVAILABILITY, "no weekly availability given")
    if not problem.raw_facilitator_starts[f]:
        return _without_any_time(context, attendee)
    if problem.facilitator_capacity[f] <= 0:
        return _unplaced(attendee, Reason.FACILITATOR_CAPACITY, "no group capacity left")
    detail = "not needed: too few unplaced learners at their times"
    return _unplaced(attendee, Reason.TOO_FEW_LEARNERS, detail)


def _unplaced(
    attendee: Attendee,
    reason: Reason,
    detail: str,
    suggestions: tuple[dict[str, object], ...] = (),
) -> Unplaced:
    person = attendee.person
    return Unplaced(person.id, Role(person.role), reason, detail, suggestions)
