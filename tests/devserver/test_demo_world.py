"""The demo world (`python -m devserver --demo`) on real Postgres, and the local person switcher."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from devserver.demo import (
    OPEN_NAME,
    RUNNING_NAME,
    DemoReport,
    DemoWorldError,
    list_demo_people,
    load_demo_world,
)
from devserver.demo_people import NIGHT_SHIFT, NO_AVAILABILITY
from devserver.dev_api import DevApi
from devserver.events import HttpRequest, HttpResponse
from devserver.functions import load_function
from devserver.invoke import Invoker
from devserver.schedules import ScheduleRunner
from devserver.template import read_stack
from roundtable.auth import jwt_secret, read_access_token
from roundtable.cohorts.catalog import enrollment_open, get_cohort
from roundtable.db.engine import get_engine
from roundtable.db.tables import (
    attendances,
    availability_blocks,
    chat_messages,
    chat_sessions,
    cohorts,
    content_progress,
    group_members,
    groups,
    meeting_feedback,
    meetings,
    metadata,
    signups,
    users,
)
from roundtable.groups.admin import preview, unplaced_page
from roundtable.scheduling.service import run_scheduling
from tests.conftest import ROOT, _empty_all_tables
from tests.functions.conftest import LambdaContext, http_event

# A fixed moment, so the world (dates, who came to which meeting) is the same every run.
NOW = datetime(2025, 6, 18, 15, 0, tzinfo=UTC)
EVENING = 17 * 60  # after work: when people's weekday availability starts


@pytest.fixture(scope="module")
def world(database_url: str) -> DemoReport:
    """The demo world, loaded once for the module into emptied tables."""
    engine = get_engine()
    with engine.begin() as conn:
        _empty_all_tables(conn)
    return load_demo_world(engine, ROOT / "content", now=NOW)


def _cohort_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        found = conn.scalar(select(cohorts.c.id).where(cohorts.c.name == name))
    assert found is not None, f"no cohort {name!r}"
    return int(found)


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table)) or 0
            for table in metadata.sorted_tables
        }


def test_people_across_a_dozen_zones_on_several_continents(world: DemoReport) -> None:
    with get_engine().connect() as conn:
        people = list_demo_people(conn)
    roles = Counter(person.role for person in people)
    zones = {person.timezone for person in people}
    assert roles == {"learner": 60, "facilitator": 6, "admin": 1}
    assert len(zones) >= 10
    assert len({zone.split("/")[0] for zone in zones}) >= 3  # America, Europe, Africa, Asia...
    assert world.loaded and (world.learners, world.facilitators) == (60, 6)
    assert len({person.display_name for person in people}) == len(people)


def test_weekday_availability_is_in_the_evening_of_each_persons_own_zone(
    world: DemoReport,
) -> None:
    unusual = {NIGHT_SHIFT.display_name, NO_AVAILABILITY.display_name}
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(users.c.display_name, availability_blocks)
            .join(availability_blocks, availability_blocks.c.user_id == users.c.id)
            .where(users.c.id.in_([p.user_id for p in list_demo_people(conn)]))
        ).all()
    by_person = Counter(row.display_name for row in rows)
    weekday_starts = [
        row.start_minute
        for row in rows
        if row.weekday < 5 and row.kind == "available" and row.display_name not in unusual
    ]
    assert len(by_person) == 65  # everyone but the admin and the one who never filled it in
    assert NO_AVAILABILITY.display_name not in by_person
    assert weekday_starts and min(weekday_starts) >= EVENING
    assert any(row.weekday >= 5 for row in rows)


def test_a_running_cohort_with_groups_and_meetings_past_and_ahead(world: DemoReport) -> None:
    engine = get_engine()
    running = _cohort_id(engine, RUNNING_NAME)
    with engine.connect() as conn:
        assert get_cohort(conn, running).status == "running"
        members = conn.execute(
            select(group_members.c.group_id, group_members.c.role, func.count())
            .join(groups, groups.c.id == group_members.c.group_id)
            .where(groups.c.cohort_id == running, groups.c.status == "active")
            .group_by(group_members.c.group_id, group_members.c.role)
        ).all()
        starts = list(
            conn.scalars(select(meetings.c.starts_at).where(meetings.c.cohort_id == running))
        )
        answers = conn.execute(
            select(meetings.c.starts_at < NOW, attendances.c.rsvp, attendances.c.checked_in_at)
            .join(meetings, meetings.c.id == attendances.c.meeting_id)
            .where(meetings.c.cohort_id == running)
        ).all()
    by_group: dict[int, dict[str, int]] = {}
    for group_id, role, count in members:
        by_group.setdefault(group_id, {})[role] = count
    assert len(by_group) >= 4
    assert all(roles.get("facilitator", 0) >= 1 for roles in by_group.values())
    assert all(roles.get("learner", 0) >= 3 for roles in by_group.values())
    assert any(start < NOW for start in starts) and any(start > NOW for start in starts)
    checked_in_past = [past for past, _, checked_in in answers if checked_in is not None]
    assert checked_in_past and all(checked_in_past)  # check-ins only at meetings that happened
    assert any(not past and rsvp == "attending" for past, rsvp, _ in answers)  # RSVPs ahead
    assert (world.past_meetings, world.future_meetings) == (
        sum(s <= NOW for s in starts),
        sum(s > NOW for s in starts),
    )


def test_learners_answered_the_feedback_form_of_meetings_that_ended(world: DemoReport) -> None:
    engine = get_engine()
    running = _cohort_id(engine, RUNNING_NAME)
    with engine.connect() as conn:
        answers = conn.execute(
            select(meetings.c.ends_at, group_members.c.role, meeting_feedback.c.rating)
            .join(meetings, meetings.c.id == meeting_feedback.c.meeting_id)
            .join(
                group_members,
                (group_members.c.group_id == meetings.c.group_id)
                & (group_members.c.user_id == meeting_feedback.c.user_id),
            )
            .where(meetings.c.cohort_id == running)
        ).all()
    assert len(answers) >= 10
    assert all(ends_at <= NOW and role == "learner" for ends_at, role, _ in answers)
    assert len({rating for _, _, rating in answers}) >= 3  # a spread worth charting


def test_learners_are_at_varied_points_of_the_course_and_some_asked_the_tutor(
    world: DemoReport,
) -> None:
    with get_engine().connect() as conn:
        done = Counter(
            conn.scalars(
                select(content_progress.c.user_id).where(
                    content_progress.c.content_type == "section",
                    content_progress.c.completed_at.is_not(None),
                )
            )
        )
        chats = conn.execute(
            select(chat_sessions.c.id, chat_messages.c.role, chat_messages.c.complete)
            .join(chat_messages, chat_messages.c.session_id == chat_sessions.c.id)
            .order_by(chat_sessions.c.id, chat_messages.c.id)
        ).all()
    assert len(set(done.values())) >= 3  # behind, on pace, ahead
    sessions: dict[int, list[str]] = {}
    for session_id, role, complete in chats:
        assert complete
        sessions.setdefault(session_id, []).append(role)
    assert len(sessions) >= 4
    assert all(roles == ["user", "assistant"] * (len(roles) // 2) for roles in sessions.values())


def test_an_open_cohort_takes_signups_and_has_no_groups_yet(world: DemoReport) -> None:
    engine = get_engine()
    open_id = _cohort_id(engine, OPEN_NAME)
    with engine.connect() as conn:
        cohort = get_cohort(conn, open_id)
        roles = Counter(conn.scalars(select(signups.c.role).where(signups.c.cohort_id == open_id)))
        grouped = conn.scalar(select(func.count()).where(groups.c.cohort_id == open_id))
    assert cohort.status == "open" and enrollment_open(cohort, NOW)
    assert roles == {"learner": 31, "facilitator": 6}
    assert grouped == 0


def test_loading_again_changes_nothing_and_says_so(world: DemoReport) -> None:
    engine = get_engine()
    before = _row_counts(engine)
    again = load_demo_world(engine, ROOT / "content", now=NOW)
    assert not again.loaded
    assert "already loaded" in again.text()
    assert _row_counts(engine) == before


def test_a_half_made_world_is_reported_not_doubled(world: DemoReport) -> None:
    """People left by an interrupted load (no open cohort yet): refused, saying what to do."""
    engine = get_engine()
    with engine.begin() as conn:
        conn.execute(update(cohorts).where(cohorts.c.name == OPEN_NAME).values(name="renamed"))
    try:
        before = _row_counts(engine)
        with pytest.raises(DemoWorldError, match="half-made demo world.*remove .roundtable/pgdata"):
            load_demo_world(engine, ROOT / "content", now=NOW)
        assert _row_counts(engine) == before
    finally:
        with engine.begin() as conn:
            conn.execute(update(cohorts).where(cohorts.c.name == "renamed").values(name=OPEN_NAME))


def test_the_report_names_a_learner_their_facilitator_and_the_admin(world: DemoReport) -> None:
    learner, facilitator, admin = world.sign_in_as
    assert (learner.role, facilitator.role, admin.role) == ("learner", "facilitator", "admin")
    assert learner.group is not None and facilitator.group is not None
    assert learner.group in facilitator.group.split(", ")
    assert learner.display_name in world.text() and admin.display_name in world.text()


def test_the_scheduling_preview_places_everyone_the_availability_allows(
    world: DemoReport,
) -> None:
    """The admin's Run scheduling over the open cohort: a proven optimum, reasons for the rest."""
    engine = get_engine()
    open_id = _cohort_id(engine, OPEN_NAME)
    summary = run_scheduling(engine, open_id, time_limit=60, now=NOW)
    with engine.connect() as conn:
        shown = preview(conn, open_id, "UTC", NOW)
        unplaced = unplaced_page(conn, open_id)
    placed_in_groups = sum(group.learner_count for group in shown.groups)
    assert shown.next_cursor is None and unplaced.next_cursor is None  # one page of each
    assert shown.summary.learners == placed_in_groups
    reasons = {
        entry.display_name: entry.reason for entry in unplaced.items if entry.role == "learner"
    }
    assert summary.gap == 0 and summary.placed == summary.upper_bound  # nobody more fits
    assert placed_in_groups == summary.placed == 31 - len(reasons)
    assert len(shown.groups) >= 4
    assert reasons[NO_AVAILABILITY.display_name] == "no_availability"
    assert reasons[NIGHT_SHIFT.display_name] == "no_facilitator_time"
    assert "not_optimal" not in reasons.values()


