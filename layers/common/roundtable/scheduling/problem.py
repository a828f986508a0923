"""The scheduling problem in aggregated form, shared by the heuristic and the solver.

Learners who can make exactly the same starts (at the same costs) are
interchangeable, so they form one class; the models count learners per class
and start instead of deciding for each person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from roundtable.scheduling.catalog import Catalog
from roundtable.scheduling.model import ExistingGroup, Params, Person, Role
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

    @property
    def facilitated(self) -> bool:
        return self.params.require_facilitator


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
    weight = len(learners) + len(facilitators) + 1
    problem.learner_options = [_options(catalog, a, weight) for a in problem.learners]
    problem.learner_joins = [_joins(problem, a, weight) for a in problem.learners]
    problem.facilitator_options = [_options(catalog, a, weight) for a in problem.facilitators]
    problem.facilitator_capacity = _capacities(problem)
    problem.raw_learner_starts = [frozenset(options) for options in problem.learner_options]
    problem.raw_facilitator_starts = [frozenset(options) for options in problem.facilitator_options]
    _drop_facilitator_clashes_with_existing(problem)
    _keep_viable_starts(problem)
    problem.classes = _classes(problem)
    return problem


def _options(catalog: Catalog, attendee: Attendee, weight: int) -> dict[int, int]:
    """Feasible starts and their cost: if-needed time dominates, a local shift adds one."""
    zone_name = attendee.person.timezone
    options = {}
    for index in catalog.feasible_starts(zone_name, attendee.everything):
        needed = catalog.needed_mask(zone_name, index)
        if_needed = needed & ~attendee.regular != 0
        options[index] = weight * if_needed + catalog.shifts(zone_name, index)
    return options


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
        if not busy:
            continue
        options = problem.facilitator_options[index]
        for start in list(options):
            series = problem.catalog.starts[start].minutes
            if any(abs(a - b) < minutes for a in series for b in busy):
                del options[start]


def _keep_viable_starts(problem: Problem) -> None:
    """Drop starts where no group could ever form: too few learners, or no facilitator."""
    low = max(problem.params.learner_bounds()[0], 1)
    learners_at = Counter(s for options in problem.learner_options for s in options)
    viable = {s for s, count in learners_at.items() if count >= low}
    if problem.facilitated:
        usable = (
            options
            for options, cap in zip(
                problem.facilitator_options, problem.facilitator_capacity, strict=True
            )
            if cap > 0
        )
        viable &= {s for options in usable for s in options}
    problem.viable_starts = sorted(viable)
    for options in (*problem.learner_options, *problem.facilitator_options):
        for start in [s for s in options if s not in viable]:
            del options[start]


def _classes(problem: Problem) -> list[LearnerClass]:
    grouped: dict[tuple[object, object], list[int]] = {}
    order = sorted(range(len(problem.learners)), key=lambda i: problem.learners[i].person.id)
    for index in order:
        options = tuple(sorted(problem.learner_options[index].items()))
        joins = tuple(sorted(problem.learner_joins[index].items()))
        if options or joins:
            grouped.setdefault((options, joins), []).append(index)
    return [
        LearnerClass(tuple(members), key[0], key[1])  # type: ignore[arg-type]
        for key, members in sorted(grouped.items(), key=lambda item: item[1][0])
    ]


def is_learner(person: Person) -> bool:
    """Whether the person takes part as a learner."""
    return person.role is Role.LEARNER
