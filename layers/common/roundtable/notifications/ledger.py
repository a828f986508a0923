"""The notifications table as a ledger: add, claim, record. One statement per batch.

Exactly-once effect rests on two things. The unique key (kind, reference_type,
reference_id, recipient, channel) with `INSERT … ON CONFLICT DO NOTHING` means
a notification exists once however many runs compute it. Claiming moves rows
from pending to sending under `FOR UPDATE SKIP LOCKED`, so two runs never hold
the same row; a claim is a lease, and a row whose run vanished is claimable
again once the lease ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from roundtable.notifications.policy import CLAIM_LEASE

_INSERT = """
    INSERT INTO notifications
        (kind, reference_type, reference_id, user_id, channel, recipient,
         status, payload, due_at, next_attempt_at)
    SELECT r.kind, r.reference_type, r.reference_id, r.user_id,
           CAST(r.channel AS notification_channel), r.recipient,
           CAST('pending' AS notification_status), COALESCE(r.payload, '{{}}'::jsonb),
           r.due_at, :now
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
        kind text, reference_type text, reference_id integer, user_id integer,
        channel text, recipient text, payload jsonb, due_at timestamptz)
    ON CONFLICT (kind, reference_type, reference_id, recipient, channel) {on_conflict}
    RETURNING id, kind
"""
_INSERT_NEW = text(_INSERT.format(on_conflict="DO NOTHING"))
# Re-arm a finished row when its subject changed since (a meeting moved again):
# same key, new content. An identical repeat (a retried job) changes nothing.
_INSERT_OR_REARM = text(
    _INSERT.format(
        on_conflict="""DO UPDATE SET
            status = 'pending', attempts = 0, last_error = NULL, sent_at = NULL,
            payload = EXCLUDED.payload, due_at = EXCLUDED.due_at,
            next_attempt_at = EXCLUDED.next_attempt_at
        WHERE notifications.status <> 'sending'
          AND notifications.payload ->> 'version' IS DISTINCT FROM EXCLUDED.payload ->> 'version'"""
    )
)

_CLAIM = """
    WITH picked AS (
        SELECT id, status AS previous_status FROM notifications
        WHERE status IN ('pending', 'sending') AND next_attempt_at <= :now {only}
        ORDER BY next_attempt_at, kind, reference_id, channel, id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    ), stale AS (
        -- Claimed by a run that stopped before recording an outcome: log that.
        INSERT INTO notification_attempts (notification_id, attempted_at, outcome, error)
        SELECT id, :now, CAST('failed' AS notification_status),
               'the run that claimed it stopped before recording an outcome'
        FROM picked WHERE previous_status = 'sending'
    )
    UPDATE notifications n
    SET status = 'sending', next_attempt_at = :lease_until,
        attempts = n.attempts + CASE WHEN picked.previous_status = 'sending' THEN 1 ELSE 0 END
    FROM picked WHERE n.id = picked.id
    RETURNING n.id, n.kind, n.reference_type, n.reference_id, n.user_id, n.channel,
              n.recipient, n.payload, n.attempts, n.due_at
"""
_CLAIM_ANY = text(_CLAIM.format(only=""))
_CLAIM_ONLY = text(_CLAIM.format(only="AND id = ANY(:ids)"))

# A sender taking over rows the sweep claimed and handed it (fan-out): only rows
# still held under that very claim (same lease end), so a message delivered twice,
# or one that arrives after the sweep took its rows back, takes nothing.
_TAKE_OVER = text("""
    WITH picked AS (
        SELECT id FROM notifications
        WHERE id = ANY(:ids) AND status = 'sending' AND next_attempt_at = :claimed_until
        ORDER BY id
        FOR UPDATE SKIP LOCKED
    )
    UPDATE notifications n SET next_attempt_at = :lease_until
    FROM picked WHERE n.id = picked.id
    RETURNING n.id, n.kind, n.reference_type, n.reference_id, n.user_id, n.channel,
              n.recipient, n.payload, n.attempts, n.due_at
""")

# Handing rows back untried (a batch that could not be queued): due again now.
_RELEASE = text("""
    UPDATE notifications SET status = 'pending', next_attempt_at = :now
    WHERE id = ANY(:ids) AND status = 'sending' AND next_attempt_at = :claimed_until
""")

# Per channel; DMs to users whose DM channel is not known yet also count as
# "dm_channel_opens" (each is a second Discord call).
_COUNT_DUE = text("""
    SELECT CAST(n.channel AS text) AS channel, count(*) AS n,
           count(*) FILTER (WHERE n.channel = 'discord_dm'
                            AND u.discord_dm_channel_id IS NULL) AS opens
    FROM notifications n LEFT JOIN users u ON u.id = n.user_id
    WHERE n.status IN ('pending', 'sending') AND n.next_attempt_at <= :now
    GROUP BY n.channel
""")

# The DM channel a send opened, kept per user so the next DM is one call.
_REMEMBER_DM_CHANNELS = text("""
    UPDATE users u SET discord_dm_channel_id = r.channel_id
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(user_id integer, channel_id text)
    WHERE u.id = r.user_id AND u.discord_dm_channel_id IS DISTINCT FROM r.channel_id
