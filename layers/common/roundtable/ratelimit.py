"""Abuse limits that hold across Lambda environments: counters in Postgres.

Fixed windows: one row per (bucket, window start), incremented by an atomic
upsert, so every environment sees the same count. A request over the limit
gets RateLimitedError carrying the seconds until its window ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, text
from sqlalchemy.dialects.postgresql import insert

from roundtable.db.tables import rate_limits
from roundtable.errors import RateLimitedError


@dataclass(frozen=True)
class Limit:
    """At most `hits` per `window_seconds` for one bucket (an IP or a user)."""

    name: str
    hits: int
    window_seconds: int


LOGIN = Limit("login", 10, 60)  # per IP: starting a login, callbacks, dev login
REFRESH = Limit("refresh", 10, 60)  # per IP
WRITES = Limit("writes", 60, 60)  # per user, every write of the API


def window_start(now: datetime, window_seconds: int) -> datetime:
    """The start of the fixed window `now` falls in."""
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, UTC)


def hit(engine: Engine, limit: Limit, key: str, now: datetime) -> int:
    """Count one request for `key`; RateLimitedError when over the limit.

    Runs in its own short transaction, so a request that fails afterwards
    still counts: failed logins are exactly what a limit is for.
    """
    bucket = f"{limit.name}:{key}"
    start = window_start(now, limit.window_seconds)
    with engine.begin() as conn:
        # A counter lost in a crash costs nothing; waiting for its WAL flush
        # costs every write a disk sync. This transaction only need not wait.
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
        hits = _increment(conn, bucket, start)
        if hits == 1:  # first hit of a new window: older windows of this bucket are done
            conn.execute(
                delete(rate_limits).where(
                    rate_limits.c.bucket == bucket, rate_limits.c.window_start < start
                )
            )
    if hits > limit.hits:
        ends = start + timedelta(seconds=limit.window_seconds)
        retry_after = max(1, math.ceil((ends - now).total_seconds()))
        raise RateLimitedError(
            f"too many requests ({limit.hits} per {limit.window_seconds} s); "
            f"try again in {retry_after} s",
            retry_after=retry_after,
        )
    return hits


def _increment(conn: Connection, bucket: str, start: datetime) -> int:
    statement = insert(rate_limits).values(bucket=bucket, window_start=start, hits=1)
    upsert = statement.on_conflict_do_update(
        index_elements=[rate_limits.c.bucket, rate_limits.c.window_start],
        set_={"hits": rate_limits.c.hits + 1},
    )
    return int(conn.execute(upsert.returning(rate_limits.c.hits)).scalar_one())


def purge_old_windows(conn: Connection, now: datetime, keep: timedelta = timedelta(hours=1)) -> int:
    """Delete counters of windows that ended long ago (a periodic task)."""
    return conn.execute(delete(rate_limits).where(rate_limits.c.window_start < now - keep)).rowcount
