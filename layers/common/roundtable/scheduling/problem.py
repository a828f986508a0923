"""The scheduling problem in aggregated form, shared by the heuristic and the solver.

Learners who can make exactly the same starts (at the same costs) are
interchangeable, so they form one class; the models count learners per class
and start instead of deciding for each person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from roundtable.scheduling.catalog import Catalog
from roundtable.scheduling.model import ExistingGroup, Params, Person, Role
from roundtable.scheduling.options import cost_matrix, option_dicts, start_sets
from roundtable.scheduling.timegrid import availability_mask, series_minutes


@dataclass(frozen=True)
class Attendee:
    """A person with their weekly availability as local cell masks."""

    person: Person
    regular: int
    everything: int


@dataclass(frozen=True)
class ExistingSlot:
    """An earlier group that new learners may join."""

    group: ExistingGroup
    minutes: tuple[int, ...]
    room: int


@dataclass(frozen=True)
class LearnerClass:
    members: tuple[int, ...]  # learner indices, in id order
    options: tuple[tuple[int, int], ...]  # (start index, cost)
    joins: tuple[tuple[int, int], ...]  # (existing slot index, cost)


@dataclass
class Problem:
    params: Params
    catalog: Catalog
    learners: list[Attendee]
    facilitators: list[Attendee]
    existing: list[ExistingSlot]
    learner_options: list[dict[int, int]] = field(default_factory=list)
    learner_joins: list[dict[int, int]] = field(default_factory=list)
    facilitator_options: list[dict[int, int]] = field(default_factory=list)
    facilitator_capacity: list[int] = field(default_factory=list)
    classes: list[LearnerClass] = field(default_factory=list)
    viable_starts: list[int] = field(default_factory=list)
    # Before dropping starts where no group can form; the reasons need them.
    raw_learner_starts: list[frozenset[int]] = field(default_factory=list)
    raw_facilitator_starts: list[frozenset[int]] = field(default_factory=list)
    zones: dict[str, str] = field(default_factory=dict)  # person id -> IANA zone, everyone
    # The options as numpy matrices (people x catalogue starts): the cost, or -1 where
    # the person cannot take that start. The dicts above are read off these.
    learner_costs: Any = None
    facilitator_costs: Any = None

    @property
    def facilitated(self) -> bool:
        return self.params.require_facilitator

    def if_needed_weight(self) -> int:
        """What one person's if-needed option costs: more than every time shift of
        everyone together, so the preference cost puts if-needed seats first."""
        return len(self.learners) + len(self.facilitators) + 1


def default_anchors(params: Params, people: Sequence[Person]) -> list[str]:
    """The anchors groups may use: the cohort's, or for per-group the candidates."""
    if not params.per_group_anchor:
        return [params.anchor_timezone]
    if params.anchor_candidates:
        return list(params.anchor_candidates)
    counts = Counter(person.timezone for person in people)
    ranked = sorted(counts, key=lambda name: (-counts[name], name))
    return ["UTC", *[name for name in ranked if name != "UTC"]]


def to_attendee(person: Person, params: Params) -> Attendee:
    """A person with availability masks (if-needed counts only when the cohort allows it)."""
    regular = availability_mask(person.available)
    extra = availability_mask(person.if_needed) if params.use_if_needed else 0
    return Attendee(person, regular, regular | extra)


def build_problem(
    params: Params,
    catalog: Catalog,
    learners: Sequence[Person],
    facilitators: Sequence[Person],
    existing: Sequence[ExistingGroup],
) -> Problem:
    """Work out who can make which start, and the classes of interchangeable learners."""
    problem = Problem(
        params=params,
        catalog=catalog,
        learners=[to_attendee(person, params) for person in learners],
        facilitators=[to_attendee(person, params) for person in facilitators],
        existing=_existing_slots(params, existing),
    )
    weight = problem.if_needed_weight()
    problem.learner_costs = cost_matrix(catalog, problem.learners, weight)
    problem.facilitator_costs = cost_matrix(catalog, problem.facilitators, weight)
    problem.learner_joins = [_joins(problem, a, weight) for a in problem.learners]
    problem.facilitator_capacity = _capacities(problem)
    problem.raw_learner_starts = start_sets(problem.learner_costs)
    problem.raw_facilitator_starts = start_sets(problem.facilitator_costs)
    _drop_facilitator_clashes_with_existing(problem)
    derive_options(problem)
    return problem


