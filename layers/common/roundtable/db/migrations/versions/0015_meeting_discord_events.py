"""meeting_discord_events: the cohort's shared Discord space and a scheduled event per meeting

- `cohort_discord_roles`: the cohort's role on each server its groups are on.
- `cohort_discord_channels.purpose` may be 'chat': the cohort's own text channel
  (a thread-space cohort reuses its 'threads' channel instead).
- `meetings.discord_event_id`: the id of the scheduled event the sync made for
  the meeting on its group's server, NULL when it has none (a meeting past, or
  not among its group's next few: Discord allows 100 scheduled events per server).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_PURPOSE = "ck_cohort_discord_channels_purpose_known"
_PURPOSES_BEFORE = "purpose IN ('category', 'archive', 'threads', 'voice')"
_PURPOSES = "purpose IN ('category', 'archive', 'threads', 'voice', 'chat')"


def upgrade() -> None:
    op.add_column("meetings", sa.Column("discord_event_id", sa.Text(), nullable=True))
    op.create_table(
        "cohort_discord_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.Text(), nullable=False),
        sa.Column("role_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_discord_roles_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_discord_roles")),
        sa.UniqueConstraint(
            "cohort_id", "guild_id", name=op.f("uq_cohort_discord_roles_cohort_id_guild_id")
        ),
    )
    op.drop_constraint(op.f(_PURPOSE), "cohort_discord_channels", type_="check")
    op.create_check_constraint(op.f(_PURPOSE), "cohort_discord_channels", _PURPOSES)


def downgrade() -> None:
    op.execute("DELETE FROM cohort_discord_channels WHERE purpose = 'chat'")
    op.drop_constraint(op.f(_PURPOSE), "cohort_discord_channels", type_="check")
    op.create_check_constraint(op.f(_PURPOSE), "cohort_discord_channels", _PURPOSES_BEFORE)
    op.drop_table("cohort_discord_roles")
    op.drop_column("meetings", "discord_event_id")
