from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from roundtable.db import migrate
from roundtable.db.tables import metadata


def test_migrating_an_empty_database_gives_exactly_the_tables_declared_in_code(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_database_is_at_the_head_revision_after_upgrade(engine: Engine) -> None:
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables)


def test_database_refuses_a_second_active_learner_membership_in_one_cohort(
    engine: Engine,
) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, display_name) VALUES (1, 'Ada')"))
        conn.execute(
            text(
                "INSERT INTO cohorts (id, name, course_slug, start_date) "
                "VALUES (1, 'Spring', 'demo', '2026-03-02')"
            )
        )
        for group_id in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO groups (id, cohort_id, name, anchor_timezone, weekday, "
                    "local_time, meeting_minutes, first_meeting_at) VALUES "
                    "(:g, 1, :n, 'UTC', 0, '18:00', 60, '2026-03-02T18:00Z')"
                ),
                {"g": group_id, "n": f"Group {group_id}"},
            )
        conn.execute(
            text(
                "INSERT INTO group_members (group_id, user_id, cohort_id, role) "
                "VALUES (1, 1, 1, 'learner')"
            )
        )
    with pytest.raises(IntegrityError, match="uq_group_members_active_learner_per_cohort"):
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO group_members (group_id, user_id, cohort_id, role) "
                    "VALUES (2, 1, 1, 'learner')"
                )
            )