def derive_options(problem: Problem) -> None:
    """Viable starts, everyone's options and the learner classes, from the cost matrices
    (the end of `build_problem`; regions.py also builds a problem's matrices itself)."""
    _keep_viable_starts(problem)
    problem.learner_options = option_dicts(problem.learner_costs)
    problem.facilitator_options = option_dicts(problem.facilitator_costs)
    problem.classes = _classes(problem)


def _existing_slots(params: Params, existing: Sequence[ExistingGroup]) -> list[ExistingSlot]:
    high = params.learner_bounds()[1]
    return [
        ExistingSlot(group, series_minutes(group.start, params), high - len(group.learners))
        for group in existing
    ]


def _joins(problem: Problem, attendee: Attendee, weight: int) -> dict[int, int]:
    """Existing groups with room that this learner can attend, and the cost."""
    offsets = problem.catalog.offsets(attendee.person.timezone)
    minutes = problem.params.meeting_minutes
    joins = {}
    for index, slot in enumerate(problem.existing):
        if slot.room <= 0:
            continue
        needed = 0
        for moment in slot.minutes:
            needed |= offsets.meeting_mask(moment, minutes)
        if needed & ~attendee.everything == 0:
            local = {offsets.local_week_minute(moment) for moment in slot.minutes}
            joins[index] = weight * (needed & ~attendee.regular != 0) + (len(local) > 1)
    return joins


def _capacities(problem: Problem) -> list[int]:
    used = Counter(f for slot in problem.existing for f in slot.group.facilitators)
    return [max(a.person.max_groups - used[a.person.id], 0) for a in problem.facilitators]


def _drop_facilitator_clashes_with_existing(problem: Problem) -> None:
    """A facilitator's new groups may not overlap their existing groups in any week."""
    minutes = problem.params.meeting_minutes
    for index, attendee in enumerate(problem.facilitators):
        busy = [
            moment
            for slot in problem.existing
            if attendee.person.id in slot.group.facilitators
            for moment in slot.minutes
        ]
        row = problem.facilitator_costs[index]
        for start in (row >= 0).nonzero()[0].tolist() if busy else ():
            series = problem.catalog.starts[start].minutes
            if any(abs(a - b) < minutes for a in series for b in busy):
                row[start] = -1


def _keep_viable_starts(problem: Problem) -> None:
    """Drop starts where no group could ever form: too few learners, or no facilitator."""
    low = max(problem.params.learner_bounds()[0], 1)
    viable = (problem.learner_costs >= 0).sum(axis=0) >= low
    if problem.facilitated:
        usable = [f for f, cap in enumerate(problem.facilitator_capacity) if cap > 0]
        viable &= (problem.facilitator_costs[usable] >= 0).any(axis=0)
    problem.viable_starts = viable.nonzero()[0].tolist()
    problem.learner_costs[:, ~viable] = -1
    problem.facilitator_costs[:, ~viable] = -1


def _classes(problem: Problem) -> list[LearnerClass]:
    """Learners with identical costs at every start and identical joins, in id order."""
    grouped: dict[tuple[bytes, tuple[tuple[int, int], ...]], list[int]] = {}
    order = sorted(range(len(problem.learners)), key=lambda i: problem.learners[i].person.id)
    for index in order:
        joins = tuple(sorted(problem.learner_joins[index].items()))
        if problem.learner_options[index] or joins:
            key = (problem.learner_costs[index].tobytes(), joins)
            grouped.setdefault(key, []).append(index)
    return [
        LearnerClass(
            tuple(members), tuple(sorted(problem.learner_options[members[0]].items())), key[1]
        )
        for key, members in sorted(grouped.items(), key=lambda item: item[1][0])
    ]


def is_learner(person: Person) -> bool:
    """Whether the person takes part as a learner."""
    return person.role is Role.LEARNER
