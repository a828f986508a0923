"""A cohort's scheduling problem as read from the database (service.py loads it, saving.py
stores its run): its own module so that the two depend on it and not on each other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from roundtable.scheduling.model import ExistingGroup, Params, Person, Unplaced
from roundtable.scheduling.published import PublishedGroup


@dataclass(frozen=True)
class CohortProblem:
    """Everything the scheduler needs about one cohort, read in one snapshot."""

    cohort_id: int
    cohort_name: str
    params: Params
    people: tuple[Person, ...]  # ids are str(user id)
    existing: tuple[ExistingGroup, ...]  # the cohort's published groups, members fixed
    existing_ids: Mapping[str, int]  # existing group name -> groups.id
    grouped: frozenset[str]  # people already in a published group (never rescheduled)
    rejected: tuple[Unplaced, ...]  # people the scheduler cannot take (unknown time zone)
    # Published groups' times and memberships; re-read before saving to detect changes.
    published: tuple[PublishedGroup, ...]
