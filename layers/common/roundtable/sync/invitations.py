"""Calendar invitations by e-mail: each member gets the group's series as an .ics file.

For cohorts whose `calendar_invitations` is "ics" (cohorts.options, set with
the cohort), instead of a Google Calendar series: no organiser
calendar, so no per-user invitation limit. Reconciled from the database like
the Google series. SendGrid's request rate is what binds at scale (600 a
minute), and an attachment is the same for every recipient of a request, so
the file is the group's, not the member's: one UID per group, its attendee the
group as a whole (no member's address in it), and one request carries it to
every member who is owed the same file, each member's own link in the e-mail a
SendGrid substitution:

- an active member with an address and no invitation yet gets the group's
  (METHOD:REQUEST at the SEQUENCE the group's invitation is at);
- when what the invitation says changes (the group's time moves, meetings are
  dropped, the group is renamed), its holders get an update: the same UID, the
  next SEQUENCE (one more than the highest sent on it), METHOD:REQUEST;
- a member who leaves, or everyone when the group is cancelled, gets
  METHOD:CANCEL past every SEQUENCE sent; someone who comes back later gets an
  invitation of their own under a new UID (a calendar may keep a cancelled UID
  cancelled), as does a new address (the old one gets the cancellation);
- invitations of a member's own sent before invitations were group-wide keep
  their UID and are updated and cancelled one by one, as then.

`calendar_invitations` keeps, per (group, member), the UID, the SEQUENCE and a
digest of what was last sent, so a second run sends nothing. The rows of a
request are written right after SendGrid accepted it: a crash in between sends
the same file (same UID and SEQUENCE) again, which a calendar applies as a
no-op. Completed groups are left alone (their series is over).
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
from roundtable.notifications.catalogue import EmailContent, Placeholder
from roundtable.notifications.delivery import (
    Attachment,
    DeliveryError,
    EmailBatch,
    EmailRecipient,
    EmailSender,
    split_recipients,
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

    Calls: one SendGrid request per group and distinct file (the group's invitation,
    update or cancellation; a member's own file apart), none when nothing changed; two
    queries for all the groups, one write per request. Per-group failures are
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
    _send(context, group.id, _owed(context, group, starts, sent, report))


def _owed(
    context: _Context,
    group: Group,
    starts: tuple[datetime, ...],
    sent: dict[int, _Sent],
    report: CalendarReport,
) -> list[_Message]:
    """Every message the group's members are owed now (none when nothing changed)."""
    shared = _Shared.of(context, group, starts, sent)
    wanted = _invitees(group)
    owed: list[_Message] = []
    for member in wanted.values():
        row = sent.get(member.user_id)
        email = _address(member)
        if row is not None and row.state == "invited" and row.email != email:
            owed.append(_cancellation(context, group, row, member, starts, shared))
            row = _Sent(row.user_id, row.uid, row.email, row.sequence + 1, "cancelled", "")
        page = group_page_url(context.namespace, group, member)
        if row is None:
            owed.append(_Message(member.user_id, email, member.display_name, page, *shared.now))
            report.emailed += 1
        elif row.state == "cancelled":
            # Back after a cancellation (or at a new address): an invitation of their own
            # under a new UID, as a calendar may keep a cancelled UID cancelled.
            uid = invitation_uid(context.namespace, group.id, member.user_id, row.uid)
            own = _invitation(context, group, member, email, starts)
            owed.append(_Message(member.user_id, email, member.display_name, page, uid, 0,
                                 "REQUEST", own))  # fmt: skip
            report.emailed += 1
        elif file_uid(row.uid) == shared.uid:
            if row.fingerprint != shared.invitation.fingerprint():
                owed.append(_Message(member.user_id, email, member.display_name, page,
                                     *shared.now))  # fmt: skip
                report.email_updates += 1
            else:
                report.unchanged += 1
        else:  # an invitation of their own, sent before invitations were group-wide
            own = _invitation(context, group, member, email, starts)
            if row.fingerprint != own.fingerprint():
                owed.append(_Message(member.user_id, email, member.display_name, page, row.uid,
                                     row.sequence + 1, "REQUEST", own))  # fmt: skip
                report.email_updates += 1
            else:
                report.unchanged += 1
    members = {m.user_id: m for m in group.members}
    for row in sent.values():
        if row.state == "invited" and row.user_id not in wanted:
            former = members.get(row.user_id)
            owed.append(_cancellation(context, group, row, former, starts, shared))
    report.email_cancellations += sum(1 for m in owed if m.method == "CANCEL")
    return owed


