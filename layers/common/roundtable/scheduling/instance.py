"""The `cohort-scheduling-instance/v1` JSON format: read, check, and write results.

Blocks are `[start, end)` local times ("HH:MM", "24:00" allowed as an end) per
English day name. Errors name the person and the field.
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date
from typing import Any

from roundtable.scheduling.catalog import week_minute_utc
from roundtable.scheduling.checks import InvalidInputError, check_params, check_person
from roundtable.scheduling.model import (
    DAY_NAMES,
    Block,
    ExistingGroup,
    Group,
    Params,
    Person,
    Role,
    ScheduleResult,
    Start,
)
from roundtable.scheduling.timegrid import series_datetimes, to_epoch_minutes

FORMAT = "cohort-scheduling-instance/v1"
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_DATE_FIELDS = {"reference_week_monday", "cohort_start_date"}


class InstanceError(InvalidInputError):
    """The instance document is malformed; the message names the person and field."""


def parse_instance(document: Any) -> tuple[Params, list[Person], list[ExistingGroup]]:
    """Parameters, people and existing groups from a v1 document."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InstanceError(f"format: expected {FORMAT!r}")
    params = parse_params(document.get("params", {}))
    people_doc = document.get("people")
    if not isinstance(people_doc, list):
        raise InstanceError("people: expected a list")
    people, seen = [], set()
    for position, entry in enumerate(people_doc):
        person = parse_person(entry, position)
        if person.id in seen:
            raise InstanceError(f"person {person.id!r}: id: duplicate id")
        seen.add(person.id)
        people.append(person)
    existing = [_parse_existing(entry) for entry in document.get("existing_groups", [])]
    return params, people, existing


def parse_params(raw: Any) -> Params:
    """Params from the `params` object; unknown keys are rejected."""
    if not isinstance(raw, dict):
        raise InstanceError("params: expected an object")
    known = {f.name for f in fields(Params)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise InstanceError(f"params.{key}: unknown parameter")
        values[key] = _param_value(key, value)
    params = Params(**values)
    check_params(params)
    return params


def _param_value(key: str, value: Any) -> Any:
    if key in _DATE_FIELDS:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise InstanceError(f"params.{key}: {value!r} is not a YYYY-MM-DD date") from exc
    if key == "anchor_candidates":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InstanceError(f"params.{key}: expected a list of zone names")
        return tuple(value)
    if key in ("sizes_include_facilitator", "require_facilitator", "use_if_needed"):
        if not isinstance(value, bool):
            raise InstanceError(f"params.{key}: {value!r} is not true or false")
        return value
    if key == "anchor_timezone":
        if not isinstance(value, str):
            raise InstanceError(f"params.{key}: {value!r} is not a zone name")
        return value
    if value is None and key == "number_of_meetings":
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InstanceError(f"params.{key}: {value!r} is not an integer")
    return value


def parse_person(raw: Any, position: int) -> Person:
    """One person; the error names them by id (or position) and field."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise InstanceError(f"people[{position}]: id: expected a non-empty string")
    who = f"person {raw['id']!r}"
    try:
        role = Role(str(raw.get("role")))
    except ValueError as exc:
        raise InstanceError(f"{who}: role: unknown role {raw.get('role')!r}") from exc
    zone_name = raw.get("timezone")
    if not isinstance(zone_name, str):
        raise InstanceError(f"{who}: timezone: expected a zone name")
    max_groups = raw.get("max_groups", 2)
    if not isinstance(max_groups, int) or isinstance(max_groups, bool) or max_groups < 0:
        raise InstanceError(f"{who}: max_groups: {max_groups!r} is not a whole number >= 0")
    person = Person(
        id=raw["id"],
        role=role,
        timezone=zone_name,
        available=parse_blocks(raw.get("availability_local", {}), f"{who}: availability_local"),
        if_needed=parse_blocks(raw.get("if_needed_local", {}), f"{who}: if_needed_local"),
        max_groups=max_groups,
        certified=bool(raw.get("certified", True)),
    )
    check_person(person)
    return person


def parse_blocks(raw: Any, where: str) -> tuple[Block, ...]:
    """{"Monday": [["18:00", "20:00"]]} -> blocks; rejects unknown days and bad times."""
    if not isinstance(raw, dict):
        raise InstanceError(f"{where}: expected an object of day names")
    blocks = []
    for day, intervals in raw.items():
        if day not in DAY_NAMES:
            raise InstanceError(f"{where}: unknown day {day!r}")
        if not isinstance(intervals, list):
            raise InstanceError(f"{where}.{day}: expected a list of [start, end] pairs")
        for interval in intervals:
            if not isinstance(interval, list) or len(interval) != 2:
                raise InstanceError(f"{where}.{day}: {interval!r} is not a [start, end] pair")
            start, end = (_minute(text, f"{where}.{day}") for text in interval)
            if end <= start:
                raise InstanceError(
                    f"{where}.{day}: end {interval[1]} is not after start {interval[0]}"
                )
            blocks.append(Block(DAY_NAMES.index(day), start, end))
    return tuple(sorted(blocks))


def _minute(text: Any, where: str) -> int:
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None or (match[1] == "24" and match[2] != "00"):
        raise InstanceError(f"{where}: malformed time {text!r} (expected HH:MM)")
    return int(match[1]) * 60 + int(match[2])


def _parse_existing(raw: Any) -> ExistingGroup:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise InstanceError("existing_groups: each needs a name")
    where = f"existing group {raw['name']!r}"
    weekday = raw.get("weekday")
    if weekday not in DAY_NAMES:
        raise InstanceError(f"{where}: weekday: unknown day {weekday!r}")
    start = Start(
        str(raw.get("anchor_timezone", "UTC")),
        DAY_NAMES.index(weekday),
        _minute(raw.get("local_time"), f"{where}: local_time"),
    )
    return ExistingGroup(
        raw["name"], start, tuple(raw.get("facilitators", [])), tuple(raw.get("learners", []))
    )


def result_document(result: ScheduleResult, params: Params) -> dict[str, Any]:
    """The CLI's JSON output."""
    stats = result.stats
    return {
        "groups": [_group_document(group, params) for group in result.groups],
        "unplaced": [
            {
                "id": u.person_id,
                "role": u.role.value,
                "reason": u.reason.value,
                "detail": u.detail,
                "suggestions": list(u.suggestions),
            }
            for u in result.unplaced
        ],
        "stats": {
            "learners": stats.learners,
            "placed": stats.placed,
            "upper_bound": stats.upper_bound,
            "gap": round(stats.gap, 6),
            "seconds": stats.seconds,
            "method": stats.method,
            "heuristic_placed": stats.heuristic_placed,
            "phases": list(stats.phases),
            "placement_seconds": stats.placement_seconds,
        },
        "notes": list(result.notes),
    }


def _group_document(group: Group, params: Params) -> dict[str, Any]:
    meetings = series_datetimes(group.start, params)
    hours, minutes = divmod(group.start.local_minute, 60)
    return {
        "name": group.name,
        "facilitators": list(group.facilitators),
        "learners": list(group.learners),
        "start_minute": week_minute_utc(to_epoch_minutes(meetings[0])),
        "anchor_timezone": group.start.anchor,
        "weekday": DAY_NAMES[group.start.weekday],
        "local_time": f"{hours:02d}:{minutes:02d}",
        "first_meeting_utc": meetings[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "existing": group.existing,
        "local_time_changes": [
            {
                "id": c.person_id,
                "from": c.first_local,
                "to": c.changed_local,
                "from_meeting": c.from_meeting,
            }
            for c in group.local_time_changes
        ],
    }