""")

_RECORD = text("""
    WITH r AS (
        SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
            id bigint, status text, logged text, error text, next_attempt_at timestamptz,
            due_at timestamptz, provider_message_id text, payload_patch jsonb)
    ), updated AS (
        UPDATE notifications n SET
            status = CAST(r.status AS notification_status),
            attempts = n.attempts + CASE WHEN r.logged IN ('sent', 'failed') THEN 1 ELSE 0 END,
            last_error = CASE WHEN r.logged IS NULL THEN n.last_error ELSE r.error END,
            next_attempt_at = COALESCE(r.next_attempt_at, n.next_attempt_at),
            due_at = COALESCE(r.due_at, n.due_at),
            provider_message_id = COALESCE(r.provider_message_id, n.provider_message_id),
            sent_at = CASE WHEN r.status = 'sent' THEN CAST(:now AS timestamptz) ELSE n.sent_at END,
            payload = n.payload || COALESCE(r.payload_patch, '{}'::jsonb)
        FROM r WHERE n.id = r.id AND n.status = 'sending'
        RETURNING n.id
    )
    INSERT INTO notification_attempts (notification_id, attempted_at, outcome, error)
    SELECT r.id, :now, CAST(r.logged AS notification_status), r.error
    FROM r JOIN updated u ON u.id = r.id
    WHERE r.logged IS NOT NULL
""")


@dataclass(frozen=True)
class NewNotification:
    """A notification to add; `recipient` is a user id, or a Discord channel id for posts."""

    kind: str
    reference_type: str
    reference_id: int
    channel: str
    recipient: str
    user_id: int | None
    due_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Claimed:
    """A row this run holds: it alone may send it until the lease ends."""

    id: int
    kind: str
    reference_type: str
    reference_id: int
    user_id: int | None
    channel: str
    recipient: str
    payload: Mapping[str, Any]
    attempts: int
    due_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What happened to a claimed row. `logged` is the attempt outcome written to
    notification_attempts (None: released untried, nothing to log)."""

    id: int
    status: str
    logged: str | None
    error: str | None = None
    next_attempt_at: datetime | None = None
    due_at: datetime | None = None
    provider_message_id: str | None = None
    payload_patch: Mapping[str, Any] | None = None


def add_notifications(
    conn: Connection, rows: Iterable[NewNotification], now: datetime, *, rearm: bool = False
) -> list[tuple[int, str]]:
    """Insert rows, skipping any whose key exists; (id, kind) of those added.

    With `rearm`, an existing row whose payload "version" differs is made
    pending again with the new payload (and counted as added).
    """
    data = [_new_row(row) for row in rows]
    if not data:
        return []
    statement = _INSERT_OR_REARM if rearm else _INSERT_NEW
    result = conn.execute(statement, {"rows": json.dumps(data), "now": now})
    return [(int(r.id), str(r.kind)) for r in result]


def claim(
    conn: Connection,
    now: datetime,
    limit: int,
    only: Sequence[int] | None = None,
    *,
    lease: timedelta = CLAIM_LEASE,
) -> list[Claimed]:
    """Take up to `limit` rows that are due (optionally only these ids) for this run,
    until `now + lease` (every row claimed by one call shares that lease end)."""
    params: dict[str, Any] = {"now": now, "limit": limit, "lease_until": now + lease}
    if only is not None:
        params["ids"] = list(only)
    rows = conn.execute(_CLAIM_ONLY if only is not None else _CLAIM_ANY, params).mappings()
    return [Claimed(**dict(row)) for row in rows]


def take_over(
    conn: Connection, ids: Sequence[int], claimed_until: datetime, now: datetime
) -> list[Claimed]:
    """The rows of `ids` still held under the claim ending `claimed_until`, now held by
    this run (lease renewed); rows already taken, sent or reclaimed are left alone."""
    params = {"ids": list(ids), "claimed_until": claimed_until, "lease_until": now + CLAIM_LEASE}
    return [Claimed(**dict(row)) for row in conn.execute(_TAKE_OVER, params).mappings()]


def release(conn: Connection, ids: Sequence[int], claimed_until: datetime, now: datetime) -> None:
    """Hand back rows claimed until `claimed_until`, untried: due again at `now`."""
    conn.execute(_RELEASE, {"ids": list(ids), "claimed_until": claimed_until, "now": now})


def count_due(conn: Connection, now: datetime) -> dict[str, int]:
    """How many rows are due at `now`, per channel (email, discord_dm, discord_channel),
    and how many of the DMs need their DM channel opened first (dm_channel_opens)."""
    counts = {"dm_channel_opens": 0}
    for r in conn.execute(_COUNT_DUE, {"now": now}):
        counts[str(r.channel)] = int(r.n)
        counts["dm_channel_opens"] += int(r.opens)
    return counts


def remember_dm_channels(conn: Connection, channels: Mapping[int, str]) -> None:
    """Keep each user's DM channel (user id -> channel id) for their next DM."""
    if channels:
        rows = [{"user_id": user, "channel_id": channel} for user, channel in channels.items()]
        conn.execute(_REMEMBER_DM_CHANNELS, {"rows": json.dumps(rows)})


def record(conn: Connection, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Write the outcomes of a batch and log its attempts, in one statement."""
    if not outcomes:
        return
    data = [_outcome_row(o) for o in outcomes]
    conn.execute(_RECORD, {"rows": json.dumps(data), "now": now})


def _new_row(row: NewNotification) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "reference_type": row.reference_type,
        "reference_id": row.reference_id,
        "user_id": row.user_id,
        "channel": row.channel,
        "recipient": row.recipient,
        "payload": dict(row.payload),
        "due_at": row.due_at.isoformat(),
    }


def _outcome_row(outcome: Outcome) -> dict[str, Any]:
    return {
        "id": outcome.id,
        "status": outcome.status,
        "logged": outcome.logged,
        "error": outcome.error,
        "next_attempt_at": _iso(outcome.next_attempt_at),
        "due_at": _iso(outcome.due_at),
        "provider_message_id": outcome.provider_message_id,
        "payload_patch": dict(outcome.payload_patch) if outcome.payload_patch else None,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