@dataclass(frozen=True)
class _Message:
    """One member's invitation, update or cancellation. Messages with the same UID,
    SEQUENCE, METHOD and content have the same .ics file: one SendGrid request."""

    user_id: int
    email: str
    name: str
    page: str  # this member's link in the e-mail (a SendGrid substitution)
    uid: str
    sequence: int
    method: Method
    invitation: SeriesInvitation

    @property
    def file_key(self) -> tuple[str, int, str, SeriesInvitation]:
        return (self.uid, self.sequence, self.method, self.invitation)


@dataclass(frozen=True)
class _Shared:
    """The group-wide invitation: one UID for the group, one file for every member, sent
    in one request. Its SEQUENCE is the highest sent on the UID, one more when what it
    says changed since a member got it (so every holder gets the same file)."""

    uid: str
    invitation: SeriesInvitation
    sequence: int

    @classmethod
    def of(
        cls, context: _Context, group: Group, starts: tuple[datetime, ...], sent: dict[int, _Sent]
    ) -> _Shared:
        uid = group_uid(context.namespace, group.id)
        invitation = _group_invitation(context, group, starts)
        holders = [r for r in sent.values() if file_uid(r.uid) == uid]
        sequence = max((r.sequence for r in holders), default=0)
        changed = any(
            r.state == "invited" and r.fingerprint != invitation.fingerprint() for r in holders
        )
        return cls(uid, invitation, sequence + 1 if changed else sequence)

    @property
    def now(self) -> tuple[str, int, Method, SeriesInvitation]:
        """What a member holding (or getting) the group's invitation is sent now."""
        return (self.uid, self.sequence, "REQUEST", self.invitation)


def _invitees(group: Group) -> dict[int, Member]:
    """Who should hold the invitation: the active members with an address, while live."""
    if group.status != "active":
        return {}
    return {m.user_id: m for m in group.active_members if m.email and m.email.strip()}


def _cancellation(
    context: _Context,
    group: Group,
    row: _Sent,
    member: Member | None,
    starts: tuple[datetime, ...],
    shared: _Shared,
) -> _Message:
    name = member.display_name if member else row.email
    page = group_page_url(context.namespace, group, member)
    if file_uid(row.uid) == shared.uid:  # past every sequence the group's was sent at
        return _Message(row.user_id, row.email, name, page, shared.uid, shared.sequence + 1,
                        "CANCEL", shared.invitation)  # fmt: skip
    invitation = _invitation(context, group, member, row.email, starts, name=name)
    return _Message(row.user_id, row.email, name, page, row.uid, row.sequence + 1, "CANCEL",
                    invitation)  # fmt: skip


def _address(member: Member) -> str:
    return (member.email or "").strip().lower()


def invitation_uid(namespace: str, group_id: int, user_id: int, previous: str = "") -> str:
    """A UID of one member's invitation to one group, stable; a new one after a cancellation."""
    digest = hashlib.sha256(f"{namespace}|{group_id}|{user_id}|{previous}".encode()).hexdigest()
    host = urlsplit(namespace).hostname or "roundtable"
    return f"rt-{digest[:32]}@{host}"


def group_uid(namespace: str, group_id: int) -> str:
    """The UID of the group's invitation, the same for every member who holds it."""
    digest = hashlib.sha256(f"{namespace}|group|{group_id}".encode()).hexdigest()
    host = urlsplit(namespace).hostname or "roundtable"
    return f"rt-{digest[:32]}@{host}"


def stored_uid(message_uid: str, user_id: int, *, shared: bool) -> str:
    """The row's `uid` (unique per row): the UID sent, and for the group's invitation,
    which every member holds, "#<user id>" after it."""
    return f"{message_uid}#{user_id}" if shared else message_uid


def file_uid(stored: str) -> str:
    """The UID a member's calendar holds, from the row's `uid`."""
    return stored.partition("#")[0]


def group_page_url(namespace: str, group: Group, member: Member | None) -> str:
    """Where the member answers and sees the group: a facilitator's page, or the learner's."""
    if member is not None and member.role == "facilitator":
        return f"{namespace}/facilitator/groups/{group.id}"
    return f"{namespace}/group"


def _description(group: Group, url: str) -> str:
    return (
        f"Weekly discussion group of {group.cohort_name}. "
        f"Say whether you come to each meeting in Roundtable: {url} "
        f"(replies to this invitation are not read). {where_to_meet(group.meeting_venue)}"
    )


def _group_invitation(
    context: _Context, group: Group, starts: tuple[datetime, ...]
) -> SeriesInvitation:
    """The file every member gets: no member's name or address in it (learners' addresses
    stay private, as in the Google series). Its attendee is the group as a whole (CUTYPE
    GROUP, RFC 5545), an address under the sender's domain that nobody answers to; its link
    is My group, which shows facilitators their groups too (the e-mail gives each their own)."""
    domain = context.organiser.email.rpartition("@")[2] or "roundtable.invalid"
    return _series(
        context,
        group,
        starts,
        url=f"{context.namespace}/group",
        attendee=(f"group-{group.id}@{domain}", f"Members of {group.name}"),
        attendee_is_group=True,
    )


