"""Who hears how a job ended: the reply port.

A job may carry an opaque reply address in its payload (`reply_to`: whoever
asked for the work and wants the answer; the domain never looks inside it).
When a job succeeds, the runner gives every registered listener the job and
its typed outcome (a `ScheduleSummary`, a `PublishResult`, or the plain
record); when an attempt fails, the message and whether that was the last
attempt. Adapters implement `JobListener` (the Discord reply edits the
deferred interaction: roundtable_edge.discord.replies) and register it in
each process that runs or sweeps jobs, so the domain knows nothing of them.

A listener never fails a job: its errors are logged and the next one runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# Jobs queued before reply_to existed name their Discord interaction this way.
LEGACY_REPLY_KEY = "interaction"


@dataclass(frozen=True)
class ClaimedJob:
    """A job as its runner holds it: which attempt this is, out of how many."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int

    @property
    def reply_to(self) -> Mapping[str, Any] | None:
        return reply_address(self.payload)


def reply_address(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The payload's reply address (`reply_to`, or the legacy key), if it has a usable one."""
    address = payload.get("reply_to")
    if address is None:
        address = payload.get(LEGACY_REPLY_KEY)
    return address if isinstance(address, Mapping) and address else None


class JobListener(Protocol):
    def finished(self, job: ClaimedJob, outcome: object) -> None:
        """The job succeeded; outcome is its handler's typed result (or its record)."""

    def failed(self, job: ClaimedJob, message: str, final: bool) -> None:
        """An attempt failed with message; final when no retry will follow."""


_listeners: list[JobListener] = []
_lock = threading.Lock()


def add_job_listener(listener: JobListener) -> None:
    """Register a listener; registering an equal one again changes nothing."""
    with _lock:
        if listener not in _listeners:
            _listeners.append(listener)


def remove_job_listener(listener: JobListener) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def job_listeners() -> tuple[JobListener, ...]:
    with _lock:
        return tuple(_listeners)


def notify_finished(job: ClaimedJob, outcome: object) -> None:
    for listener in job_listeners():
        try:
            listener.finished(job, outcome)
        except Exception:  # the job's result is stored; a lost reply is only logged
            logger.exception("job listener %r failed on finished job %s", listener, job.id)


def notify_failed(job: ClaimedJob, message: str, *, final: bool) -> None:
    for listener in job_listeners():
        try:
            listener.failed(job, message, final)
        except Exception:  # the job row records the error either way
            logger.exception("job listener %r failed on failed job %s", listener, job.id)
