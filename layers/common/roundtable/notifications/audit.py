"""For admins: per meeting, what was sent to whom on which channel, and what failed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

_MEETING_LOG = text("""
    SELECT n.id, n.kind, CAST(n.channel AS text) AS channel, n.recipient, n.user_id,
           u.display_name, CAST(n.status AS text) AS status, n.attempts, n.due_at, n.sent_at,
           n.last_error,
           COALESCE((
               SELECT jsonb_agg(jsonb_build_object(
                          'attempted_at', a.attempted_at, 'outcome', a.outcome, 'error', a.error)
                      ORDER BY a.attempted_at, a.id)
               FROM notification_attempts a WHERE a.notification_id = n.id
           ), '[]'::jsonb) AS attempts_log
    FROM notifications n
    LEFT JOIN users u ON u.id = n.user_id
    WHERE (n.reference_type = 'meeting' AND n.reference_id = :meeting_id)
       OR n.payload ->> 'meeting_id' = CAST(:meeting_id AS text)
    ORDER BY n.kind, n.channel, u.display_name NULLS FIRST, n.id
""")


def meeting_notifications(conn: Connection, meeting_id: int) -> list[dict[str, Any]]:
    """Every notification about a meeting, with its attempts (oldest first)."""
    rows = conn.execute(_MEETING_LOG, {"meeting_id": meeting_id}).mappings()
    return [dict(row) for row in rows]


def summarize(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Counts per kind and status, e.g. {"meeting_reminder_1h": {"sent": 9, "skipped": 1}}."""
    summary: dict[str, dict[str, int]] = {}
    for row in rows:
        by_status = summary.setdefault(row["kind"], {})
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    return summary
