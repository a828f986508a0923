"""What is due, computed from the meetings table on every run (set-based, no timers).

Because the due set is recomputed each run, a moved meeting's reminders follow
it: nothing is due at the old time, and everything is due at the new one. Rows
go in with `ON CONFLICT DO NOTHING`, so recomputing never duplicates.

Reminders are one INSERT … SELECT per kind. A meeting's reminder recipients
are its group's active members, less those booked as guests elsewhere instead
of it, plus the guests booked into it (roundtable.meetings.guests). A cohort
that chose group posts for Discord reminders (`cohorts.discord_reminders =
'group_post'`) gets no DMs for its members when their group has a channel: its
channel post mentions them instead (compose.py); guests keep their DM. The
nudge, the facilitator digest and the low-attendance alert need the modules
due by each meeting (from the course content, through `modules_due`), so their
candidates are read in one query and inserted in one statement.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from roundtable.notifications.catalogue import Catalogue
from roundtable.notifications.ledger import NewNotification, add_notifications
from roundtable.notifications.policy import MEMBER_REPORT_KINDS, REMINDER_KINDS, TIMINGS


@dataclass(frozen=True)
class DueModule:
    id: str
    title: str


# (course slug, meeting number) -> the modules a member should have finished by then.
ModulesDue = Callable[[str, int], Sequence[str | DueModule]]

# The FROM clause of every sweep over meetings that may still notify someone (an active
# group of a cohort neither cancelled nor completed): `m`, `g` and `c` for the rest of
# the statement. Shared by the reminders here and the feedback requests (after_meeting.py).
ACTIVE_MEETINGS_FROM = """
    FROM meetings m
    JOIN groups g ON g.id = m.group_id AND g.status = 'active'
    JOIN cohorts c ON c.id = g.cohort_id AND c.status NOT IN ('cancelled', 'completed')
"""

_REMINDERS = text(f"""
    INSERT INTO notifications
        (kind, reference_type, reference_id, user_id, channel, recipient,
         status, payload, due_at, next_attempt_at)
    SELECT :kind, 'meeting', d.meeting_id, d.user_id, d.channel, d.recipient,
           CAST('pending' AS notification_status),
           jsonb_build_object('meeting_id', d.meeting_id, 'group_id', d.group_id),
           d.starts_at - CAST(:before AS interval), :now
    FROM (
        SELECT m.id AS meeting_id, g.id AS group_id, m.starts_at, gm.user_id,
               ch.channel, CAST(gm.user_id AS text) AS recipient
        {ACTIVE_MEETINGS_FROM}
        CROSS JOIN LATERAL (
            SELECT member.user_id, false AS guest FROM group_members member
            WHERE member.group_id = g.id AND member.status = 'active'
              AND NOT EXISTS (
                  SELECT 1 FROM guest_visits away
                  WHERE away.own_meeting_id = m.id AND away.user_id = member.user_id
                    AND away.status = 'booked')
            UNION ALL
            SELECT guest.user_id, true FROM guest_visits guest
            WHERE guest.host_meeting_id = m.id AND guest.status = 'booked'
        ) gm
        JOIN users u ON u.id = gm.user_id
        CROSS JOIN LATERAL (VALUES
            (CAST('email' AS notification_channel), u.email IS NOT NULL AND u.email_notifications),
            (CAST('discord_dm' AS notification_channel),
             u.discord_id IS NOT NULL AND u.dm_notifications
             AND (gm.guest OR c.discord_reminders <> 'group_post'
                  OR g.discord_text_channel_id IS NULL))
        ) AS ch(channel, wanted)
        LEFT JOIN attendances a ON a.meeting_id = m.id AND a.user_id = gm.user_id
        WHERE m.starts_at > :now AND m.starts_at - CAST(:before AS interval) <= :now
          AND ch.wanted AND CAST(ch.channel AS text) = ANY(:channels)
          AND a.rsvp IS DISTINCT FROM 'not_attending'
        UNION ALL
        SELECT m.id, g.id, m.starts_at, CAST(NULL AS integer),
               CAST('discord_channel' AS notification_channel), g.discord_text_channel_id
        {ACTIVE_MEETINGS_FROM}
        WHERE m.starts_at > :now AND m.starts_at - CAST(:before AS interval) <= :now
          AND g.discord_text_channel_id IS NOT NULL AND 'discord_channel' = ANY(:channels)
    ) d
    ON CONFLICT (kind, reference_type, reference_id, recipient, channel) DO NOTHING
