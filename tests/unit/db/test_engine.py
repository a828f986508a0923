from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from roundtable.config import SettingsError, load_settings
from roundtable.db.engine import build_engine, database_url, transaction


@pytest.mark.parametrize("behind_proxy", ["true", "false"])
def test_a_warm_environment_keeps_one_pooled_connection_with_or_without_a_proxy(
    monkeypatch: pytest.MonkeyPatch, behind_proxy: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.internal/rt")
    monkeypatch.setenv("DB_BEHIND_PROXY", behind_proxy)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "roundtable-http-api")
    pool = build_engine(load_settings()).pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (1, 1)
    assert pool._pre_ping and 0 < pool._recycle <= 1800


def test_a_process_serving_requests_at_once_pools_more_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The local stack's threaded gateway and the tests run many requests in one process."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.internal/rt")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    pool = build_engine(load_settings()).pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (5, 10)
    assert pool._pre_ping


@pytest.mark.db
def test_warm_transactions_reuse_one_postgres_connection(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "roundtable-http-api")
    engine = build_engine(load_settings())
    try:
        backends = set()
        for _ in range(5):
            with transaction(engine) as conn:
                backends.add(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        assert len(backends) == 1
        assert engine.pool.checkedin() == 1
    finally:
        engine.dispose()


def test_urls_always_use_the_pg8000_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.internal:6543/rt")
    url = database_url(load_settings())
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql+pg8000",
        "db.internal",
        6543,
        "rt",
    )


def test_deployed_hosts_build_the_url_from_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DB_HOST", "proxy.rds.example")
    monkeypatch.setenv("DB_NAME", "courses")
    monkeypatch.setenv("DB_USER", "app")
    url = database_url(load_settings())
    assert url.render_as_string() == "postgresql+pg8000://app@proxy.rds.example:5432/courses"


def test_a_non_postgres_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://u@h/db")
    with pytest.raises(SettingsError, match="must be a postgresql:// URL"):
        database_url(load_settings())
