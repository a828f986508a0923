"""Dev login: sign in by name, without Discord. Local stack only.

Settings refuse DEV_LOGIN_ENABLED in a deployed stack; this checks both
again, so a misconfigured deploy still cannot mint sessions by name.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from roundtable.auth.accounts import claim_anonymous_work
from roundtable.auth.sessions import Session, start_session
from roundtable.config import Settings
from roundtable.db.tables import users
from roundtable.errors import NotFoundError


def dev_login_allowed(settings: Settings) -> bool:
    return settings.dev_login_enabled and not settings.is_deployed


def dev_login(
    conn: Connection,
    settings: Settings,
    *,
    display_name: str,
    as_admin: bool,
    now: datetime,
    anonymous_token: uuid.UUID | None = None,
) -> Session:
    """Sign in as the (Discord-less) user of that name, creating them if needed.

    Like the Discord login, it claims the work of the browser's anonymous token.
    """
    if not dev_login_allowed(settings):
        raise NotFoundError("Not Found")  # indistinguishable from a route that does not exist
    name = display_name.strip()
    user_id = conn.scalar(
        select(users.c.id)
        .where(func.lower(users.c.display_name) == name.lower(), users.c.discord_id.is_(None))
        .order_by(users.c.id)
        .limit(1)
    )
    if user_id is None:
        user_id = conn.scalar(
            insert(users).values(display_name=name, last_active_at=now).returning(users.c.id)
        )
    values: dict[str, object] = {"last_active_at": now}
    if as_admin:
        values["is_admin"] = True
    conn.execute(update(users).where(users.c.id == user_id).values(**values))
    if anonymous_token is not None:
        claim_anonymous_work(conn, int(user_id), anonymous_token, now)
    return start_session(conn, int(user_id), now)
