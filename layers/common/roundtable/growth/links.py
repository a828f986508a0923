"""Referral links: each person's own, admins' named campaigns, and counting clicks.

A link is `/r/<code>` (or `?ref=<code>` on any page). A click counts once per
link, visitor and day: the visitor is an anonymous random cookie, stored only
as a hash. Not counted: bots (`is_bot`), a signed-in person clicking their own
link, unknown or archived codes, and repeats the same day.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from roundtable.db.tables import referral_clicks, referral_links, signup_sources, users
from roundtable.errors import ConflictError, NotFoundError, ValidationError
from roundtable.growth.arrivals import normalise_code
from roundtable.people.actors import Actor
from roundtable.ratelimit import Limit

# Click recording per client address: far above a person's, far below a script's.
CLICKS = Limit("referral_clicks", 30, 3600)

# Generated person codes: no 0/o, 1/l/i, so a code read aloud is typed right.
_PERSON_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_PERSON_CODE_LENGTH = 8
# User agents that announce a program rather than a person: crawlers, link
# previews (chat apps fetch a link when it is pasted), command-line clients.
_BOT_AGENT = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|headless|curl|wget|"
    r"python-|httpclient|go-http|okhttp|java/|scrapy|lighthouse|whatsapp/",
    re.IGNORECASE,
)
_VISITOR = re.compile(r"^[0-9a-f]{32}$")

ClickReason = Literal["counted", "repeat", "unknown_code", "bot", "own_link", "no_code"]


@dataclass(frozen=True)
class LinkStats:
    """A link with its numbers: clicks (visitor-days) and signups it brought (all cohorts)."""

    id: int
    code: str
    kind: str
    label: str
    archived: bool
    clicks: int
    signups: int
    created_at: datetime

    @property
    def conversion(self) -> float | None:
        """Signups per counted click; None before the first click."""
        return self.signups / self.clicks if self.clicks else None


@dataclass(frozen=True)
class ClickOutcome:
    counted: bool
    reason: ClickReason
    # The link's code when it is a live link: what the visitor's cookie remembers.
    code: str | None


def is_bot(user_agent: str | None) -> bool:
    """A request without a user agent, or one naming a crawler, preview or script."""
    return not user_agent or not user_agent.strip() or bool(_BOT_AGENT.search(user_agent))


def valid_visitor(token: str | None) -> bool:
    """Whether a visitor cookie is one we would have set (32 hex characters)."""
    return bool(token and _VISITOR.match(token))


def new_visitor() -> str:
    return secrets.token_hex(16)


def _visitor_key(token: str) -> str:
    # A hash, so the table cannot be joined back to a browser's cookie.
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def live_link(conn: Connection, code: str | None) -> Any:
    """The unarchived link with this code, or None (unknown, malformed or archived)."""
    code = normalise_code(code)
    if code is None:
        return None
    return conn.execute(
        select(referral_links).where(
            referral_links.c.code == code, referral_links.c.archived_at.is_(None)
        )
    ).first()


def record_click(
    conn: Connection,
    code: str | None,
    *,
    visitor: str,
    viewer_id: int | None,
    user_agent: str | None,
    now: datetime,
) -> ClickOutcome:
    """Count a click on the link `code` by `visitor` (a valid visitor token) today."""
    if code is None or not code.strip():
        return ClickOutcome(False, "no_code", None)
    link = live_link(conn, code)
    if link is None:
        return ClickOutcome(False, "unknown_code", None)
    if is_bot(user_agent):
        return ClickOutcome(False, "bot", None)
    if viewer_id is not None and link.user_id == viewer_id:
        return ClickOutcome(False, "own_link", None)
    inserted = conn.execute(
        pg_insert(referral_clicks)
        .values(link_id=link.id, visitor=_visitor_key(visitor), day=now.date())
        .on_conflict_do_nothing()
    ).rowcount
    return ClickOutcome(bool(inserted), "counted" if inserted else "repeat", link.code)


# -- numbers ----------------------------------------------------------------------------------
def _stats_query() -> Any:
    clicks = (
        select(func.count())
        .where(referral_clicks.c.link_id == referral_links.c.id)
        .scalar_subquery()
    )
    brought = (
        select(func.count())
        .where(signup_sources.c.referral_link_id == referral_links.c.id)
        .scalar_subquery()
    )
    label = func.coalesce(referral_links.c.name, users.c.display_name)
    return select(
        referral_links,
        label.label("label"),
        clicks.label("clicks"),
        brought.label("signups"),
    ).select_from(referral_links.outerjoin(users, users.c.id == referral_links.c.user_id))


def _stats(row: Any) -> LinkStats:
    return LinkStats(
        id=row.id,
        code=row.code,
        kind=row.kind,
        label=row.label,
        archived=row.archived_at is not None,
        clicks=int(row.clicks),
        signups=int(row.signups),
        created_at=row.created_at,
    )


def link_stats(conn: Connection, *where: Any) -> list[LinkStats]:
    """Links matching `where` with their numbers, campaigns first, then by label."""
    rows = conn.execute(
        _stats_query()
        .where(*where)
        .order_by(referral_links.c.kind.desc(), referral_links.c.created_at, referral_links.c.id)
    )
    return [_stats(row) for row in rows]


# -- a person's own link ------------------------------------------------------------------------
def my_referral_link(conn: Connection, user_id: int) -> LinkStats:
    """The person's own referral link with its numbers, created on first ask."""
    existing = link_stats(conn, referral_links.c.user_id == user_id)
    if existing:
        return existing[0]
    _create_person_link(conn, user_id)
    return link_stats(conn, referral_links.c.user_id == user_id)[0]


