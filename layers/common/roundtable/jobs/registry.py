"""Job kinds: name → function, filled by the modules that define them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, update

from roundtable.db.tables import jobs


class JobOutcome(Protocol):
    """A typed job result: listeners get the object, the job row stores its record."""

    def as_record(self) -> dict[str, Any]: ...


# What a job function returns: its record (JSON, stored on the job row), or a
# typed outcome that has one (e.g. roundtable.scheduling.summary.ScheduleSummary).
JobResult = dict[str, Any] | JobOutcome
JobFunction = Callable[["JobContext"], JobResult]


def split_result(result: JobResult) -> tuple[dict[str, Any], object]:
    """(the record to store, the outcome to tell listeners) of a job function's result."""
    if isinstance(result, dict):
        return result, result
    return result.as_record(), result


_HANDLERS: dict[str, JobFunction] = {}

# Modules that register job kinds, imported when a worker needs a kind it has
# not seen yet. Keeps the worker's cold start to what the job needs.
KIND_MODULES: dict[str, str] = {
    "schedule_cohort": "roundtable.scheduling.job",
    "propose_regroup": "roundtable.groups.regroup_job",
    "publish_cohort": "roundtable.sync.jobs",
    "sync_group": "roundtable.sync.jobs",
    "sync_groups": "roundtable.sync.jobs",
    "sync_cohort": "roundtable.sync.jobs",
    "discord_retention": "roundtable.sync.retention",
    "send_notification": "roundtable.notifications.jobs",
    "sync_nickname": "roundtable.people.nicknames",
    "build_content": "roundtable.content.jobs",
    "echo": "roundtable.jobs.builtin",
}


class UnknownJobKindError(LookupError):
    """No function is registered for this job kind."""


@dataclass
class JobContext:
    """What a job function gets: its payload and a way to report progress."""

    job_id: int
    kind: str
    payload: dict[str, Any]
    engine: Engine
    attempt: int
    progress: dict[str, Any] = field(default_factory=dict)

    def report_progress(self, progress: dict[str, Any]) -> None:
        """Record progress on the job row at once, so admins can watch it."""
        self.progress = progress
        with self.engine.begin() as conn:
            conn.execute(update(jobs).where(jobs.c.id == self.job_id).values(progress=progress))


def job_handler(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as the handler of `kind`."""

    def register(function: JobFunction) -> JobFunction:
        _HANDLERS[kind] = function
        return function

    return register


def handler_for(kind: str) -> JobFunction:
    if kind not in _HANDLERS and kind in KIND_MODULES:
        importlib.import_module(KIND_MODULES[kind])
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise UnknownJobKindError(f"no handler registered for job kind {kind!r}") from None


def registered_kinds() -> list[str]:
    return sorted(set(_HANDLERS) | set(KIND_MODULES))
