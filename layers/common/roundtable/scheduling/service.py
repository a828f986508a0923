"""Scheduling a cohort from the database: load, solve with no transaction open, save.

`run_scheduling` reads the cohort in one short transaction (a consistent
snapshot), solves with no connection held, then saves the run, its preview
groups and everyone's reasons in one short transaction (saving.py). People in
published (active) groups never move; a newcomer who fits one of those groups
is *proposed* to join it, and the proposal is applied when the cohort is
published (joins.py), so nothing outside the preview changes before an admin
says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from roundtable.db.tables import (
    availability_blocks,
    cohorts,
    facilitators,
    group_members,
    groups,
    signups,
    users,
)
from roundtable.errors import ConflictError, DomainError, NotFoundError, ValidationError
from roundtable.scheduling.checks import InvalidInputError, check_params
from roundtable.scheduling.cohort_problem import CohortProblem
from roundtable.scheduling.model import (
    Block,
    Group,
    Params,
    Person,
    Reason,
    Role,
    ScheduleResult,
    Unplaced,
)
from roundtable.scheduling.published import published_groups
from roundtable.scheduling.saving import SavedRun, save_run
from roundtable.scheduling.summary import GroupLine, ScheduleSummary
from roundtable.scheduling.timegrid import zone

Progress = Callable[[dict[str, Any]], None]
DEFAULT_TIME_LIMIT = 90.0  # placement gets about two thirds; see docs/scheduling.md
MAX_TIME_LIMIT = 600.0  # the worker Lambda stops at 900 s; loading and saving need far less
# New groups start at least this far ahead, so no first meeting is already past in any zone.
_LEAD_TIME = timedelta(days=2)
_MAX_NOTES = 8
_INT_OVERRIDES = (
    "meeting_minutes",
    "slot_minutes",
    "min_group_size",
    "max_group_size",
    "target_group_size",
)
_BOOL_OVERRIDES = ("use_if_needed", "require_facilitator", "sizes_include_facilitator")


class SchedulingRunError(RuntimeError):
    """A scheduling run failed at one stage; the previous preview is unchanged."""


def load_cohort_problem(
    conn: Connection,
    cohort_id: int,
    overrides: Mapping[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> CohortProblem:
    """The cohort's schedulable people, parameters and published groups."""
    cohort = _cohort(conn, cohort_id)
    if cohort.status in ("completed", "cancelled"):
        raise ConflictError(f"{cohort.name} is {cohort.status}; nothing to schedule")
    published = published_groups(conn, cohort_id)
    group_roles = {member for group in published for member in group.members}
    roles = {user: Role(role) for user, role in sorted(group_roles)}
    grouped = set(roles)
    wanted = _signups(conn, cohort_id)
    roles.update({user: Role(role) for user, role in wanted if user not in grouped})
    people, rejected = _people(conn, cohort_id, roles, grouped)
    facilitated = any(role is Role.FACILITATOR for role in roles.values())
    params = cohort_params(cohort, overrides or {}, facilitated=facilitated, now=now)
    return CohortProblem(
        cohort_id=cohort.id,
        cohort_name=cohort.name,
        params=params,
        people=tuple(people),
        existing=tuple(group.as_existing() for group in published),
        existing_ids={group.name: group.id for group in published},
        grouped=frozenset(str(user) for user in grouped),
        rejected=tuple(rejected),
        published=published,
    )


def cohort_params(
    cohort: Any, overrides: Mapping[str, Any], *, facilitated: bool, now: datetime | None = None
) -> Params:
    """The model's parameters: the cohort's settings, then the run's overrides."""
    earliest = _earliest_meeting_date(cohort.start_date, now or datetime.now(UTC))
    values: dict[str, Any] = {
        "meeting_minutes": cohort.meeting_minutes,
        "min_group_size": cohort.min_group_size,
        "max_group_size": cohort.max_group_size,
        "target_group_size": cohort.target_group_size,
        "require_facilitator": facilitated,
        "reference_week_monday": earliest - timedelta(days=earliest.weekday()),
        "cohort_start_date": earliest,
        "number_of_meetings": cohort.number_of_meetings,
        "anchor_timezone": cohort.anchor_timezone,
    }
    values.update(parse_overrides(overrides))
    params = Params(**values)
    try:
        check_params(params)
    except InvalidInputError as exc:
        raise ValidationError(str(exc), field="params") from exc
    return params


def parse_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Checked parameter overrides from a job payload; unknown keys are refused."""
    parsed: dict[str, Any] = {}
    for key, value in overrides.items():
        where = f"params.{key}"
        if key in _INT_OVERRIDES:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValidationError(f"{where}: {value!r} is not a whole number", field=where)
        elif key in _BOOL_OVERRIDES:
            if not isinstance(value, bool):
                raise ValidationError(f"{where}: {value!r} is not true or false", field=where)
        elif key == "anchor_timezone":
            if not isinstance(value, str):
                raise ValidationError(f"{where}: {value!r} is not a time zone name", field=where)
        elif key == "anchor_candidates":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError(f"{where}: expected a list of time zone names", field=where)
            value = tuple(value)
        else:
            raise ValidationError(f"{where}: unknown scheduling parameter", field=where)
        parsed[key] = value
    return parsed


def _earliest_meeting_date(start: date, now: datetime) -> date:
    """The cohort's start date, or for a cohort under way the first date safely ahead."""
    return max(start, (now + _LEAD_TIME).date())


