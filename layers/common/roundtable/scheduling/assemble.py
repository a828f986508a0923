"""Turn a plan into named groups with their anchors and members' local-time changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from roundtable.scheduling.catalog import StartInfo
from roundtable.scheduling.model import DAY_NAMES, MINUTES_PER_DAY, Group, LocalTimeChange, Start
from roundtable.scheduling.plan import Plan, split_evenly
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.timegrid import ZoneOffsets


def assemble_groups(problem: Problem, plan: Plan) -> list[Group]:
    """Existing groups (with joiners) first, then new groups in meeting order."""
    groups = [_existing_group(problem, plan, index) for index in range(len(problem.existing))]
    names = _fresh_names({group.name for group in groups})
    for start in sorted(plan.groups_at, key=lambda s: problem.catalog.starts[s].minutes):
        leaders = sorted(plan.groups_at[start], key=lambda f: _facilitator_id(problem, f))
        members = sorted(plan.learners_at.get(start, []), key=lambda i: _learner_id(problem, i))
        for leader, chunk in zip(leaders, split_evenly(members, len(leaders)), strict=True):
            facilitators = () if leader < 0 else (_facilitator_id(problem, leader),)
            learners = tuple(_learner_id(problem, i) for i in chunk)
            info = problem.catalog.starts[start]
            anchored = _choose_anchor(problem, info, facilitators + learners)
            changes = _local_changes(problem, info.minutes, facilitators + learners)
            groups.append(Group(next(names), anchored, facilitators, learners, False, changes))
    return groups


def _existing_group(problem: Problem, plan: Plan, index: int) -> Group:
    slot = problem.existing[index]
    joiners = tuple(_learner_id(problem, i) for i in plan.joins.get(index, []))
    members = slot.group.facilitators + slot.group.learners + joiners
    changes = _local_changes(problem, slot.minutes, members)
    group = slot.group
    return Group(
        group.name, group.start, group.facilitators, group.learners + joiners, True, changes
    )


def _fresh_names(taken: set[str]) -> Iterator[str]:
    number = 0
    while True:
        number += 1
        if f"Group {number}" not in taken:
            yield f"Group {number}"


def _learner_id(problem: Problem, index: int) -> str:
    return problem.learners[index].person.id


def _facilitator_id(problem: Problem, index: int) -> str:
    return "" if index < 0 else problem.facilitators[index].person.id


def _choose_anchor(problem: Problem, info: StartInfo, member_ids: tuple[str, ...]) -> Start:
    """Among anchors giving the same meetings: the facilitator's zone, else members' commonest."""
    if len(info.equivalents) == 1:
        return info.start
    zones = _zones_of(problem)
    ranked = Counter(zones[member] for member in member_ids[1:])
    preferred = [zones[member_ids[0]]] if member_ids else []
    preferred += sorted(ranked, key=lambda name: (-ranked[name], name))
    by_anchor = {start.anchor: start for start in reversed(info.equivalents)}
    return next((by_anchor[name] for name in preferred if name in by_anchor), info.start)


def _zones_of(problem: Problem) -> dict[str, str]:
    return problem.zones


def _local_changes(
    problem: Problem, minutes: tuple[int, ...], member_ids: tuple[str, ...]
) -> tuple[LocalTimeChange, ...]:
    zones = _zones_of(problem)
    changes = []
    for member in member_ids:
        zone_name = zones.get(member)
        if zone_name is None:
            continue  # a member of an existing group who is not in this run's people
        change = local_time_change(problem.catalog.offsets(zone_name), minutes, member)
        if change is not None:
            changes.append(change)
    return tuple(changes)


def local_time_change(
    offsets: ZoneOffsets, minutes: tuple[int, ...], member: str
) -> LocalTimeChange | None:
    """The first meeting at which the member's local time differs from their first one."""
    first = offsets.local_week_minute(minutes[0])
    for number, moment in enumerate(minutes[1:], start=2):
        local = offsets.local_week_minute(moment)
        if local != first:
            return LocalTimeChange(member, week_label(first), week_label(local), number)
    return None


def week_label(week_minute: int) -> str:
    """'Tuesday 18:30' from minutes since Monday 00:00."""
    day, minute = divmod(week_minute, MINUTES_PER_DAY)
    return f"{DAY_NAMES[day]} {minute // 60:02d}:{minute % 60:02d}"
