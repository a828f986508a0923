"""One-off notifications, queued by the `send_notification` job when something happens.

Payload contract (`{"kind": ..., ...}`):
    welcome             user_id, cohort_id
    group_assigned      group_id, user_id (optional: every active member when absent)
                        or group_ids (a publish's chunk: every active member of each)
    member_joined       group_id, user_id          (a post in the group's channel)
    meeting_changed     meeting_id, previous_starts_at (ISO 8601 with offset)
    removed_from_group  group_id, user_id
    member_left         group_id, user_id          (to the group's facilitators)
    guest_visit_booked     visit_id                (to the host group's facilitators)
    guest_visit_cancelled  visit_id                (to the host group's facilitators)
    group_cancelled     group_id                   (to the members it had when cancelled)

Each row's key names what it is about (cohort, group, membership, meeting), so
a job that runs twice queues nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from roundtable.db.tables import (
    cohorts,
    group_members,
    groups,
    guest_visits,
    meetings,
    signups,
    users,
)
from roundtable.errors import NotFoundError, ValidationError
from roundtable.notifications.catalogue import Catalogue
from roundtable.notifications.ledger import NewNotification, add_notifications

# A publish's chunk tells all its groups in one job (sync/jobs.announce_groups): their
# e-mails share one body (names, groups and times travel as substitutions), so the
# delivery packs them up to SendGrid's 1,000 personalizations a request instead of
# one request per group: 20,000 requests become about 200 at 100,000 learners.
MAX_GROUPS_PER_JOB = 1000

ONE_OFF_KINDS = (
    "welcome",
    "group_assigned",
    "member_joined",
    "meeting_changed",
    "removed_from_group",
    "member_left",
    "guest_visit_booked",
    "guest_visit_cancelled",
    "group_cancelled",
)


def queue_notification(
    conn: Connection, payload: Mapping[str, Any], now: datetime, catalogue: Catalogue
) -> list[int]:
    """Add the rows a one-off notification needs (skipping existing keys); their ids."""
    kind = payload.get("kind")
    if kind not in ONE_OFF_KINDS:
        known = ", ".join(ONE_OFF_KINDS)
        raise ValidationError(f"send_notification kind must be one of {known}; got {kind!r}")
    queue = _Queue(conn, str(kind), payload, now, catalogue)
    rows = _BUILDERS[str(kind)](queue)
    added = add_notifications(conn, rows, now, rearm=kind == "meeting_changed")
    return [notification_id for notification_id, _ in added]


class _Queue:
    def __init__(
        self,
        conn: Connection,
        kind: str,
        payload: Mapping[str, Any],
        now: datetime,
        catalogue: Catalogue,
    ) -> None:
        self.conn = conn
        self.kind = kind
        self.payload = payload
        self.now = now
        self.channels = catalogue.kind(kind).channels

    def integer(self, field: str) -> int:
        value = self.payload.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValidationError(
                f"send_notification {self.kind} needs a positive integer {field}, got {value!r}",
                field=field,
            )
        return value

    def group(self) -> Any:
        group_id = self.integer("group_id")
        row = self.conn.execute(select(groups).where(groups.c.id == group_id)).first()
        if row is None:
            raise NotFoundError(f"no group {group_id}", field="group_id")
        return row

    def listed_groups(self) -> list[Any]:
        """The groups of a `group_ids` payload, in id order; every one must exist."""
        ids = self.payload.get("group_ids")
        if (
            not isinstance(ids, list)
            or not 0 < len(ids) <= MAX_GROUPS_PER_JOB
            or not all(isinstance(g, int) and not isinstance(g, bool) and g > 0 for g in ids)
        ):
            raise ValidationError(
                f"send_notification {self.kind} needs group_ids, a list of 1 to "
                f"{MAX_GROUPS_PER_JOB} positive integers, got {ids!r}",
                field="group_ids",
            )
        rows = self.conn.execute(select(groups).where(groups.c.id.in_(ids))).all()
        missing = sorted(set(ids) - {row.id for row in rows})
        if missing:
            raise NotFoundError(f"no groups {missing}", field="group_ids")
        return sorted(rows, key=lambda row: row.id)

    def personal(
        self, user_ids: Sequence[int], reference: tuple[str, int], extra: Mapping[str, Any]
    ) -> list[NewNotification]:
        """Rows for each user on each channel they have on (email and Discord DM)."""
        found = self.conn.execute(
            select(
                users.c.id,
                users.c.email,
                users.c.discord_id,
                users.c.email_notifications,
                users.c.dm_notifications,
            ).where(users.c.id.in_(user_ids))
        ).all()
        wanted = {u.id: _wanted_channels(u) for u in found}
        return [
            self._row(reference, channel, str(user_id), user_id, extra)
            for user_id in user_ids
            for channel in self.channels
            if channel in wanted.get(user_id, set())
        ]

    def channel_post(
        self, channel_id: str | None, reference: tuple[str, int], extra: Mapping[str, Any]
    ) -> list[NewNotification]:
        if not channel_id or "discord_channel" not in self.channels:
            return []
        return [self._row(reference, "discord_channel", channel_id, None, extra)]

    def _row(
        self,
        reference: tuple[str, int],
        channel: str,
        recipient: str,
        user_id: int | None,
        extra: Mapping[str, Any],
    ) -> NewNotification:
        return NewNotification(
            kind=self.kind,
            reference_type=reference[0],
            reference_id=reference[1],
            channel=channel,
            recipient=recipient,
            user_id=user_id,
            due_at=self.now,
            payload=dict(extra),
        )

    def active_members(self, group_id: int) -> list[int]:
        return list(
            self.conn.scalars(
                select(group_members.c.user_id)
                .where(group_members.c.group_id == group_id, group_members.c.status == "active")
                .order_by(group_members.c.user_id)
            )
        )

    def membership(self, group_id: int, user_id: int, status: str) -> int | None:
        return self.conn.scalar(
            select(group_members.c.id)
            .where(
                and_(
                    group_members.c.group_id == group_id,
                    group_members.c.user_id == user_id,
                    group_members.c.status == status,
                )
            )
            .order_by(group_members.c.id.desc())
            .limit(1)
        )


def _welcome(q: _Queue) -> list[NewNotification]:
    user_id, cohort_id = q.integer("user_id"), q.integer("cohort_id")
    if q.conn.scalar(select(cohorts.c.id).where(cohorts.c.id == cohort_id)) is None:
        raise NotFoundError(f"no cohort {cohort_id}", field="cohort_id")
    return q.personal([user_id], ("cohort", cohort_id), {"cohort_id": cohort_id})


def _group_assigned(q: _Queue) -> list[NewNotification]:
    if "group_ids" in q.payload:  # a publish's chunk, told in one job (sync/jobs.py)
        return [
            row
            for group in q.listed_groups()
            for row in _assigned_rows(q, group, q.active_members(group.id))
        ]
    group = q.group()
    user_ids = [q.integer("user_id")] if "user_id" in q.payload else q.active_members(group.id)
    return _assigned_rows(q, group, user_ids)


def _assigned_rows(q: _Queue, group: Any, user_ids: list[int]) -> list[NewNotification]:
    rows = q.personal(user_ids, ("group", group.id), {"group_id": group.id})
    if _told_in_channel(q.conn, group):
        return [row for row in rows if row.channel != "discord_dm"]
    return rows


def _told_in_channel(conn: Connection, group: Any) -> bool:
    """A cohort that chose group posts over DMs (cohorts.discord_reminders) tells its members
    on Discord in the group's own space: the sync's welcome post there mentions every member
    with the group's time (sync/desired.welcome_message; `member_joined` for a newcomer),
    one call per group instead of a DM each. E-mail stays per person; a group without a
    channel yet keeps the DMs (as reminders do, notifications/due.py)."""
    if not group.discord_text_channel_id:
        return False
    choice = conn.scalar(select(cohorts.c.discord_reminders).where(cohorts.c.id == group.cohort_id))
    return choice == "group_post"


def _member_joined(q: _Queue) -> list[NewNotification]:
    group, user_id = q.group(), q.integer("user_id")
    membership = q.membership(group.id, user_id, "active")
    if membership is None:
        raise NotFoundError(f"user {user_id} is not an active member of group {group.id}")
    extra = {"group_id": group.id, "member_id": user_id}
    return q.channel_post(group.discord_text_channel_id, ("group_member", membership), extra)


def _meeting_changed(q: _Queue) -> list[NewNotification]:
    meeting_id = q.integer("meeting_id")
    meeting = q.conn.execute(select(meetings).where(meetings.c.id == meeting_id)).first()
    if meeting is None:
        raise NotFoundError(f"no meeting {meeting_id}", field="meeting_id")
    previous = _aware_iso(q.payload.get("previous_starts_at"), q.kind)
    group = q.conn.execute(select(groups).where(groups.c.id == meeting.group_id)).one()
    extra = {
        "meeting_id": meeting.id,
        "group_id": group.id,
        "previous_starts_at": previous.isoformat(),
        # The row is re-armed only when the meeting moved somewhere new.
        "version": meeting.starts_at.isoformat(),
    }
    reference = ("meeting", meeting.id)
    members = q.active_members(group.id)
    return [
        *q.personal(members, reference, extra),
        *q.channel_post(group.discord_text_channel_id, reference, extra),
    ]


def _removed(q: _Queue) -> list[NewNotification]:
    group, user_id = q.group(), q.integer("user_id")
    membership = q.membership(group.id, user_id, "removed")
    reference = ("group_member", membership) if membership else ("group", group.id)
    return q.personal([user_id], reference, {"group_id": group.id})


def _member_left(q: _Queue) -> list[NewNotification]:
    group, user_id = q.group(), q.integer("user_id")
    membership = q.conn.execute(
        select(group_members.c.id)
        .where(
            group_members.c.group_id == group.id,
            group_members.c.user_id == user_id,
            group_members.c.status == "removed",
        )
        .order_by(group_members.c.id.desc())
        .limit(1)
    ).first()
    if membership is None:
        raise NotFoundError(f"user {user_id} has not left group {group.id}")
    facilitators = list(
        q.conn.scalars(
            select(group_members.c.user_id).where(
                group_members.c.group_id == group.id,
                group_members.c.status == "active",
                group_members.c.role == "facilitator",
            )
        )
    )
    # The reason in the learner's own words, as they gave it when leaving the cohort.
    reason = q.conn.scalar(
        select(signups.c.withdrawal_reason).where(
            signups.c.user_id == user_id, signups.c.cohort_id == group.cohort_id
        )
    )
    extra = {"group_id": group.id, "member_id": user_id, "reason": reason or ""}
    return q.personal(facilitators, ("group_member", membership.id), extra)


def _guest_visit(q: _Queue) -> list[NewNotification]:
    """To the host group's facilitators, about one visit (booked or cancelled: two kinds)."""
    visit_id = q.integer("visit_id")
    visit = q.conn.execute(
        select(guest_visits.c.user_id, meetings.c.id.label("meeting_id"), meetings.c.group_id)
        .join(meetings, meetings.c.id == guest_visits.c.host_meeting_id)
        .where(guest_visits.c.id == visit_id)
    ).first()
    if visit is None:
        raise NotFoundError(f"no guest visit {visit_id}", field="visit_id")
    facilitators = list(
        q.conn.scalars(
            select(group_members.c.user_id)
            .where(
                group_members.c.group_id == visit.group_id,
                group_members.c.status == "active",
                group_members.c.role == "facilitator",
            )
            .order_by(group_members.c.user_id)
        )
    )
    own_group = q.conn.scalar(
        select(groups.c.name)
        .join(meetings, meetings.c.group_id == groups.c.id)
        .join(guest_visits, guest_visits.c.own_meeting_id == meetings.c.id)
        .where(guest_visits.c.id == visit_id)
    )
    extra = {
        "group_id": visit.group_id,
        "meeting_id": visit.meeting_id,
        "member_id": visit.user_id,
        "guest_group_name": own_group or "",
    }
    return q.personal(facilitators, ("guest_visit", visit_id), extra)


