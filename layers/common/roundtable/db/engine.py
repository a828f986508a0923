"""The database engine: one per Lambda environment, created on first use.

A Lambda environment serves one request at a time, so it keeps ONE pooled
connection between invocations, whether or not RDS Proxy is in front: a warm
request reuses it instead of opening a new one (TCP + TLS + auth, ~30 ms).
With a proxy the environment's connection is a cheap client connection the
proxy multiplexes; without one it is a Postgres backend, so total connections
are bounded by the functions' concurrency (docs/deploy.md, "Connections").
TLS and RDS IAM auth tokens are applied at connect time so a token is fresh
for every new connection.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from roundtable.config import Settings, SettingsError, get_settings


def database_url(settings: Settings) -> URL:
    """The SQLAlchemy URL for the configured database, always with the pg8000 driver."""
    if settings.database_url:
        url = make_url(settings.database_url)
        if not url.drivername.startswith("postgresql"):
            raise SettingsError(f"DATABASE_URL must be a postgresql:// URL, got {url.drivername}")
        return url.set(drivername="postgresql+pg8000")
    if not settings.db_host:
        raise SettingsError("set DATABASE_URL, or DB_HOST with DB_NAME and DB_USER")
    return URL.create(
        "postgresql+pg8000",
        username=settings.db_user,
        host=settings.db_host,
        port=settings.db_port,
        database=settings.db_name,
    )


def _connect_args(settings: Settings) -> dict[str, Any]:
    args: dict[str, Any] = {"timeout": 10}
    if settings.db_tls:
        args["ssl_context"] = ssl.create_default_context()
    return args


def _password_provider(settings: Settings) -> Any:
    """A callable giving the password for each new connection, or None."""
    if settings.db_use_iam_auth:
        import boto3  # only deployed stacks with IAM auth pay for this import

        client = boto3.client("rds", region_name=settings.aws_region)
        return lambda: client.generate_db_auth_token(
            DBHostname=settings.db_host, Port=settings.db_port, DBUsername=settings.db_user
        )
    if settings.database_url is None:
        return lambda: settings.secret("DB_PASSWORD")
    return None


# One connection kept per environment. An overflow connection exists only while
# code holds two checkouts at once (a nested transaction() on another
# connection) and is closed when returned, so a warm environment holds one.
# Pre-ping replaces a connection the server or proxy dropped while the
# environment was frozen; recycling bounds a connection's age (RDS Proxy closes
# idle clients after 30 minutes, IAM tokens are per connection).
POOL_SETTINGS: dict[str, Any] = {
    "pool_size": 1,
    "max_overflow": 1,
    "pool_timeout": 10,
    "pool_pre_ping": True,
    "pool_recycle": 300,
}


# Outside Lambda one process serves many requests at once: the local stack's
# threaded gateway runs every function in-process (a page fires several API
# calls together), and tests race requests on purpose. There a connection per
# concurrent request is what Lambda's one-environment-per-request gives.
SHARED_PROCESS_POOL: dict[str, Any] = {"pool_size": 5, "max_overflow": 10}


def pool_settings(*, in_lambda: bool) -> dict[str, Any]:
    """The pool for this process: one connection in a Lambda environment, more elsewhere."""
    return POOL_SETTINGS if in_lambda else {**POOL_SETTINGS, **SHARED_PROCESS_POOL}


def build_engine(settings: Settings) -> Engine:
    url = database_url(settings)
    in_lambda = bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
    engine = create_engine(
        url, connect_args=_connect_args(settings), **pool_settings(in_lambda=in_lambda)
    )
    password = _password_provider(settings)
    if password is not None:

        @event.listens_for(engine, "do_connect")
        def _fresh_password(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> None:
            cparams["password"] = password()

    return engine


@functools.cache
def get_engine() -> Engine:
    """The process-wide engine, created on first use."""
    return build_engine(get_settings())


def reset_engine() -> None:
    """Dispose of the process-wide engine (tests, and settings reloads)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


AFTER_COMMIT_KEY = "roundtable.after_commit"


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Connection]:
    """A connection in a transaction that commits on success and rolls back on error.

    Callbacks registered with `after_commit` run once the commit succeeded, so
    side effects (invoking the worker) never see uncommitted rows.
    """
    with (engine or get_engine()).connect() as conn:
        # conn.info outlives the checkout (it belongs to the pooled connection):
        # callbacks of a rolled-back transaction must not leak into the next one.
        conn.info.pop(AFTER_COMMIT_KEY, None)
        try:
            with conn.begin():
                yield conn
        finally:
            callbacks = conn.info.pop(AFTER_COMMIT_KEY, [])
    for callback in callbacks:
        callback()


def after_commit(conn: Connection, callback: Callable[[], None]) -> None:
    """Run callback after conn's transaction commits (only inside `transaction`)."""
    conn.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)
