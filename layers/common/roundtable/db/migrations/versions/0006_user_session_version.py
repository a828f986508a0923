"""users.session_version: signing out ends the access tokens too

Every access token carries the user's session version; logging out and a
detected refresh-token reuse bump it, so tokens issued before stop working
at once instead of living out their 15 minutes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("session_version", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("users", "session_version")
