"""Telemetry: the domain's port for metrics and correlation ids (standard library only).

    from roundtable import telemetry

    telemetry.count("JobsFailed", Kind=job.kind)
    telemetry.measure("SchedulingSeconds", summary.seconds, "Seconds")
    with telemetry.bind(job_id=job.id, cohort_id=cohort_id):
        ...  # every log line written meanwhile carries these ids

The domain says what happened; who listens is the edge's business. A Lambda
function registers a sink (`roundtable_edge.observability`: CloudWatch
embedded metrics, the bound ids on every JSON log line); without one nothing
is recorded (the CLI, most tests); `recording()` keeps what is emitted in
memory for a test. Telemetry never fails the work it describes: a sink's
error is logged and dropped.

Metric names are a closed set, `METRICS`: the template's alarms and dashboard
are built on them (tests/unit/telemetry keeps the two equal), so a name is
added here and in template.yaml together. Dimensions are few and bounded
(a job kind, a channel, a service), never an id: ids go in `bind`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Protocol

logger = logging.getLogger(__name__)

Unit = Literal["Count", "Seconds", "Milliseconds", "Percent", "None"]

# name -> what it counts or measures (docs/operations.md explains each further).
METRICS: Mapping[str, str] = MappingProxyType(
    {
        "JobsSucceeded": "durable jobs that succeeded (Kind)",
        "JobsFailed": "durable jobs failed for good: no retry follows (Kind)",
        "NotificationsSent": "notifications delivered (Kind, Channel)",
        "NotificationsFailed": "notification delivery attempts that failed (Kind, Channel)",
        "NotificationsSkipped": "notifications not sent on purpose (Kind, Channel)",
        "ExternalCalls": "HTTP calls to Discord, Google Calendar, SendGrid (Service)",
        "ExternalErrors": "those calls that failed, rate limits apart (Service)",
        "ExternalRateLimited": "those calls answered 429 / rate limit exceeded (Service)",
        "SyncMutations": "changes a sync applied to Discord or Google Calendar (Service)",
        "CalendarQuotaBlocked": "Google answers quotaExceeded: an organiser blocked (Organiser)",
        "DiscordPermitWaits": "Discord calls that waited for the bot's shared rate budget",
        "DiscordPermitWaitSeconds": "seconds those calls waited for a permit (summed)",
        "DiscordInvalidRequests": "Discord 401/403/429 answers the shared budget counted",
        "SchedulingSeconds": "solver wall time of a scheduling run",
        "SchedulingGap": "relative optimality gap of a scheduling run, in percent",
        "TutorTokens": "tokens a tutor reply used (prompt and reply)",
        "TutorErrors": "tutor replies that failed (Error: the learner-facing error code)",
    }
)


class Sink(Protocol):
    """Where emitted values go; implementations must be thread-safe."""

    def count(self, name: str, value: float, dimensions: Mapping[str, str]) -> None:
        """Add `value` to the counter `name` (summed per dimension set)."""

    def measure(self, name: str, value: float, unit: Unit, dimensions: Mapping[str, str]) -> None:
        """Record one sample of `name` (kept as samples, for maxima and percentiles)."""


class NullSink:
    """Records nothing: the default."""

    def count(self, name: str, value: float, dimensions: Mapping[str, str]) -> None:
        pass

    def measure(self, name: str, value: float, unit: Unit, dimensions: Mapping[str, str]) -> None:
        pass


@dataclass(frozen=True)
class Emitted:
    """One call of count or measure, as a MemorySink keeps it."""

    name: str
    value: float
    unit: Unit
    dimensions: Mapping[str, str]
    kind: Literal["count", "measure"]


@dataclass
class MemorySink:
    """Keeps every emission in a list (tests, `recording()`)."""

    emitted: list[Emitted] = field(default_factory=list)

    def count(self, name: str, value: float, dimensions: Mapping[str, str]) -> None:
        self.emitted.append(Emitted(name, value, "Count", dict(dimensions), "count"))

    def measure(self, name: str, value: float, unit: Unit, dimensions: Mapping[str, str]) -> None:
        self.emitted.append(Emitted(name, value, unit, dict(dimensions), "measure"))

    def total(self, name: str, **dimensions: str) -> float:
        """The sum of `name` over emissions whose dimensions include these."""
        return sum(e.value for e in self.matching(name, **dimensions))

    def matching(self, name: str, **dimensions: str) -> list[Emitted]:
        return [
            e
            for e in self.emitted
            if e.name == name and all(e.dimensions.get(k) == v for k, v in dimensions.items())
        ]


_sink: Sink = NullSink()
_sink_lock = threading.Lock()
_ids: ContextVar[Mapping[str, object]] = ContextVar(
    "roundtable_telemetry_ids", default=MappingProxyType({})
)


def set_sink(sink: Sink | None) -> Sink:
    """Send what the domain emits to `sink` (None: nowhere); the sink it replaces."""
    global _sink
    with _sink_lock:
        previous, _sink = _sink, sink or NullSink()
    return previous


def count(name: str, value: float = 1, **dimensions: object) -> None:
    """Count `value` occurrences of `name`; None dimensions are left out."""
    if _known(name):
        try:
            _sink.count(name, value, _dimensions(dimensions))
        except Exception:  # telemetry never fails the work it describes
            logger.warning("telemetry sink failed; %s dropped", name, exc_info=True)


def measure(name: str, value: float, unit: Unit, **dimensions: object) -> None:
    """Record one sample of `name` in `unit`; None dimensions are left out."""
    if _known(name):
        try:
            _sink.measure(name, value, unit, _dimensions(dimensions))
        except Exception:  # telemetry never fails the work it describes
            logger.warning("telemetry sink failed; %s dropped", name, exc_info=True)


@contextmanager
def bind(**ids: object) -> Iterator[None]:
    """Within the block, `bound_ids()` (and so every log line) carries these ids.

    Nested binds add to the outer ones; None values are left out. The ids
    belong to this thread or asyncio task, as contextvars do.
    """
    current = {**_ids.get(), **{k: v for k, v in ids.items() if v is not None}}
    token = _ids.set(MappingProxyType(current))
    try:
        yield
    finally:
        _ids.reset(token)


def bound_ids() -> Mapping[str, object]:
    """The ids bound where this runs (empty outside any bind)."""
    return _ids.get()


@contextmanager
def recording() -> Iterator[MemorySink]:
    """Keep what is emitted within the block in a MemorySink (the previous sink returns after)."""
    sink = MemorySink()
    previous = set_sink(sink)
    try:
        yield sink
    finally:
        set_sink(previous)


def _known(name: str) -> bool:
    if name in METRICS:
        return True
    logger.error("unknown metric %r: add it to roundtable.telemetry.METRICS and the template", name)
    return False


def _dimensions(dimensions: Mapping[str, object]) -> dict[str, str]:
    return {key: str(value) for key, value in dimensions.items() if value is not None}
