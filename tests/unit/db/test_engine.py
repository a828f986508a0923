from __future__ import annotations

import pytest
from sqlalchemy.pool import NullPool, QueuePool

from roundtable.config import SettingsError, load_settings
from roundtable.db.engine import build_engine, database_url


def test_behind_rds_proxy_each_environment_uses_nullpool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.internal/rt")
    monkeypatch.setenv("DB_BEHIND_PROXY", "true")
    assert isinstance(build_engine(load_settings()).pool, NullPool)
    monkeypatch.setenv("DB_BEHIND_PROXY", "false")
    assert isinstance(build_engine(load_settings()).pool, QueuePool)


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