""")

_UPCOMING = text(f"""
    SELECT m.id AS meeting_id, g.id AS group_id, m.meeting_number, m.starts_at, c.course_slug
    {ACTIVE_MEETINGS_FROM}
    WHERE m.starts_at > :now
      AND m.starts_at <= CAST(:now AS timestamptz) + CAST(:horizon AS interval)
""")

# Members of the given meetings with their RSVP, channel preferences, and the
# titles of due modules they have not completed.
_MEMBERS = text("""
    WITH wanted AS (
        SELECT * FROM jsonb_to_recordset(CAST(:meetings AS jsonb))
            AS w(meeting_id integer, modules jsonb)
    )
    SELECT w.meeting_id, gm.user_id, CAST(gm.role AS text) AS role, u.display_name,
           COALESCE(CAST(a.rsvp AS text), 'pending') AS rsvp,
           u.email IS NOT NULL AND u.email_notifications AS wants_email,
           u.discord_id IS NOT NULL AND u.dm_notifications AS wants_dm,
           COALESCE((
               SELECT jsonb_agg(due.value ->> 'title' ORDER BY due.position)
               FROM jsonb_array_elements(w.modules) WITH ORDINALITY AS due(value, position)
               WHERE NOT EXISTS (
                   SELECT 1 FROM content_progress cp
                   WHERE cp.user_id = gm.user_id AND cp.content_id = due.value ->> 'id'
                     AND cp.content_type = 'module' AND cp.completed_at IS NOT NULL)
           ), '[]'::jsonb) AS behind
    FROM wanted w
    JOIN meetings m ON m.id = w.meeting_id
    JOIN group_members gm ON gm.group_id = m.group_id AND gm.status = 'active'
    JOIN users u ON u.id = gm.user_id
    LEFT JOIN attendances a ON a.meeting_id = m.id AND a.user_id = gm.user_id
    ORDER BY w.meeting_id, u.display_name, gm.user_id
