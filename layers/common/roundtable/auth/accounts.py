"""Users from Discord logins, and the anonymous work they bring with them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, case, exists, func, update
from sqlalchemy.dialects.postgresql import insert

from roundtable.auth.discord import DiscordProfile
from roundtable.content.progress import claim_anonymous_progress
from roundtable.db.tables import chat_sessions, users


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

    Every login (Discord and dev) claims through here. Progress merges by
    `roundtable.content.progress.claim_anonymous_progress`'s rule. A user has
    one active chat per module: the user's active chat stays active and a
    clashing anonymous one becomes theirs archived, so no transcript is lost;
    an anonymous chat on a module where the user has none moves as it is.
    """
    # Takes the user row and token locks, which also serialise the chat claim.
    progress = claim_anonymous_progress(conn, anonymous_token=token, user_id=user_id)
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
