"""A small framework for fake HTTP services used by the tests.

Each fake is a real HTTP server on 127.0.0.1 (a thread), so the code under
test goes through its real HTTP client. A fake records every request, keeps
state, and can be told to fail the next N matching calls (fault injection),
e.g. with a 429 carrying the service's rate-limit headers.

A fake with a `contract` (tests/fakes/contracts.py) checks every request and
every answer against the vendor's specification: a request the vendor would
refuse is answered with the vendor's refusal, and `stop()` fails the test
with the list of violations (take them with `take_violations()` first when a
test sends a bad request on purpose).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from tests.fakes.contracts import ContractViolationError, Violation, describe

if TYPE_CHECKING:
    from tests.fakes.contracts import Contract


@dataclass
class Request:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def mutating(self) -> bool:
        return self.method in {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """Answer the next `times` requests matching method and path pattern with `response`."""

    method: str
    pattern: re.Pattern[str]
    response: Response
    times: int


Handler = Callable[[Request, re.Match[str]], Response]


class FakeService:
    """Base class: subclasses call `route(method, regex, handler)` in __init__."""

    contract: ClassVar[Contract | None] = None  # the vendor's specification, if any
    # Dresses a successful answer with the fields the vendor always sends (see
    # tests/fakes/discord_objects.py), so state can stay small dicts.
    answer_as_vendor: ClassVar[Callable[[Request, Response], Response] | None] = None

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.violations: list[Violation] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # -- configuration ---------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def fail_next(self, method: str, pattern: str, response: Response, *, times: int = 1) -> None:
        """Inject a failure for the next `times` matching requests."""
        with self._lock:
            self._faults.append(Fault(method, re.compile(f"^{pattern}$"), response, times))

    # -- inspection --------------------------------------------------------
    def mutating_requests(self) -> list[Request]:
        return [r for r in self.requests if r.mutating]

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- serving -----------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeService:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving; fails (ContractViolationError) if the vendor's contract was broken."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.assert_contract_kept()

    # -- the vendor's contract ----------------------------------------------------
    def take_violations(self) -> list[Violation]:
        """The violations so far, forgotten (for tests that break the contract on purpose)."""
        with self._lock:
            taken, self.violations = self.violations, []
        return taken

    def assert_contract_kept(self) -> None:
        violations = self.take_violations()
        if violations:
            raise ContractViolationError(
                f"{type(self).__name__} saw what the real service refuses:\n" + describe(violations)
            )

    def check_request(self, request: Request) -> Response | None:
        """The vendor's refusal when the request breaks its contract (recorded), else None."""
        if self.contract is None:
            return None
        operation, problems = self.contract.check_request(request)
        if not problems:
            return None
        self._record(operation, "request", problems)
        return self.contract.refusal(problems)

    def check_response(self, request: Request, response: Response) -> None:
        if self.contract is None:
            return
        operation, problems = self.contract.check_response(request, response)
        if problems:
            self._record(operation, "response", problems)

    def _record(self, operation: str, direction: str, problems: list[Any]) -> None:
        assert self.contract is not None
        listed = tuple(
            f"{'.'.join(str(p) for p in path) or '(body)'}: {message}" for path, message in problems
        )
        with self._lock:
            self.violations.append(Violation(self.contract.service, operation, direction, listed))

    @contextmanager
    def running(self) -> Iterator[FakeService]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def serve(self, request: Request) -> Response:
        """Handle a request and hold the answer to the vendor's response schemas."""
        response = self.handle(request)
        if self.answer_as_vendor is not None:
            response = self.answer_as_vendor(request, response)
        self.check_response(request, response)
        return response

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            refusal = self.check_request(request)
            fault = self._take_fault(request)
            if fault is not None:
                return fault
            if refusal is not None:
                return refusal
            for method, pattern, handler in self._routes:
                match = pattern.match(request.path)
                if match and method == request.method:
                    return handler(request, match)
        return self.not_found(request)

    def not_found(self, request: Request) -> Response:
        return Response(404, {"message": f"no route {request.method} {request.path}"})

    def _take_fault(self, request: Request) -> Response | None:
        for fault in self._faults:
            if fault.method == request.method and fault.pattern.match(request.path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault.response
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                response = service.serve(request)
                payload = b"" if response.body is None else _encode(response.body)
                self.send_response(response.status)
                if response.body is not None and "content-type" not in response.headers:
                    self.send_header("content-type", "application/json")
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        return _Handler


def _encode(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()
