"""Signup gates on real Postgres: invite codes (and guessing them), closed cohorts'
waiting lists and admission, and the report of where signups came from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, func, select

from roundtable.cohorts.catalog import enroll
from roundtable.db.engine import transaction
from roundtable.db.tables import jobs, signups
from roundtable.errors import PermissionDeniedError, RateLimitedError, ValidationError
from roundtable.growth import gates, links, report, waitlist
from roundtable.growth.arrivals import Arrival
from roundtable.growth.gates import SignupEntry
from roundtable.people.actors import Actor
from tests.integration.api.builders import make_cohort, make_user

NOW = datetime.now(UTC)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with transaction(engine) as conn:
        yield conn


@pytest.fixture
def admin(conn: Connection) -> Actor:
    return Actor(user_id=make_user(conn, "Morgan", admin=True), is_admin=True)


def sign_up(conn: Connection, user: int, cohort: int, code: str | None = None, **kw: object):
    return enroll(conn, user, cohort, "learner", NOW, SignupEntry(invite_code=code, **kw))


def signed_up(conn: Connection, cohort: int) -> int:
    return int(conn.scalar(select(func.count()).where(signups.c.cohort_id == cohort)) or 0)


def test_a_cohort_is_open_until_an_admin_sets_a_gate(conn: Connection, admin: Actor) -> None:
    cohort = make_cohort(conn, "Spring")
    assert gates.read_gate(conn, admin, cohort).mode == "open"
    assert sign_up(conn, make_user(conn, "Ana"), cohort).created


def test_invite_only_wants_the_right_code(conn: Connection, admin: Actor) -> None:
    cohort = make_cohort(conn, "Spring")
    code = gates.set_gate(conn, admin, cohort, "invite_only", NOW).invite_code
    assert code is not None and len(code) == 10
    ana = make_user(conn, "Ana")
    with pytest.raises(PermissionDeniedError, match="Spring is invite-only: enter") as missing:
        sign_up(conn, ana, cohort)
    assert missing.value.field == "invite_code"
    with pytest.raises(PermissionDeniedError, match="not the one for Spring"):
        sign_up(conn, ana, cohort, "WRONG-CODE")
    assert signed_up(conn, cohort) == 0
    assert sign_up(conn, ana, cohort, f"  {code.lower()} ").created  # case and spaces forgiven


def test_rotating_the_code_retires_the_old_one(conn: Connection, admin: Actor) -> None:
    cohort = make_cohort(conn, "Spring")
    old = gates.set_gate(conn, admin, cohort, "invite_only", NOW).invite_code
    kept = gates.set_gate(conn, admin, cohort, "invite_only", NOW).invite_code
    assert kept == old  # saving the mode again keeps the code people were given
    new = gates.set_gate(conn, admin, cohort, "invite_only", NOW, rotate=True).invite_code
    assert new != old
    with pytest.raises(PermissionDeniedError):
        sign_up(conn, make_user(conn, "Ana"), cohort, old)
    chosen = gates.set_gate(conn, admin, cohort, "invite_only", NOW, invite_code="friends-2027")
    assert chosen.invite_code == "FRIENDS-2027"
    assert sign_up(conn, make_user(conn, "Ben"), cohort, "friends-2027").created


def test_an_admin_chosen_code_is_checked(conn: Connection, admin: Actor) -> None:
    cohort = make_cohort(conn, "Spring")
    with pytest.raises(ValidationError, match="6 to 40"):
        gates.set_gate(conn, admin, cohort, "invite_only", NOW, invite_code="abc")
    with pytest.raises(ValidationError, match="mode must be"):
        gates.set_gate(conn, admin, cohort, "sometimes", NOW)


def test_guessing_codes_is_limited_per_person_and_per_address(engine: Engine) -> None:
    for _ in range(gates.CODE_ATTEMPTS_PERSON.hits):
        gates.count_code_attempt(engine, 1, "198.51.100.7", NOW)
    with pytest.raises(RateLimitedError) as limited:
        gates.count_code_attempt(engine, 1, "198.51.100.7", NOW)
    assert limited.value.retry_after and limited.value.retry_after <= 900
    # The refused sixth guess was not counted for the address; other people from it
    # use up the address's own limit next.
    remaining = gates.CODE_ATTEMPTS_ADDRESS.hits - gates.CODE_ATTEMPTS_PERSON.hits
    for person in range(2, 2 + remaining):
        gates.count_code_attempt(engine, person, "198.51.100.7", NOW)
    with pytest.raises(RateLimitedError):
        gates.count_code_attempt(engine, 999, "198.51.100.7", NOW)
    gates.count_code_attempt(engine, 999, "203.0.113.9", NOW)  # elsewhere, still fine


def test_a_closed_cohort_puts_people_on_its_waiting_list(conn: Connection, admin: Actor) -> None:
    cohort = make_cohort(conn, "Spring")
    gates.set_gate(conn, admin, cohort, "closed", NOW)
    ana, ben = make_user(conn, "Ana"), make_user(conn, "Ben")
    result = sign_up(conn, ana, cohort)
    assert (result.created, result.waitlisted, result.welcome_job_id) == (False, True, None)
    assert sign_up(conn, ana, cohort).waitlisted  # asking twice: still one entry
    sign_up(conn, ben, cohort)
    assert signed_up(conn, cohort) == 0
    assert [p.display_name for p in waitlist.list_waiting(conn, admin, cohort)] == ["Ana", "Ben"]
    assert gates.gate_view(conn, ana, cohort).on_waiting_list


def test_admitting_signs_people_up_with_their_welcome_and_source(
    conn: Connection, admin: Actor
) -> None:
    cohort = make_cohort(conn, "Spring")
    gates.set_gate(conn, admin, cohort, "closed", NOW)
    fay = make_user(conn, "Fay")
    sign_up(conn, fay, make_cohort(conn, "Earlier"))
    fay_code = links.my_referral_link(conn, fay).code
    ana, ben = make_user(conn, "Ana"), make_user(conn, "Ben")
    sign_up(conn, ana, cohort, arrival=Arrival(ref=fay_code, utm={"utm_source": "podcast"}))
    sign_up(conn, ben, cohort)
    admission = waitlist.admit(conn, admin, cohort, [ana, 123456], NOW)
    assert (admission.admitted, admission.not_waiting) == ([ana], [123456])
    assert signed_up(conn, cohort) == 1
    welcome = conn.scalar(
        select(jobs.c.payload).where(jobs.c.dedup_key == f"welcome:{cohort}:{ana}")
    )
    assert welcome == {"kind": "welcome", "user_id": ana, "cohort_id": cohort}
    assert links.my_referral_link(conn, fay).signups == 1  # the referral survived the wait
    waiting = {p.display_name: p.admitted_at for p in waitlist.list_waiting(conn, admin, cohort)}
    assert waiting["Ben"] is None and waiting["Ana"] is not None
    assert waitlist.admit(conn, admin, cohort, [ana], NOW).not_waiting == [ana]
    assert not gates.gate_view(conn, ana, cohort).on_waiting_list


def test_gates_and_waiting_lists_are_for_admins(conn: Connection) -> None:
    cohort = make_cohort(conn, "Spring")
    learner = Actor(user_id=make_user(conn, "Ana"), is_admin=False)
    for call in (
        lambda: gates.set_gate(conn, learner, cohort, "closed", NOW),
        lambda: gates.read_gate(conn, learner, cohort),
        lambda: waitlist.list_waiting(conn, learner, cohort),
        lambda: waitlist.admit(conn, learner, cohort, [1], NOW),
        lambda: report.sources_report(conn, learner, cohort),
    ):
        with pytest.raises(PermissionDeniedError):
            call()


def test_the_report_says_where_a_cohorts_signups_came_from(conn: Connection, admin: Actor) -> None:
    spring, summer = make_cohort(conn, "Spring"), make_cohort(conn, "Summer")
    news = links.create_campaign(conn, admin, "Newsletter", "news")
    links.create_campaign(conn, admin, "Unused", "unused")
    for visitor in ("1" * 32, "2" * 32, "3" * 32, "4" * 32):
        links.record_click(
            conn, "news", visitor=visitor, viewer_id=None, user_agent="Firefox", now=NOW
        )
    ana, ben, cy, di = (make_user(conn, n) for n in ("Ana", "Ben", "Cy", "Di"))
    ana_code = links.my_referral_link(conn, ana).code
    sign_up(conn, ana, spring, arrival=Arrival(ref="news", utm={"utm_source": "mail"}))
    sign_up(conn, ben, spring, arrival=Arrival(ref=ana_code))
    sign_up(conn, cy, summer, arrival=Arrival(ref="news"))
    sign_up(conn, di, spring, arrival=Arrival(utm={"utm_source": "mail", "utm_medium": "email"}))
    got = report.sources_report(conn, admin, spring)
    assert (got.signups, got.referred, got.with_utm) == (3, 2, 2)
    lines = {
        line.link.code: (line.signups_here, line.link.signups, line.link.clicks)
        for line in got.links
    }
    assert lines == {"news": (1, 2, 4), ana_code: (1, 1, 0), "unused": (0, 0, 0)}
    assert [line for line in got.links if line.link.id == news.id][0].link.conversion == 0.5
    assert [(u.source, u.medium, u.signups) for u in got.utm] == [
        ("mail", "email", 1),
        ("mail", None, 1),
    ]
