"""Regrouping a running cohort: who moves where so that fewer groups stay below the minimum.

A pure model, no database. Its input is the cohort's live groups (weekly time,
facilitators, learners, the meetings still to come) and each learner's weekly
availability in their own zone; its answer is, per learner, stay or move to
another live group, and which emptied groups are dissolved.

- A group's time never changes, and facilitators stay with their groups: so
  no facilitator can end up in two meetings at once. A dissolved group's
  facilitator is freed (their membership ends with the group).
- A learner may move to a group only if they can make *every* remaining
  meeting of it, in their own zone on each real date (the scheduler's own
  check, `feasibility.missed_meetings`: daylight saving included). Staying is
  always allowed.
- Sizes count learners plus the group's facilitators when
  `sizes_include_facilitator` (the scheduler's default). Nobody moves into a
  group that would end above the maximum (a group already above it may keep
  its members).
- A group left with no learners is dissolved (when allowed): it is no longer
  below the minimum, it is gone.

Objective, lexicographic: (1) fewest groups left below the minimum, (2) fewest
learners moved, (3) fewest groups dissolved. Solved exactly with HiGHS
(`regroup_solve.propose` is the entry point); the answer says, per phase, its
value, the proven bound and whether it is optimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from roundtable.scheduling.checks import InvalidInputError
from roundtable.scheduling.feasibility import WeeklyBlock, missed_meetings

PHASES = ("undersized", "moves", "dissolved")


@dataclass(frozen=True)
class RegroupLearner:
    id: int
    name: str
    timezone: str
    availability: tuple[WeeklyBlock, ...]  # weekly local blocks (if-needed time included)


@dataclass(frozen=True)
class RegroupGroup:
    id: int
    name: str
    anchor_timezone: str
    weekday: int  # 0 = Monday, in the anchor zone
    local_time: time
    meeting_minutes: int
    facilitators: tuple[int, ...]
    learners: tuple[int, ...]
    remaining: tuple[datetime, ...]  # starts (aware) of the meetings still to come


@dataclass(frozen=True)
class RegroupProblem:
    groups: tuple[RegroupGroup, ...]
    learners: tuple[RegroupLearner, ...]  # every learner of those groups
    min_size: int
    max_size: int
    sizes_include_facilitator: bool = True
    allow_dissolve: bool = True


@dataclass(frozen=True)
class Instance:
    """The combinatorial core the solver (and a brute force) sees: indices only.

    `current[i]` is learner i's group, `options[i]` the other groups they can
    make every remaining meeting of; `low[g]`/`high[g]` bound group g's
    learners after the regroup.
    """

    current: tuple[int, ...]
    options: tuple[tuple[int, ...], ...]
    low: tuple[int, ...]
    high: tuple[int, ...]
    allow_dissolve: bool


@dataclass(frozen=True)
class Score:
    undersized: int
    moves: int
    dissolved: int

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.undersized, self.moves, self.dissolved)


@dataclass(frozen=True)
class PhaseOutcome:
    name: str  # one of PHASES
    value: int
    bound: int  # proven lower bound (every phase minimises)
    proven: bool


@dataclass(frozen=True)
class Optimality:
    method: str  # "no change needed" (the staying plan meets every bound) or "highs"
    phases: tuple[PhaseOutcome, ...]
    seconds: float

    @property
    def proven(self) -> bool:
        return all(phase.proven for phase in self.phases)

    def text(self) -> str:
        """'proven optimal: 1 group below the minimum, 3 moves, 1 dissolved (HiGHS)'."""
        parts = []
        for phase in self.phases:
            label = {"undersized": "below the minimum", "moves": "moved", "dissolved": "dissolved"}
            parts.append(
                f"{phase.value} {label[phase.name]}"
                + ("" if phase.proven else f" (bound {phase.bound})")
            )
        head = "proven optimal" if self.proven else "best found, not proven"
        return f"{head}: {', '.join(parts)} ({self.method})"


@dataclass(frozen=True)
class Move:
    learner_id: int
    from_group: int
    to_group: int


@dataclass(frozen=True)
class GroupOutcome:
    group_id: int
    name: str
    facilitators: int
    learners_before: int
    learners_after: int
    size_before: int  # as the minimum and maximum count it
    size_after: int
    below_min_before: bool
    below_min_after: bool
    dissolved: bool


@dataclass(frozen=True)
class RegroupPlan:
    moves: tuple[Move, ...]
    groups: tuple[GroupOutcome, ...]
    min_size: int
    max_size: int
    optimality: Optimality

    @property
    def dissolved(self) -> tuple[int, ...]:
        return tuple(g.group_id for g in self.groups if g.dissolved)

    def as_record(self) -> dict[str, Any]:
        """JSON for the job's result (read back with `plan_from_record`)."""
        return {
            "moves": [vars(move) for move in self.moves],
            "groups": [vars(group) for group in self.groups],
            "min_size": self.min_size,
            "max_size": self.max_size,
            "optimality": {
                "method": self.optimality.method,
                "seconds": self.optimality.seconds,
                "phases": [vars(phase) for phase in self.optimality.phases],
            },
        }


