"""EventBridge Scheduler, locally: each schedule in the template fires its function."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from devserver.events import scheduled_event
from devserver.invoke import InvocationError, Invoker
from devserver.template import Schedule

logger = logging.getLogger("devserver")

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class ScheduleError(ValueError):
    """A schedule name or interval the local stack cannot use."""


def parse_interval(text: str) -> timedelta:
    """'30s', '5m', '1h', '250ms' or plain seconds -> timedelta."""
    match = _DURATION.match(text.strip().lower())
    if match is None or float(match.group(1)) <= 0:
        raise ScheduleError(f"interval must look like 30s, 5m or 1h, got {text!r}")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"])


class ScheduleRunner:
    """One thread per schedule; each waits its interval, then invokes its function."""

    def __init__(
        self, invoker: Invoker, schedules: list[Schedule], override: timedelta | None = None
    ) -> None:
        self._invoker = invoker
        self._schedules = {schedule.name: schedule for schedule in schedules}
        self._override = override
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def interval(self, schedule: Schedule) -> timedelta | None:
        """How often it fires here: the override, else its rate(); None for cron()."""
        return self._override or schedule.interval

    def describe(self) -> list[dict[str, Any]]:
        """The schedules with their local intervals (GET /api/dev/schedules)."""
        return [
            {
                "name": schedule.name,
                "function": schedule.function,
                "expression": schedule.expression,
                "local_interval_seconds": _seconds(self.interval(schedule)),
            }
            for schedule in self._schedules.values()
        ]

    def start(self) -> None:
        for schedule in self._schedules.values():
            every = self.interval(schedule)
            if every is None:
                logger.warning(
                    "%s: %s is not a rate(); fire it with POST /api/dev/schedules/%s",
                    schedule.name,
                    schedule.expression,
                    schedule.name,
                )
                continue
            thread = threading.Thread(
                target=self._loop,
                args=(schedule, every),
                name=f"schedule-{schedule.name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def fire(self, name: str) -> Any:
        """Invoke the schedule's function now; its result, or InvocationError."""
        schedule = self._schedules.get(name)
        if schedule is None:
            raise ScheduleError(f"no schedule named {name!r}; known: {sorted(self._schedules)}")
        event = scheduled_event(schedule.name, schedule.input, datetime.now(UTC))
        return self._invoker.invoke(schedule.function, event, f"schedule {schedule.name}")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop firing; wait briefly for a run in progress."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self, schedule: Schedule, every: timedelta) -> None:
        while not self._stop.wait(every.total_seconds()):
            try:
                self.fire(schedule.name)
            except InvocationError:
                pass  # logged by the invoker; the next tick tries again, as Scheduler would


def _seconds(interval: timedelta | None) -> float | None:
    return None if interval is None else interval.total_seconds()