# -- the person switcher ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def dev_api() -> DevApi:
    invoker = Invoker(read_stack())
    return DevApi(invoker, ScheduleRunner(invoker, [], None))


def _ask(api: DevApi, method: str, path: str, body: Any = None) -> HttpResponse:
    headers = [("content-type", "application/json")] if body is not None else []
    data = json.dumps(body).encode() if body is not None else b""
    answer = api.handle(HttpRequest(method, path, "", headers, data))
    assert answer is not None
    return answer


def _person(api: DevApi, role: str) -> dict[str, Any]:
    people = json.loads(_ask(api, "GET", "/api/dev/people").body)["people"]
    return next(p for p in people if p["role"] == role)


def test_the_switcher_lists_the_demo_people(world: DemoReport, dev_api: DevApi) -> None:
    answer = _ask(dev_api, "GET", "/api/dev/people")
    people = json.loads(answer.body)["people"]
    assert answer.status == 200
    assert len(people) == 67 and people[0]["role"] == "admin"
    assert {"user_id", "display_name", "role", "timezone", "group"} <= set(people[0])


def test_the_switcher_signs_in_as_the_chosen_person(world: DemoReport, dev_api: DevApi) -> None:
    learner = _person(dev_api, "learner")
    answer = _ask(dev_api, "POST", f"/api/dev/people/{learner['user_id']}/sign-in", {})
    cookies = SimpleCookie()
    for name, value in answer.headers:
        if name.lower() == "set-cookie":
            cookies.load(value)
    assert (
        answer.status == 200 and json.loads(answer.body)["display_name"] == learner["display_name"]
    )
    assert cookies["session"]["path"] == "/" and cookies["session"]["httponly"]
    assert cookies["refresh_token"]["path"] == "/auth/"
    assert set(cookies) == {"session", "refresh_token", "signed_in"}  # as the login sets them
    assert (
        read_access_token(cookies["session"].value, datetime.now(UTC), jwt_secret())
        == (learner["user_id"])
    )


