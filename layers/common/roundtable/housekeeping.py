"""Purges of data that expired, each defined beside its data; the hourly sweep runs them.

The sweep (roundtable.sync.hourly) gets these steps from its caller, so the
sync area does not depend on auth or on the rate limiter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import Connection

from roundtable.auth.oauth import purge_expired_oauth_states
from roundtable.auth.sessions import purge_expired_refresh_tokens
from roundtable.ratelimit import purge_old_windows

# One purge: in the given transaction, delete what expired by `now`; counts by kind.
Purge = Callable[[Connection, datetime], dict[str, int]]


def expired_logins(conn: Connection, now: datetime) -> dict[str, int]:
    return {
        "refresh_tokens": purge_expired_refresh_tokens(conn, now),
        "oauth_states": purge_expired_oauth_states(conn, now),
    }


def rate_limit_windows(conn: Connection, now: datetime) -> dict[str, int]:
    return {"windows_purged": purge_old_windows(conn, now)}


HOURLY_PURGES: Mapping[str, Purge] = {
    "expired_logins": expired_logins,
    "rate_limits": rate_limit_windows,
}