def _create_person_link(conn: Connection, user_id: int) -> None:
    for _ in range(5):  # 31^8 codes: a clash is rare, five in a row is a bug
        code = "".join(secrets.choice(_PERSON_ALPHABET) for _ in range(_PERSON_CODE_LENGTH))
        # Nothing on a clash: the code is taken (try another), or a concurrent first
        # ask made this person's link already (done).
        conn.execute(
            pg_insert(referral_links)
            .values(code=code, kind="person", user_id=user_id)
            .on_conflict_do_nothing()
        )
        if conn.scalar(select(exists().where(referral_links.c.user_id == user_id))):
            return
    raise ConflictError("could not make a referral link; try again")


# -- campaigns --------------------------------------------------------------------------------
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")


def _campaign_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise ValidationError("a campaign's name must be 1 to 120 characters", field="name")
    return name


def list_campaigns(conn: Connection, actor: Actor) -> list[LinkStats]:
    """Every campaign, archived ones too, with its numbers (admins)."""
    actor.require_admin()
    return link_stats(conn, referral_links.c.kind == "campaign")


def create_campaign(conn: Connection, actor: Actor, name: str, slug: str) -> LinkStats:
    """A named campaign whose link is /r/<slug> (admins); ConflictError when the slug is taken."""
    actor.require_admin()
    slug = slug.strip().lower()
    if not _SLUG.match(slug):
        raise ValidationError(
            "a slug is 3 to 40 lower-case letters, digits and hyphens, starting with a "
            "letter or digit",
            field="slug",
        )
    try:
        with conn.begin_nested():
            link_id = conn.scalar(
                pg_insert(referral_links)
                .values(code=slug, kind="campaign", name=_campaign_name(name))
                .returning(referral_links.c.id)
            )
    except IntegrityError:
        raise ConflictError(
            f"the link /r/{slug} is taken; choose another slug", field="slug"
        ) from None
    return _campaign(conn, int(link_id))  # type: ignore[arg-type]


def _campaign(conn: Connection, campaign_id: int) -> LinkStats:
    found = link_stats(
        conn, referral_links.c.id == campaign_id, referral_links.c.kind == "campaign"
    )
    if not found:
        raise NotFoundError(f"no campaign {campaign_id}")
    return found[0]


def update_campaign(
    conn: Connection,
    actor: Actor,
    campaign_id: int,
    *,
    name: str | None,
    archived: bool | None,
    now: datetime,
) -> LinkStats:
    """Rename a campaign or archive it (its link stops counting) or bring it back (admins)."""
    actor.require_admin()
    current = _campaign(conn, campaign_id)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = _campaign_name(name)
    if archived is not None and archived != current.archived:
        values["archived_at"] = now if archived else None
    if values:
        conn.execute(
            update(referral_links).where(referral_links.c.id == campaign_id).values(**values)
        )
    return _campaign(conn, campaign_id)


def delete_campaign(conn: Connection, actor: Actor, campaign_id: int) -> None:
    """Delete a campaign nobody has used yet (admins); one with clicks or signups is archived."""
    actor.require_admin()
    current = _campaign(conn, campaign_id)
    if current.clicks or current.signups:
        raise ConflictError(
            f"campaign {current.label!r} has clicks or signups; archive it to keep its numbers"
        )
    conn.execute(delete(referral_links).where(referral_links.c.id == campaign_id))