def _invitation(
    context: _Context,
    group: Group,
    member: Member | None,
    email: str,
    starts: tuple[datetime, ...],
    *,
    name: str | None = None,
) -> SeriesInvitation:
    """A file of one member's own (naming them): sent before invitations were group-wide,
    and to someone who comes back after a cancellation."""
    return _series(
        context,
        group,
        starts,
        url=group_page_url(context.namespace, group, member),
        attendee=(email, name or (member.display_name if member else email)),
    )


def _series(
    context: _Context,
    group: Group,
    starts: tuple[datetime, ...],
    *,
    url: str,
    attendee: tuple[str, str],
    attendee_is_group: bool = False,
) -> SeriesInvitation:
    """The group's series as a file; only the attendee and the link differ between files."""
    return SeriesInvitation(
        summary=f"{group.name} · {group.cohort_name}",
        description=_description(group, url),
        url=url,
        zone=group.slot.anchor_timezone,
        starts=starts,
        minutes=group.slot.meeting_minutes,
        organiser_email=context.organiser.email,
        organiser_name=context.organiser.name,
        attendee_email=attendee[0],
        attendee_name=attendee[1],
        attendee_is_group=attendee_is_group,
    )


def _send(context: _Context, group_id: int, owed: list[_Message]) -> None:
    """One SendGrid request per distinct file (the group's invitation: one for everyone),
    each member's link a substitution; each request's rows written once it was accepted."""
    by_file: dict[tuple[str, int, str, SeriesInvitation], list[_Message]] = {}
    for message in owed:
        by_file.setdefault(message.file_key, []).append(message)
    for messages in by_file.values():
        first = messages[0]
        ics = invitation_ics(first.invitation, uid=first.uid, sequence=first.sequence,
                             method=first.method, stamp=context.now)  # fmt: skip
        attachment = Attachment(ATTACHMENT_NAME, f"text/calendar; method={first.method}", ics)
        content = _email(first.invitation, first.method, first.sequence)
        recipients = [EmailRecipient(m.email, m.name, {PAGE: m.page}) for m in messages]
        for chunk in split_recipients(recipients):
            context.sender.send(EmailBatch(content, chunk, [attachment]))
            addresses = {r.email for r in chunk}
            _record(context, group_id, [m for m in messages if m.email in addresses])


def _record(context: _Context, group_id: int, messages: list[_Message]) -> None:
    """What each member was sent (its own transaction: sent is sent)."""
    table = calendar_invitations
    rows = [
        {
            "group_id": group_id,
            "user_id": m.user_id,
            "uid": stored_uid(m.uid, m.user_id, shared=m.invitation.attendee_is_group),
            "email": m.email,
            "sequence": m.sequence,
            "state": "cancelled" if m.method == "CANCEL" else "invited",
            "fingerprint": m.invitation.fingerprint(),
            "sent_at": context.now,
        }
        for m in messages
    ]
    statement = pg_insert(table)
    with transaction(context.engine) as conn:
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.group_id, table.c.user_id],
                set_={
                    name: statement.excluded[name]
                    for name in ("uid", "email", "sequence", "state", "fingerprint", "sent_at")
                },
            ),
            rows,
        )


PAGE = "invitation_page"  # the substitution key of each member's own link


def _email(invitation: SeriesInvitation, method: Method, sequence: int) -> EmailContent:
    """The e-mail around the file: the same for every recipient of a request, each member's
    link left as a substitution tag (text and HTML)."""
    zone = ZoneInfo(invitation.zone)
    first = invitation.starts[0].astimezone(zone)
    when = f"{first:%A}s at {first:%H:%M} ({invitation.zone}), from {first:%d %B %Y}"
    link = Placeholder(PAGE)
    if method == "CANCEL":
        subject = f"Cancelled: {invitation.summary}"
        lines = [f"The meetings of {invitation.summary} are no longer in your calendar."]
    else:
        subject = f"{'Updated invitation' if sequence else 'Invitation'}: {invitation.summary}"
        lines = [
            f"{invitation.summary} meets {when}, {len(invitation.starts)} meetings.",
            "Open the attached invite.ics to add the meetings to your calendar "
            "(most mail programs show it as an invitation).",
            "Say whether you come to each meeting in Roundtable: {link}",
        ]
    lines.append("Replies to this e-mail and to the invitation are not read.")
    text = "\n\n".join(line.replace("{link}", link.tag("email_text")) for line in lines)
    body = "".join(
        f"<p>{html.escape(line).replace('{link}', link.tag('email_html'))}</p>" for line in lines
    )
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
