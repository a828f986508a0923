"""video_positions: where each learner stopped in each video segment, to resume there

One row per learner (a user, or an anonymous token until login claims it)
and video segment id; the position is whole seconds into the video.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09 00:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "video_positions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("anonymous_token", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("segment_id", sa.Text(), nullable=False),
        sa.Column("position_s", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR anonymous_token IS NOT NULL",
            name=op.f("ck_video_positions_has_owner"),
        ),
        sa.CheckConstraint(
            "position_s >= 0", name=op.f("ck_video_positions_position_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_video_positions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_positions")),
    )
    op.create_index(
        "uq_video_positions_user",
        "video_positions",
        ["user_id", "segment_id"],
        unique=True,
        postgresql_where=sa.text("user_id IS NOT NULL"),
    )
    op.create_index(
        "uq_video_positions_anonymous",
        "video_positions",
        ["anonymous_token", "segment_id"],
        unique=True,
        postgresql_where=sa.text("anonymous_token IS NOT NULL AND user_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_video_positions_anonymous", table_name="video_positions")
    op.drop_index("uq_video_positions_user", table_name="video_positions")
    op.drop_table("video_positions")
