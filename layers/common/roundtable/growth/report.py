"""Where a cohort's signups came from (admins): links, campaigns and UTM sources.

Clicks are per link, not per cohort (a link is shared before anyone picks a
cohort), so a link's conversion is all the signups it brought over its clicks;
`signups_here` is how many of them are in this cohort.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, func, select

from roundtable.cohorts.catalog import get_cohort
from roundtable.db.tables import referral_links, signup_sources, signups
from roundtable.growth.links import LinkStats, link_stats
from roundtable.people.actors import Actor


@dataclass(frozen=True)
class LinkLine:
    link: LinkStats
    signups_here: int


@dataclass(frozen=True)
class UtmLine:
    source: str | None
    medium: str | None
    campaign: str | None
    signups: int


@dataclass(frozen=True)
class SourcesReport:
    cohort_id: int
    cohort_name: str
    signups: int  # active signups of the cohort
    referred: int  # of them, brought by a link
    with_utm: int  # of them, arriving with UTM parameters
    links: list[LinkLine]  # every campaign, and each person link that brought someone here
    utm: list[UtmLine]


def sources_report(conn: Connection, actor: Actor, cohort_id: int) -> SourcesReport:
    """The cohort's signups by where they came from (admins)."""
    actor.require_admin()
    cohort = get_cohort(conn, cohort_id)
    active = (signups.c.cohort_id == cohort_id) & signups.c.withdrawn_at.is_(None)
    joined = signups.outerjoin(signup_sources, signup_sources.c.signup_id == signups.c.id)
    totals = conn.execute(
        select(
            func.count(),
            func.count(signup_sources.c.referral_link_id),
            func.count(signup_sources.c.utm_source),
        )
        .select_from(joined)
        .where(active)
    ).one()
    return SourcesReport(
        cohort_id=cohort_id,
        cohort_name=cohort.name,
        signups=int(totals[0]),
        referred=int(totals[1]),
        with_utm=int(totals[2]),
        links=_link_lines(conn, active),
        utm=_utm_lines(conn, active),
    )


def _link_lines(conn: Connection, active: ColumnElement[bool]) -> list[LinkLine]:
    here: dict[int, int] = dict(
        conn.execute(
            select(signup_sources.c.referral_link_id, func.count())
            .join(signups, signups.c.id == signup_sources.c.signup_id)
            .where(active, signup_sources.c.referral_link_id.is_not(None))
            .group_by(signup_sources.c.referral_link_id)
        )
        .tuples()
        .all()
    )
    links = link_stats(
        conn, (referral_links.c.kind == "campaign") | referral_links.c.id.in_(list(here))
    )
    lines = [LinkLine(link, int(here.get(link.id, 0))) for link in links]
    return sorted(lines, key=lambda line: (-line.signups_here, -line.link.clicks, line.link.label))


def _utm_lines(conn: Connection, active: ColumnElement[bool]) -> list[UtmLine]:
    key = (signup_sources.c.utm_source, signup_sources.c.utm_medium, signup_sources.c.utm_campaign)
    rows = conn.execute(
        select(*key, func.count().label("signups"))
        .join(signups, signups.c.id == signup_sources.c.signup_id)
        .where(active, signup_sources.c.utm_source.is_not(None))
        .group_by(*key)
        .order_by(func.count().desc(), *key)
    )
    return [UtmLine(r.utm_source, r.utm_medium, r.utm_campaign, int(r.signups)) for r in rows]
