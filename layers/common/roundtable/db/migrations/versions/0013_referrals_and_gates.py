"""referrals_and_gates: referral links, their clicks, where signups came from, signup gates

Referral links (a person's own, or an admin's named campaign) with one click row
per link, visitor and day; each signup's source (the referral link of a person's
first signup, the UTM parameters of their first arrival); a gate per cohort
(open, invite-only with a code, closed) and the waiting list of closed cohorts.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 00:00:00
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

MEMBER_ROLE = postgresql.ENUM("learner", "facilitator", name="member_role", create_type=False)


def _created_at() -> sa.Column[datetime]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    _referral_links()
    _referral_clicks()
    _signup_sources()
    _signup_gates()
    _waiting_list()


def _referral_links() -> None:
    op.create_table(
        "referral_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Enum("person", "campaign", name="referral_kind"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        sa.CheckConstraint(
            "(kind = 'person') = (user_id IS NOT NULL)",
            name=op.f("ck_referral_links_owner_of_person_links"),
        ),
        sa.CheckConstraint(
            "kind = 'person' OR name IS NOT NULL",
            name=op.f("ck_referral_links_campaigns_are_named"),
        ),
        _fk("referral_links", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_links")),
        sa.UniqueConstraint("code", name=op.f("uq_referral_links_code")),
        sa.UniqueConstraint("user_id", name=op.f("uq_referral_links_user_id")),
    )


def _referral_clicks() -> None:
    op.create_table(
        "referral_clicks",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("visitor", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["referral_links.id"],
            name=op.f("fk_referral_clicks_link_id_referral_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", "visitor", "day", name=op.f("pk_referral_clicks")),
    )


def _signup_sources() -> None:
    op.create_table(
        "signup_sources",
        sa.Column("signup_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("referral_link_id", sa.Integer(), nullable=True),
        *(
            sa.Column(f"utm_{name}", sa.Text(), nullable=True)
            for name in ("source", "medium", "campaign", "term", "content")
        ),
        _created_at(),
        _fk("signup_sources", "signup_id", "signups", "CASCADE"),
        _fk("signup_sources", "cohort_id", "cohorts", "CASCADE"),
        _fk("signup_sources", "user_id", "users", "CASCADE"),
        sa.ForeignKeyConstraint(
            ["referral_link_id"],
            ["referral_links.id"],
            name=op.f("fk_signup_sources_referral_link_id_referral_links"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("signup_id", name=op.f("pk_signup_sources")),
    )
    op.create_index(op.f("ix_signup_sources_cohort_id"), "signup_sources", ["cohort_id"])
    op.create_index(
        op.f("ix_signup_sources_referral_link_id"), "signup_sources", ["referral_link_id"]
    )
    op.create_index(
        "uq_signup_sources_referred_user",
        "signup_sources",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("referral_link_id IS NOT NULL"),
    )


def _signup_gates() -> None:
    op.create_table(
        "signup_gates",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum("open", "invite_only", "closed", name="signup_gate_mode"),
            server_default="open",
            nullable=False,
        ),
        sa.Column("invite_code", sa.Text(), nullable=True),
        sa.Column("code_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "mode <> 'invite_only' OR invite_code IS NOT NULL",
            name=op.f("ck_signup_gates_invites_have_a_code"),
        ),
        _fk("signup_gates", "cohort_id", "cohorts", "CASCADE"),
        sa.PrimaryKeyConstraint("cohort_id", name=op.f("pk_signup_gates")),
    )


def _waiting_list() -> None:
    op.create_table(
        "waiting_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", MEMBER_ROLE, nullable=False),
        sa.Column(
            "arrival",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("admitted_by", sa.Integer(), nullable=True),
        _created_at(),
        _fk("waiting_list", "cohort_id", "cohorts", "CASCADE"),
        _fk("waiting_list", "user_id", "users", "CASCADE"),
        _fk("waiting_list", "admitted_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waiting_list")),
        sa.UniqueConstraint("cohort_id", "user_id", name=op.f("uq_waiting_list_cohort_id_user_id")),
    )


def downgrade() -> None:
    for table in ("waiting_list", "signup_gates", "signup_sources", "referral_clicks"):
        op.drop_table(table)
    op.drop_table("referral_links")
    bind = op.get_bind()
    sa.Enum(name="signup_gate_mode").drop(bind, checkfirst=True)
    sa.Enum(name="referral_kind").drop(bind, checkfirst=True)
