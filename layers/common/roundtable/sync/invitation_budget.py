"""Google's invitation budget, checked before a cohort is published.

Google makes an organiser's calendar read-only (403 quotaExceeded, for hours to
days) once its user has sent about 10,000 external invitations in a short
period. Publishing a cohort on Google series inserts one series per group
with every member as an attendee and `sendUpdates=all`: one invitation per
member, all sent within minutes. So, like the Discord servers' room
(servers.py), the invitations are counted *before* publishing touches
anything: per organiser user, what its groups' series will send plus what it
sent in the last 24 hours, against the budget. Over it: InvitationBudgetError
with the numbers and the remedy (more organiser users, or .ics e-mail).

What is counted (an estimate from the database; Google publishes neither the
exact number nor the window, docs/sync.md "Google's invitation budget"):

- to send: the cohort's groups about to get a series (preview groups with
  members, and published groups whose series is not made yet), one
  invitation per member with an address, on the organiser each group has or
  would get (organisers.py's rule: the least loaded by live groups);
- already sent: members invited to a series in the last 24 hours (the
  series' group published, or the member joined, since then), per organiser;
- organisers that are calendars of one Workspace user share that user's
  budget: "default" is GOOGLE_DELEGATED_USER's, a listed organiser its own
  address; an organiser Google blocked (its retry time ahead) has none left.

Cohorts choosing .ics invitations have no organiser calendar: nothing to check.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, func, or_, select

from roundtable.db.tables import cohorts, group_members, groups, users
from roundtable.errors import ConflictError, NotFoundError
from roundtable.people.actors import Actor
from roundtable.sync.calendar_api import DEFAULT_ORGANISER
from roundtable.sync.organisers import (
    INVITATIONS_PER_USER,
    configured_organisers,
    live_group_load,
    pick_organiser,
    quota_blocks,
)

if TYPE_CHECKING:
    from roundtable.sync.calendars import CalendarServices

WINDOW = timedelta(hours=24)  # our reading of "a short period"


@dataclass
class UserBudget:
    """One Google user's invitations: sent lately, what publishing adds, and the limit."""

    user: str  # the Workspace user the organiser calendars act as
    organisers: list[str]
    limit: int
    sent_last_day: int = 0
    adds: int = 0  # invitations publishing the cohort would send from this user
    new_groups: int = 0
    blocked_until: datetime | None = None  # Google refuses its writes until then

    @property
    def left(self) -> int:
        return 0 if self.blocked_until else max(self.limit - self.sent_last_day, 0)

    @property
    def fits(self) -> bool:
        return self.adds == 0 or self.adds <= self.left

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "left": self.left, "fits": self.fits}


@dataclass
class InvitationBudget:
    """What publishing the cohort would send from each organiser user (the admin's view)."""

    cohort_id: int
    invitations: str  # the cohort's choice: "google" | "ics"
    users: list[UserBudget] = field(default_factory=list)
    new_groups: int = 0
    new_invitations: int = 0
    previews: int = 0  # of the new groups, those publishing would activate

    @property
    def fits(self) -> bool:
        return all(user.fits for user in self.users)

    @property
    def refused(self) -> bool:
        """Publishing is refused: over budget, with groups still to activate (a retried
        publish whose groups are active already leaves the rest to the sync, which waits
        for Google's quota: refusing then would protect nothing)."""
        return not self.fits and self.previews > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "cohort_id": self.cohort_id,
            "invitations": self.invitations,
            "fits": self.fits,
            "new_groups": self.new_groups,
            "new_invitations": self.new_invitations,
            "users": [user.as_dict() for user in self.users],
        }


class InvitationBudgetError(ConflictError):
    """Publishing would send more Google invitations than an organiser user has left."""

    code = "calendar_invitations_over_budget"

    def __init__(self, budget: InvitationBudget) -> None:
        super().__init__(_refusal(budget))
        self.budget = budget


def plan_invitations(
    conn: Connection,
    cohort_id: int,
    organisers: tuple[str, ...],
    *,
    now: datetime,
    delegated_user: str | None = None,
    limit: int = INVITATIONS_PER_USER,
) -> InvitationBudget:
    """Invitations the cohort's publish would send, per organiser user, against the budget.

    `organisers`: the choices for groups without one (configured_organisers);
    `delegated_user`: the user "default" acts as (GOOGLE_DELEGATED_USER)."""
    choice = conn.scalar(select(cohorts.c.calendar_invitations).where(cohorts.c.id == cohort_id))
    if choice is None:
        raise NotFoundError(f"no cohort with id {cohort_id}")
    budget = InvitationBudget(cohort_id, str(choice))
    if budget.invitations == "ics":
        return budget
    to_send = _series_to_make(conn, cohort_id)
    load = live_group_load(conn, organisers)
    adds: Counter[str] = Counter()
    new_groups: Counter[str] = Counter()
    for _group_id, stored, invitations, _preview in to_send:
        organiser = stored or pick_organiser(load, organisers)
        if not stored:
            load[organiser] += 1
        adds[organiser] += invitations
        new_groups[organiser] += 1
    sent = _sent_since(conn, now - WINDOW)
    blocks = {b.organiser: b.retry_at for b in quota_blocks(conn) if b.retry_at > now}
    by_user: dict[str, UserBudget] = {}
    for organiser in dict.fromkeys([*organisers, *adds, *sent]):
        user = _user_of(organiser, delegated_user)
        entry = by_user.setdefault(user, UserBudget(user, [], limit))
        entry.organisers.append(organiser)
        entry.sent_last_day += sent[organiser]
        entry.adds += adds[organiser]
        entry.new_groups += new_groups[organiser]
        if organiser in blocks:
            entry.blocked_until = max(blocks[organiser], entry.blocked_until or blocks[organiser])
    budget.users = sorted(by_user.values(), key=lambda u: u.user)
    budget.new_groups = len(to_send)
    budget.new_invitations = sum(adds.values())
    budget.previews = sum(1 for *_, preview in to_send if preview)
    return budget


