"""Google's invitation budget checked before publishing (sync/invitation_budget.py): the
fake Google Calendar makes a calendar read-only past its invitation limit, as Google does;
the check refuses up front instead, with the numbers. Real Postgres, real publish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httplib2
import pytest
from sqlalchemy import Engine, func, select

from roundtable.cohorts.catalog import update_cohort
from roundtable.db.tables import group_members, groups
from roundtable.notifications.delivery import SendGridEmailSender
from roundtable.people.actors import Actor
from roundtable.sync.calendar import GoogleCalendarClient, build_service
from roundtable.sync.calendars import CalendarServices
from roundtable.sync.invitation_budget import InvitationBudgetError, plan_invitations
from roundtable.sync.invitations import Organiser
from roundtable.sync.organisers import record_quota_hit
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.sendgrid import FakeSendGrid
from tests.integration.sync.world import add_cohort, add_person, add_preview_group

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 18, 18, 0, tzinfo=UTC)
BUDGET = 6  # invitations per organiser user, in place of Google's 10,000
ONE, TWO = "one@org.test", "two@org.test"
ADMIN = Actor(user_id=None, is_admin=True)


@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    fake = FakeSendGrid()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def calendars(
    services: Services, calendar: FakeGoogleCalendar, sendgrid: FakeSendGrid
) -> CalendarServices:
    """Organiser users with BUDGET invitations each; the fake refuses past it as Google does."""

    def client(calendar_id: str) -> GoogleCalendarClient:
        service = build_service(calendar.base_url_for_client, httplib2.Http(timeout=30))
        return GoogleCalendarClient(service, calendar_id, sleep=lambda _: None, base_delay=0.01)

    calendar.invitation_limit = BUDGET
    services.calendars = CalendarServices(
        default=services.calendar,
        email=SendGridEmailSender(sendgrid.api_key, sendgrid.base_url, "rt@rt.test"),
        sender=Organiser("rt@rt.test", "Roundtable"),
        organisers=(ONE,),
        make_client=client,
        invitations_per_user=BUDGET,
    )
    return services.calendars


def _cohort(engine: Engine, guild: FakeDiscordGuild, name: str, groups_of: list[int]) -> int:
    """A cohort with preview groups of these many members each (everyone with an address)."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, name, meetings=4)
        for index, size in enumerate(groups_of, start=1):
            people = [add_person(conn, f"{name[:3]}{index}x{k}") for k in range(size)]
            for person in people:
                assert person.discord_id is not None
                guild.add_member(person.discord_id)
            add_preview_group(conn, cohort_id, f"Group {index}", first=FIRST, learners=people)
    return cohort_id


def _active_groups(engine: Engine, cohort_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(groups)
                .where(groups.c.cohort_id == cohort_id, groups.c.status == "active")
            )
            or 0
        )


def test_a_cohort_past_one_organiser_s_budget_is_refused_before_anything_is_written(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    calendars: CalendarServices,
) -> None:
    cohort_id = _cohort(engine, guild, "Big", [3, 3, 3])  # 9 invitations, 6 allowed

    with pytest.raises(InvitationBudgetError) as refused:
        publish_cohort(engine, cohort_id, services, now=NOW)

    message = str(refused.value)
    assert "9 member(s)" in message and f"{ONE}: 9 invitation(s) for 3 group(s)" in message
    assert "6 of 6 left" in message
    assert "this cohort alone needs 2 at 6 each" in message and ".ics" in message
    assert refused.value.code == "calendar_invitations_over_budget"
    assert _active_groups(engine, cohort_id) == 0  # nothing published
    assert calendar.mutating_requests() == [] and guild.mutating_requests() == []


def test_with_a_second_organiser_user_the_same_cohort_publishes_within_google_s_limit(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    calendars: CalendarServices,
) -> None:
    calendars.organisers = (ONE, TWO)
    cohort_id = _cohort(engine, guild, "Big", [3, 3, 3])
    with engine.connect() as conn:
        plan = plan_invitations(conn, cohort_id, calendars.organisers, now=NOW, limit=BUDGET)
    # Shared out as the sync will: groups 1 and 3 on the first organiser, 2 on the second.
    assert [(u.user, u.adds, u.new_groups, u.fits) for u in plan.users] == [
        (ONE, 6, 2, True),
        (TWO, 3, 1, True),
    ]

    report = publish_cohort(engine, cohort_id, services, now=NOW)

    assert report["failures"] == {}
    assert calendar.read_only == set()  # the fake's limit (Google's) never reached
    assert (calendar.mailed[ONE], calendar.mailed[TWO]) == (6, 3)  # as planned


