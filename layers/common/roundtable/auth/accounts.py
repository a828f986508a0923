"""Users from Discord logins, and the anonymous work they bring with them.

Claiming that work (learning progress, tutor chats) is part of logging in, so
its rules live here; content re-exports `claim_anonymous_progress`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, case, delete, exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from roundtable.auth.discord import DiscordProfile
from roundtable.db.tables import (
    assessment_answers,
    chat_sessions,
    content_progress,
    users,
    video_positions,
)


@dataclass(frozen=True)
class ClaimedWork:
    progress: int
    chats: int
    answers: int = 0
    video_positions: int = 0


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
    """Give the user the progress, tutor chats and assessed answers made under an anonymous token.

    Every login (Discord and dev) claims through here. Progress merges by
    `claim_anonymous_progress`'s rule. A user has
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
    # Answers are kept attempt by attempt, so the visitor's simply become the user's.
    answers = conn.execute(
        update(assessment_answers)
        .where(
            assessment_answers.c.anonymous_token == token, assessment_answers.c.user_id.is_(None)
        )
        .values(user_id=user_id)
    ).rowcount
    positions = claim_video_positions(conn, anonymous_token=token, user_id=user_id)
    return ClaimedWork(progress=progress, chats=chats, answers=answers, video_positions=positions)


def claim_video_positions(conn: Connection, *, anonymous_token: uuid.UUID, user_id: int) -> int:
    """Give the user the video positions saved under the token; returns the rows claimed.

    Where both have a position in the same video segment, the one saved last wins.
    """
    anonymous = and_(
        video_positions.c.anonymous_token == anonymous_token, video_positions.c.user_id.is_(None)
    )
    anon = video_positions.alias("anon")
    conn.execute(
        update(video_positions)
        .where(
            video_positions.c.user_id == user_id,
            anon.c.anonymous_token == anonymous_token,
            anon.c.user_id.is_(None),
            anon.c.segment_id == video_positions.c.segment_id,
            anon.c.updated_at > video_positions.c.updated_at,
        )
        .values(position_s=anon.c.position_s, updated_at=anon.c.updated_at)
    )
    mine = video_positions.alias("mine")
    clashing = exists().where(
        mine.c.user_id == user_id, mine.c.segment_id == video_positions.c.segment_id
    )
    merged = conn.execute(delete(video_positions).where(anonymous, clashing)).rowcount
    moved = conn.execute(update(video_positions).where(anonymous).values(user_id=user_id))
    return merged + moved.rowcount


def claim_anonymous_progress(conn: Connection, *, anonymous_token: uuid.UUID, user_id: int) -> int:
    """Give a user the progress made under their anonymous token; returns rows claimed.

    The single rule for claiming (login calls this through
    `claim_anonymous_work`): rows only the anonymous visitor
    has move to the user. Where both have a row for the same content, the
    two merge into the user's row: the user's completion stands when their
    row is completed, otherwise the anonymous completion counts; reading
    times add up; the earlier start and the later heartbeat are kept.
    """
    # Locks in the order login takes them (the user row, then the token):
    # two claims for one user must not both move a row for the same content,
    # and two users claiming one token must not both add its time.
    conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": str(anonymous_token)}
    )
    anonymous = and_(
        content_progress.c.anonymous_token == anonymous_token,
        content_progress.c.user_id.is_(None),
    )
    merged = _merge_into_user(conn, anonymous_token, user_id)
    conn.execute(
        delete(content_progress).where(anonymous, content_progress.c.content_id.in_(merged))
    )
    moved = conn.execute(update(content_progress).where(anonymous).values(user_id=user_id))
    return len(merged) + moved.rowcount


def _merge_into_user(conn: Connection, anonymous_token: uuid.UUID, user_id: int) -> list[str]:
    anon = content_progress.alias("anon")
    mine = content_progress
    statement = (
        update(mine)
        .where(
            mine.c.user_id == user_id,
            anon.c.anonymous_token == anonymous_token,
            anon.c.user_id.is_(None),
            anon.c.content_id == mine.c.content_id,
        )
        .values(
            started_at=func.least(mine.c.started_at, anon.c.started_at),
            completed_at=func.coalesce(mine.c.completed_at, anon.c.completed_at),
            total_time_s=mine.c.total_time_s + anon.c.total_time_s,
            last_heartbeat_at=func.greatest(mine.c.last_heartbeat_at, anon.c.last_heartbeat_at),
        )
        .returning(mine.c.content_id)
    )
    return [row.content_id for row in conn.execute(statement)]
