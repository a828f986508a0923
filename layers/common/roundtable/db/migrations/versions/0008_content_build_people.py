"""content_versions: who asked for each build and who made it live

The admin page lists built versions with who/what/when: a push (the webhook)
or an admin's rebuild asked for a build; an admin's rollback, or the build
itself, made a version live. Both are display names, kept as they were then.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 02:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("content_versions", sa.Column("requested_by", sa.Text(), nullable=True))
    op.add_column("content_versions", sa.Column("activated_by", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("content_versions", "activated_by")
    op.drop_column("content_versions", "requested_by")
