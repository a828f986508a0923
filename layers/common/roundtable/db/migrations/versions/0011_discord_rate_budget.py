"""discord_rate_budget: one shared Discord rate budget per bot

Every worker takes its permits for Discord calls from these tables
(roundtable.discord.budget): the bot's global pace and invalid-request halt,
per-route buckets learnt from X-RateLimit-* headers, which bucket each route
belongs to, and 401/403/429 answers per minute. Cohorts choose how meeting
reminders reach Discord: a DM per member or one post in the group's channel.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 00:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_SECONDS: sa.types.TypeEngine[float] = postgresql.DOUBLE_PRECISION()
# Rate state, not records: UNLOGGED tables commit without waiting for a WAL flush, and
# what a crash loses is relearnt from Discord's answers (docs/discord.md).


def upgrade() -> None:
    op.add_column(
        "cohorts",
        sa.Column("discord_reminders", sa.Text(), server_default="dm", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_cohorts_discord_reminders_known"),
        "cohorts",
        "discord_reminders IN ('dm', 'group_post')",
    )
    op.create_table(
        "discord_rate_budget",
        sa.Column("bot", sa.Text(), nullable=False),
        sa.Column("next_slot", _SECONDS, nullable=False),
        sa.Column("halted_until", _SECONDS, server_default="0", nullable=False),
        sa.Column("halted_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("bot", name=op.f("pk_discord_rate_budget")),
        prefixes=["UNLOGGED"],
    )
    op.create_table(
        "discord_rate_buckets",
        sa.Column("bot", sa.Text(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("major", sa.Text(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("bucket_limit", sa.Integer(), nullable=True),
        sa.Column("reset_at", _SECONDS, nullable=False),
        sa.Column("window_seconds", _SECONDS, nullable=False),
        sa.Column("granted", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("bot", "bucket", "major", name=op.f("pk_discord_rate_buckets")),
        prefixes=["UNLOGGED"],
    )
    op.create_table(
        "discord_rate_routes",
        sa.Column("bot", sa.Text(), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("bot", "route", name=op.f("pk_discord_rate_routes")),
        prefixes=["UNLOGGED"],
    )
    op.create_table(
        "discord_invalid_requests",
        sa.Column("bot", sa.Text(), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bot", "minute", name=op.f("pk_discord_invalid_requests")),
        prefixes=["UNLOGGED"],
    )


def downgrade() -> None:
    op.drop_table("discord_invalid_requests")
    op.drop_table("discord_rate_routes")
    op.drop_table("discord_rate_buckets")
    op.drop_table("discord_rate_budget")
    op.drop_constraint(op.f("ck_cohorts_discord_reminders_known"), "cohorts", type_="check")
    op.drop_column("cohorts", "discord_reminders")
