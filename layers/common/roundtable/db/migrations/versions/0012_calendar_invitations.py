"""calendar_invitations: e-mailed .ics invitations and calendar quota state

Each cohort's choice of calendar invitations (a Google Calendar series or .ics
e-mails), each group's organiser calendar, one row per e-mailed invitation
(its UID, SEQUENCE and a digest of what was sent), and the organisers Google
made read-only for a while (403 quotaExceeded).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "cohorts",
        sa.Column("calendar_invitations", sa.Text(), server_default="google", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_cohorts_calendar_invitations_known"),
        "cohorts",
        "calendar_invitations IN ('google', 'ics')",
    )
    op.add_column("groups", sa.Column("calendar_organiser", sa.Text(), nullable=True))
    op.create_table(
        "calendar_invitations",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('invited', 'cancelled')", name=op.f("ck_calendar_invitations_state_known")
        ),
        sa.CheckConstraint(
            "sequence >= 0", name=op.f("ck_calendar_invitations_sequence_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_calendar_invitations_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_calendar_invitations")),
        sa.UniqueConstraint("uid", name=op.f("uq_calendar_invitations_uid")),
    )
    op.create_table(
        "calendar_quota_blocks",
        sa.Column("organiser", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("hits", sa.Integer(), server_default="1", nullable=False),
        sa.Column("first_hit_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_hit_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organiser", name=op.f("pk_calendar_quota_blocks")),
    )


def downgrade() -> None:
    op.drop_table("calendar_quota_blocks")
    op.drop_table("calendar_invitations")
    op.drop_column("groups", "calendar_organiser")
    op.drop_constraint(op.f("ck_cohorts_calendar_invitations_known"), "cohorts", type_="check")
    op.drop_column("cohorts", "calendar_invitations")