def test_invitations_sent_in_the_last_day_count_until_the_day_has_passed(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    calendars: CalendarServices,
) -> None:
    first = _cohort(engine, guild, "Early", [2, 2])
    with engine.begin() as conn:  # placed by the scheduler before the publish
        conn.execute(group_members.update().values(joined_at=NOW - timedelta(days=2)))
    publish_cohort(engine, first, services, now=NOW)  # 4 of ONE's 6 spent
    second = _cohort(engine, guild, "Later", [3])

    with pytest.raises(InvitationBudgetError, match="4 sent in the last 24 h, 2 of 6 left"):
        publish_cohort(engine, second, services, now=NOW + timedelta(hours=2))
    assert _active_groups(engine, second) == 0

    calendar.lift_quota(ONE)  # Google's own count starts again too
    report = publish_cohort(engine, second, services, now=NOW + timedelta(hours=25))
    assert report["failures"] == {} and _active_groups(engine, second) == 1


def test_an_organiser_google_blocked_has_nothing_left(
    engine: Engine,
    guild: FakeDiscordGuild,
    services: Services,
    calendars: CalendarServices,
) -> None:
    cohort_id = _cohort(engine, guild, "Small", [2])
    record_quota_hit(engine, ONE, "quotaExceeded", "Calendar usage limits exceeded.", now=NOW)

    with pytest.raises(InvitationBudgetError, match="Google refuses its writes until"):
        publish_cohort(engine, cohort_id, services, now=NOW + timedelta(minutes=5))


def test_organiser_calendars_of_one_user_share_its_budget(
    engine: Engine, guild: FakeDiscordGuild
) -> None:
    cohort_id = _cohort(engine, guild, "Shared", [2, 2])
    with engine.begin() as conn:  # a series from before organisers: the default calendar
        conn.execute(
            groups.update().where(groups.c.cohort_id == cohort_id).values(calendar_organiser=None)
        )
    with engine.connect() as conn:
        apart = plan_invitations(conn, cohort_id, ("default", ONE), now=NOW, limit=3)
        together = plan_invitations(
            conn, cohort_id, ("default", ONE), now=NOW, limit=3, delegated_user=ONE.upper()
        )
    assert [(u.user, u.adds) for u in apart.users] == [("default", 2), (ONE, 2)]
    assert apart.fits
    ((user, organisers, adds),) = [(u.user, u.organisers, u.adds) for u in together.users]
    assert (user, organisers, adds) == (ONE, ["default", ONE], 4)
    assert not together.fits


def test_an_ics_cohort_has_no_organiser_budget_to_check(
    engine: Engine, guild: FakeDiscordGuild
) -> None:
    cohort_id = _cohort(engine, guild, "Mail", [3, 3, 3])
    with engine.begin() as conn:
        update_cohort(conn, cohort_id, {"calendar_invitations": "ics"}, now=NOW)
    with engine.connect() as conn:
        plan = plan_invitations(conn, cohort_id, (ONE,), now=NOW, limit=1)
    assert plan.as_dict() == {
        "cohort_id": cohort_id,
        "invitations": "ics",
        "fits": True,
        "new_groups": 0,
        "new_invitations": 0,
        "users": [],
    }


def test_the_publish_job_fails_with_the_numbers_and_is_not_retried(
    engine: Engine, guild: FakeDiscordGuild, calendar: FakeGoogleCalendar
) -> None:
    from roundtable.jobs import enqueue, get_job, run_job

    cohort_id = _cohort(engine, guild, "Job", [2])
    record_quota_hit(engine, "default", "quotaExceeded", "Calendar usage limits exceeded.",
                     now=datetime.now(UTC))  # fmt: skip
    with engine.begin() as conn:
        job_id = enqueue(conn, "publish_cohort", {"cohort_id": cohort_id})

    run_job(engine, job_id)

    with engine.connect() as conn:
        job = get_job(conn, job_id)
    assert job is not None and job["status"] == "failed"  # waiting would not help: told now
    assert "Google Calendar's invitation limit" in job["error"]
    assert calendar.mutating_requests() == [] and _active_groups(engine, cohort_id) == 0


def test_a_retried_publish_whose_groups_are_active_leaves_the_rest_to_the_sync(
    engine: Engine,
    guild: FakeDiscordGuild,
    calendar: FakeGoogleCalendar,
    services: Services,
    calendars: CalendarServices,
) -> None:
    cohort_id = _cohort(engine, guild, "Retry", [3, 3])  # 6: within the budget
    calendar.invitation_limit = 3  # but Google stops after the first series
    first = publish_cohort(engine, cohort_id, services, now=NOW)
    assert len(first["failures"]) == 1 and _active_groups(engine, cohort_id) == 2

    # ONE is blocked now; the retry is not refused (nothing left to activate): the group
    # waits for Google's quota, as before.
    again = publish_cohort(engine, cohort_id, services, now=NOW + timedelta(minutes=5))
    assert "waiting for Google's quota" in next(iter(again["failures"].values()))
