"""guest_visits: a learner joins another group's meeting for one week

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guest_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("host_meeting_id", sa.Integer(), nullable=False),
        sa.Column("own_meeting_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("booked", "cancelled", name="guest_visit_status"),
            server_default="booked",
            nullable=False,
        ),
        sa.Column("gcal_event_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "host_meeting_id <> own_meeting_id", name=op.f("ck_guest_visits_host_is_not_own")
        ),
        sa.ForeignKeyConstraint(
            ["host_meeting_id"],
            ["meetings.id"],
            name=op.f("fk_guest_visits_host_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["own_meeting_id"],
            ["meetings.id"],
            name=op.f("fk_guest_visits_own_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_guest_visits_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_visits")),
    )
    op.create_index(op.f("ix_guest_visits_user_id"), "guest_visits", ["user_id"], unique=False)
    op.create_index(
        op.f("ix_guest_visits_host_meeting_id"), "guest_visits", ["host_meeting_id"], unique=False
    )
    op.create_index(
        "uq_guest_visits_booked_own_meeting",
        "guest_visits",
        ["user_id", "own_meeting_id"],
        unique=True,
        postgresql_where=sa.text("status = 'booked'"),
    )
    op.create_index(
        "uq_guest_visits_booked_host_meeting",
        "guest_visits",
        ["user_id", "host_meeting_id"],
        unique=True,
        postgresql_where=sa.text("status = 'booked'"),
    )


def downgrade() -> None:
    op.drop_index("uq_guest_visits_booked_host_meeting", table_name="guest_visits")
    op.drop_index("uq_guest_visits_booked_own_meeting", table_name="guest_visits")
    op.drop_index(op.f("ix_guest_visits_host_meeting_id"), table_name="guest_visits")
    op.drop_index(op.f("ix_guest_visits_user_id"), table_name="guest_visits")
    op.drop_table("guest_visits")
    sa.Enum(name="guest_visit_status").drop(op.get_bind(), checkfirst=True)
