"""Data migrations, run on a database of their own at the revision before them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from devserver.postgres import drop_database, ensure_database
from roundtable.db import migrate


@pytest.fixture
def old_database(database_url: str) -> Iterator[Engine]:
    """An empty database migrated to 0001 only (the test's own, dropped after)."""
    name = f"rt_migration_{uuid.uuid4().hex[:8]}"
    url = make_url(ensure_database(database_url, name)).set(drivername="postgresql+pg8000")
    engine = create_engine(url)
    with engine.begin() as conn:
        migrate.upgrade(conn, "0001")
    yield engine
    engine.dispose()
    drop_database(database_url, name)


def test_0002_makes_published_open_cohorts_running_and_leaves_the_others(
    old_database: Engine,
) -> None:
    with old_database.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cohorts (id, name, course_slug, start_date, status) VALUES "
                "(1, 'Published', 'demo', '2026-03-02', 'open'), "
                "(2, 'Preview only', 'demo', '2026-03-02', 'open'), "
                "(3, 'Draft', 'demo', '2026-03-02', 'draft'), "
                "(4, 'Done', 'demo', '2026-03-02', 'completed')"
            )
        )
        for group_id, cohort_id, status in (
            (1, 1, "active"),
            (2, 2, "preview"),
            (3, 4, "completed"),
        ):
            conn.execute(
                text(
                    "INSERT INTO groups (id, cohort_id, name, anchor_timezone, weekday, "
                    "local_time, meeting_minutes, first_meeting_at, status) VALUES "
                    "(:g, :c, :n, 'UTC', 0, '18:00', 60, '2026-03-02T18:00Z', :s)"
                ),
                {"g": group_id, "c": cohort_id, "n": f"Group {group_id}", "s": status},
            )

    with old_database.begin() as conn:
        migrate.upgrade(conn, "0002")

    with old_database.connect() as conn:
        statuses = dict(conn.execute(text("SELECT name, status::text FROM cohorts")).all())
    assert statuses == {
        "Published": "running",
        "Preview only": "open",
        "Draft": "draft",
        "Done": "completed",
    }
