"""discord_servers: the Discord servers a course's groups live on, and each group's space

The servers groups are placed on (none configured: DISCORD_GUILD_ID); each
cohort's own channels per server; the cohort's choice of group space and each
group's server, space, and its retention record (message export key, removal).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_SPACE_CHECK = "discord_space IN ('channel_and_role', 'channel', 'thread', 'thread_no_voice')"


def upgrade() -> None:
    op.create_table(
        "discord_servers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role_limit", sa.SmallInteger(), server_default="250", nullable=False),
        sa.Column("channel_limit", sa.SmallInteger(), server_default="500", nullable=False),
        sa.Column("accepts_groups", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("invite_url", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role_limit BETWEEN 1 AND 250", name=op.f("ck_discord_servers_role_limit_range")
        ),
        sa.CheckConstraint(
            "channel_limit BETWEEN 1 AND 500", name=op.f("ck_discord_servers_channel_limit_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discord_servers")),
        sa.UniqueConstraint("guild_id", name=op.f("uq_discord_servers_guild_id")),
    )
    op.create_table(
        "cohort_discord_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("channel_id", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('category', 'archive', 'threads', 'voice')",
            name=op.f("ck_cohort_discord_channels_purpose_known"),
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_discord_channels_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_discord_channels")),
        sa.UniqueConstraint(
            "cohort_id",
            "guild_id",
            "purpose",
            "bucket",
            name=op.f("uq_cohort_discord_channels_cohort_id_guild_id_purpose_bucket"),
        ),
    )
    op.add_column(
        "cohorts",
        sa.Column("discord_space", sa.Text(), server_default="channel_and_role", nullable=False),
    )
    op.create_check_constraint(op.f("ck_cohorts_discord_space_known"), "cohorts", _SPACE_CHECK)
    for name, kind in (
        ("discord_guild_id", sa.Text()),
        ("discord_space", sa.Text()),
        ("discord_export_key", sa.Text()),
        ("discord_removed_at", sa.DateTime(timezone=True)),
    ):
        op.add_column("groups", sa.Column(name, kind, nullable=True))
    op.create_check_constraint(
        op.f("ck_groups_discord_space_known"), "groups", f"discord_space IS NULL OR {_SPACE_CHECK}"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_groups_discord_space_known"), "groups", type_="check")
    for name in ("discord_removed_at", "discord_export_key", "discord_space", "discord_guild_id"):
        op.drop_column("groups", name)
    op.drop_constraint(op.f("ck_cohorts_discord_space_known"), "cohorts", type_="check")
    op.drop_column("cohorts", "discord_space")
    op.drop_table("cohort_discord_channels")
    op.drop_table("discord_servers")
