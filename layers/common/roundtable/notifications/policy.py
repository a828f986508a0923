"""When each kind is due, how late it is still worth sending, and how failures retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Timing:
    """`before`: how long before its meeting a swept kind is due (None: due when queued).
    `late_limit`: past its due time by more than this, it is skipped and recorded as such."""

    before: timedelta | None
    late_limit: timedelta


TIMINGS: dict[str, Timing] = {
    "meeting_reminder_24h": Timing(timedelta(hours=24), timedelta(hours=12)),
    "meeting_reminder_1h": Timing(timedelta(hours=1), timedelta(minutes=50)),
    "module_nudge_3d": Timing(timedelta(days=3), timedelta(days=2)),
    "facilitator_digest": Timing(timedelta(hours=3), timedelta(hours=2, minutes=30)),
    "low_attendance_alert": Timing(timedelta(hours=24), timedelta(hours=22)),
    "welcome": Timing(None, timedelta(days=7)),
    "group_assigned": Timing(None, timedelta(days=7)),
    "member_joined": Timing(None, timedelta(days=1)),
    "meeting_changed": Timing(None, timedelta(days=7)),
    "removed_from_group": Timing(None, timedelta(days=7)),
    "member_left": Timing(None, timedelta(days=7)),
    "guest_visit_booked": Timing(None, timedelta(days=2)),
    "guest_visit_cancelled": Timing(None, timedelta(days=2)),
    "group_cancelled": Timing(None, timedelta(days=7)),
    # Swept once a meeting has ended (notifications/after_meeting.py): due at its end.
    "meeting_feedback": Timing(None, timedelta(days=2)),
}

# Kinds computed from the meetings table on every sweep.
REMINDER_KINDS = ("meeting_reminder_24h", "meeting_reminder_1h")
MEMBER_REPORT_KINDS = ("module_nudge_3d", "facilitator_digest", "low_attendance_alert")
SWEPT_KINDS = (*REMINDER_KINDS, *MEMBER_REPORT_KINDS)
# Kinds about one meeting: not sent once it has started.
MEETING_KINDS = (*SWEPT_KINDS, "meeting_changed")
# Kinds a member who declined the meeting does not get.
SKIPPED_WHEN_DECLINED = ("meeting_reminder_24h", "meeting_reminder_1h", "module_nudge_3d")

MAX_ATTEMPTS = 6
_BACKOFF_BASE = timedelta(seconds=30)
_BACKOFF_CAP = timedelta(hours=1)
# A claimed row whose run vanished (crash, timeout) is claimable again after this;
# longer than a Lambda can run, so a live run never loses its claim.
CLAIM_LEASE = timedelta(minutes=16)


def backoff(attempt: int) -> timedelta:
    """Wait before retry number `attempt`: 30 s, 1 min, 2 min, … at most an hour."""
    wait: timedelta = _BACKOFF_BASE * 2 ** max(attempt - 1, 0)
    return min(wait, _BACKOFF_CAP)


def describe_lateness(late: timedelta) -> str:
    """'55 minutes', '3 hours 10 minutes': for skip reasons people read."""
    minutes = int(late.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minutes"
    return f"{hours} hours {minutes} minutes" if minutes else f"{hours} hours"
