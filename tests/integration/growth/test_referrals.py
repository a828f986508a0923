"""Referral links on real Postgres: clicks once per visitor and day, who counts, loops."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, select

from roundtable.cohorts.catalog import enroll
from roundtable.db.engine import transaction
from roundtable.db.tables import signup_sources
from roundtable.errors import ConflictError, PermissionDeniedError, ValidationError
from roundtable.growth import links
from roundtable.growth.arrivals import Arrival
from roundtable.growth.gates import SignupEntry
from roundtable.people.actors import Actor
from tests.integration.api.builders import make_cohort, make_user

NOW = datetime.now(UTC)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
ADMIN = Actor(user_id=None, is_admin=True)
VISITOR_A, VISITOR_B = "a" * 32, "b" * 32


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with transaction(engine) as conn:
        yield conn


def click(conn: Connection, code: str | None, visitor: str = VISITOR_A, **kw: object) -> str:
    options: dict = {"viewer_id": None, "user_agent": BROWSER, "now": NOW, **kw}
    return links.record_click(conn, code, visitor=visitor, **options).reason


def join(conn: Connection, user: int, cohort: int, ref: str | None, **utm: str) -> None:
    enroll(conn, user, cohort, "learner", NOW, SignupEntry(arrival=Arrival(ref=ref, utm=utm)))


def test_a_click_counts_once_per_visitor_and_day(conn: Connection) -> None:
    code = links.my_referral_link(conn, make_user(conn, "Ana")).code
    assert click(conn, code) == "counted"
    assert click(conn, code) == "repeat"
    assert click(conn, code.upper()) == "repeat"  # the same link, typed in capitals
    assert click(conn, code, VISITOR_B) == "counted"
    assert click(conn, code, now=NOW + timedelta(days=1)) == "counted"
    assert links.my_referral_link(conn, make_user(conn, "Other")).clicks == 0
    mine = [s for s in links.link_stats(conn) if s.code == code][0]
    assert (mine.clicks, mine.signups, mine.conversion) == (3, 0, 0.0)


def test_a_person_has_one_link_made_on_first_ask(conn: Connection) -> None:
    ana = make_user(conn, "Ana")
    first = links.my_referral_link(conn, ana)
    assert links.my_referral_link(conn, ana).code == first.code
    assert (first.kind, first.label) == ("person", "Ana")
    assert len(first.code) == 8


@pytest.mark.parametrize(
    "agent",
    [None, "", "Googlebot/2.1", "Slackbot-LinkExpanding 1.0", "curl/8.5.0", "HeadlessChrome"],
)
def test_bots_and_scripts_are_not_counted(conn: Connection, agent: str | None) -> None:
    ana = make_user(conn, "Ana")
    code = links.my_referral_link(conn, ana).code
    assert click(conn, code, user_agent=agent) == "bot"
    assert links.my_referral_link(conn, ana).clicks == 0


@pytest.mark.parametrize(
    "code", ["nosuchcode", "x", "../../etc", "'; drop table users;--", "é" * 50]
)
def test_unknown_and_garbage_codes_are_ignored(conn: Connection, code: str) -> None:
    links.my_referral_link(conn, make_user(conn, "Ana"))
    assert click(conn, code) == "unknown_code"


def test_clicking_your_own_link_signed_in_is_not_counted(conn: Connection) -> None:
    ana = make_user(conn, "Ana")
    code = links.my_referral_link(conn, ana).code
    assert click(conn, code, viewer_id=ana) == "own_link"
    assert click(conn, code, viewer_id=make_user(conn, "Ben")) == "counted"


def test_self_referral_is_not_counted(conn: Connection) -> None:
    ana = make_user(conn, "Ana")
    cohort = make_cohort(conn, "Spring")
    join(conn, ana, cohort, links.my_referral_link(conn, ana).code)
    assert links.my_referral_link(conn, ana).signups == 0
    assert conn.scalar(select(signup_sources.c.referral_link_id)) is None


def test_a_referral_loop_counts_each_person_once_at_their_first_signup(conn: Connection) -> None:
    ana, ben = make_user(conn, "Ana"), make_user(conn, "Ben")
    spring, summer = make_cohort(conn, "Spring"), make_cohort(conn, "Summer")
    ana_code, ben_code = (
        links.my_referral_link(conn, ana).code,
        links.my_referral_link(conn, ben).code,
    )
    join(conn, ana, spring, None)
    join(conn, ben, spring, ana_code)  # Ana brings Ben
    join(conn, ana, summer, ben_code)  # Ben "brings" Ana, who was here first
    join(conn, ben, summer, ana_code)  # Ben again: already counted once
    assert links.my_referral_link(conn, ana).signups == 1
    assert links.my_referral_link(conn, ben).signups == 0


def test_utm_values_are_kept_on_every_new_signup(conn: Connection) -> None:
    ana = make_user(conn, "Ana")
    join(conn, ana, make_cohort(conn, "Spring"), None, utm_source="newsletter", utm_medium="email")
    row = conn.execute(select(signup_sources)).one()
    assert (row.utm_source, row.utm_medium, row.utm_campaign) == ("newsletter", "email", None)


def test_an_archived_campaign_counts_no_more(conn: Connection) -> None:
    campaign = links.create_campaign(conn, ADMIN, "Spring newsletter", "Spring-News")
    assert campaign.code == "spring-news"
    assert click(conn, "spring-news") == "counted"
    links.update_campaign(conn, ADMIN, campaign.id, name=None, archived=True, now=NOW)
    assert click(conn, "spring-news", VISITOR_B) == "unknown_code"
    join(conn, make_user(conn, "Ana"), make_cohort(conn, "Spring"), "spring-news")
    (stats,) = links.list_campaigns(conn, ADMIN)
    assert (stats.archived, stats.clicks, stats.signups) == (True, 1, 0)


def test_campaign_slugs_are_checked_and_unique(conn: Connection) -> None:
    links.create_campaign(conn, ADMIN, "Spring", "spring")
    with pytest.raises(ConflictError, match="/r/spring is taken"):
        links.create_campaign(conn, ADMIN, "Spring again", "spring")
    with pytest.raises(ValidationError, match="slug"):
        links.create_campaign(conn, ADMIN, "Bad", "no spaces!")
    with pytest.raises(ValidationError, match="name"):
        links.create_campaign(conn, ADMIN, "   ", "blank-name")


def test_a_used_campaign_cannot_be_deleted_an_unused_one_can(conn: Connection) -> None:
    used = links.create_campaign(conn, ADMIN, "Used", "used")
    unused = links.create_campaign(conn, ADMIN, "Unused", "unused")
    click(conn, "used")
    with pytest.raises(ConflictError, match="archive it"):
        links.delete_campaign(conn, ADMIN, used.id)
    links.delete_campaign(conn, ADMIN, unused.id)
    assert [c.code for c in links.list_campaigns(conn, ADMIN)] == ["used"]


def test_campaigns_are_for_admins(conn: Connection) -> None:
    learner = Actor(user_id=make_user(conn, "Ana"), is_admin=False)
    with pytest.raises(PermissionDeniedError):
        links.create_campaign(conn, learner, "Mine", "mine")
    with pytest.raises(PermissionDeniedError):
        links.list_campaigns(conn, learner)
