"""Tutor chats in Postgres: one active session per (learner, module), its messages, usage.

All chat segments of a module share one session, so the tutor remembers the
conversation from one section to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from roundtable.content.progress import Learner
from roundtable.db.tables import chat_messages, chat_sessions


@dataclass(frozen=True)
class StoredMessage:
    """One message of a transcript, as the learner and facilitators see it."""

    id: int
    role: str
    content: str
    section_id: str | None
    complete: bool
    error: str | None
    created_at: datetime


@dataclass(frozen=True)
class Usage:
    """What a learner used of the tutor since a moment (the start of the day)."""

    messages: int
    tokens: int


def owns_session(learner: Learner) -> ColumnElement[bool]:
    """SQL condition selecting this learner's sessions."""
    if learner.user_id is not None:
        return chat_sessions.c.user_id == learner.user_id
    return and_(
        chat_sessions.c.anonymous_token == learner.anonymous_token,
        chat_sessions.c.user_id.is_(None),
    )


def lock_learner(conn: Connection, key: str) -> None:
    """Serialise this learner's chat requests until the transaction ends (quota checks)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"tutor:{key}"})


def open_session(conn: Connection, learner: Learner, module_id: str, now: datetime) -> int:
    """The learner's active session on the module, created if needed; marks it active now."""
    statement = pg_insert(chat_sessions).values(
        user_id=learner.user_id,
        anonymous_token=learner.anonymous_token,
        module_id=module_id,
        started_at=now,
        last_active_at=now,
    )
    if learner.user_id is not None:
        columns, where = ["user_id", "module_id"], "user_id IS NOT NULL AND archived_at IS NULL"
    else:
        columns = ["anonymous_token", "module_id"]
        where = "anonymous_token IS NOT NULL AND user_id IS NULL AND archived_at IS NULL"
    upsert = statement.on_conflict_do_update(
        index_elements=columns,
        index_where=text(where),
        set_={"last_active_at": func.greatest(chat_sessions.c.last_active_at, now)},
    )
    return int(conn.execute(upsert.returning(chat_sessions.c.id)).scalar_one())


def find_session(conn: Connection, learner: Learner, module_id: str) -> int | None:
    """The learner's active session on the module, if any."""
    found = conn.scalar(
        select(chat_sessions.c.id).where(
            owns_session(learner),
            chat_sessions.c.module_id == module_id,
            chat_sessions.c.archived_at.is_(None),
        )
    )
    return int(found) if found is not None else None


def add_message(
    conn: Connection,
    session_id: int,
    *,
    role: str,
    content: str,
    section_id: str | None,
    now: datetime,
    tokens: int = 0,
    complete: bool = True,
    error: str | None = None,
) -> StoredMessage:
    """Append a message to a session."""
    statement = insert(chat_messages).values(
        session_id=session_id,
        role=role,
        content=content,
        section_id=section_id,
        tokens=tokens,
        complete=complete,
        error=error,
        created_at=now,
    )
    conn.execute(
        update(chat_sessions)
        .where(chat_sessions.c.id == session_id)
        .values(last_active_at=func.greatest(chat_sessions.c.last_active_at, now))
    )
    return _stored(conn.execute(statement.returning(*chat_messages.c)).one())


def transcript(conn: Connection, session_id: int) -> list[StoredMessage]:
    """Every message of a session, oldest first."""
    rows = conn.execute(
        select(chat_messages)
        .where(chat_messages.c.session_id == session_id)
        .order_by(chat_messages.c.id)
    )
    return [_stored(row) for row in rows]


def _stored(row: Any) -> StoredMessage:
    return StoredMessage(
        row.id, row.role, row.content, row.section_id, row.complete, row.error, row.created_at
    )


def conversation(messages: list[StoredMessage]) -> list[dict[str, str]]:
    """The transcript as model messages, leaving out exchanges whose reply failed empty.

    A learner message answered by nothing (the provider failed before the
    first word) is dropped with its empty reply, so the model sees questions
    and answers alternate; a reply cut short still counts, as the learner saw it.
    """
    kept: list[dict[str, str]] = []
    for index, message in enumerate(messages):
        reply = messages[index + 1] if index + 1 < len(messages) else None
        if message.role == "user" and reply is not None and reply.role == "assistant":
            if not reply.content:
                continue
        if message.role in ("user", "assistant") and message.content:
            kept.append({"role": message.role, "content": message.content})
    return kept


def usage_since(conn: Connection, learner: Learner, since: datetime) -> Usage:
    """Messages the learner sent and tokens their chats used since `since`."""
    row = conn.execute(
        select(
            func.count().filter(chat_messages.c.role == "user"),
            func.coalesce(func.sum(chat_messages.c.tokens), 0),
        )
        .select_from(chat_messages.join(chat_sessions))
        .where(owns_session(learner), chat_messages.c.created_at >= since)
    ).one()
    return Usage(messages=int(row[0]), tokens=int(row[1]))
