"""Refuse text containing NUL before it reaches Postgres, which cannot store it.

Without this, a NUL in any string field (a profile name, an application note)
became a 500 from the database driver. Checked once for every route, on the
raw request, so no model can forget it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roundtable_edge.web.errors import send_error

MESSAGE = "Text may not contain the NUL character (\\u0000)."
_NUL_MARKERS = (b"\x00", b"\\u0000")
# Binary bodies (a voice recording) hold NUL bytes as data, and never reach Postgres.
_BINARY_TYPES = (b"audio/",)


class NulGuardMiddleware:
    """ASGI middleware answering 422 (the one error shape) for NUL in body or query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        text_body = b"" if _is_binary(scope) else body
        if _has_nul(scope.get("query_string", b""), text_body):
            await send_error(send, 422, "invalid_request", MESSAGE)
            return
        await self.app(scope, _replay(messages, receive), send)


def _has_nul(query: bytes, body: bytes) -> bool:
    return b"%00" in query.lower() or b"\x00" in query or any(m in body for m in _NUL_MARKERS)


def _is_binary(scope: Scope) -> bool:
    content_type: bytes = dict(scope.get("headers", [])).get(b"content-type", b"")
    return content_type.lower().startswith(_BINARY_TYPES)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
