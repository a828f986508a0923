"""Calendar invitations by e-mail: each member gets the group's series as an .ics file.

For cohorts whose `calendar_invitations` is "ics" (cohorts.options, set with
the cohort), instead of a Google Calendar series: no organiser
calendar, so no per-user invitation limit. Reconciled from the database like
the Google series, one SendGrid request per message (an attachment is the same
for every recipient of a request, and each member's file names only them):

- an active member with an address and no invitation yet gets one
  (METHOD:REQUEST, SEQUENCE 0, a UID of their own for this group);
- when what the invitation says changes (the group's time moves, meetings are
  dropped, the group is renamed), the member gets an update: the same UID,
  SEQUENCE + 1, METHOD:REQUEST;
- a member who leaves, or everyone when the group is cancelled, gets
  METHOD:CANCEL (SEQUENCE + 1); someone who comes back later gets a new UID;
- a member whose address changed: the old address gets the cancellation and
  the new one a new invitation.

`calendar_invitations` keeps, per (group, member), the UID, the SEQUENCE and a
digest of what was last sent, so a second run sends nothing. A row is written
right after SendGrid accepted the message: a crash in between sends the same
message (same UID and SEQUENCE) again, which a calendar applies as a no-op.
Completed groups are left alone (their series is over).
"""

from __future__ import annotations

import hashlib
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from roundtable.db.engine import transaction
from roundtable.db.tables import calendar_invitations, cohorts, groups, meetings
from roundtable.notifications.catalogue import EmailContent
from roundtable.notifications.delivery import (
    Attachment,
    DeliveryError,
    EmailBatch,
    EmailRecipient,
    EmailSender,
)
from roundtable.sync.calendar_sync import CalendarReport
from roundtable.sync.desired import Group, Member
from roundtable.sync.ics import Method, SeriesInvitation, invitation_ics
from roundtable.sync.series import occurrences
from roundtable.venues.choice import where_to_meet

logger = logging.getLogger(__name__)

ATTACHMENT_NAME = "invite.ics"


@dataclass(frozen=True)
class Organiser:
    """Who the invitations come from (the sending address; replies to it are not read)."""

    email: str
    name: str

    @classmethod
    def from_address(cls, address: str) -> Organiser:
        name, email = parseaddr(address)
        return cls(email, name or "Roundtable")


@dataclass(frozen=True)
class _Sent:
    """A calendar_invitations row: what a member was last sent for a group."""

    user_id: int
    uid: str
    email: str
    sequence: int
    state: str  # "invited" | "cancelled"
    fingerprint: str


@dataclass(frozen=True)
class _Context:
    engine: Engine
    sender: EmailSender
    namespace: str  # the public base URL: links, and keeps UIDs of deployments apart
    organiser: Organiser
    now: datetime


# -- the cohort's choice (cohorts.options; set with the cohort: cohorts.catalog) --------------
def invitation_modes(engine: Engine, group_ids: list[int]) -> dict[int, str]:
    """Each group's cohort's choice: "google" or "ics"."""
    if not group_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(groups.c.id, cohorts.c.calendar_invitations)
            .join(cohorts, cohorts.c.id == groups.c.cohort_id)
            .where(groups.c.id.in_(group_ids))
        ).all()
    return {r.id: str(r.calendar_invitations) for r in rows}


# -- the reconcile ----------------------------------------------------------------------
def reconcile_invitations(
    engine: Engine,
    sender: EmailSender,
    group_list: list[Group],
    *,
    namespace: str,
    organiser: Organiser,
    now: datetime,
) -> CalendarReport:
    """Send the invitations, updates and cancellations the groups' members are owed.

    Calls: one SendGrid request per message sent, none when nothing changed; two
    queries for all the groups, one write per message. Per-group failures are
    reported; a 429 stops the run (the rest is reported as waiting).
    """
    report = CalendarReport()
    todo = [g for g in group_list if g.status in ("active", "cancelled") and g.has_outside_state]
    if not todo:
        return report
    ids = [g.id for g in todo]
    starts = _meeting_starts(engine, ids)
    sent = _sent_rows(engine, ids)
    context = _Context(engine, sender, namespace, organiser, now)
    for index, group in enumerate(todo):
        try:
            _reconcile_group(
                context, group, starts.get(group.id, ()), sent.get(group.id, {}), report
            )
        except DeliveryError as exc:
            report.fail(group.id, f"e-mailing calendar invitations failed: {exc}")
            if exc.retry_after is not None or exc.status == 429:
                for rest in todo[index + 1 :]:
                    report.fail(
                        rest.id, "calendar invitations not sent yet: SendGrid asked to wait"
                    )
                break
    return report


