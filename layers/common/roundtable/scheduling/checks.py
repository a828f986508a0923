"""Reject inputs the scheduler cannot honour, naming the person and field."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfoNotFoundError

from roundtable.scheduling.model import (
    CELL_MINUTES,
    MINUTES_PER_DAY,
    PER_GROUP,
    Block,
    ExistingGroup,
    Params,
    Person,
    SchedulingError,
)
from roundtable.scheduling.timegrid import zone


class InvalidInputError(SchedulingError, ValueError):
    """The people, parameters or existing groups given to the scheduler are not usable."""


def check_inputs(
    people: Sequence[Person], params: Params, existing: Sequence[ExistingGroup]
) -> None:
    """Raise InvalidInputError on the first problem found."""
    check_params(params)
    seen: set[str] = set()
    for person in people:
        if person.id in seen:
            raise InvalidInputError(f"person {person.id!r}: duplicate id")
        seen.add(person.id)
        check_person(person)
    for group in existing:
        _check_existing(group, seen)


def check_params(params: Params) -> None:
    """Parameters within the ranges the model supports."""
    if params.meeting_minutes <= 0 or params.meeting_minutes % CELL_MINUTES:
        raise InvalidInputError(
            f"params.meeting_minutes: {params.meeting_minutes} is not a multiple of {CELL_MINUTES}"
        )
    if (
        params.slot_minutes <= 0
        or params.slot_minutes % CELL_MINUTES
        or MINUTES_PER_DAY % params.slot_minutes
    ):
        raise InvalidInputError(
            f"params.slot_minutes: {params.slot_minutes} must be a multiple of {CELL_MINUTES} "
            "that divides a day"
        )
    low, high = params.learner_bounds()
    if low < 1 or low > high:
        raise InvalidInputError(
            f"params.min_group_size: {params.min_group_size}..{params.max_group_size} "
            "leaves no valid group size"
        )
    if params.reference_week_monday.weekday() != 0:
        raise InvalidInputError(
            f"params.reference_week_monday: {params.reference_week_monday} is not a Monday"
        )
    if params.number_of_meetings is not None and not 1 <= params.number_of_meetings <= 52:
        raise InvalidInputError(
            f"params.number_of_meetings: {params.number_of_meetings} is not 1..52"
        )
    if params.anchor_timezone != PER_GROUP:
        _check_zone(params.anchor_timezone, "params.anchor_timezone")
    for name in params.anchor_candidates:
        _check_zone(name, "params.anchor_candidates")


def check_person(person: Person) -> None:
    """A known zone, blocks inside one day, a non-negative group maximum."""
    _check_zone(person.timezone, f"person {person.id!r}: timezone")
    for field_name, blocks in (("availability", person.available), ("if_needed", person.if_needed)):
        for block in blocks:
            _check_block(block, f"person {person.id!r}: {field_name}")
    if person.max_groups < 0:
        raise InvalidInputError(f"person {person.id!r}: max_groups {person.max_groups} is negative")


def _check_block(block: Block, where: str) -> None:
    if not 0 <= block.weekday <= 6:
        raise InvalidInputError(f"{where}: weekday {block.weekday} is not 0..6")
    if not 0 <= block.start_minute < block.end_minute <= MINUTES_PER_DAY:
        raise InvalidInputError(
            f"{where}: {block.start_minute}..{block.end_minute}: end before start "
            "or outside the day"
        )
    if block.start_minute % CELL_MINUTES or block.end_minute % CELL_MINUTES:
        raise InvalidInputError(
            f"{where}: {block.start_minute}..{block.end_minute}: off the {CELL_MINUTES}-minute grid"
        )


def _check_existing(group: ExistingGroup, known: set[str]) -> None:
    _check_zone(group.start.anchor, f"existing group {group.name!r}: anchor_timezone")
    for member in (*group.facilitators, *group.learners):
        if member not in known:
            raise InvalidInputError(
                f"existing group {group.name!r}: member {member!r} is not among the people"
            )


def _check_zone(name: str, where: str) -> None:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(f"{where}: unknown time zone {name!r}") from exc
