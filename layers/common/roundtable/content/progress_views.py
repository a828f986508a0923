"""Reading progress: a learner's course by meeting, a module's sections, a group's members.

Module status is computed on read from the required sections, so it is right
even for content published after the learner's last visit. The
content-free summary (module counts) is in `progress_counts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, select

from roundtable.content.bundle import Bundle
from roundtable.content.progress import Learner, required_section_ids
from roundtable.db.tables import content_progress

Status = Literal["not_started", "in_progress", "completed"]


@dataclass(frozen=True)
class Unit:
    """One learner's progress on one content id."""

    completed: bool = False
    time_s: int = 0


@dataclass(frozen=True)
class SectionProgress:
    section_id: str
    title: str
    optional: bool
    completed: bool
    time_s: int


@dataclass(frozen=True)
class ModuleProgress:
    slug: str
    module_id: str
    title: str
    optional: bool  # in the course (False when read outside a course)
    status: Status
    required_done: int
    required_total: int
    time_s: int
    sections: tuple[SectionProgress, ...]


@dataclass(frozen=True)
class CourseUnit:
    """The modules due by one meeting (meeting None: after the last meeting)."""

    meeting: int | None
    modules: tuple[ModuleProgress, ...]


@dataclass(frozen=True)
class CourseProgress:
    course_slug: str
    units: tuple[CourseUnit, ...]
    next_module: str | None  # first required module not completed, then first optional one


def module_progress(
    conn: Connection, *, learner: Learner, bundle: Bundle, module_slug: str
) -> ModuleProgress:
    """A learner's progress through one module, section by section."""
    units = _units(conn, learner.owns(), _module_ids(bundle.module(module_slug)))
    return _module(bundle.module(module_slug), units, optional=False)


def course_progress(
    conn: Connection, *, learner: Learner, bundle: Bundle, course_slug: str
) -> CourseProgress:
    """A learner's progress through a course, modules grouped by the meeting they are due for."""
    course = bundle.course(course_slug)
    units = _units(conn, learner.owns(), _course_ids(bundle, course))
    return _course(bundle, course, units)


def members_progress(
    conn: Connection, *, user_ids: Iterable[int], bundle: Bundle, course_slug: str
) -> dict[int, CourseProgress]:
    """Each user's course progress, read in one query (the facilitator's group view)."""
    wanted = sorted(set(user_ids))
    course = bundle.course(course_slug)
    ids = _course_ids(bundle, course)
    rows = conn.execute(
        select(content_progress).where(
            content_progress.c.user_id.in_(wanted), content_progress.c.content_id.in_(ids)
        )
    )
    by_user: dict[int, dict[str, Unit]] = {user_id: {} for user_id in wanted}
    for row in rows:
        by_user[row.user_id][row.content_id] = _unit(row)
    return {user_id: _course(bundle, course, units) for user_id, units in by_user.items()}


def _unit(row: Any) -> Unit:
    return Unit(completed=row.completed_at is not None, time_s=row.total_time_s)


def _units(conn: Connection, owner: ColumnElement[bool], ids: list[str]) -> dict[str, Unit]:
    rows = conn.execute(
        select(content_progress).where(owner, content_progress.c.content_id.in_(ids))
    )
    return {row.content_id: _unit(row) for row in rows}


def _module_ids(module: Mapping[str, Any]) -> list[str]:
    sections = [s["id"] for o in module["outcomes"] for s in o["sections"]]
    return [module["id"], *(o["id"] for o in module["outcomes"]), *sections]


def _course_ids(bundle: Bundle, course: Mapping[str, Any]) -> list[str]:
    slugs = [e["slug"] for e in course["progression"] if e["kind"] == "module"]
    return [i for slug in slugs for i in _module_ids(bundle.module(slug))]


def _module(module: Mapping[str, Any], units: Mapping[str, Unit], optional: bool) -> ModuleProgress:
    all_sections = [s for o in module["outcomes"] for s in o["sections"]]
    sections = tuple(
        SectionProgress(
            s["id"],
            s["title"],
            s["optional"],
            units.get(s["id"], Unit()).completed,
            units.get(s["id"], Unit()).time_s,
        )
        for s in all_sections
    )
    required = required_section_ids(all_sections)
    done = sum(1 for i in required if units.get(i, Unit()).completed)
    return ModuleProgress(
        slug=module["slug"],
        module_id=module["id"],
        title=module["title"],
        optional=optional,
        status=_status(done, len(required)),
        required_done=done,
        required_total=len(required),
        time_s=units.get(module["id"], Unit()).time_s,
        sections=sections,
    )


def _status(done: int, total: int) -> Status:
    if done == 0:
        return "not_started"
    return "completed" if done >= total else "in_progress"


def _course(bundle: Bundle, course: Mapping[str, Any], units: Mapping[str, Unit]) -> CourseProgress:
    groups: dict[int | None, list[ModuleProgress]] = {}
    for entry in course["progression"]:
        if entry["kind"] == "module":
            progress = _module(bundle.module(entry["slug"]), units, entry["optional"])
            groups.setdefault(entry["due_by_meeting"], []).append(progress)
    course_units = tuple(CourseUnit(meeting, tuple(mods)) for meeting, mods in groups.items())
    return CourseProgress(course["slug"], course_units, _next_module(course_units))


def _next_module(units: tuple[CourseUnit, ...]) -> str | None:
    modules = [m for unit in units for m in unit.modules]
    unfinished = [m for m in modules if m.status != "completed"]
    candidates = [m for m in unfinished if not m.optional] or unfinished
    return candidates[0].slug if candidates else None
