"""Tutor chat routes under /api/tutor/: history, a reply as JSON, a reply streamed as SSE.

Every stack streams `POST .../stream` (server-sent events): the local stack
serves the app directly, AWS through a Function URL in RESPONSE_STREAM mode
(docs/tutor.md). `POST .../messages` (the whole reply as JSON) stays for
clients that cannot read a stream.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from roundtable_edge.web.cookies import remember_anonymous
from roundtable_edge.web.deps import Now, client_ip
from roundtable_edge.web.errors import error_body
from roundtable_edge.web.learners import CurrentLearner
from starlette.concurrency import run_in_threadpool
from tutor_schemas import (
    HistoryPublic,
    MessageCreate,
    MessagePublic,
    QuotaPublic,
    ReplyPublic,
    StatusPublic,
    errors,
)

from roundtable.config import get_settings
from roundtable.content.learners import LearnerIdentity
from roundtable.content.learning import live_bundle
from roundtable.db.engine import get_engine, transaction
from roundtable.errors import DomainError
from roundtable.tutor.chat import (
    Deadlines,
    Reply,
    Turn,
    begin_turn,
    chat_history,
    save_reply,
    stream_reply,
)
from roundtable.tutor.model import chat_model_from_settings
from roundtable.tutor.quota import Quota, admit_message, quota_status
from roundtable.tutor.store import StoredMessage
from roundtable.tutor.transcribe import voice_input_available

router = APIRouter(prefix="/api/tutor", tags=["tutor"], responses=errors(401, 422, 503))
_SEND_ERRORS = errors(400, 404, 429, 502, 504)

# A streamed reply's whole length; the function's Timeout (template) leaves room for it.
STREAM_TOTAL_S = 120.0


@router.get("/status", response_model=StatusPublic)
def read_status(learner: CurrentLearner, now: Now) -> StatusPublic:
    """My quota today and whether voice input works here; `streaming` is always true now
    (kept for older clients)."""
    settings = get_settings()
    quota = Quota.for_learner(learner.learner, settings)
    with transaction(get_engine()) as conn:
        status = quota_status(conn, learner.learner, quota, now)
    return StatusPublic(
        streaming=True,
        transcription=voice_input_available(settings),
        quota=QuotaPublic(
            messages_used=status.used.messages,
            messages_limit=quota.messages,
            tokens_used=status.used.tokens,
            tokens_limit=quota.tokens,
            resets_at=status.resets_at,
        ),
    )


@router.get("/{module_slug}/messages", response_model=HistoryPublic, responses=errors(404))
def read_history(module_slug: str, learner: CurrentLearner) -> HistoryPublic:
    """My conversation with the tutor in this module (every chat in a module shares it)."""
    bundle = live_bundle()
    with transaction(get_engine()) as conn:
        messages = chat_history(conn, learner.learner, bundle, module_slug)
    return HistoryPublic(module_slug=module_slug, messages=[_public(m) for m in messages])


@router.post("/{module_slug}/messages", response_model=ReplyPublic, responses=_SEND_ERRORS)
async def send_message(
    module_slug: str, body: MessageCreate, learner: CurrentLearner, request: Request, now: Now
) -> ReplyPublic:
    """Send a message; answers with the tutor's whole reply (both are saved)."""
    model = chat_model_from_settings(get_settings())
    turn = await _begin(module_slug, body, learner, request, now)
    reply = Reply()
    timeout = model.timeout_s
    async for _text in stream_reply(get_engine(), model, turn, reply, Deadlines(timeout, timeout)):
        pass
    assert reply.saved is not None, "a reply is saved when its stream ends"
    return ReplyPublic(user_message_id=turn.user_message_id, reply=_public(reply.saved))


@router.post(
    "/{module_slug}/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The reply as SSE"},
        **_SEND_ERRORS,
    },
)
async def stream_message(
    module_slug: str, body: MessageCreate, learner: CurrentLearner, request: Request, now: Now
) -> StreamingResponse:
    """Send a message; the reply streams as server-sent events: `text` pieces, then `done`
    (or `error`). Errors before the first word are answered as JSON errors instead."""
    model = chat_model_from_settings(get_settings())
    turn = await _begin(module_slug, body, learner, request, now)
    reply = Reply()
    deadlines = Deadlines(model.timeout_s, STREAM_TOTAL_S)
    texts = stream_reply(get_engine(), model, turn, reply, deadlines)
    first = await anext(texts, "")  # a provider error here becomes a 502/504 JSON answer
    response = EventStream(
        _events(first, texts, reply), on_close=lambda: save_reply(get_engine(), turn, reply)
    )
    remember_anonymous(response, learner)
    return response


async def _begin(
    module_slug: str, body: MessageCreate, learner: LearnerIdentity, request: Request, now: Now
) -> Turn:
    settings = get_settings()
    admit_message(get_engine(), learner.learner, client_ip(request), now, settings)
    return await run_in_threadpool(
        lambda: begin_turn(
            get_engine(),
            identity=learner,
            bundle=live_bundle(),
            module_slug=module_slug,
            section_id=body.section_id,
            segment_id=body.segment_id,
            text=body.message,
            quota=Quota.for_learner(learner.learner, settings),
            now=now,
        )
    )


async def _events(first: str, texts: AsyncIterator[str], reply: Reply) -> AsyncIterator[bytes]:
    try:
        if first:
            yield _sse({"type": "text", "content": first})
        async for text in texts:
            yield _sse({"type": "text", "content": text})
    except DomainError as exc:
        error = error_body(exc.code, str(exc), exc.field)  # the JSON errors' shape
        yield _sse({"type": "error", **error, "message_id": _saved_id(reply)})
        return
    finally:
        close = getattr(texts, "aclose", None)
        if close is not None:
            await close()  # saves what arrived, if the client left mid-stream
    yield _sse({"type": "done", "message_id": _saved_id(reply), "complete": reply.complete})


def _saved_id(reply: Reply) -> int | None:
    return reply.saved.id if reply.saved is not None else None


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


class EventStream(StreamingResponse):
    """Server-sent events that always close their source, and save, when the client goes away.

    Starlette stops iterating when the client disconnects but leaves the
    generator to the garbage collector; closing it here runs its `finally`
    (which saves the partial reply) at once, and `on_close` is a last resort.
    """

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[bytes], on_close: Callable[[], object]) -> None:
        super().__init__(content, headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
        self._on_close = on_close

    async def stream_response(self, send: Any) -> None:
        try:
            await super().stream_response(send)
        finally:
            close = getattr(self.body_iterator, "aclose", None)
            try:
                if close is not None:
                    await close()
            finally:
                self._on_close()


def _public(message: StoredMessage) -> MessagePublic:
    return MessagePublic.model_validate(message, from_attributes=True)
