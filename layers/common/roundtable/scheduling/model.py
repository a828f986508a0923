"""The scheduler's vocabulary: people, parameters, starts, groups and results.

Plain frozen dataclasses; no framework, no solver. Times that people give are
weekly wall-clock blocks in their own IANA zone; a group's weekly time is a
`Start`: a weekday and local time in an anchor zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
# Availability is kept on a 15-minute local grid so that quarter-hour zones
# (Nepal, Chatham) still line up with half-hour meeting starts.
CELL_MINUTES = 15
PER_GROUP = "per_group"


class SchedulingError(Exception):
    """Base class of the scheduler's errors."""


class Role(StrEnum):
    LEARNER = "learner"
    FACILITATOR = "facilitator"


class Reason(StrEnum):
    """Why someone was not placed; values match the `unplaced_reason` DB enum."""

    NO_AVAILABILITY = "no_availability"
    NO_FACILITATOR_TIME = "no_facilitator_time"
    TOO_FEW_LEARNERS = "too_few_learners"
    FACILITATOR_CAPACITY = "facilitator_capacity"
    DAYLIGHT_SAVING = "daylight_saving"
    UNCERTIFIED_FACILITATOR = "uncertified_facilitator"
    NOT_OPTIMAL = "not_optimal"


@dataclass(frozen=True, order=True)
class Block:
    """A weekly local interval [start_minute, end_minute) on one weekday (0 = Monday)."""

    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Person:
    id: str
    role: Role
    timezone: str
    available: tuple[Block, ...] = ()
    if_needed: tuple[Block, ...] = ()
    max_groups: int = 2
    certified: bool = True


@dataclass(frozen=True, order=True)
class Start:
    """A weekly meeting time: weekday (0 = Monday) and minute of day in the anchor zone."""

    anchor: str
    weekday: int
    local_minute: int

    def label(self) -> str:
        """'Tuesday 18:30 Europe/London'."""
        hours, minutes = divmod(self.local_minute, 60)
        return f"{DAY_NAMES[self.weekday]} {hours:02d}:{minutes:02d} {self.anchor}"


@dataclass(frozen=True)
class Params:
    meeting_minutes: int = 60
    slot_minutes: int = 30
    min_group_size: int = 4
    max_group_size: int = 8
    target_group_size: int = 6
    sizes_include_facilitator: bool = True
    require_facilitator: bool = True
    use_if_needed: bool = True
    reference_week_monday: date = date(2025, 1, 6)
    cohort_start_date: date | None = None
    number_of_meetings: int | None = None
    # An IANA zone, or PER_GROUP to let every group choose among anchor_candidates.
    anchor_timezone: str = "UTC"
    anchor_candidates: tuple[str, ...] = ()

    @property
    def per_group_anchor(self) -> bool:
        return self.anchor_timezone == PER_GROUP

    @property
    def first_date(self) -> date:
        """The earliest date a meeting may fall on."""
        return self.cohort_start_date or self.reference_week_monday

    @property
    def meeting_count(self) -> int:
        """Meetings checked per series: the cohort's, or one in the reference week."""
        if self.cohort_start_date is None or self.number_of_meetings is None:
            return 1
        return self.number_of_meetings

    def learner_bounds(self) -> tuple[int, int]:
        """(min, max) learners per group."""
        seat = 1 if self.require_facilitator and self.sizes_include_facilitator else 0
        return self.min_group_size - seat, self.max_group_size - seat

    def target_learners(self) -> int:
        """Learners per group the size objective aims at, within the bounds."""
        seat = 1 if self.require_facilitator and self.sizes_include_facilitator else 0
        low, high = self.learner_bounds()
        return min(max(self.target_group_size - seat, low), high)


@dataclass(frozen=True)
class ExistingGroup:
    """A group from an earlier run whose members stay where they are."""

    name: str
    start: Start
    facilitators: tuple[str, ...]
    learners: tuple[str, ...]


@dataclass(frozen=True)
class LocalTimeChange:
    """A member whose local meeting time differs from their first meeting's."""

    person_id: str
    first_local: str
    changed_local: str
    from_meeting: int


@dataclass(frozen=True)
class Group:
    name: str
    start: Start
    facilitators: tuple[str, ...]
    learners: tuple[str, ...]
    existing: bool = False
    local_time_changes: tuple[LocalTimeChange, ...] = ()


@dataclass(frozen=True)
class Unplaced:
    person_id: str
    role: Role
    reason: Reason
    detail: str
    suggestions: tuple[dict[str, object], ...] = ()


@dataclass(frozen=True)
class Stats:
    learners: int
    placed: int
    upper_bound: int
    gap: float
    seconds: float
    method: str
    heuristic_placed: int
    phases: tuple[str, ...] = ()
    placement_seconds: float = 0.0  # the exact solve's placement phase (proof included)


@dataclass(frozen=True)
class ScheduleResult:
    groups: tuple[Group, ...]
    unplaced: tuple[Unplaced, ...]
    stats: Stats
    notes: tuple[str, ...] = field(default_factory=tuple)
