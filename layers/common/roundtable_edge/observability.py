"""Logs, metrics and traces for every function: one decorator, `observed`.

    logger = service_logger("send_reminders")

    @observed(service="send_reminders", correlation=scheduled_event_ids)
    def handler(event, context): ...

Each invocation of a wrapped handler gets:

- **Logs**: Powertools Logger, one JSON object per line on stdout, with the
  function's `service`, `cold_start` and the Lambda context keys
  (`function_request_id`, ...), the event's `correlation_id` (API Gateway
  request id, EventBridge event id, CloudFormation request id) and every id
  bound meanwhile (`http_method`, `http_path`, `interaction_id`, `job_id`,
  `job_kind`, `cohort_id`: the edge and the domain bind them with
  `roundtable.telemetry.bind`). The packages' own loggers (`roundtable.*`,
  `roundtable_edge.*`, and Mangum's, which reports a web app's unhandled
  exception) write through the same handler, so a domain warning is JSON with
  the same ids. An unhandled exception, and an HTTP answer of 500 or more, is
  logged as an ERROR. Nothing else is written per invocation (a PING writes
  nothing). The level is Powertools' (POWERTOOLS_LOG_LEVEL, or Lambda's
  AWS_LAMBDA_LOG_LEVEL).
- **Metrics**: what the domain emits through `roundtable.telemetry`, summed
  in memory and written when the invocation ends (also when it raises) in
  CloudWatch embedded metric format: namespace `Roundtable`, one document
  per dimension set (Powertools EphemeralMetrics). No cold-start metric: the
  metric names are exactly those the template's alarms and dashboard read.
- **Traces** (X-Ray) when POWERTOOLS_TRACE_DISABLED is not true in a Lambda
  environment (template parameter `Tracing`): the Tracer, and with it
  aws_xray_sdk, is created only then, so a function without tracing never
  imports the X-Ray SDK.

Importing this module costs what `import aws_lambda_powertools` costs (its
package imports Logger, Metrics and the Tracer class): bench/discord_cold_start.py.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
from aws_lambda_powertools.metrics import EphemeralMetrics

from roundtable import telemetry

NAMESPACE = "Roundtable"
# Loggers whose records go through the invoked function's JSON handler (Mangum logs the
# web apps' unhandled exceptions).
PACKAGES = ("roundtable", "roundtable_edge", "mangum")
# The key Powertools gives the event's request id; other ids are bound beside it.
CORRELATION_ID = "correlation_id"

LambdaHandler = Callable[[Any, Any], Any]
Correlation = Callable[[Any], Mapping[str, object]]

logger = logging.getLogger(__name__)


# -- logs ---------------------------------------------------------------------------
class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is when a record comes (pytest swaps it; Lambda does not)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class _BoundIds(logging.Filter):
    """Puts the ids bound with telemetry.bind on each record (Powertools logs extra attributes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in telemetry.bound_ids().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class _ToInvokedFunction(logging.Handler):
    """The packages' loggers: each record goes to the JSON handler of the function being invoked."""

    def emit(self, record: logging.LogRecord) -> None:
        target = _invoked.get() or _last_configured
        if target is not None:
            target.handle(record)


class _NotOurPackages(logging.Filter):
    """On the root logger's handlers (Lambda's plain-text one): our records are written already."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(record.name == p or record.name.startswith(f"{p}.") for p in PACKAGES)


_invoked: ContextVar[logging.Handler | None] = ContextVar("roundtable_invoked", default=None)
_last_configured: logging.Handler | None = None
_routing = _ToInvokedFunction()
_warm: set[str] = set()  # services invoked before in this environment
_loggers: dict[str, Logger] = {}


def service_logger(service: str) -> Logger:
    """The function's Powertools Logger (the same one for every call with this service)."""
    global _last_configured
    if service in _loggers:
        return _loggers[service]
    configured = getattr(logging.getLogger(service), "powertools_handler", None) is not None
    # A handler passed to an already configured name would shadow the registered one.
    log = Logger(service=service, logger_handler=None if configured else _StdoutHandler())
    _loggers[service] = log
    handler = log.registered_handler
    if not any(isinstance(f, _BoundIds) for f in handler.filters):
        handler.addFilter(_BoundIds())
    _last_configured = handler
    _route_package_loggers(log.log_level)
    return log


def _route_package_loggers(level: int) -> None:
    for name in PACKAGES:
        package = logging.getLogger(name)
        if _routing not in package.handlers:
            package.addHandler(_routing)
        package.setLevel(level)
    for handler in logging.getLogger().handlers:
        # pytest's capture handlers stay as they are, so caplog still sees our records.
        if type(handler).__module__ == "_pytest.logging":
            continue
        if not any(isinstance(f, _NotOurPackages) for f in handler.filters):
            handler.addFilter(_NotOurPackages())


def _start_logging(log: Logger, context: Any, correlation_id: object) -> None:
    """Fresh keys for this invocation: cold start, the Lambda context, the correlation id."""
    keys: dict[str, Any] = {"cold_start": log.service not in _warm}
    _warm.add(log.service)
    try:
        keys.update(build_lambda_context_model(context).__dict__)
    except AttributeError:  # no Lambda context (a local caller, a bench)
        pass
    log.structure_logs(**keys)  # replaces the previous invocation's keys
    if correlation_id is not None:
        log.set_correlation_id(str(correlation_id))


# -- metrics ------------------------------------------------------------------------
DimensionKey = tuple[tuple[str, str], ...]


class EmfSink:
    """telemetry's sink in a function: sums in memory, `flush()` prints EMF documents.

    Counters are summed per (name, dimensions); measurements keep their samples
    (EMF carries up to 100 values per metric; Powertools starts a new document past that).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, DimensionKey], float] = {}
        self._samples: dict[tuple[str, str, DimensionKey], list[float]] = {}

    def count(self, name: str, value: float, dimensions: Mapping[str, str]) -> None:
        key = (name, _dimension_key(dimensions))
        with self._lock:
            self._counts[key] = self._counts.get(key, 0.0) + value

    def measure(
        self, name: str, value: float, unit: telemetry.Unit, dimensions: Mapping[str, str]
    ) -> None:
        key = (name, unit, _dimension_key(dimensions))
        with self._lock:
            self._samples.setdefault(key, []).append(value)

    def flush(self) -> None:
        """Print one EMF document per dimension set, and forget what was printed."""
        with self._lock:
            counts, self._counts = self._counts, {}
            samples, self._samples = self._samples, {}
        documents: dict[DimensionKey, EphemeralMetrics] = {}
        for (name, dimensions), total in counts.items():
            _document(documents, dimensions).add_metric(name=name, unit="Count", value=total)
        for (name, unit, dimensions), values in samples.items():
            document = _document(documents, dimensions)
            for value in values:
                document.add_metric(name=name, unit=unit, value=value)
        for document in documents.values():
            document.flush_metrics()


def _dimension_key(dimensions: Mapping[str, str]) -> DimensionKey:
    return tuple(sorted(dimensions.items()))


def _document(documents: dict[DimensionKey, EphemeralMetrics], key: DimensionKey) -> Any:
    if key not in documents:
        # service="": no default `service` dimension, whatever POWERTOOLS_SERVICE_NAME says.
        metrics = EphemeralMetrics(namespace=NAMESPACE, service="")
        for name, value in key:
            metrics.add_dimension(name=name, value=value)
        documents[key] = metrics
    return documents[key]


# -- traces -------------------------------------------------------------------------
def tracing_enabled() -> bool:
    """Powertools' switch (POWERTOOLS_TRACE_DISABLED), and only inside Lambda."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower()
    in_lambda = bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
    return in_lambda and disabled not in ("1", "true", "yes", "on")


def _traced(service: str, handler: LambdaHandler) -> LambdaHandler:
    if not tracing_enabled():
        return handler
    if importlib.util.find_spec("aws_xray_sdk") is None:
        logger.warning("tracing is on but aws_xray_sdk is not installed: %s runs untraced", service)
        return handler
    from aws_lambda_powertools import Tracer  # creating it imports aws_xray_sdk

    # Responses stay out of the trace: they carry cookies, tokens and learners' data.
    traced: LambdaHandler = Tracer(service=service).capture_lambda_handler(
        handler, capture_response=False
    )
    return traced


# -- the decorator ------------------------------------------------------------------
def observed(
    service: str, *, correlation: Correlation | None = None
) -> Callable[[LambdaHandler], LambdaHandler]:
    """Wrap a Lambda handler with logs, metrics and (optionally) traces; see the module doc.

    `correlation(event)` names the event's ids: `correlation_id` becomes the
    log's correlation id, the others are bound for the invocation. It never
    raises for a malformed event (the handler answers that).
    """
    log = service_logger(service)

    def decorate(handler: LambdaHandler) -> LambdaHandler:
        inner = _traced(service, handler)

        @functools.wraps(handler)
        def invoke(event: Any, context: Any) -> Any:
            ids = dict(_ids_of(correlation, event))
            _start_logging(log, context, ids.pop(CORRELATION_ID, None))
            sink = EmfSink()
            previous = telemetry.set_sink(sink)
            token = _invoked.set(log.registered_handler)
            try:
                with telemetry.bind(**ids):
                    try:
                        answer = inner(event, context)
                    except Exception:
                        log.exception("unhandled error in %s", service)
                        raise
                    _log_server_error(log, answer)
                    return answer
            finally:
                _invoked.reset(token)
                telemetry.set_sink(previous)
                _flush(sink)

        return invoke

    return decorate


def _log_server_error(log: Logger, answer: Any) -> None:
    """An HTTP answer of 500 or more is an error the operator should find by its ids."""
    status = answer.get("statusCode") if isinstance(answer, dict) else None
    if isinstance(status, int) and status >= 500:
        log.error("answered HTTP %s", status, extra={"status_code": status})


def _ids_of(correlation: Correlation | None, event: Any) -> Mapping[str, object]:
    if correlation is None:
        return {}
    try:
        return correlation(event)
    except Exception:  # a malformed event still gets handled (and answered) by the handler
        return {}


def _flush(sink: EmfSink) -> None:
    try:
        sink.flush()
    except Exception:  # never turn a handled request into an error over its metrics
        logger.exception("could not write the invocation's metrics")


# -- correlation ids of each event shape --------------------------------------------
def api_gateway_ids(event: Any) -> Mapping[str, object]:
    """An HTTP API (v2) request: API Gateway's request id, the method and path (no query)."""
    request = event["requestContext"]
    return {
        CORRELATION_ID: request["requestId"],
        "http_method": (request.get("http") or {}).get("method"),
        "http_path": event.get("rawPath"),
    }


def discord_interaction_ids(event: Any) -> Mapping[str, object]:
    """A Discord interaction through the HTTP API: the request id, the interaction and command.

    Read from the body before its signature is checked: they only label log lines.
    """
    ids = {CORRELATION_ID: _optional(api_gateway_ids, event).get(CORRELATION_ID)}
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    interaction = json.loads(body) if body else {}
    if isinstance(interaction, dict):
        ids["interaction_id"] = interaction.get("id")
        data = interaction.get("data")
        ids["interaction_command"] = data.get("name") if isinstance(data, dict) else None
    return ids


def scheduled_event_ids(event: Any) -> Mapping[str, object]:
    """An EventBridge (Scheduler) event: its id."""
    return {CORRELATION_ID: event["id"]}


def job_invoke_ids(event: Any) -> Mapping[str, object]:
    """The worker's async invoke {"job_id": N}: the job (the runner adds kind and cohort)."""
    return {"job_id": event["job_id"]}


def cloudformation_ids(event: Any) -> Mapping[str, object]:
    """A CloudFormation custom resource request: its request id and type."""
    return {CORRELATION_ID: event["RequestId"], "request_type": event.get("RequestType")}


def _optional(correlation: Correlation, event: Any) -> Mapping[str, object]:
    try:
        return correlation(event)
    except (KeyError, TypeError):
        return {}


# -- the same for an ASGI app served by the Lambda Web Adapter -----------------------
# The adapter (LWA) forwards each invocation to the app as an HTTP request and puts the
# event's requestContext and the Lambda context, as JSON, in these two headers.
REQUEST_CONTEXT_HEADER = b"x-amzn-request-context"
LAMBDA_CONTEXT_HEADER = b"x-amzn-lambda-context"

AsgiApp = Callable[[Any, Any, Any], Any]


class _AdapterContext:
    """The Lambda context as the adapter sends it (lambda_runtime's Context, as JSON)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        config = raw.get("env_config") or {}
        self.function_name = config.get("function_name")
        self.memory_limit_in_mb = config.get("memory")
        self.invoked_function_arn = raw.get("invoked_function_arn")
        self.aws_request_id = raw.get("request_id")


def adapter_request_ids(headers: Mapping[bytes, bytes]) -> tuple[Any, Mapping[str, object]]:
    """(the Lambda context, the correlation ids) of one request the adapter forwarded.

    Missing or malformed headers (the local stack, a direct call) give (None, {}).
    """
    context = _json_header(headers.get(LAMBDA_CONTEXT_HEADER))
    request = _json_header(headers.get(REQUEST_CONTEXT_HEADER))
    ids: dict[str, object] = {}
    if request.get("requestId"):
        ids[CORRELATION_ID] = request["requestId"]
    return (_AdapterContext(context) if context else None), ids


def _json_header(value: bytes | None) -> dict[str, Any]:
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class _SharedSink:
    """One EmfSink for the requests in flight: set while any runs, flushed as each ends.

    Lambda sends an environment one request at a time, so in AWS this is exactly
    `observed`'s sink per invocation; in the local stack, requests that overlap share
    it (their metrics are summed and written by whichever ends first, never lost).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._sink = EmfSink()
        self._previous: telemetry.Sink | None = None

    def enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            if self._in_flight == 1:
                self._previous = telemetry.set_sink(self._sink)

    def leave(self) -> None:
        _flush(self._sink)
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                telemetry.set_sink(self._previous)
                self._previous = None


class ObservedAsgi:
    """`observed` for an ASGI app run by the Lambda Web Adapter (no Lambda handler of ours).

        app.add_middleware(ObservedAsgi, service="tutor_chat")

    Each HTTP request gets what an invocation gets from `observed`: fresh log keys
    (cold start, the Lambda context from the adapter's header), the correlation id
    (the Function URL request id), `http_method` and `http_path` bound, metrics
    written as EMF when the answer is complete (a streamed one too), an unhandled
    exception and an answer of 500 or more logged as errors. No traces: Lambda
    records the invocation itself; Powertools' Tracer needs a handler to wrap.
    """

    def __init__(self, app: AsgiApp, service: str) -> None:
        self.app = app
        self.service = service
        self.log = service_logger(service)
        self.sink = _SharedSink()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        log = self.log
        context, ids = adapter_request_ids(dict(scope.get("headers") or ()))
        _start_logging(log, context, ids.get(CORRELATION_ID))
        status: list[int] = []

        async def send_observed(message: Any) -> None:
            if message.get("type") == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        self.sink.enter()
        token = _invoked.set(log.registered_handler)
        try:
            with telemetry.bind(http_method=scope.get("method"), http_path=scope.get("path")):
                try:
                    await self.app(scope, receive, send_observed)
                except Exception:
                    log.exception("unhandled error in %s", self.service)
                    raise
                if status:
                    _log_server_error(log, {"statusCode": status[0]})
        finally:
            _invoked.reset(token)
            self.sink.leave()
