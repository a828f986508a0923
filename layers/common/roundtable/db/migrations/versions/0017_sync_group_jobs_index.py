"""sync_group_jobs_index: each group's latest `sync_group` job found by index

The live cohort page shows each group's latest sync job (cohorts/live.py:
DISTINCT ON the payload's group id, newest first). Jobs are kept, so without
an index that read scans every `sync_group` job ever run, and grows with the
cohort's age and size (issue 22: 100,000 learners).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 12:00:00
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_jobs_sync_group_latest ON jobs "
        "((CAST(payload ->> 'group_id' AS INTEGER)), id DESC) WHERE kind = 'sync_group'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_jobs_sync_group_latest")
