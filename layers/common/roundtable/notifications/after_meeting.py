"""After a meeting: ask its learners for feedback (kind `meeting_feedback`).

Swept like the reminders: every run adds a request for each learner of each
meeting that ended in the last day, unless they declined it, already answered
(roundtable.meetings.feedback) or were asked already (the notification key).
Only a day back, so a stack started after a pause does not ask about old
meetings. Facilitators are not asked: they read the answers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from roundtable.notifications.catalogue import Catalogue
from roundtable.notifications.due import ACTIVE_MEETINGS_FROM

FEEDBACK_KIND = "meeting_feedback"
LOOKBACK = timedelta(days=1)

_FEEDBACK_REQUESTS = text(f"""
    INSERT INTO notifications
        (kind, reference_type, reference_id, user_id, channel, recipient,
         status, payload, due_at, next_attempt_at)
    SELECT :kind, 'meeting', m.id, gm.user_id, ch.channel, CAST(gm.user_id AS text),
           CAST('pending' AS notification_status),
           jsonb_build_object('meeting_id', m.id, 'group_id', g.id),
           m.ends_at, :now
    {ACTIVE_MEETINGS_FROM}
    JOIN group_members gm
      ON gm.group_id = g.id AND gm.status = 'active' AND gm.role = 'learner'
    JOIN users u ON u.id = gm.user_id
    CROSS JOIN LATERAL (VALUES
        (CAST('email' AS notification_channel), u.email IS NOT NULL AND u.email_notifications),
        (CAST('discord_dm' AS notification_channel),
         u.discord_id IS NOT NULL AND u.dm_notifications)
    ) AS ch(channel, wanted)
    LEFT JOIN attendances a ON a.meeting_id = m.id AND a.user_id = gm.user_id
    WHERE m.ends_at <= :now AND m.ends_at > CAST(:now AS timestamptz) - CAST(:lookback AS interval)
      AND ch.wanted AND CAST(ch.channel AS text) = ANY(:channels)
      AND a.rsvp IS DISTINCT FROM 'not_attending'
      AND NOT EXISTS (
          SELECT 1 FROM meeting_feedback f WHERE f.meeting_id = m.id AND f.user_id = gm.user_id)
    ON CONFLICT (kind, reference_type, reference_id, recipient, channel) DO NOTHING
""")


def queue_feedback_requests(conn: Connection, now: datetime, catalogue: Catalogue) -> int:
    """Add the feedback requests due at `now` that do not exist yet; how many were added."""
    params = {
        "kind": FEEDBACK_KIND,
        "now": now,
        "lookback": LOOKBACK,
        "channels": list(catalogue.kind(FEEDBACK_KIND).channels),
    }
    return int(conn.execute(_FEEDBACK_REQUESTS, params).rowcount or 0)
