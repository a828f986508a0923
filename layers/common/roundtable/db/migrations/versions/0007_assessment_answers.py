"""assessment_answers: learners' answers to question segments and the tutor's feedback

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 00:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_answers",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("anonymous_token", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("module_id", sa.Text(), nullable=False),
        sa.Column("section_id", sa.Text(), nullable=False),
        sa.Column("segment_id", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=True),
        sa.Column(
            "strengths",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "missing",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("structured", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("tokens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR anonymous_token IS NOT NULL",
            name=op.f("ck_assessment_answers_has_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assessment_answers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_answers")),
    )
    op.create_index(
        "ix_assessment_answers_user_segment", "assessment_answers", ["user_id", "segment_id"]
    )
    op.create_index(
        "ix_assessment_answers_anonymous_segment",
        "assessment_answers",
        ["anonymous_token", "segment_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_assessment_answers_anonymous_segment", table_name="assessment_answers")
    op.drop_index("ix_assessment_answers_user_segment", table_name="assessment_answers")
    op.drop_table("assessment_answers")