""")


@dataclass(frozen=True)
class _Meeting:
    meeting_id: int
    group_id: int
    starts_at: datetime
    kinds: tuple[str, ...]
    modules: tuple[DueModule, ...] | None  # None: no course content to judge progress by


def queue_due(
    conn: Connection,
    now: datetime,
    catalogue: Catalogue,
    *,
    modules_due: ModulesDue | None = None,
    low_attendance_threshold: int = 3,
) -> dict[str, int]:
    """Add every swept notification due at `now` that does not exist yet; counts per kind."""
    added = {kind: _queue_reminders(conn, kind, now, catalogue) for kind in REMINDER_KINDS}
    meetings = _meetings_due_for_reports(conn, now, modules_due, low_attendance_threshold)
    rows = _report_rows(conn, meetings, now, catalogue, low_attendance_threshold)
    for kind in MEMBER_REPORT_KINDS:
        added[kind] = 0
    for _, kind in add_notifications(conn, rows, now):
        added[kind] += 1
    return added


def _queue_reminders(conn: Connection, kind: str, now: datetime, catalogue: Catalogue) -> int:
    params = {
        "kind": kind,
        "now": now,
        "before": TIMINGS[kind].before,
        "channels": list(catalogue.kind(kind).channels),
    }
    return int(conn.execute(_REMINDERS, params).rowcount or 0)


def _meetings_due_for_reports(
    conn: Connection, now: datetime, modules_due: ModulesDue | None, threshold: int
) -> list[_Meeting]:
    enabled = [
        k
        for k in MEMBER_REPORT_KINDS
        if not (k == "module_nudge_3d" and modules_due is None)
        and not (k == "low_attendance_alert" and threshold <= 0)
    ]
    if not enabled:
        return []
    horizon = max(_before(k) for k in enabled)
    found = []
    for row in conn.execute(_UPCOMING, {"now": now, "horizon": horizon}):
        kinds = tuple(k for k in enabled if row.starts_at - _before(k) <= now)
        if kinds:
            modules = _modules(modules_due, row.course_slug, row.meeting_number)
            found.append(_Meeting(row.meeting_id, row.group_id, row.starts_at, kinds, modules))
    return found


def _before(kind: str) -> timedelta:
    before = TIMINGS[kind].before
    assert before is not None, f"{kind} is not a swept kind"
    return before


def _modules(
    modules_due: ModulesDue | None, course_slug: str, meeting_number: int
) -> tuple[DueModule, ...] | None:
    if modules_due is None:
        return None
    return tuple(
        m if isinstance(m, DueModule) else DueModule(str(m), str(m))
        for m in modules_due(course_slug, meeting_number)
    )


def _report_rows(
    conn: Connection,
    meetings: Sequence[_Meeting],
    now: datetime,
    catalogue: Catalogue,
    threshold: int,
) -> list[NewNotification]:
    if not meetings:
        return []
    wanted = [
        {"meeting_id": m.meeting_id, "modules": [vars(d) for d in m.modules or ()]}
        for m in meetings
    ]
    members: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for row in conn.execute(_MEMBERS, {"meetings": json.dumps(wanted)}).mappings():
        members[row["meeting_id"]].append(dict(row))
    rows: list[NewNotification] = []
    for meeting in meetings:
        report = _Report(meeting, members[meeting.meeting_id], catalogue, threshold)
        rows.extend(report.rows())
    return rows


class _Report:
    """The nudge, digest and alert rows of one meeting."""

    def __init__(
        self,
        meeting: _Meeting,
        members: Sequence[Mapping[str, Any]],
        catalogue: Catalogue,
        threshold: int,
    ) -> None:
        self.meeting = meeting
        self.learners = [m for m in members if m["role"] == "learner"]
        self.facilitators = [m for m in members if m["role"] == "facilitator"]
        self.catalogue = catalogue
        self.threshold = threshold

    def rows(self) -> list[NewNotification]:
        found: list[NewNotification] = []
        for kind in self.meeting.kinds:
            found.extend(getattr(self, f"_{kind}")())
        return found

    def _module_nudge_3d(self) -> list[NewNotification]:
        behind = [m for m in self.learners if m["behind"] and m["rsvp"] != "not_attending"]
        return [
            row
            for member in behind
            for row in self._personal("module_nudge_3d", member, {"modules": member["behind"]})
        ]

    def _facilitator_digest(self) -> list[NewNotification]:
        payload = {
            "attending": self._names("attending"),
            "declined": self._names("not_attending"),
            "no_answer": self._names("pending")
            + [f"{n} (maybe)" for n in self._names("tentative")],
            "behind": self._behind_lines(),
        }
        return self._to_facilitators("facilitator_digest", payload)

    def _low_attendance_alert(self) -> list[NewNotification]:
        attending = len(self._names("attending"))
        if not self.learners or attending >= self.threshold:
            return []
        payload = {
            "attending_count": attending,
            "member_count": len(self.learners),
            "threshold": self.threshold,
        }
        return self._to_facilitators("low_attendance_alert", payload)

    def _names(self, rsvp: str) -> list[str]:
        return [str(m["display_name"]) for m in self.learners if m["rsvp"] == rsvp]

    def _behind_lines(self) -> list[str]:
        if self.meeting.modules is None:
            return ["(progress unknown: no course content is loaded)"]
        return [
            f"{m['display_name']}: {', '.join(m['behind'])}" for m in self.learners if m["behind"]
        ]

    def _to_facilitators(self, kind: str, payload: Mapping[str, Any]) -> list[NewNotification]:
        return [row for f in self.facilitators for row in self._personal(kind, f, payload)]

    def _personal(
        self, kind: str, member: Mapping[str, Any], extra: Mapping[str, Any]
    ) -> list[NewNotification]:
        wants = {"email": member["wants_email"], "discord_dm": member["wants_dm"]}
        channels = [c for c in self.catalogue.kind(kind).channels if wants.get(c)]
        due_at = self.meeting.starts_at - _before(kind)
        payload = {"meeting_id": self.meeting.meeting_id, "group_id": self.meeting.group_id}
        return [
            NewNotification(
                kind=kind,
                reference_type="meeting",
                reference_id=self.meeting.meeting_id,
                channel=channel,
                recipient=str(member["user_id"]),
                user_id=int(member["user_id"]),
                due_at=due_at,
                payload={**payload, **extra},
            )
            for channel in channels
        ]