def _reconcile_group(
    context: _Context,
    group: Group,
    meeting_starts: tuple[datetime, ...],
    sent: dict[int, _Sent],
    report: CalendarReport,
) -> None:
    starts = meeting_starts or tuple(
        o.starts_at for o in occurrences(group.slot, group.number_of_meetings)
    )
    wanted = _invitees(group)
    for member in wanted.values():
        row = sent.get(member.user_id)
        email = _address(member)
        invitation = _invitation(context, group, member, email, starts)
        if row is not None and row.state == "invited" and row.email != email:
            _cancel(context, group, row, member, starts, report)  # the old address's copy
            row = _Sent(row.user_id, row.uid, row.email, row.sequence + 1, "cancelled", "")
        if row is None or row.state == "cancelled":
            uid = invitation_uid(
                context.namespace, group.id, member.user_id, row.uid if row else ""
            )
            _deliver(context, group.id, member.user_id, invitation, uid, 0, "REQUEST")
            report.emailed += 1
        elif row.fingerprint != invitation.fingerprint():
            sequence = row.sequence + 1
            _deliver(context, group.id, member.user_id, invitation, row.uid, sequence, "REQUEST")
            report.email_updates += 1
        else:
            report.unchanged += 1
    members = {m.user_id: m for m in group.members}
    for row in sent.values():
        if row.state == "invited" and row.user_id not in wanted:
            _cancel(context, group, row, members.get(row.user_id), starts, report)


def _invitees(group: Group) -> dict[int, Member]:
    """Who should hold the invitation: the active members with an address, while live."""
    if group.status != "active":
        return {}
    return {m.user_id: m for m in group.active_members if m.email and m.email.strip()}


def _cancel(
    context: _Context,
    group: Group,
    row: _Sent,
    member: Member | None,
    starts: tuple[datetime, ...],
    report: CalendarReport,
) -> None:
    name = member.display_name if member else row.email
    invitation = _invitation(context, group, member, row.email, starts, name=name)
    _deliver(context, group.id, row.user_id, invitation, row.uid, row.sequence + 1, "CANCEL")
    report.email_cancellations += 1


def _address(member: Member) -> str:
    return (member.email or "").strip().lower()


def invitation_uid(namespace: str, group_id: int, user_id: int, previous: str = "") -> str:
    """A UID of one member's invitation to one group, stable; a new one after a cancellation."""
    digest = hashlib.sha256(f"{namespace}|{group_id}|{user_id}|{previous}".encode()).hexdigest()
    host = urlsplit(namespace).hostname or "roundtable"
    return f"rt-{digest[:32]}@{host}"


def group_page_url(namespace: str, group: Group, member: Member | None) -> str:
    """Where the member answers and sees the group: a facilitator's page, or the learner's."""
    if member is not None and member.role == "facilitator":
        return f"{namespace}/facilitator/groups/{group.id}"
    return f"{namespace}/group"


def _invitation(
    context: _Context,
    group: Group,
    member: Member | None,
    email: str,
    starts: tuple[datetime, ...],
    *,
    name: str | None = None,
) -> SeriesInvitation:
    url = group_page_url(context.namespace, group, member)
    description = (
        f"Weekly discussion group of {group.cohort_name}. "
        f"Say whether you come to each meeting in Roundtable: {url} "
        f"(replies to this invitation are not read). {where_to_meet(group.meeting_venue)}"
    )
    return SeriesInvitation(
        summary=f"{group.name} · {group.cohort_name}",
        description=description,
        url=url,
        zone=group.slot.anchor_timezone,
        starts=starts,
        minutes=group.slot.meeting_minutes,
        organiser_email=context.organiser.email,
        organiser_name=context.organiser.name,
        attendee_email=email,
        attendee_name=name or (member.display_name if member else email),
    )


