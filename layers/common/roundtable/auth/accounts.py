"""Users from Discord logins, and the anonymous work they bring with them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, case, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert

from roundtable.auth.discord import DiscordProfile
from roundtable.db.tables import chat_sessions, content_progress, users


@dataclass(frozen=True)
class ClaimedWork:
    progress: int
    chats: int


def upsert_discord_user(conn: Connection, profile: DiscordProfile, now: datetime) -> int:
    """Create or update the user with this Discord id; returns the user id.

    The display name and email come from Discord only when the user has none
    yet: what they typed in their profile wins over Discord's copy.
    """
    verified_at = now if profile.email and profile.verified else None
    statement = insert(users).values(
        discord_id=profile.id,
        discord_username=profile.username,
        discord_avatar=profile.avatar,
        display_name=(profile.global_name or profile.username)[:80],
        email=profile.email,
        email_verified_at=verified_at,
        last_active_at=now,
    )
    same_email = func.lower(users.c.email) == func.lower(statement.excluded.email)
    upsert = statement.on_conflict_do_update(
        index_elements=[users.c.discord_id],
        set_={
            "discord_username": statement.excluded.discord_username,
            "discord_avatar": statement.excluded.discord_avatar,
            "email": func.coalesce(users.c.email, statement.excluded.email),
            "email_verified_at": case(
                (users.c.email.is_(None), statement.excluded.email_verified_at),
                (
                    and_(same_email, users.c.email_verified_at.is_(None)),
                    statement.excluded.email_verified_at,
                ),
                else_=users.c.email_verified_at,
            ),
            "last_active_at": statement.excluded.last_active_at,
        },
    )
    return int(conn.execute(upsert.returning(users.c.id)).scalar_one())


def claim_anonymous_work(
    conn: Connection, user_id: int, token: uuid.UUID, now: datetime
) -> ClaimedWork:
    """Give the user the progress and tutor chats made under an anonymous token.

    Where the user already has progress on the same content, theirs is kept
    and the anonymous row stays as it was. An anonymous active chat on a
    module where the user has an active chat is claimed as archived, so
    no transcript is lost.
    """
    # Serialise claims for one user: two logins at once must not both claim.
    conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
    mine = content_progress.alias("mine")
    progress = conn.execute(
        update(content_progress)
        .where(
            content_progress.c.anonymous_token == token,
            content_progress.c.user_id.is_(None),
            ~exists().where(
                mine.c.user_id == user_id, mine.c.content_id == content_progress.c.content_id
            ),
        )
        .values(user_id=user_id)
    ).rowcount
    active = chat_sessions.alias("active")
    has_active = exists().where(
        active.c.user_id == user_id,
        active.c.module_id == chat_sessions.c.module_id,
        active.c.archived_at.is_(None),
    )
    chats = conn.execute(
        update(chat_sessions)
        .where(chat_sessions.c.anonymous_token == token, chat_sessions.c.user_id.is_(None))
        .values(
            user_id=user_id,
            archived_at=case(
                (and_(chat_sessions.c.archived_at.is_(None), has_active), now),
                else_=chat_sessions.c.archived_at,
            ),
        )
    ).rowcount
    return ClaimedWork(progress=progress, chats=chats)