def _cohort(conn: Connection, cohort_id: int) -> Any:
    row = conn.execute(select(cohorts).where(cohorts.c.id == cohort_id)).first()
    if row is None:
        raise NotFoundError(f"no cohort with id {cohort_id}", field="cohort_id")
    return row


def _signups(conn: Connection, cohort_id: int) -> list[tuple[int, str]]:
    rows = conn.execute(
        select(signups.c.user_id, signups.c.role)
        .where(signups.c.cohort_id == cohort_id, signups.c.withdrawn_at.is_(None))
        .order_by(signups.c.user_id)
    )
    return [(row.user_id, str(row.role)) for row in rows]


def _people(
    conn: Connection, cohort_id: int, roles: Mapping[int, Role], grouped: set[int]
) -> tuple[list[Person], list[Unplaced]]:
    """Persons with availability and facilitator capacity; unknown zones are set aside."""
    ids = sorted(roles)
    rows = conn.execute(
        select(
            users.c.id,
            users.c.timezone,
            facilitators.c.max_active_groups,
            facilitators.c.certified_at,
        )
        .outerjoin(facilitators, facilitators.c.user_id == users.c.id)
        .where(users.c.id.in_(ids))
        .order_by(users.c.id)
    ).all()
    blocks = _blocks(conn, ids)
    elsewhere = _groups_led_elsewhere(conn, cohort_id, ids)
    people, rejected = [], []
    for row in rows:
        available, if_needed = blocks.get(row.id, ((), ()))
        person = Person(
            id=str(row.id),
            role=roles[row.id],
            timezone=row.timezone,
            available=available,
            if_needed=if_needed,
            max_groups=max((row.max_active_groups or 0) - elsewhere[row.id], 0),
            certified=row.certified_at is not None,
        )
        if _known_zone(row.timezone):
            people.append(person)
        elif row.id in grouped:  # stays in their group; cannot take on anything new
            people.append(Person(str(row.id), person.role, "UTC", max_groups=0))
        else:
            detail = f"your time zone {row.timezone!r} is not recognised; set it in your profile"
            rejected.append(Unplaced(str(row.id), person.role, Reason.NO_AVAILABILITY, detail))
    return people, rejected


def _known_zone(name: str) -> bool:
    try:
        zone(name)
    except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def _blocks(
    conn: Connection, user_ids: list[int]
) -> dict[int, tuple[tuple[Block, ...], tuple[Block, ...]]]:
    """Per user: (available blocks, if-needed blocks)."""
    found: dict[int, tuple[list[Block], list[Block]]] = {}
    rows = conn.execute(
        select(availability_blocks)
        .where(availability_blocks.c.user_id.in_(user_ids))
        .order_by(availability_blocks.c.weekday, availability_blocks.c.start_minute)
    )
    for row in rows:
        kinds = found.setdefault(row.user_id, ([], []))
        block = Block(row.weekday, row.start_minute, row.end_minute)
        kinds[0 if row.kind == "available" else 1].append(block)
    return {user: (tuple(a), tuple(b)) for user, (a, b) in found.items()}


def _groups_led_elsewhere(conn: Connection, cohort_id: int, user_ids: list[int]) -> Counter[int]:
    """Active groups each person leads in other cohorts: they use up max_active_groups."""
    rows = conn.execute(
        select(group_members.c.user_id)
        .join(groups, groups.c.id == group_members.c.group_id)
        .where(
            group_members.c.user_id.in_(user_ids),
            group_members.c.role == "facilitator",
            group_members.c.status == "active",
            groups.c.status == "active",
            groups.c.cohort_id != cohort_id,
        )
    )
    return Counter(row.user_id for row in rows)


# -- the run -------------------------------------------------------------------------------
def run_scheduling(
    engine: Engine,
    cohort_id: int,
    params_override: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    time_limit: float = DEFAULT_TIME_LIMIT,
    progress: Progress | None = None,
    now: datetime | None = None,
    job_id: int | None = None,
) -> ScheduleSummary:
    """Schedule the cohort into preview groups; the run's summary."""
    report = progress or _ignore
    check_time_limit(time_limit)
    report({"stage": "loading", "cohort_id": cohort_id})
    with _stage("loading", cohort_id), _read_snapshot(engine) as conn:
        problem = load_cohort_problem(conn, cohort_id, params_override, now=now)
    report(_solving_progress(problem, time_limit))
    with _stage("solving", cohort_id):
        result = solve_problem(problem, seed=seed, time_limit=time_limit)
    report({"stage": "saving", "cohort_id": cohort_id, "placed": result.stats.placed})
    notes = dst_notes(result)
    run_params = {**_params_document(problem.params), "seed": seed, "time_limit": time_limit}
    with _stage("saving", cohort_id):
        saved = save_run(
            engine, problem, result, run_params=run_params, notes=notes, job_id=job_id, now=now
        )
    return summarise(problem, result, saved, notes)


