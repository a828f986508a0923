"""signups.withdrawal_reason: why a learner left the cohort

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 23:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("signups", sa.Column("withdrawal_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("signups", "withdrawal_reason")
