"""Serve a route straight from an ASGI app, streaming its answer as it is produced.

API Gateway buffers whole responses, so the tutor chat (server-sent events)
will run behind a streaming Function URL instead. Locally, a function whose
template Metadata says `Roundtable: {LocalAsgiApp: <attribute>}` is served
through here rather than through a Lambda event (docs/local-stack.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol
from urllib.parse import unquote

from devserver.events import HttpRequest

Message = MutableMapping[str, Any]
AsgiApp = Callable[
    [dict[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


class ResponseStream(Protocol):
    """Where the answer goes: the gateway's connection."""

    def start(self, status: int, headers: list[tuple[str, str]]) -> None: ...

    def write(self, chunk: bytes) -> None: ...

    def finish(self) -> None: ...


def asgi_scope(request: HttpRequest, server: tuple[str, int]) -> dict[str, Any]:
    """An ASGI 3 HTTP scope for the request."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": unquote(request.path),
        "raw_path": request.path.encode(),
        "query_string": request.query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers],
        "client": (request.source_ip, 0),
        "server": server,
    }


def serve_asgi(
    app: AsgiApp, request: HttpRequest, server: tuple[str, int], stream: ResponseStream
) -> None:
    """Run one request through app, writing each body chunk as the app sends it."""
    asyncio.run(_serve(app, asgi_scope(request, server), request.body, stream))


async def _serve(app: AsgiApp, scope: dict[str, Any], body: bytes, stream: ResponseStream) -> None:
    finished = asyncio.Event()
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        if pending:
            return pending.pop()
        await finished.wait()  # the client "disconnects" once the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
            stream.start(int(message["status"]), headers)
        elif message["type"] == "http.response.body":
            stream.write(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                stream.finish()
                finished.set()

    await app(scope, receive, send)
    if not finished.is_set():
        stream.finish()
        finished.set()