def _deliver(
    context: _Context,
    group_id: int,
    user_id: int,
    invitation: SeriesInvitation,
    uid: str,
    sequence: int,
    method: Method,
) -> None:
    """Send one message, then record it (its own transaction: sent is sent)."""
    ics = invitation_ics(invitation, uid=uid, sequence=sequence, method=method, stamp=context.now)
    attachment = Attachment(ATTACHMENT_NAME, f"text/calendar; method={method}", ics)
    recipient = EmailRecipient(invitation.attendee_email, invitation.attendee_name, {})
    context.sender.send(EmailBatch(_email(invitation, method, sequence), [recipient], [attachment]))
    values = {
        "uid": uid,
        "email": invitation.attendee_email,
        "sequence": sequence,
        "state": "cancelled" if method == "CANCEL" else "invited",
        "fingerprint": invitation.fingerprint(),
        "sent_at": context.now,
    }
    with transaction(context.engine) as conn:
        statement = pg_insert(calendar_invitations).values(
            group_id=group_id, user_id=user_id, **values
        )
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[calendar_invitations.c.group_id, calendar_invitations.c.user_id],
                set_=values,
            )
        )


def _email(invitation: SeriesInvitation, method: Method, sequence: int) -> EmailContent:
    zone = ZoneInfo(invitation.zone)
    first = invitation.starts[0].astimezone(zone)
    when = f"{first:%A}s at {first:%H:%M} ({invitation.zone}), from {first:%d %B %Y}"
    if method == "CANCEL":
        subject = f"Cancelled: {invitation.summary}"
        lines = [f"The meetings of {invitation.summary} are no longer in your calendar."]
    else:
        subject = f"{'Updated invitation' if sequence else 'Invitation'}: {invitation.summary}"
        lines = [
            f"{invitation.summary} meets {when}, {len(invitation.starts)} meetings.",
            "Open the attached invite.ics to add the meetings to your calendar "
            "(most mail programs show it as an invitation).",
            f"Say whether you come to each meeting in Roundtable: {invitation.url}",
        ]
    lines.append("Replies to this e-mail and to the invitation are not read.")
    text = "\n\n".join(lines)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return EmailContent(subject=subject, text=text, html=body)


# -- reads ----------------------------------------------------------------------------
def _meeting_starts(engine: Engine, group_ids: list[int]) -> dict[int, tuple[datetime, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(meetings.c.group_id, meetings.c.starts_at)
            .where(meetings.c.group_id.in_(group_ids))
            .order_by(meetings.c.group_id, meetings.c.starts_at)
        ).all()
    found: dict[int, list[datetime]] = {}
    for row in rows:
        found.setdefault(row.group_id, []).append(row.starts_at)
    return {group_id: tuple(starts) for group_id, starts in found.items()}


def _sent_rows(engine: Engine, group_ids: list[int]) -> dict[int, dict[int, _Sent]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(calendar_invitations).where(calendar_invitations.c.group_id.in_(group_ids))
        ).all()
    found: dict[int, dict[int, _Sent]] = {}
    for row in rows:
        found.setdefault(row.group_id, {})[row.user_id] = _sent(row)
    return found


def _sent(row: Any) -> _Sent:
    return _Sent(row.user_id, row.uid, row.email, row.sequence, row.state, row.fingerprint)


class LazyEmailSender:
    """An EmailSender made on first use, so a sync with no .ics cohort loads no e-mail client."""

    def __init__(self, factory: Callable[[], EmailSender]) -> None:
        self._factory = factory
        self._sender: EmailSender | None = None

    def send(self, batch: EmailBatch) -> str:
        if self._sender is None:
            self._sender = self._factory()
        return self._sender.send(batch)
