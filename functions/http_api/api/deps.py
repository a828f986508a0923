"""Request dependencies: the database transaction, who is asking, limits.

One connection per request, in one transaction that commits when the route
returns (before the response is sent) and rolls back when it raises. The
clock (`Now`), the client's address and the cookie names are the web edge's,
re-exported here for the routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from roundtable_edge.web.cookies import (
    ANONYMOUS_COOKIE,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    STATE_COOKIE,
)
from roundtable_edge.web.deps import Now, client_ip, get_now
from sqlalchemy import Connection

from roundtable import ratelimit
from roundtable.auth import AccessClaims, check_session, jwt_secret, read_access_claims
from roundtable.db.engine import get_engine, transaction
from roundtable.errors import AuthenticationError, PermissionDeniedError
from roundtable.people.actors import Actor
from roundtable.people.profiles import Viewer, get_viewer

__all__ = [
    "ANONYMOUS_COOKIE",
    "REFRESH_COOKIE",
    "SESSION_COOKIE",
    "STATE_COOKIE",
    "Admin",
    "AdminWriter",
    "BigId",
    "CurrentUser",
    "Db",
    "Id",
    "IdQuery",
    "Now",
    "Writer",
    "client_ip",
    "get_now",
]


# Ids are Postgres integers: out-of-range ids are a 422, not a database error.
_ID = "A database id: 1 to 2147483647 (a 422 otherwise)."
Id = Annotated[int, Path(ge=1, le=2_147_483_647, description=_ID)]
# An opaque keyset cursor from a previous page's `next_cursor` (roundtable/paging.py). A
# cursor of a list by name holds a group's name (80 characters, up to 4 bytes each in
# UTF-8) in base64: about 460 characters at most.
Cursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the page before")
]
BigId = Annotated[
    int, Path(ge=1, le=9_223_372_036_854_775_807, description="A job id: 1 to 2^63-1.")
]
IdQuery = Annotated[int, Query(ge=1, le=2_147_483_647, description=_ID)]


def get_db() -> Iterator[Connection]:
    with transaction(get_engine()) as conn:
        yield conn


# scope="function": commit before the response goes out, so a failed commit is a 500.
Db = Annotated[Connection, Depends(get_db, scope="function")]


def session_claims(request: Request, now: Now) -> AccessClaims:
    """The claims of a valid session cookie (signature and expiry; no database); 401 otherwise."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthenticationError("sign in first")
    return read_access_claims(token, now, jwt_secret())


Claims = Annotated[AccessClaims, Depends(session_claims)]


def get_current_user(claims: Claims, conn: Db) -> Viewer:
    """The signed-in user: their session has not ended (logout, reuse) and they exist; 401."""
    return get_viewer(conn, check_session(conn, claims))


CurrentUser = Annotated[Viewer, Depends(get_current_user)]


def require_admin(user: CurrentUser) -> Viewer:
    if not user.is_admin:
        raise PermissionDeniedError("only admins may do this")
    return user


Admin = Annotated[Viewer, Depends(require_admin)]


def web_actor(user: Viewer) -> Actor:
    """The signed-in user as the domain's services take them.

    Routes calling a service that takes an Actor leave the admin check to it (they
    depend on Writer/CurrentUser, not AdminWriter/Admin), so a refusal has the
    same words here as on Discord."""
    return Actor(user_id=user.id, is_admin=user.is_admin, door="web")


def limit_writes(claims: Claims, now: Now) -> None:
    # Counted before the request's connection is taken: one connection at a time.
    ratelimit.hit(get_engine(), ratelimit.WRITES, f"user:{claims.user_id}", now)


def get_writer(_limit: Annotated[None, Depends(limit_writes)], user: CurrentUser) -> Viewer:
    """The signed-in user, counted against the per-user write limit."""
    return user


Writer = Annotated[Viewer, Depends(get_writer)]


def require_admin_writer(user: Writer) -> Viewer:
    return require_admin(user)


AdminWriter = Annotated[Viewer, Depends(require_admin_writer)]


def limit_login(request: Request, now: Now) -> None:
    ratelimit.hit(get_engine(), ratelimit.LOGIN, f"ip:{client_ip(request)}", now)


def limit_refresh(request: Request, now: Now) -> None:
    ratelimit.hit(get_engine(), ratelimit.REFRESH, f"ip:{client_ip(request)}", now)
