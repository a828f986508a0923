"""Every calendar invitation a sync owes: Google series per organiser, or .ics e-mails.

`reconcile_calendars` is the calendar step of `sync_groups` (reconcile.py): it
splits the groups by their cohort's `calendar_invitations` choice, e-mails the
.ics ones (invitations.py) and reconciles the Google ones organiser by
organiser (organisers.py: each group's organiser is stored and stable; an
organiser Google blocked with quotaExceeded is not written to before its retry
time, and its groups are reported as waiting, so the job retries later).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from roundtable.db.tables import groups
from roundtable.sync.calendar_api import DEFAULT_ORGANISER, CalendarApiError, CalendarClient
from roundtable.sync.calendar_sync import CalendarReport, reconcile_calendar
from roundtable.sync.desired import Group
from roundtable.sync.invitations import (
    LazyEmailSender,
    Organiser,
    invitation_modes,
    reconcile_invitations,
)
from roundtable.sync.organisers import (
    INVITATIONS_PER_USER,
    assign_organisers,
    clear_quota_block,
    configured_organisers,
    quota_blocks,
    record_quota_hit,
)
from roundtable.sync.rsvps import RsvpReport, sync_all_rsvps

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from roundtable.notifications.delivery import EmailSender

logger = logging.getLogger(__name__)


@dataclass
class CalendarServices:
    """The calendars and the e-mail sender the calendar step uses (fakes in tests)."""

    default: CalendarClient  # the "default" organiser's calendar
    email: EmailSender
    sender: Organiser  # who .ics invitations come from
    organisers: tuple[str, ...] = (DEFAULT_ORGANISER,)  # choices for groups without one
    make_client: Callable[[str], CalendarClient] | None = None  # other organisers' clients
    delegated_user: str | None = None  # the Workspace user "default" acts as
    invitations_per_user: int = INVITATIONS_PER_USER  # Google's budget (invitation_budget.py)
    _clients: dict[str, CalendarClient] = field(default_factory=dict)

    def client_for(self, organiser: str) -> CalendarClient:
        if organiser == DEFAULT_ORGANISER:
            return self.default
        if organiser not in self._clients:
            if self.make_client is None:
                raise CalendarApiError(0, "notConfigured", f"no client for organiser {organiser}")
            self._clients[organiser] = self.make_client(organiser)
        return self._clients[organiser]

    def every_organiser(self, engine: Engine) -> list[str]:
        """Organisers that hold series: the configured ones and any a group still has (a
        series from before organisers were stored is the default's)."""
        with engine.connect() as conn:
            held = conn.scalars(
                select(groups.c.calendar_organiser)
                .where(groups.c.gcal_event_id.is_not(None))
                .distinct()
            ).all()
        return list(dict.fromkeys([*self.organisers, *(h or DEFAULT_ORGANISER for h in held)]))


def default_calendar_services(default: CalendarClient, engine: Engine | None) -> CalendarServices:
    """From settings: GOOGLE_CALENDAR_ORGANISERS, EMAIL_FROM, SendGrid made on first use."""
    from roundtable.config import get_settings
    from roundtable.notifications.delivery import default_providers
    from roundtable.sync.calendar import get_calendar_client

    settings = get_settings()
    return CalendarServices(
        default=default,
        email=LazyEmailSender(lambda: default_providers(engine).email),
        sender=Organiser.from_address(settings.email_from),
        organisers=configured_organisers(settings.google_calendar_organisers),
        make_client=lambda organiser: get_calendar_client(engine, organiser=organiser),
        delegated_user=settings.google_delegated_user,
    )


def reconcile_calendars(
    engine: Engine,
    calendars: CalendarServices,
    group_list: list[Group],
    *,
    namespace: str,
    now: datetime,
) -> CalendarReport:
    """Invitations for these groups, each the way its cohort chose; a second run sends nothing.

    Calls: Google as reconcile_calendar per organiser with groups here (none for a
    blocked one), SendGrid one request per .ics message sent.
    """
    modes = invitation_modes(engine, [g.id for g in group_list])
    by_email = [g for g in group_list if modes.get(g.id) == "ics"]
    on_google = [g for g in group_list if modes.get(g.id) != "ics"]
    report = CalendarReport()
    if by_email:
        report.merge(
            reconcile_invitations(
                engine,
                calendars.email,
                by_email,
                namespace=namespace,
                organiser=calendars.sender,
                now=now,
            )
        )
    if on_google:
        report.merge(_google(engine, calendars, on_google, namespace, now))
    return report


def _google(
    engine: Engine,
    calendars: CalendarServices,
    group_list: list[Group],
    namespace: str,
    now: datetime,
) -> CalendarReport:
    touched = [g for g in group_list if g.status in ("active", "cancelled")]
    # A cancelled group that never had a series needs no organiser.
    holding = [g.id for g in touched if g.status == "active" or g.gcal_event_id]
    organisers = assign_organisers(engine, holding, calendars.organisers)
    by_organiser: dict[str, list[Group]] = {}
    for group in touched:
        by_organiser.setdefault(organisers.get(group.id, DEFAULT_ORGANISER), []).append(group)
    with engine.connect() as conn:
        blocks = {b.organiser: b for b in quota_blocks(conn, by_organiser)}
    report = CalendarReport()
    for organiser, batch in by_organiser.items():
        block = blocks.get(organiser)
        if block is not None and block.retry_at > now:
            for group in batch:
                report.fail(group.id, f"waiting for Google's quota: {block.describe()}")
            continue
        part = _one_organiser(engine, calendars, organiser, batch, namespace)
        if part.quota_error is not None:
            error = part.quota_error
            record_quota_hit(engine, organiser, error.reason, error.message, now=now)
        elif block is not None and part.mutations:
            clear_quota_block(engine, organiser)
        report.merge(part)
    return report


def _one_organiser(
    engine: Engine,
    calendars: CalendarServices,
    organiser: str,
    batch: list[Group],
    namespace: str,
) -> CalendarReport:
    try:
        client = calendars.client_for(organiser)
        return reconcile_calendar(engine, client, batch, namespace=namespace)
    except CalendarApiError as exc:  # reading the calendar failed: every group here did
        report = CalendarReport()
        for group in batch:
            report.fail(group.id, exc)
        return report


def group_calendar(engine: Engine, calendars: CalendarServices, group_id: int) -> CalendarClient:
    """The client of the calendar holding the group's series (its stored organiser)."""
    with engine.connect() as conn:
        organiser = conn.scalar(select(groups.c.calendar_organiser).where(groups.c.id == group_id))
    return calendars.client_for(organiser or DEFAULT_ORGANISER)


def sync_rsvps_everywhere(
    engine: Engine, calendars: CalendarServices, *, now: datetime
) -> RsvpReport:
    """The hourly RSVP pull, one incremental listing per organiser calendar holding series."""
    report = RsvpReport()
    for organiser in calendars.every_organiser(engine):
        try:
            client = calendars.client_for(organiser)
        except CalendarApiError:
            logger.exception("no calendar client for organiser %s; its RSVPs wait", organiser)
            continue
        part = sync_all_rsvps(engine, client, now=now, organiser=organiser)
        for name, value in part.__dict__.items():
            if isinstance(value, int):
                setattr(report, name, getattr(report, name) + value)
        report.failures.update(part.failures)
    return report