def cohort_invitation_budget(
    engine: Engine, actor: Actor, cohort_id: int, *, now: datetime
) -> InvitationBudget:
    """The admin's view before publishing, from settings (organisers, delegated user)."""
    from roundtable.config import get_settings

    actor.require_admin()
    settings = get_settings()
    with engine.connect() as conn:
        return plan_invitations(
            conn,
            cohort_id,
            configured_organisers(settings.google_calendar_organisers),
            now=now,
            delegated_user=settings.google_delegated_user,
        )


def require_invitation_budget(
    engine: Engine, actor: Actor, cohort_id: int, *, now: datetime
) -> InvitationBudget:
    """The budget; InvitationBudgetError with the numbers when publishing would pass it
    (asked before a publish is queued, so the admin hears it at once)."""
    return _refuse_over(cohort_invitation_budget(engine, actor, cohort_id, now=now))


def check_before_publish(
    engine: Engine, calendars: CalendarServices, cohort_id: int, *, now: datetime
) -> InvitationBudget:
    """The publish's own check, before it writes anything (the budget may have changed
    since the admin asked): the sync's organisers and budget. InvitationBudgetError."""
    with engine.connect() as conn:
        budget = plan_invitations(
            conn,
            cohort_id,
            calendars.organisers,
            now=now,
            delegated_user=calendars.delegated_user,
            limit=calendars.invitations_per_user,
        )
    return _refuse_over(budget)


def _refuse_over(budget: InvitationBudget) -> InvitationBudget:
    if budget.refused:
        raise InvitationBudgetError(budget)
    return budget


# -- reads -----------------------------------------------------------------------------------
def _series_to_make(conn: Connection, cohort_id: int) -> list[tuple[int, str | None, int, bool]]:
    """(group, its stored organiser, members with an address, in preview) of each group
    whose series publishing would insert: preview groups with members, published ones
    without a series."""
    invitees = func.count(users.c.id).filter(func.coalesce(func.trim(users.c.email), "") != "")
    rows = conn.execute(
        select(
            groups.c.id,
            groups.c.calendar_organiser,
            invitees,
            func.count(group_members.c.id),
            groups.c.status,
        )
        .outerjoin(
            group_members,
            (group_members.c.group_id == groups.c.id) & (group_members.c.status == "active"),
        )
        .outerjoin(users, users.c.id == group_members.c.user_id)
        .where(
            groups.c.cohort_id == cohort_id,
            or_(
                groups.c.status == "preview",
                (groups.c.status == "active") & groups.c.gcal_event_id.is_(None),
            ),
        )
        .group_by(groups.c.id)
        .order_by(groups.c.id)  # the order organisers are handed out in
    ).all()
    return [(r[0], r[1], int(r[2]), r[4] == "preview") for r in rows if r[3]]


def _sent_since(conn: Connection, since: datetime) -> Counter[str]:
    """Invitations each organiser's series sent since then: members of a series published
    since, or who joined one since (each was added as an attendee with sendUpdates=all)."""
    rows = conn.execute(
        select(groups.c.calendar_organiser, func.count())
        .select_from(group_members)
        .join(groups, groups.c.id == group_members.c.group_id)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(
            groups.c.gcal_event_id.is_not(None),
            cohorts.c.calendar_invitations == "google",
            func.greatest(groups.c.published_at, group_members.c.joined_at) >= since,
        )
        .group_by(groups.c.calendar_organiser)
    ).all()
    sent: Counter[str] = Counter()
    for name, n in rows:  # a series from before organisers were stored: the default's
        sent[str(name or DEFAULT_ORGANISER)] += int(n)
    return sent


def _user_of(organiser: str, delegated_user: str | None) -> str:
    """The Workspace user whose budget an organiser spends (a listed organiser is a user)."""
    if organiser == DEFAULT_ORGANISER:
        return (delegated_user or DEFAULT_ORGANISER).strip().lower()
    return organiser


def _refusal(budget: InvitationBudget) -> str:
    over = [u for u in budget.users if not u.fits]
    details = "; ".join(
        f"{u.user}: {u.adds} invitation(s) for {u.new_groups} group(s), "
        f"{u.sent_last_day} sent in the last 24 h, {u.left} of {u.limit} left"
        + (f" (Google refuses its writes until {u.blocked_until:%Y-%m-%d %H:%M} UTC)"
           if u.blocked_until else "")
        for u in over
    )  # fmt: skip
    limit = max(over[0].limit, 1) if over else 1
    users_needed = -(-budget.new_invitations // limit)
    return (
        f"Publishing would pass Google Calendar's invitation limit: the cohort's "
        f"{budget.new_groups} new series invite {budget.new_invitations} member(s), and "
        f"{details}. Google makes an organiser's calendar read-only for up to days after "
        "about that many invitations in a short period. Add organiser users "
        f"(GOOGLE_CALENDAR_ORGANISERS, distinct Workspace users: this cohort alone needs "
        f"{users_needed} at {limit:,} each), publish once the last day's invitations are "
        "older than 24 h, or choose .ics invitations by e-mail for the cohort."
    )