def _group_cancelled(q: _Queue) -> list[NewNotification]:
    """To everyone whose membership the cancellation ended (not those who had left before)."""
    group = q.group()
    if group.status != "cancelled" or group.completed_at is None:
        raise ValidationError(f"group {group.id} is {group.status}, not cancelled")
    members = list(
        q.conn.scalars(
            select(group_members.c.user_id)
            .where(
                group_members.c.group_id == group.id,
                group_members.c.status == "removed",
                group_members.c.left_at >= group.completed_at,
            )
            .order_by(group_members.c.user_id)
        )
    )
    return q.personal(members, ("group", group.id), {"group_id": group.id})


def _wanted_channels(user: Any) -> set[str]:
    channels = set()
    if user.email and user.email_notifications:
        channels.add("email")
    if user.discord_id and user.dm_notifications:
        channels.add("discord_dm")
    return channels


def _aware_iso(value: Any, kind: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationError(
            f"send_notification {kind} needs previous_starts_at as ISO 8601 with an offset, "
            f"got {value!r}",
            field="previous_starts_at",
        )
    return parsed


_BUILDERS: dict[str, Callable[[_Queue], list[NewNotification]]] = {
    "welcome": _welcome,
    "group_assigned": _group_assigned,
    "member_joined": _member_joined,
    "meeting_changed": _meeting_changed,
    "removed_from_group": _removed,
    "member_left": _member_left,
    "guest_visit_booked": _guest_visit,
    "guest_visit_cancelled": _guest_visit,
    "group_cancelled": _group_cancelled,
}