def test_the_switcher_signs_in_nobody_outside_the_demo(world: DemoReport, dev_api: DevApi) -> None:
    from tests.builders import add_user

    with get_engine().begin() as conn:
        stranger = add_user(conn, "Not In The Demo")
    refused = _ask(dev_api, "POST", f"/api/dev/people/{stranger}/sign-in", {})
    assert refused.status == 404 and b"not one of the demo" in refused.body
    learner = _person(dev_api, "learner")
    form = dev_api.handle(
        HttpRequest("POST", f"/api/dev/people/{learner['user_id']}/sign-in", "", [], b"")
    )
    assert form is not None and form.status == 415  # a cross-site form cannot sign anyone in
    assert not any(name.lower() == "set-cookie" for name, _ in form.headers)


def test_the_switcher_is_off_without_the_dev_login(
    world: DemoReport, dev_api: DevApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner = _person(dev_api, "learner")
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "false")
    from roundtable.config import reset_settings

    reset_settings()
    listing = _ask(dev_api, "GET", "/api/dev/people")
    sign_in = _ask(dev_api, "POST", f"/api/dev/people/{learner['user_id']}/sign-in", {})
    assert (listing.status, sign_in.status) == (404, 404)
    assert not any(name.lower() == "set-cookie" for name, _ in sign_in.headers)


def test_the_deployed_api_has_no_switcher(world: DemoReport) -> None:
    """Only the devserver answers /api/dev/*: the deployed web function has no such route."""
    handler = load_function("http_api").handler
    for method, path in (("GET", "/api/dev/people"), ("POST", "/api/dev/people/1/sign-in")):
        answer = handler(
            http_event(method, path, body={} if method == "POST" else None), LambdaContext()
        )
        assert answer["statusCode"] == 404
        assert not answer.get("cookies")
