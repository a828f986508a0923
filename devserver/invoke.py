"""Invoke a function's real handler as Lambda would, and remember what happened."""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from devserver.events import LambdaContext
from devserver.functions import load_function
from devserver.template import FunctionSpec, Stack, TemplateError

logger = logging.getLogger("devserver")

Handler = Callable[[Any, Any], Any]


class InvocationError(RuntimeError):
    """The handler raised: Lambda would report a function error."""


@dataclass(frozen=True)
class Invocation:
    """One finished invocation, for the console and GET /api/dev/invocations."""

    function: str
    trigger: str
    started_at: str
    duration_ms: int
    outcome: str
    result: Any = None
    error: str | None = None


class Invoker:
    """Loads each function once and calls its handler with a fresh context.

    Loading is load_function's: one import per function however many request
    threads ask at once, and an import that failed is tried again next time.
    """

    def __init__(self, stack: Stack, history: int = 200) -> None:
        self.stack = stack
        self._recent: collections.deque[Invocation] = collections.deque(maxlen=history)

    def handler(self, logical_id: str) -> Handler:
        """The function's handler, importing its module on first use (a cold start)."""
        spec = self._spec(logical_id)
        module_name, _, attribute = spec.handler.rpartition(".")
        if module_name != "app":
            raise TemplateError(f"{logical_id}: Handler must be app.<name>, got {spec.handler!r}")
        handler: Handler = self.attribute(logical_id, attribute)
        return handler

    def attribute(self, logical_id: str, name: str) -> Any:
        """An attribute of the function's module (its handler, or an ASGI app for streaming)."""
        spec = self._spec(logical_id)
        return getattr(load_function(spec.folder), name)

    def invoke(self, logical_id: str, event: Any, trigger: str, keep_result: bool = True) -> Any:
        """Run the handler on event; InvocationError if it raised."""
        spec = self._spec(logical_id)
        context = LambdaContext(f"roundtable-local-{spec.folder}", spec.memory, spec.timeout)
        started, clock = datetime.now(UTC), time.monotonic()
        try:  # a module that fails to import is a function error too (Lambda's init error)
            result = _call_with_event_loop(self.handler(logical_id), event, context)
        except Exception as exc:
            logger.exception("%s failed (%s)", logical_id, trigger)
            self._remember(spec, trigger, started, clock, "error", None, repr(exc))
            raise InvocationError(f"{logical_id} raised {exc!r}") from exc
        self._remember(spec, trigger, started, clock, "ok", result if keep_result else None)
        return result

    def recent(self) -> list[dict[str, Any]]:
        """Finished invocations, newest first."""
        return [asdict(item) for item in reversed(self._recent)]

    def _spec(self, logical_id: str) -> FunctionSpec:
        try:
            return self.stack.functions[logical_id]
        except KeyError:
            raise TemplateError(f"no function {logical_id!r} in the template") from None

    def _remember(
        self,
        spec: FunctionSpec,
        trigger: str,
        started: datetime,
        clock: float,
        outcome: str,
        result: Any,
        error: str | None = None,
    ) -> None:
        duration = int((time.monotonic() - clock) * 1000)
        record = Invocation(
            spec.logical_id, trigger, started.isoformat(), duration, outcome, result, error
        )
        self._recent.append(record)
        logger.info("%-28s %-34s %s %5d ms", spec.logical_id, trigger, outcome, duration)


def _call_with_event_loop(handler: Handler, event: Any, context: Any) -> Any:
    """Call handler with an event loop set for this thread, as Lambda's main thread has.

    Mangum asks for the current loop; request threads have none by default.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return handler(event, context)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
