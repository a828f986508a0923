"""The complete Postgres schema, as SQLAlchemy Core tables.

FEATURES.md §1 with its holes fixed: unique Discord IDs, one active learner
membership per (user, cohort) enforced by the database, unique
(group, meeting number), unique attendance per (meeting, user), unique
notification keys, and durable jobs. Availability is stored as local weekly
wall-clock intervals plus the user's IANA zone (users.timezone).

Schema changes: edit this file, then `make migration` (see README).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, JSONB, UUID

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _enum(name: str, *values: str) -> Enum:
    return Enum(*values, name=name, metadata=metadata)


cohort_status = _enum("cohort_status", "draft", "open", "running", "completed", "cancelled")
group_status = _enum("group_status", "preview", "active", "completed", "cancelled")
member_role = _enum("member_role", "learner", "facilitator")
membership_status = _enum("membership_status", "active", "removed", "completed")
availability_kind = _enum("availability_kind", "available", "if_needed")
unplaced_reason = _enum(
    "unplaced_reason",
    "no_availability",
    "no_facilitator_time",
    "too_few_learners",
    "facilitator_capacity",
    "daylight_saving",
    "uncertified_facilitator",
    "not_optimal",
)
rsvp_status = _enum("rsvp_status", "pending", "attending", "not_attending", "tentative")
notification_channel = _enum("notification_channel", "email", "discord_dm", "discord_channel")
notification_status = _enum(
    "notification_status", "pending", "sending", "sent", "failed", "skipped"
)
job_status = _enum("job_status", "queued", "running", "succeeded", "failed")
content_type = _enum("content_type", "module", "outcome", "section")
chat_role = _enum("chat_role", "user", "assistant", "system")
guest_visit_status = _enum("guest_visit_status", "booked", "cancelled")


def _created_at() -> Column[object]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _updated_at() -> Column[object]:
    return Column(
        "updated_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        onupdate=func.now(),
    )


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("discord_id", Text, unique=True),
    Column("discord_username", Text),
    Column("discord_avatar", Text),
    # The bot's DM channel with this user (opening one is a Discord call of its own).
    Column("discord_dm_channel_id", Text),
    Column("display_name", Text, nullable=False),
    Column("email", Text),
    Column("email_verified_at", DateTime(timezone=True)),
    Column("timezone", Text, nullable=False, server_default="UTC"),
    Column("availability_updated_at", DateTime(timezone=True)),
    Column("email_notifications", Boolean, nullable=False, server_default=text("true")),
    Column("dm_notifications", Boolean, nullable=False, server_default=text("true")),
    Column("is_admin", Boolean, nullable=False, server_default=text("false")),
    Column("tos_accepted_at", DateTime(timezone=True)),
    Column("last_active_at", DateTime(timezone=True)),
    # In every access token; bumped by logout and refresh-token reuse (roundtable.auth).
    Column("session_version", Integer, nullable=False, server_default=text("0")),
    _created_at(),
    _updated_at(),
    Index("ix_users_lower_email", func.lower(text("email"))),
)

# Weekly availability in the user's own zone (users.timezone), on the 30-minute grid.
availability_blocks = Table(
    "availability_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", availability_kind, nullable=False),
    Column("weekday", SmallInteger, nullable=False),  # 0 = Monday
    Column("start_minute", SmallInteger, nullable=False),
    Column("end_minute", SmallInteger, nullable=False),
    CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    CheckConstraint(
        "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
        name="minute_range",
    ),
    CheckConstraint("start_minute % 30 = 0 AND end_minute % 30 = 0", name="half_hour_grid"),
)

facilitators = Table(
    "facilitators",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("max_active_groups", SmallInteger, nullable=False, server_default="2"),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("application_note", Text),
    Column("certified_at", DateTime(timezone=True)),
    CheckConstraint("max_active_groups >= 0", name="max_groups_nonnegative"),
)

cohorts = Table(
    "cohorts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("course_slug", Text, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("number_of_meetings", SmallInteger, nullable=False, server_default="8"),
    Column("meeting_minutes", SmallInteger, nullable=False, server_default="60"),
    Column("min_group_size", SmallInteger, nullable=False, server_default="4"),
    Column("max_group_size", SmallInteger, nullable=False, server_default="8"),
    Column("target_group_size", SmallInteger, nullable=False, server_default="6"),
    # An IANA zone, or 'per_group' to let each group choose its own anchor.
    Column("anchor_timezone", Text, nullable=False, server_default="UTC"),
    Column("enrollment_deadline", DateTime(timezone=True)),
    Column("status", cohort_status, nullable=False, server_default="open"),
    Column("discord_category_id", Text),
    Column("discord_archive_category_id", Text),
    Column("completed_at", DateTime(timezone=True)),
    _created_at(),
    _updated_at(),
    CheckConstraint("number_of_meetings BETWEEN 1 AND 52", name="meetings_range"),
    CheckConstraint("meeting_minutes BETWEEN 30 AND 240", name="meeting_minutes_range"),
    CheckConstraint(
        "min_group_size >= 2 AND min_group_size <= max_group_size", name="group_size_bounds"
    ),
)

signups = Table(
    "signups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("role", member_role, nullable=False),
    Column("unplaced_reason", unplaced_reason),
    # What would place them: suggested times and notes from the last scheduling run.
    Column("unplaced_detail", JSONB),
    Column("withdrawn_at", DateTime(timezone=True)),
    # Why they left, in their own words (leaving is theirs to explain, or not).
    Column("withdrawal_reason", Text),
    _created_at(),
    UniqueConstraint("user_id", "cohort_id"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("payload", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("status", job_status, nullable=False, server_default="queued"),
    # At most one queued-or-running job per dedup key (e.g. "sync_group:42").
    Column("dedup_key", Text),
    Column("attempts", SmallInteger, nullable=False, server_default="0"),
    Column("max_attempts", SmallInteger, nullable=False, server_default="5"),
    Column("run_after", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("locked_at", DateTime(timezone=True)),
    Column("locked_by", Text),
    Column("progress", JSONB),
    Column("result", JSONB),
    Column("error", Text),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL")),
    _created_at(),
    _updated_at(),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_jobs_runnable", "status", "run_after"),
    # Each group's latest sync_group job (cohorts/live.py), without scanning them all.
    Index(
        "ix_jobs_sync_group_latest",
        text("(CAST(payload ->> 'group_id' AS INTEGER))"),
        text("id DESC"),
        postgresql_where=text("kind = 'sync_group'"),
    ),
    Index(
        "uq_jobs_active_dedup_key",
        "dedup_key",
        unique=True,
        postgresql_where=text("status IN ('queued', 'running') AND dedup_key IS NOT NULL"),
    ),
)

scheduling_runs = Table(
    "scheduling_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("job_id", ForeignKey("jobs.id", ondelete="SET NULL")),
    Column("params", JSONB, nullable=False),
    Column("stats", JSONB, nullable=False),
    Column("notes", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    _created_at(),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("scheduling_run_id", ForeignKey("scheduling_runs.id", ondelete="SET NULL")),
    Column("name", Text, nullable=False),
    Column("status", group_status, nullable=False, server_default="preview"),
    # The weekly time: wall-clock time on a weekday in the anchor zone.
    Column("anchor_timezone", Text, nullable=False),
    Column("weekday", SmallInteger, nullable=False),  # 0 = Monday
    Column("local_time", Time, nullable=False),
    Column("meeting_minutes", SmallInteger, nullable=False),
    Column("first_meeting_at", DateTime(timezone=True), nullable=False),
    Column("discord_text_channel_id", Text),
    Column("discord_voice_channel_id", Text),
    Column("discord_role_id", Text),
    Column("discord_welcome_message_id", Text),
    Column("gcal_event_id", Text),
    Column("gcal_sync_token", Text),
    Column("members_changed_at", DateTime(timezone=True)),
    Column("synced_at", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("archived_at", DateTime(timezone=True)),
    _created_at(),
    _updated_at(),
    UniqueConstraint("cohort_id", "name"),
    CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    # Denormalised from groups so the database can guarantee one active
    # learner membership per (user, cohort).
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("role", member_role, nullable=False),
    Column("status", membership_status, nullable=False, server_default="active"),
    Column("joined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("left_at", DateTime(timezone=True)),
    Column("reason_for_leaving", Text),
    Index(
        "uq_group_members_active_learner_per_cohort",
        "user_id",
        "cohort_id",
        unique=True,
        postgresql_where=text("status = 'active' AND role = 'learner'"),
    ),
    Index(
        "uq_group_members_active_per_group",
        "user_id",
        "group_id",
        unique=True,
        postgresql_where=text("status = 'active'"),
    ),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("meeting_number", SmallInteger, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False, index=True),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("gcal_instance_id", Text),
    _created_at(),
    _updated_at(),
    UniqueConstraint("group_id", "meeting_number"),
    CheckConstraint("ends_at > starts_at", name="ends_after_start"),
)

attendances = Table(
    "attendances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("rsvp", rsvp_status, nullable=False, server_default="pending"),
    Column("rsvp_at", DateTime(timezone=True)),
    Column("rsvp_source", Text),  # "calendar", "discord", "web"
    Column("checked_in_at", DateTime(timezone=True)),
    UniqueConstraint("meeting_id", "user_id"),
)

# A learner who cannot make their own meeting one week joins another group's
# meeting that week (roundtable.meetings.guests). At most one booked visit
# replaces a given own meeting, and one learner is booked into a meeting once.
guest_visits = Table(
    "guest_visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column(
        "host_meeting_id",
        ForeignKey("meetings.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The meeting of their own group that this visit replaces (the same week).
    Column("own_meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("status", guest_visit_status, nullable=False, server_default="booked"),
    # The one-off calendar event inviting the guest (roundtable.sync.calendar_sync).
    Column("gcal_event_id", Text),
    _created_at(),
    Column("cancelled_at", DateTime(timezone=True)),
    CheckConstraint("host_meeting_id <> own_meeting_id", name="host_is_not_own"),
    Index(
        "uq_guest_visits_booked_own_meeting",
        "user_id",
        "own_meeting_id",
        unique=True,
        postgresql_where=text("status = 'booked'"),
    ),
    Index(
        "uq_guest_visits_booked_host_meeting",
        "user_id",
        "host_meeting_id",
        unique=True,
        postgresql_where=text("status = 'booked'"),
    ),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("reference_type", Text, nullable=False),  # "meeting", "group", "cohort", "user"
    Column("reference_id", Integer, nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL"), index=True),
    Column("channel", notification_channel, nullable=False),
    # User id for personal messages, Discord channel id for channel posts.
    Column("recipient", Text, nullable=False),
    Column("status", notification_status, nullable=False, server_default="pending"),
    Column("payload", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("attempts", SmallInteger, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("due_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text),
    Column("provider_message_id", Text),
    Column("sent_at", DateTime(timezone=True)),
    _created_at(),
    UniqueConstraint("kind", "reference_type", "reference_id", "recipient", "channel"),
    Index("ix_notifications_pending", "status", "next_attempt_at"),
)

notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "notification_id",
        ForeignKey("notifications.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("attempted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("outcome", notification_status, nullable=False),
    Column("error", Text),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("family_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    _created_at(),
)

oauth_states = Table(
    "oauth_states",
    metadata,
    Column("state_hash", Text, primary_key=True),
    Column("redirect_to", Text),
    Column("anonymous_token", UUID(as_uuid=True)),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    _created_at(),
)

rate_limits = Table(
    "rate_limits",
    metadata,
    Column("bucket", Text, primary_key=True),
    Column("window_start", DateTime(timezone=True), primary_key=True),
    Column("hits", Integer, nullable=False, server_default="0"),
)

content_versions = Table(
    "content_versions",
    metadata,
    Column("version", Text, primary_key=True),  # content hash
    Column("source", Text, nullable=False),  # "local:content/", "github:<sha>"
    Column("bundle_location", Text),
    Column("status", Text, nullable=False),  # "active", "built", "failed"
    Column("errors", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("warnings", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    _created_at(),
    Column("activated_at", DateTime(timezone=True)),
    Column("requested_by", Text),  # "push to main", "Ana (rebuild)": who asked for the build
    Column("activated_by", Text),  # who made it live: the build itself, or an admin's rollback
)

content_progress = Table(
    "content_progress",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE")),
    Column("anonymous_token", UUID(as_uuid=True)),
    Column("content_id", Text, nullable=False),
    Column("content_type", content_type, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True)),
    Column("total_time_s", Integer, nullable=False, server_default="0"),
    Column("last_heartbeat_at", DateTime(timezone=True)),
    CheckConstraint("user_id IS NOT NULL OR anonymous_token IS NOT NULL", name="has_owner"),
    Index(
        "uq_content_progress_user",
        "user_id",
        "content_id",
        unique=True,
        postgresql_where=text("user_id IS NOT NULL"),
    ),
    Index(
        "uq_content_progress_anonymous",
        "anonymous_token",
        "content_id",
        unique=True,
        postgresql_where=text("anonymous_token IS NOT NULL AND user_id IS NULL"),
    ),
)

# Where a learner stopped in a video segment, to resume there (one row per learner and segment).
video_positions = Table(
    "video_positions",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE")),
    Column("anonymous_token", UUID(as_uuid=True)),
    Column("segment_id", Text, nullable=False),
    Column("position_s", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("user_id IS NOT NULL OR anonymous_token IS NOT NULL", name="has_owner"),
    CheckConstraint("position_s >= 0", name="position_not_negative"),
    Index(
        "uq_video_positions_user",
        "user_id",
        "segment_id",
        unique=True,
        postgresql_where=text("user_id IS NOT NULL"),
    ),
    Index(
        "uq_video_positions_anonymous",
        "anonymous_token",
        "segment_id",
        unique=True,
        postgresql_where=text("anonymous_token IS NOT NULL AND user_id IS NULL"),
    ),
)

chat_sessions = Table(
    "chat_sessions",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE")),
    Column("anonymous_token", UUID(as_uuid=True)),
    Column("module_id", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_active_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("archived_at", DateTime(timezone=True)),
    CheckConstraint("user_id IS NOT NULL OR anonymous_token IS NOT NULL", name="has_owner"),
    Index(
        "uq_chat_sessions_user_active",
        "user_id",
        "module_id",
        unique=True,
        postgresql_where=text("user_id IS NOT NULL AND archived_at IS NULL"),
    ),
    Index(
        "uq_chat_sessions_anonymous_active",
        "anonymous_token",
        "module_id",
        unique=True,
        postgresql_where=text(
            "anonymous_token IS NOT NULL AND user_id IS NULL AND archived_at IS NULL"
        ),
    ),
)

chat_messages = Table(
    "chat_messages",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "session_id", ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("role", chat_role, nullable=False),
    Column("content", Text, nullable=False),
    Column("section_id", Text),
    Column("tokens", Integer, nullable=False, server_default="0"),
    Column("complete", Boolean, nullable=False, server_default=text("true")),
    Column("error", Text),
    _created_at(),
)

# An answer to a question segment and the tutor's feedback on it, one row per
# attempt (the latest is the learner's current answer). Owned like chats: a
# user, or before login an anonymous token that login claims.
assessment_answers = Table(
    "assessment_answers",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE")),
    Column("anonymous_token", UUID(as_uuid=True)),
    Column("module_id", Text, nullable=False),
    Column("section_id", Text, nullable=False),
    Column("segment_id", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("level", Text),  # one of the question's levels, or null
    Column("strengths", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("missing", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("comment", Text),  # free text: the summary, or a reply that was not JSON
    Column("structured", Boolean, nullable=False, server_default=text("false")),
    Column("tokens", Integer, nullable=False, server_default="0"),
    Column("error", Text),  # why there is no feedback (the model failed)
    _created_at(),
    Column("assessed_at", DateTime(timezone=True)),
    CheckConstraint("user_id IS NOT NULL OR anonymous_token IS NOT NULL", name="has_owner"),
    Index("ix_assessment_answers_user_segment", "user_id", "segment_id"),
    Index("ix_assessment_answers_anonymous_segment", "anonymous_token", "segment_id"),
)

# Local stack only: what would have been sent to an external service.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("service", Text, nullable=False),  # "discord", "google_calendar", "sendgrid", "llm"
    Column("operation", Text, nullable=False),
    Column("request", JSONB, nullable=False),
    _created_at(),
)

# --- Discord servers and group spaces (issue 22) ---
# The Discord servers groups are placed on (docs/discord.md "Many servers"). None
# configured: the one DISCORD_GUILD_ID, with Discord's limits.
discord_servers = Table(
    "discord_servers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("guild_id", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("role_limit", SmallInteger, nullable=False, server_default="250"),
    Column("channel_limit", SmallInteger, nullable=False, server_default="500"),
    # A closed server keeps its groups and gets no new ones.
    Column("accepts_groups", Boolean, nullable=False, server_default=text("true")),
    # A standing invite (https://discord.gg/...) shown to learners whose group is there.
    Column("invite_url", Text),
    _created_at(),
    CheckConstraint("role_limit BETWEEN 1 AND 250", name="role_limit_range"),
    CheckConstraint("channel_limit BETWEEN 1 AND 500", name="channel_limit_range"),
)

# A cohort's own channels on one server: categories ("category", "archive", by bucket
# of 25 groups), and the thread spaces' parent channel ("threads") and voice room ("voice").
cohort_discord_channels = Table(
    "cohort_discord_channels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("guild_id", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("bucket", SmallInteger, nullable=False, server_default="0"),
    Column("channel_id", Text, nullable=False),
    UniqueConstraint("cohort_id", "guild_id", "purpose", "bucket"),
    CheckConstraint(
        "purpose IN ('category', 'archive', 'threads', 'voice', 'chat')", name="purpose_known"
    ),
)

GROUP_SPACES = ("channel_and_role", "channel", "thread", "thread_no_voice")
_SPACE_CHECK = "discord_space IN ('channel_and_role', 'channel', 'thread', 'thread_no_voice')"
# The cohort's choice of group space for groups it publishes from now on.
cohorts.append_column(
    Column("discord_space", Text, nullable=False, server_default="channel_and_role")
)
cohorts.append_constraint(CheckConstraint(_SPACE_CHECK, name="discord_space_known"))
# Each group's server and space, fixed when it is published (NULL server: DISCORD_GUILD_ID);
# after the retention period its messages' export (an S3 key) and when its channels went.
groups.append_column(Column("discord_guild_id", Text))
groups.append_column(Column("discord_space", Text))
groups.append_column(Column("discord_export_key", Text))
groups.append_column(Column("discord_removed_at", DateTime(timezone=True)))
groups.append_constraint(
    CheckConstraint(f"discord_space IS NULL OR {_SPACE_CHECK}", name="discord_space_known")
)

# --- Shared Discord rate budget (issue 22) ---

# How a cohort's meeting reminders reach Discord (roundtable.cohorts.options):
# "dm", one DM per member, or "group_post", one post in the group's channel that
# mentions them (docs/notifications.md "Reminders as one group post").
cohorts.append_column(Column("discord_reminders", Text, nullable=False, server_default="dm"))
cohorts.append_constraint(
    CheckConstraint("discord_reminders IN ('dm', 'group_post')", name="discord_reminders_known")
)

# One Discord rate budget per bot, shared by every worker (roundtable.discord.budget).
# `bot` is a digest of the bot token; times are Unix seconds (double precision).
# UNLOGGED: a commit that touched only these waits for no WAL flush (~15 ms to ~1 ms a
# permit), and what a crash loses is relearnt from Discord's next answers.
discord_rate_budget = Table(
    "discord_rate_budget",
    metadata,
    Column("bot", Text, primary_key=True),
    # The global pace: the next free send slot (calls take it and move it 1/rate on).
    Column("next_slot", DOUBLE_PRECISION, nullable=False),
    # The invalid-request guard tripped: no calls until then, and why.
    Column("halted_until", DOUBLE_PRECISION, nullable=False, server_default="0"),
    Column("halted_reason", Text),
    prefixes=["UNLOGGED"],
)

# Per-route buckets as X-RateLimit-* headers report them, per (bucket, major parameter).
discord_rate_buckets = Table(
    "discord_rate_buckets",
    metadata,
    Column("bot", Text, primary_key=True),
    Column("bucket", Text, primary_key=True),  # X-RateLimit-Bucket, or the route template
    Column("major", Text, primary_key=True),  # the channel, guild or webhook id ('' for none)
    Column("remaining", Integer, nullable=False),
    Column("bucket_limit", Integer),  # X-RateLimit-Limit (unknown after a bare 429)
    Column("reset_at", DOUBLE_PRECISION, nullable=False),
    Column("window_seconds", DOUBLE_PRECISION, nullable=False),
    Column("granted", Boolean, nullable=False, server_default=text("true")),  # the last ask
    prefixes=["UNLOGGED"],
)

# Which bucket a route template belongs to (X-RateLimit-Bucket; routes may share one).
discord_rate_routes = Table(
    "discord_rate_routes",
    metadata,
    Column("bot", Text, primary_key=True),
    Column("route", Text, primary_key=True),
    Column("bucket", Text, nullable=False),
    prefixes=["UNLOGGED"],
)

# 401/403/429 answers per minute (Discord restricts at 10,000 in 10 minutes).
discord_invalid_requests = Table(
    "discord_invalid_requests",
    metadata,
    Column("bot", Text, primary_key=True),
    Column("minute", BigInteger, primary_key=True),  # Unix time // 60
    Column("count", Integer, nullable=False),
    prefixes=["UNLOGGED"],
)

# --- Calendar invitations by e-mail (issue 22) ---
# How a cohort's groups get their calendar invitations (cohorts.options,
# CALENDAR_INVITATIONS): a Google Calendar series ("google") or .ics e-mails ("ics").
cohorts.append_column(Column("calendar_invitations", Text, nullable=False, server_default="google"))
cohorts.append_constraint(
    CheckConstraint("calendar_invitations IN ('google', 'ics')", name="calendar_invitations_known")
)
# The organiser whose Google calendar holds the group's series, fixed at its first
# insert ("default": GOOGLE_CALENDAR_ID; else one of GOOGLE_CALENDAR_ORGANISERS).
groups.append_column(Column("calendar_organiser", Text))

# One e-mailed invitation per (group, member): what was last sent, so a second sync
# sends nothing. `fingerprint` is a digest of the event as sent; `sequence` its SEQUENCE.
calendar_invitations = Table(
    "calendar_invitations",
    metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("uid", Text, nullable=False, unique=True),
    Column("email", Text, nullable=False),
    Column("sequence", Integer, nullable=False, server_default="0"),
    Column("state", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("state IN ('invited', 'cancelled')", name="state_known"),
    CheckConstraint("sequence >= 0", name="sequence_not_negative"),
)

# An organiser Google made read-only (403 quotaExceeded): no write is tried for its
# groups before retry_at; cleared by the first write that succeeds after it.
calendar_quota_blocks = Table(
    "calendar_quota_blocks",
    metadata,
    Column("organiser", Text, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("hits", Integer, nullable=False, server_default="1"),
    Column("first_hit_at", DateTime(timezone=True), nullable=False),
    Column("last_hit_at", DateTime(timezone=True), nullable=False),
    Column("retry_at", DateTime(timezone=True), nullable=False),
)

# --- Referrals and signup gates (issue 21) ---
# roundtable.growth: links that bring people, the clicks on them, where each signup
# came from, and who may sign up for a cohort (docs/growth.md).
referral_kind = _enum("referral_kind", "person", "campaign")
signup_gate_mode = _enum("signup_gate_mode", "open", "invite_only", "closed")

# A person's own link (one each, user_id set) or an admin's named campaign (name set).
referral_links = Table(
    "referral_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("kind", referral_kind, nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), unique=True),
    Column("name", Text),
    # An archived campaign counts no more clicks or signups; its numbers stay.
    Column("archived_at", DateTime(timezone=True)),
    _created_at(),
    CheckConstraint("(kind = 'person') = (user_id IS NOT NULL)", name="owner_of_person_links"),
    CheckConstraint("kind = 'person' OR name IS NOT NULL", name="campaigns_are_named"),
)

# One row per link, visitor and day: a second click the same day is the same click.
# `visitor` is a hash of the anonymous visitor cookie, never an address or a user.
referral_clicks = Table(
    "referral_clicks",
    metadata,
    Column("link_id", ForeignKey("referral_links.id", ondelete="CASCADE"), primary_key=True),
    Column("visitor", Text, primary_key=True),
    Column("day", Date, primary_key=True),
)

# Where a signup came from: the referral link (a person's first signup only) and the
# UTM parameters of their first arrival.
signup_sources = Table(
    "signup_sources",
    metadata,
    Column("signup_id", ForeignKey("signups.id", ondelete="CASCADE"), primary_key=True),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("referral_link_id", ForeignKey("referral_links.id", ondelete="SET NULL"), index=True),
    Column("utm_source", Text),
    Column("utm_medium", Text),
    Column("utm_campaign", Text),
    Column("utm_term", Text),
    Column("utm_content", Text),
    _created_at(),
    # A person is brought by a referral once: a loop (A brings B, B brings A) counts once.
    Index(
        "uq_signup_sources_referred_user",
        "user_id",
        unique=True,
        postgresql_where=text("referral_link_id IS NOT NULL"),
    ),
)

# Who may sign up for a cohort; no row is `open`.
signup_gates = Table(
    "signup_gates",
    metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", signup_gate_mode, nullable=False, server_default="open"),
    Column("invite_code", Text),
    Column("code_set_at", DateTime(timezone=True)),
    _updated_at(),
    CheckConstraint("mode <> 'invite_only' OR invite_code IS NOT NULL", name="invites_have_a_code"),
)

# People waiting for a closed cohort; `arrival` keeps their referral and UTM for admission.
waiting_list = Table(
    "waiting_list",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", member_role, nullable=False),
    Column("arrival", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("admitted_at", DateTime(timezone=True)),
    Column("admitted_by", ForeignKey("users.id", ondelete="SET NULL")),
    _created_at(),
    UniqueConstraint("cohort_id", "user_id"),
)

# --- Feedback after each meeting (issue 21) ---

# A learner's answers to the course's feedback form for one meeting; answering
# again replaces them. `rating` is the form's first rating question (1–5).
meeting_feedback = Table(
    "meeting_feedback",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("rating", SmallInteger),
    # [{"id", "kind", "text", "value"}]: each answer with its question as asked
    Column("answers", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    _created_at(),
    _updated_at(),
    UniqueConstraint("meeting_id", "user_id"),
    CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
)

# --- The cohort's shared Discord space, scheduled events per meeting (issue 21) ---

# The cohort's role on each server its groups are on, held by its active members;
# deleted (row and role) when the cohort's groups there have all ended.
# The cohort's channel is a cohort_discord_channels row ('chat', or 'threads' reused).
cohort_discord_roles = Table(
    "cohort_discord_roles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False),
    Column("guild_id", Text, nullable=False),
    Column("role_id", Text, nullable=False),
    UniqueConstraint("cohort_id", "guild_id"),
)

# The Discord scheduled event shown for a meeting in its server's Events list
# (only the next few meetings of a group have one: Discord allows 100 per server).
meetings.append_column(Column("discord_event_id", Text))

# --- Meeting venues (issue 21) ---
# Where a group meets (cohorts.options, MEETING_VENUES): its Discord voice channel,
# a Google Meet link on its calendar series, or a Zoom meeting per date
# (roundtable.venues; docs/sync.md, "Meeting venues"). A group's own choice, when
# set, overrides its cohort's.
cohorts.append_column(Column("meeting_venue", Text, nullable=False, server_default="discord"))
cohorts.append_constraint(
    CheckConstraint(
        "meeting_venue IN ('discord', 'google_meet', 'zoom')", name="meeting_venue_known"
    )
)
groups.append_column(Column("meeting_venue", Text))
groups.append_constraint(
    CheckConstraint(
        "meeting_venue IS NULL OR meeting_venue IN ('discord', 'google_meet', 'zoom')",
        name="meeting_venue_known",
    )
)
# The Meet link of the group's series (hangoutLink), written by the calendar sync (sync/meet.py).
groups.append_column(Column("meet_url", Text))
# Where a check-in came from: "zoom" (a Zoom report's participant); NULL: the web or
# Discord (meetings.attendance.check_in, one service for both doors).
attendances.append_column(Column("check_in_source", Text))

# One Zoom meeting per meeting of a Zoom group (a scheduled meeting, type 2, at the
# meeting's exact instant: no recurrence rule to drift across DST). `starts_at` and
# `minutes` are what Zoom was last told; `attendance_read_at` is set once its
# participants report was read into attendances.
zoom_meetings = Table(
    "zoom_meetings",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("zoom_meeting_id", BigInteger, nullable=False, unique=True),
    Column("zoom_uuid", Text, nullable=False),
    Column("join_url", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("minutes", SmallInteger, nullable=False),
    Column("attendance_read_at", DateTime(timezone=True)),
    _created_at(),
)
