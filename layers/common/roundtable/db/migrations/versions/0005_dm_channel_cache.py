"""users.discord_dm_channel_id: the bot's DM channel with each user, cached

A DM needs the DM channel's id; opening it (POST /users/@me/channels) is a
Discord call of its own. The channel never changes, so it is kept per user and
a DM is one call (roundtable.notifications.delivery).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("discord_dm_channel_id", sa.Text(), nullable=True))
    # Until now the channel was kept on each sent DM's payload: start from the latest.
    op.execute("""
        UPDATE users u SET discord_dm_channel_id = latest.channel_id
        FROM (
            SELECT DISTINCT ON (user_id) user_id, payload ->> 'dm_channel_id' AS channel_id
            FROM notifications
            WHERE channel = 'discord_dm' AND status = 'sent'
              AND payload ->> 'dm_channel_id' IS NOT NULL
            ORDER BY user_id, sent_at DESC
        ) AS latest
        WHERE u.id = latest.user_id
    """)


def downgrade() -> None:
    op.drop_column("users", "discord_dm_channel_id")
