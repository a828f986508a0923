"""What a scheduling run reports: the typed summary a job hands to its listeners.

The job row stores `as_record()` (JSON); listeners (the Discord reply, ...)
read the dataclass.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class GroupLine:
    """One new preview group as the summary lists it."""

    name: str
    size: int  # facilitators and learners
    time: str  # its weekly start, e.g. "Monday 18:00 Europe/London"


@dataclass(frozen=True)
class ScheduleSummary:
    cohort_id: int
    cohort_name: str
    run_id: int  # the scheduling_runs row of this run (Publish / Discard name it)
    groups: tuple[GroupLine, ...]  # the new preview groups
    placed: int  # learners placed in a group
    learners: int  # learners who signed up
    unplaced_by_reason: dict[str, int]  # e.g. {"no_availability": 2}
    gap: float  # relative optimality gap (0 = proven optimal)
    upper_bound: int  # no schedule places more learners than this
    seconds: float  # solver wall time
    dst_notes: tuple[str, ...]
    preview_group_ids: tuple[int, ...]
    proposed_joins: int  # newcomers proposed to join published groups
    facilitators_without_group: int

    def as_record(self) -> dict[str, Any]:
        """The summary as JSON values (lists for tuples), as the job row stores it."""
        record = asdict(self)
        record["groups"] = [asdict(group) for group in self.groups]
        record["dst_notes"] = list(self.dst_notes)
        record["preview_group_ids"] = list(self.preview_group_ids)
        return record
