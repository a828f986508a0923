"""The local gateway: one HTTP server standing in for CloudFront and the HTTP API.

A request goes, in order, to: the local-only endpoints (/api/dev/*, /dev/*);
the template's routes, each feeding its function an HTTP API v2 event (or,
for a function marked LocalAsgiApp, its ASGI app directly, streaming); the
built frontend with its single-page-app fallback; else 404.
"""

from __future__ import annotations

import json
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devserver.asgi import serve_asgi
from devserver.dev_api import DevApi
from devserver.events import HttpRequest, HttpResponse, http_api_event, http_api_response
from devserver.invoke import InvocationError, Invoker
from devserver.routing import Match, match_route
from devserver.static import resolve_static, static_response, swagger_ui_asset
from devserver.template import Route

logger = logging.getLogger("devserver")

# Set by the server itself, never copied from a handler's answer.
_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive", "date", "server"}


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(status, [("content-type", "application/json")], json.dumps(body).encode())


def internal_error() -> HttpResponse:
    """A 500 in the API's one error shape: what a failing function or gateway answers locally."""
    message = "The server failed on this request; the local stack's console has the traceback."
    return _json(500, {"error": {"code": "internal_error", "message": message}})


class Gateway:
    """Decides who answers a request."""

    def __init__(self, invoker: Invoker, dev_api: DevApi, static_dir: Path | None) -> None:
        self.invoker = invoker
        self.dev_api = dev_api
        self.static_dir = static_dir
        self.asgi_apps = {
            spec.logical_id: str(spec.metadata["LocalAsgiApp"])
            for spec in invoker.stack.functions.values()
            if spec.metadata.get("LocalAsgiApp")
        }
        self.routes = list(invoker.stack.routes) + _local_routes(invoker)
        # CloudFront sends these prefixes to the API, never to the bucket.
        self.api_prefixes = tuple(
            {"/" + r.path.strip("/").split("/")[0] + "/" for r in self.routes}
        )

    def route(self, request: HttpRequest) -> Match | None:
        return match_route(self.routes, request.method, request.path)

    def answer(self, request: HttpRequest, match: Match | None) -> HttpResponse:
        """The answer for a request that no local endpoint or ASGI route took."""
        if match is not None:
            return self._invoke(request, match)
        static = self._static(request)
        if static is not None:
            return static
        if request.path == "/" and request.method in ("GET", "HEAD"):
            return _landing_page(self)
        return _json(404, {"message": "Not Found"})  # what an HTTP API says for no route

    def _static(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or request.path.startswith(self.api_prefixes):
            return None  # an API path without a route gets the API's 404, not the app shell
        if self.static_dir is None or not self.static_dir.is_dir():
            return None
        path = resolve_static(self.static_dir, request.path)
        return None if path is None else static_response(path, request.method == "HEAD")

    def _invoke(self, request: HttpRequest, match: Match) -> HttpResponse:
        event = http_api_event(request, match.route.key, match.parameters)
        trigger = f"{request.method} {request.path}"
        try:
            result = self.invoker.invoke(match.route.function, event, trigger, keep_result=False)
        except InvocationError:
            return internal_error()
        return http_api_response(result)


def _local_routes(invoker: Invoker) -> list[Route]:
    """Extra routes from Metadata (functions reached by Function URL, not the HTTP API)."""
    routes = []
    for spec in invoker.stack.functions.values():
        for key in spec.metadata.get("LocalRoutes") or []:
            method, path = str(key).split(" ", 1)
            routes.append(Route(method.upper(), path.strip(), spec.logical_id))
    return routes


def _landing_page(gateway: Gateway) -> HttpResponse:
    routes = "".join(f"<li><code>{r.key}</code> → {r.function}</li>" for r in gateway.routes)
    page = (
        "<!doctype html><meta charset='utf-8'><title>Roundtable (local)</title>"
        "<body style='font-family:system-ui;margin:2rem'><h1>Roundtable local stack</h1>"
        "<p>No built frontend in web_frontend/dist (run <code>make run</code> to build it).</p>"
        "<p><a href='/api/docs'>API docs</a> · <a href='/api/health'>health</a> · "
        "<a href='/dev/outbox'>outbox</a> · <a href='/api/dev/invocations'>invocations</a> · "
        f"<a href='/api/dev/schedules'>schedules</a></p><h2>Routes</h2><ul>{routes}</ul></body>"
    )
    return HttpResponse(200, [("content-type", "text/html; charset=utf-8")], page.encode())


class GatewayServer(ThreadingHTTPServer):
    """A threading HTTP server that carries the gateway."""

    daemon_threads = True  # Ctrl-C does not wait for idle keep-alive connections

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        super().__init__(address, RequestHandler)
        self.gateway = gateway

    @property
    def url(self) -> str:
        host, port = self.server_address[0], self.server_address[1]
        return f"http://{host!s}:{port}"


class RequestHandler(BaseHTTPRequestHandler):
    """Reads a request, asks the gateway, writes the answer."""

    server: GatewayServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        started = time.monotonic()
        self._answer_started = False
        try:
            self._answer(self._read_request())
        except ConnectionError:
            self.close_connection = True  # the client went away: no one to answer
        except Exception:
            # Whatever failed (a function's import, the gateway itself), the browser gets
            # an answer, never a dropped connection.
            logger.exception("failed on %s %s", self.command, self.path)
            if not self._answer_started:
                self._write(internal_error())
            else:
                self.close_connection = True  # the answer is cut short; say so by closing
        logger.debug("%s %s (%d ms)", self.command, self.path, (time.monotonic() - started) * 1e3)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def send_response(self, code: int, message: str | None = None) -> None:
        self._answer_started = True
        super().send_response(code, message)

    def _answer(self, request: HttpRequest) -> None:
        gateway = self.server.gateway
        local = swagger_ui_asset(request.path, request.method == "HEAD")
        local = local or gateway.dev_api.handle(request)
        match = gateway.route(request) if local is None else None
        if local is not None:
            self._write(local)
        elif match is not None and match.route.function in gateway.asgi_apps:
            self._stream_asgi(request, match)
        else:
            self._write(gateway.answer(request, match), head_only=request.method == "HEAD")

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def _read_request(self) -> HttpRequest:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = [(name, value) for name, value in self.headers.items()]
        return HttpRequest(self.command, path, query, headers, body, self.client_address[0])

    def _write(self, response: HttpResponse, head_only: bool = False) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(response.body)

    def _stream_asgi(self, request: HttpRequest, match: Match) -> None:
        gateway = self.server.gateway
        app = gateway.invoker.attribute(
            match.route.function, gateway.asgi_apps[match.route.function]
        )
        address = (str(self.server.server_address[0]), self.server.server_port)
        serve_asgi(app, request, address, _ChunkedStream(self))  # do_GET answers a failure
        logger.info(
            "%-28s %-34s streamed", match.route.function, f"{request.method} {request.path}"
        )


class _ChunkedStream:
    """Writes an ASGI answer as it comes, chunked unless the app gave a length."""

    def __init__(self, handler: RequestHandler) -> None:
        self._handler = handler
        self._chunked = False

    def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self._handler.send_response(status)
        names = {name.lower() for name, _ in headers}
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP - {"content-length"}:
                self._handler.send_header(name, value)
        self._chunked = "content-length" not in names
        if self._chunked:
            self._handler.send_header("transfer-encoding", "chunked")
        self._handler.end_headers()

    def write(self, chunk: bytes) -> None:
        if not chunk:
            return
        out = self._handler.wfile
        out.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if self._chunked else chunk)
        out.flush()

    def finish(self) -> None:
        if self._chunked:
            self._handler.wfile.write(b"0\r\n\r\n")
            self._chunked = False
        self._handler.wfile.flush()
