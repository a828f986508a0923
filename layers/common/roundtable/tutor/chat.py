"""One exchange with the tutor: save the learner's message, stream the reply, save the reply.

The learner's message is committed before the model is called, so it is
never lost. The reply is accumulated as it streams and saved when the stream
ends for any reason: finished (complete), failed (with the error), or
abandoned because the client went away (complete=false, what was received).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from roundtable import telemetry
from roundtable.content.bundle import Bundle
from roundtable.content.learners import LearnerIdentity
from roundtable.content.progress import Learner
from roundtable.db.engine import transaction
from roundtable.errors import DomainError
from roundtable.tutor.model import ChatModel, TutorTimeoutError
from roundtable.tutor.prompt import (
    build_messages,
    clean_message,
    estimate_tokens,
    find_module,
    locate_chat,
    message_tokens,
)
from roundtable.tutor.quota import Quota, check_quota
from roundtable.tutor.store import (
    StoredMessage,
    add_message,
    conversation,
    find_session,
    lock_learner,
    open_session,
    transcript,
)


@dataclass(frozen=True)
class Turn:
    """A learner's message, saved, and the prompt to answer it with."""

    session_id: int
    user_message_id: int
    section_id: str
    messages: list[dict[str, str]]

    @property
    def prompt_tokens(self) -> int:
        return sum(message_tokens(m) for m in self.messages)


@dataclass
class Reply:
    """The reply as it arrives, and, once saved, its row."""

    parts: list[str] = field(default_factory=list)
    total_tokens: int | None = None
    complete: bool = False
    error: str | None = None
    saved: StoredMessage | None = None
    first_token_s: float | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class Deadlines:
    """Seconds to wait for the first word, and for the whole reply."""

    first_token_s: float
    total_s: float


def begin_turn(
    engine: Engine,
    *,
    identity: LearnerIdentity,
    bundle: Bundle,
    module_slug: str,
    section_id: str,
    segment_id: str,
    text: str,
    quota: Quota,
    now: datetime,
) -> Turn:
    """Check the quota and save the learner's message (committed); the prompt to send."""
    message = clean_message(text)
    place = locate_chat(bundle, module_slug, section_id, segment_id)
    with transaction(engine) as conn:
        lock_learner(conn, identity.key)
        check_quota(conn, identity.learner, quota, now)
        session_id = open_session(conn, identity.learner, place.module_id, now)
        history = conversation(transcript(conn, session_id))
        saved = add_message(
            conn, session_id, role="user", content=message, section_id=section_id, now=now
        )
    return Turn(session_id, saved.id, section_id, build_messages(place, history, message))


async def stream_reply(
    engine: Engine, model: ChatModel, turn: Turn, reply: Reply, deadlines: Deadlines
) -> AsyncIterator[str]:
    """Yield the reply's text as it streams; save it when the stream ends, however it ends."""
    started = time.monotonic()
    try:
        async for event in _within(model.stream(turn.messages), deadlines, started):
            if event.total_tokens is not None:
                reply.total_tokens = event.total_tokens
            if event.text:
                if reply.first_token_s is None:
                    reply.first_token_s = time.monotonic() - started
                reply.parts.append(event.text)
                yield event.text
        reply.complete = True
    except DomainError as exc:
        reply.error = str(exc)
        telemetry.count("TutorErrors", Error=exc.code)
        raise
    finally:
        # Also reached when the consumer stops early (the client went away):
        # synchronous on purpose, as awaiting in a cancelled task would fail.
        save_reply(engine, turn, reply)


async def _within[T](
    events: AsyncIterator[T], deadlines: Deadlines, started: float
) -> AsyncIterator[T]:
    """The events, or TutorTimeoutError when the first or the last one comes too late."""
    iterator = aiter(events)
    first = True
    while True:
        limit = deadlines.total_s - (time.monotonic() - started)
        if first:
            limit = min(limit, deadlines.first_token_s)
        try:
            async with asyncio.timeout(max(limit, 0.001)):
                event = await anext(iterator)
        except StopAsyncIteration:
            return
        except TimeoutError:
            await _close(iterator)
            raise TutorTimeoutError("the tutor took too long to answer; please try again") from None
        first = False
        yield event


async def _close(iterator: AsyncIterator[object]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


def save_reply(
    engine: Engine, turn: Turn, reply: Reply, now: datetime | None = None
) -> StoredMessage:
    """Save the reply once (complete or not, with its error if any) and what it cost."""
    if reply.saved is not None:
        return reply.saved
    tokens = reply.total_tokens
    if tokens is None:  # the provider reported no usage: estimate what it was sent and said
        tokens = turn.prompt_tokens + estimate_tokens(reply.text) if reply.parts else 0
    with transaction(engine) as conn:
        reply.saved = add_message(
            conn,
            turn.session_id,
            role="assistant",
            content=reply.text,
            section_id=turn.section_id,
            now=now or datetime.now(UTC),
            tokens=tokens,
            complete=reply.complete,
            error=reply.error,
        )
    telemetry.count("TutorTokens", tokens)
    return reply.saved


def chat_history(
    conn: Connection, learner: Learner, bundle: Bundle, module_slug: str
) -> list[StoredMessage]:
    """The learner's active conversation on a module (empty before the first message)."""
    module_id = find_module(bundle, module_slug)["id"]
    session_id = find_session(conn, learner, module_id)
    return transcript(conn, session_id) if session_id is not None else []
