"""An independent checker of scheduling results, written without the scheduler's code.

It recomputes every meeting datetime from the group's anchor, weekday and local
time with zoneinfo, and checks each rule of the scheduling issue on the JSON
result: sizes, one facilitator per group, facilitator capacity and no
overlapping meetings in any week, every member available (in their own zone)
at every minute of every real meeting, each learner in at most one group.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
UTC = ZoneInfo("UTC")


def _meetings(group: dict[str, Any], params: dict[str, Any]) -> list[datetime]:
    weekday = DAYS.index(group["weekday"])
    earliest = date.fromisoformat(
        params.get("cohort_start_date") or params.get("reference_week_monday", "2025-01-06")
    )
    count = params.get("number_of_meetings") if params.get("cohort_start_date") else 1
    count = count or 1
    first = earliest + timedelta(days=(weekday - earliest.weekday()) % 7)
    hour, minute = map(int, group["local_time"].split(":"))
    anchor = ZoneInfo(group["anchor_timezone"])
    return [
        datetime.combine(first + timedelta(weeks=k), time(hour, minute), anchor).astimezone(UTC)
        for k in range(count)
    ]


def _free_at(person: dict[str, Any], moment: datetime, use_if_needed: bool) -> bool:
    local = moment.astimezone(ZoneInfo(person["timezone"]))
    minute = local.hour * 60 + local.minute
    day = DAYS[local.weekday()]
    sources = [person.get("availability_local", {})]
    if use_if_needed:
        sources.append(person.get("if_needed_local", {}))
    for source in sources:
        for start, end in source.get(day, []):
            low = int(start[:2]) * 60 + int(start[3:])
            high = int(end[:2]) * 60 + int(end[3:])
            if low <= minute and minute + 15 <= high:
                return True
    return False


def _attends(person: dict[str, Any], meetings: list[datetime], length: int, ifn: bool) -> bool:
    return all(
        _free_at(person, start + timedelta(minutes=step), ifn)
        for start in meetings
        for step in range(0, length, 15)
    )


class _Check:
    """Accumulates broken rules while walking a result."""

    def __init__(self, instance: dict[str, Any]) -> None:
        self.params = instance["params"]
        self.people = {p["id"]: p for p in instance["people"]}
        self.length = self.params.get("meeting_minutes", 60)
        self.use_if_needed = self.params.get("use_if_needed", True)
        self.facilitated = self.params.get("require_facilitator", True)
        seat = 1 if self.facilitated and self.params.get("sizes_include_facilitator", True) else 0
        self.low = self.params.get("min_group_size", 4) - seat
        self.high = self.params.get("max_group_size", 8) - seat
        self.errors: list[str] = []
        self.names: set[str] = set()
        self.learners: set[str] = set()
        self.meetings_of: dict[str, list[datetime]] = {}
        self.groups_of: dict[str, int] = {}

    def group(self, group: dict[str, Any]) -> None:
        name = group["name"]
        if name in self.names:
            self.errors.append(f"{name}: duplicate name")
        self.names.add(name)
        meetings = _meetings(group, self.params)
        self.series(group, meetings)
        self.sizes(group)
        for member in group["facilitators"]:
            self.facilitator(name, member, meetings)
        for member in group["learners"]:
            self.learner(name, member)
        if not group.get("existing"):
            for member in (*group["facilitators"], *group["learners"]):
                person = self.people.get(member)
                if person and not _attends(person, meetings, self.length, self.use_if_needed):
                    self.errors.append(f"{name}: {member} is not free at every meeting")

    def series(self, group: dict[str, Any], meetings: list[datetime]) -> None:
        name, first = group["name"], meetings[0]
        if group["first_meeting_utc"] != first.strftime("%Y-%m-%dT%H:%M:%SZ"):
            self.errors.append(f"{name}: first_meeting_utc {group['first_meeting_utc']} is wrong")
        week_minute = first.weekday() * 1440 + first.hour * 60 + first.minute
        if group["start_minute"] != week_minute:
            self.errors.append(f"{name}: start_minute {group['start_minute']} != {week_minute}")

    def sizes(self, group: dict[str, Any]) -> None:
        name, count = group["name"], len(group["learners"])
        if self.facilitated and len(group["facilitators"]) != 1:
            self.errors.append(f"{name}: {len(group['facilitators'])} facilitators")
        if not self.facilitated and group["facilitators"]:
            self.errors.append(f"{name}: facilitators in a peer group")
        if count > self.high or (count < self.low and not group.get("existing")):
            self.errors.append(f"{name}: {count} learners, outside {self.low}..{self.high}")

    def facilitator(self, name: str, member: str, meetings: list[datetime]) -> None:
        person = self.people.get(member)
        if person is None or person["role"] != "facilitator":
            self.errors.append(f"{name}: {member} is not a facilitator")
        elif not person.get("certified", True):
            self.errors.append(f"{name}: {member} is not certified")
        self.meetings_of.setdefault(member, []).extend(meetings)
        self.groups_of[member] = self.groups_of.get(member, 0) + 1

    def learner(self, name: str, member: str) -> None:
        person = self.people.get(member)
        if person is None or person["role"] != "learner":
            self.errors.append(f"{name}: {member} is not a learner")
        if member in self.learners:
            self.errors.append(f"{name}: {member} is in two groups")
        self.learners.add(member)

    def facilitator_load(self) -> None:
        for member, meetings in self.meetings_of.items():
            cap = self.people.get(member, {}).get("max_groups", 2)
            if self.groups_of[member] > cap:
                self.errors.append(f"{member}: {self.groups_of[member]} groups, above {cap}")
            ordered = sorted(meetings)
            for before, after in zip(ordered, ordered[1:], strict=False):
                if after - before < timedelta(minutes=self.length):
                    self.errors.append(f"{member}: meetings overlap at {before} and {after}")

    def accounting(self, result: dict[str, Any]) -> None:
        everyone = {p for p, person in self.people.items() if person["role"] == "learner"}
        unplaced = {u["id"] for u in result["unplaced"]}
        stats = result["stats"]
        if stats["placed"] != len(self.learners):
            self.errors.append(f"stats.placed {stats['placed']} != {len(self.learners)}")
        if everyone - self.learners - unplaced:
            self.errors.append(f"not placed, not explained: {everyone - self.learners - unplaced}")
        if unplaced & self.learners:
            self.errors.append(f"placed and unplaced: {unplaced & self.learners}")
        if stats["upper_bound"] < stats["placed"]:
            self.errors.append("upper bound below placement")


def validate(instance: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Every broken rule, as readable strings (empty when the result is valid)."""
    check = _Check(instance)
    for group in result["groups"]:
        check.group(group)
    check.facilitator_load()
    check.accounting(result)
    return check.errors