def plan_from_record(record: dict[str, Any]) -> RegroupPlan:
    """The plan a job stored (the inverse of `RegroupPlan.as_record`)."""
    optimality = record["optimality"]
    return RegroupPlan(
        moves=tuple(Move(**move) for move in record["moves"]),
        groups=tuple(GroupOutcome(**group) for group in record["groups"]),
        min_size=int(record["min_size"]),
        max_size=int(record["max_size"]),
        optimality=Optimality(
            method=str(optimality["method"]),
            phases=tuple(PhaseOutcome(**phase) for phase in optimality["phases"]),
            seconds=float(optimality["seconds"]),
        ),
    )


def can_join(learner: RegroupLearner, group: RegroupGroup) -> bool:
    """Whether the learner can make every remaining meeting of the group (their zone, each date)."""
    try:
        missed = missed_meetings(
            learner.availability, learner.timezone, group.remaining, group.meeting_minutes
        )
    except InvalidInputError:  # an unknown zone: we cannot show they fit, so they stay
        return False
    return not missed


def seats(problem: RegroupProblem, group: RegroupGroup) -> int:
    """Seats in the size that are not learners: the facilitators, when sizes count them."""
    return len(group.facilitators) if problem.sizes_include_facilitator else 0


def build_instance(problem: RegroupProblem) -> Instance:
    """Indices, who may move where, and each group's learner bounds."""
    _check(problem)
    group_index = {group.id: g for g, group in enumerate(problem.groups)}
    home = {
        learner: group_index[group.id] for group in problem.groups for learner in group.learners
    }
    current, options = [], []
    for learner in problem.learners:
        mine = home[learner.id]
        current.append(mine)
        options.append(
            tuple(
                g
                for g, group in enumerate(problem.groups)
                if g != mine and group.remaining and can_join(learner, group)
            )
        )
    low, high = [], []
    for group in problem.groups:
        taken = seats(problem, group)
        low.append(max(0, problem.min_size - taken))
        # nobody moves into a group beyond the maximum; one already above it keeps its members
        high.append(max(problem.max_size - taken, len(group.learners)))
    return Instance(tuple(current), tuple(options), tuple(low), tuple(high), problem.allow_dissolve)


def score(instance: Instance, assignment: Sequence[int]) -> Score | None:
    """The objective of an assignment (group per learner); None if a group is over its maximum."""
    counts = [0] * len(instance.low)
    for group in assignment:
        counts[group] += 1
    if any(count > high for count, high in zip(counts, instance.high, strict=True)):
        return None
    dissolved = [dissolves(instance, g, count) for g, count in enumerate(counts)]
    undersized = sum(
        1 for g, count in enumerate(counts) if not dissolved[g] and count < instance.low[g]
    )
    moves = sum(1 for i, g in enumerate(assignment) if g != instance.current[i])
    return Score(undersized, moves, sum(dissolved))


def dissolves(instance: Instance, group: int, learners: int) -> bool:
    """A group left without learners is dissolved, when allowed and it needs learners at all."""
    return instance.allow_dissolve and learners == 0 and instance.low[group] > 0


def staying(instance: Instance) -> tuple[int, ...]:
    """The assignment where nobody moves."""
    return instance.current


def make_plan(
    problem: RegroupProblem,
    instance: Instance,
    assignment: Sequence[int],
    optimality: Optimality,
) -> RegroupPlan:
    """The moves and the groups before and after, from an assignment."""
    moves = tuple(
        Move(learner.id, problem.groups[instance.current[i]].id, problem.groups[g].id)
        for i, (learner, g) in enumerate(zip(problem.learners, assignment, strict=True))
        if g != instance.current[i]
    )
    after = [0] * len(problem.groups)
    for g in assignment:
        after[g] += 1
    outcomes = []
    for g, group in enumerate(problem.groups):
        taken = seats(problem, group)
        before = len(group.learners)
        gone = dissolves(instance, g, after[g])
        outcomes.append(
            GroupOutcome(
                group_id=group.id,
                name=group.name,
                facilitators=len(group.facilitators),
                learners_before=before,
                learners_after=after[g],
                size_before=before + taken,
                size_after=0 if gone else after[g] + taken,
                below_min_before=before < instance.low[g],
                below_min_after=not gone and after[g] < instance.low[g],
                dissolved=gone,
            )
        )
    return RegroupPlan(moves, tuple(outcomes), problem.min_size, problem.max_size, optimality)


def _check(problem: RegroupProblem) -> None:
    if not 1 <= problem.min_size <= problem.max_size:
        raise InvalidInputError(
            f"group sizes: need 1 <= min ({problem.min_size}) <= max ({problem.max_size})"
        )
    learners = [learner for group in problem.groups for learner in group.learners]
    if len(learners) != len(set(learners)):
        raise InvalidInputError("a learner is in two groups")
    if sorted(learners) != sorted(learner.id for learner in problem.learners):
        raise InvalidInputError("the learners given are not exactly the groups' learners")
