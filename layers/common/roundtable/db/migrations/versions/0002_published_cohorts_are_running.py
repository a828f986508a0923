"""published cohorts are running

Publishing now moves a cohort from open to running (roundtable.cohorts.lifecycle).
Cohorts published before that stayed open: move them too, so the phase an
organiser sees and the actions it allows agree for old and new cohorts.
Data only; downgrade leaves the data as it is (running is a valid status then too).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 23:30:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE cohorts SET status = 'running'
        WHERE status = 'open'
          AND EXISTS (
            SELECT 1 FROM groups
            WHERE groups.cohort_id = cohorts.id AND groups.status IN ('active', 'completed')
          )
        """
    )


def downgrade() -> None:
    pass
