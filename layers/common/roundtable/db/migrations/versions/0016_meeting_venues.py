"""meeting_venues: where groups meet (Discord voice, Google Meet, Zoom)

- `cohorts.meeting_venue` ('discord' by default) and `groups.meeting_venue`
  (NULL: the cohort's), `groups.meet_url` (the series' Meet link).
- `attendances.check_in_source`: "zoom" for a Zoom report's check-in (NULL: web or Discord).
- `zoom_meetings`: the Zoom meeting made for a meeting, and whether its
  participants report was read.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_VENUES = "'discord', 'google_meet', 'zoom'"


def upgrade() -> None:
    op.add_column(
        "cohorts", sa.Column("meeting_venue", sa.Text(), server_default="discord", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_cohorts_meeting_venue_known"), "cohorts", f"meeting_venue IN ({_VENUES})"
    )
    op.add_column("groups", sa.Column("meeting_venue", sa.Text(), nullable=True))
    op.create_check_constraint(
        op.f("ck_groups_meeting_venue_known"),
        "groups",
        f"meeting_venue IS NULL OR meeting_venue IN ({_VENUES})",
    )
    op.add_column("groups", sa.Column("meet_url", sa.Text(), nullable=True))
    op.add_column("attendances", sa.Column("check_in_source", sa.Text(), nullable=True))
    op.create_table(
        "zoom_meetings",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("zoom_meeting_id", sa.BigInteger(), nullable=False),
        sa.Column("zoom_uuid", sa.Text(), nullable=False),
        sa.Column("join_url", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.SmallInteger(), nullable=False),
        sa.Column("attendance_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_zoom_meetings_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_zoom_meetings")),
        sa.UniqueConstraint("zoom_meeting_id", name=op.f("uq_zoom_meetings_zoom_meeting_id")),
    )


def downgrade() -> None:
    op.drop_table("zoom_meetings")
    op.drop_column("attendances", "check_in_source")
    op.drop_column("groups", "meet_url")
    op.drop_constraint(op.f("ck_groups_meeting_venue_known"), "groups", type_="check")
    op.drop_column("groups", "meeting_venue")
    op.drop_constraint(op.f("ck_cohorts_meeting_venue_known"), "cohorts", type_="check")
    op.drop_column("cohorts", "meeting_venue")