def solve_problem(problem: CohortProblem, *, seed: int, time_limit: float) -> ScheduleResult:
    """The scheduler on the loaded problem (no database involved)."""
    from roundtable.scheduling.scheduler import schedule

    try:
        return schedule(
            problem.people, problem.params, problem.existing, seed=seed, time_limit=time_limit
        )
    except InvalidInputError as exc:
        raise ValidationError(f"{problem.cohort_name}: {exc}") from exc


def check_time_limit(seconds: float) -> None:
    """ValidationError unless 0 < seconds <= MAX_TIME_LIMIT."""
    if not 0 < seconds <= MAX_TIME_LIMIT:
        raise ValidationError(
            f"time limit {seconds!r} s is outside 0..{MAX_TIME_LIMIT:g} s", field="time_limit"
        )


def _ignore(_progress: dict[str, Any]) -> None:
    return None


@contextmanager
def _read_snapshot(engine: Engine) -> Iterator[Connection]:
    """One short transaction seeing a single consistent state of every table it reads."""
    with engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


@contextmanager
def _stage(name: str, cohort_id: int) -> Iterator[None]:
    """Name the stage in unexpected errors; domain errors already speak for themselves."""
    try:
        yield
    except (DomainError, SchedulingRunError):
        raise
    except Exception as exc:
        first_line = (str(exc).splitlines() or [""])[0][:300]
        raise SchedulingRunError(
            f"scheduling cohort {cohort_id} failed while {name} ({type(exc).__name__}: "
            f"{first_line}); the previous preview is unchanged"
        ) from exc


def _solving_progress(problem: CohortProblem, time_limit: float) -> dict[str, Any]:
    roles = Counter(p.role.value for p in problem.people if p.id not in problem.grouped)
    return {
        "stage": "solving",
        "cohort_id": problem.cohort_id,
        "learners": roles["learner"],
        "facilitators": roles["facilitator"],
        "existing_groups": len(problem.existing),
        "time_limit": time_limit,
    }


def _params_document(params: Params) -> dict[str, Any]:
    document = asdict(params)
    for key, value in document.items():
        if isinstance(value, date):
            document[key] = value.isoformat()
        elif isinstance(value, tuple):
            document[key] = list(value)
    return document


def dst_notes(result: ScheduleResult) -> list[str]:
    """New groups whose members' local time shifts, then the clock changes behind them."""
    notes = [_group_note(group) for group in result.groups if not group.existing]
    return [note for note in notes if note] + list(result.notes)


def _group_note(group: Group) -> str:
    if not group.local_time_changes:
        return ""
    first = min(group.local_time_changes, key=lambda c: (c.from_meeting, c.person_id))
    count = len(group.local_time_changes)
    who = "1 member" if count == 1 else f"{count} members"
    return (
        f"{group.name}: the local time shifts for {who} during the cohort "
        f"(e.g. {first.first_local} → {first.changed_local} from meeting {first.from_meeting})"
    )


def summarise(
    problem: CohortProblem, result: ScheduleResult, saved: SavedRun, notes: list[str]
) -> ScheduleSummary:
    """The run summary the job stores and its listeners (the Discord reply) show."""
    stats = result.stats
    new_groups = [g for g in result.groups if not g.existing]
    unplaced = [u for u in result.unplaced if u.person_id not in problem.grouped]
    unplaced += problem.rejected
    shown = notes[:_MAX_NOTES]
    if len(notes) > _MAX_NOTES:
        shown.append(f"… and {len(notes) - _MAX_NOTES} more notes in the run's preview")
    return ScheduleSummary(
        cohort_id=problem.cohort_id,
        cohort_name=problem.cohort_name,
        run_id=saved.run_id,
        groups=tuple(
            GroupLine(name, len(g.facilitators) + len(g.learners), g.start.label())
            for name, g in zip(saved.names, new_groups, strict=True)
        ),
        placed=stats.placed,
        learners=stats.learners + sum(u.role is Role.LEARNER for u in problem.rejected),
        unplaced_by_reason=dict(sorted(Counter(_counted_reasons(unplaced)).items())),
        gap=round(stats.gap, 6),
        upper_bound=stats.upper_bound,
        seconds=stats.seconds,
        dst_notes=tuple(shown),
        preview_group_ids=tuple(saved.group_ids),
        proposed_joins=len(saved.joins),
        facilitators_without_group=sum(
            u.role is Role.FACILITATOR and u.reason is not Reason.UNCERTIFIED_FACILITATOR
            for u in unplaced
        ),
    )


def _counted_reasons(unplaced: list[Unplaced]) -> Iterator[str]:
    """Learners by reason, plus uncertified facilitators (idle certified ones are counted apart)."""
    for entry in unplaced:
        if entry.role is Role.LEARNER or entry.reason is Reason.UNCERTIFIED_FACILITATOR:
            yield entry.reason.value
