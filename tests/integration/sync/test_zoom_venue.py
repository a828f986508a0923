"""Zoom as a group's venue: meetings made, moved and removed on the fake Zoom with the
group's meetings; attendance from Zoom's participants reports merged with check-ins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update

from roundtable.db.tables import attendances, cohorts, groups, meetings, zoom_meetings
from roundtable.errors import ValidationError
from roundtable.notifications.catalogue import load_catalogue
from roundtable.notifications.compose import Links, Ready, compose
from roundtable.notifications.facts import load_facts
from roundtable.notifications.ledger import Claimed
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import Services
from roundtable.venues.choice import group_venues, meeting_join_urls, set_group_venue
from roundtable.venues.zoom_api import Credentials, ZoomClient
from roundtable.venues.zoom_sync import REPORT_DELAY, sync_zoom
from tests.fakes.discord_guild import FakeDiscordGuild
from tests.fakes.google_calendar import FakeGoogleCalendar
from tests.fakes.zoom import ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, FakeZoom
from tests.integration.sync.world import (
    FIRST_MEETING,
    Person,
    add_cohort,
    add_person,
    add_preview_group,
    meeting_rows,
)

PUBLISHED_AT = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
# Two days before the first meeting: only it is within the eight-day horizon.
BEFORE_FIRST = FIRST_MEETING - timedelta(days=2)


@pytest.fixture
def zoom() -> Iterator[FakeZoom]:
    fake = FakeZoom()
    with fake.running():
        yield fake


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(zoom: FakeZoom, slept: list[float]) -> ZoomClient:
    return ZoomClient(
        Credentials(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET),
        api_base=f"{zoom.base_url}/v2",
        oauth_base=zoom.base_url,
        sleep=slept.append,
    )


@pytest.fixture
def world(engine: Engine, guild: FakeDiscordGuild, services: Services) -> dict[str, Any]:
    """A published cohort meeting on Zoom: one group of Ada (facilitator), Bo and Cy."""
    with engine.begin() as conn:
        cohort_id = add_cohort(conn, "Zoomers", meetings=3)
        conn.execute(update(cohorts).values(meeting_venue="zoom"))
        ada, bo, cy = (add_person(conn, name) for name in ("Ada", "Bo", "Cy"))
        group_id = add_preview_group(conn, cohort_id, "Group 1", facilitator=ada, learners=[bo, cy])
    for person in (ada, bo, cy):
        guild.add_member(person.discord_id)
    publish_cohort(engine, cohort_id, services, now=PUBLISHED_AT)
    return {"cohort": cohort_id, "group": group_id, "people": (ada, bo, cy)}


def _zoom_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(select(zoom_meetings).order_by(zoom_meetings.c.starts_at)).all()


def test_the_meetings_within_the_horizon_get_a_zoom_meeting_at_their_exact_instant(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    first, second, _ = meeting_rows(engine, world["group"])

    report = sync_zoom(engine, lambda: client, now=BEFORE_FIRST)

    assert report.created == 1 and report.failures == {}
    (made,) = zoom.live()
    assert made["start_time"] == "2026-03-04T18:00:00Z" and made["duration"] == 60
    assert made["type"] == 2 and made["settings"]["join_before_host"] is True
    assert [r.meeting_id for r in _zoom_rows(engine)] == [first.id]
    # A week on, the second meeting is within the horizon too; the first is not made twice.
    again = sync_zoom(engine, lambda: client, now=BEFORE_FIRST + timedelta(days=7))
    assert again.created == 1 and len(zoom.live()) == 2
    assert {r.meeting_id for r in _zoom_rows(engine)} == {first.id, second.id}


def test_nothing_is_called_when_nothing_changed(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    sync_zoom(engine, lambda: client, now=BEFORE_FIRST)
    zoom.clear_log()

    report = sync_zoom(engine, lambda: client, now=BEFORE_FIRST + timedelta(hours=1))

    assert report.as_dict()["created"] == 0 and zoom.mutating_requests() == []


def test_a_moved_meeting_is_patched_and_a_meeting_deleted_on_zoom_is_made_anew(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    sync_zoom(engine, lambda: client, now=BEFORE_FIRST)
    first = meeting_rows(engine, world["group"])[0]
    later = first.starts_at + timedelta(hours=1)
    _move(engine, first.id, later, minutes=90)

    report = sync_zoom(engine, lambda: client, now=BEFORE_FIRST)

    assert report.moved == 1
    (made,) = zoom.live()
    assert made["start_time"] == "2026-03-04T19:00:00Z" and made["duration"] == 90
    # Someone deletes it in Zoom's web portal; the meeting moves again: a new one is made.
    zoom.meetings.clear()
    _move(engine, first.id, later + timedelta(hours=1), minutes=90)
    again = sync_zoom(engine, lambda: client, now=BEFORE_FIRST)
    assert again.created == 1 and again.failures == {}
    (remade,) = zoom.live()
    assert remade["start_time"] == "2026-03-04T20:00:00Z"
    assert _zoom_rows(engine)[0].zoom_meeting_id == remade["id"]


def _move(engine: Engine, meeting_id: int, starts_at: datetime, *, minutes: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(meetings)
            .where(meetings.c.id == meeting_id)
            .values(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes))
        )


@pytest.mark.parametrize("change", ["cancelled", "venue_discord"])
def test_a_cancelled_group_or_one_moved_off_zoom_has_its_zoom_meetings_deleted(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any], change: str
) -> None:
    sync_zoom(engine, lambda: client, now=BEFORE_FIRST)
    (made,) = zoom.live()
    with engine.begin() as conn:
        if change == "cancelled":
            conn.execute(update(groups).values(status="cancelled"))
        else:
            assert set_group_venue(conn, world["group"], "discord") == "discord"

    report = sync_zoom(engine, lambda: client, now=BEFORE_FIRST)

    assert report.removed == 1 and zoom.live() == [] and made["id"] in zoom.deleted
    assert _zoom_rows(engine) == []


def test_a_meeting_already_deleted_on_zoom_counts_as_removed(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    sync_zoom(engine, lambda: client, now=BEFORE_FIRST)
    zoom.meetings.clear()
    with engine.begin() as conn:
        conn.execute(update(groups).values(status="cancelled"))

    report = sync_zoom(engine, lambda: client, now=BEFORE_FIRST)

    assert report.removed == 1 and report.failures == {} and _zoom_rows(engine) == []


def test_an_expired_token_is_fetched_again_once(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    sync_zoom(engine, lambda: client, now=BEFORE_FIRST)
    assert zoom.tokens_issued == 1
    zoom.expire_tokens()

    report = sync_zoom(engine, lambda: client, now=BEFORE_FIRST + timedelta(days=7))

    assert report.created == 1 and report.failures == {} and zoom.tokens_issued == 2


def test_a_token_is_kept_until_a_minute_before_it_expires(
    engine: Engine, zoom: FakeZoom, world: dict[str, Any]
) -> None:
    clock = [0.0]
    client = ZoomClient(
        Credentials(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET),
        api_base=f"{zoom.base_url}/v2",
        oauth_base=zoom.base_url,
        clock=lambda: clock[0],
    )
    client.create_meeting("a", FIRST_MEETING, 60)
    clock[0] = 3599 - 61.0
    client.create_meeting("b", FIRST_MEETING, 60)
    assert zoom.tokens_issued == 1
    clock[0] = 3599 - 59.0
    client.create_meeting("c", FIRST_MEETING, 60)
    assert zoom.tokens_issued == 2


def test_a_429_is_retried_after_its_retry_after(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any], slept: list[float]
) -> None:
    zoom.rate_limit_next(2, retry_after=3)

    report = sync_zoom(engine, lambda: client, now=BEFORE_FIRST)

    assert report.created == 1 and report.failures == {} and slept == [3.0, 3.0]


def test_rate_limited_past_the_retries_fails_that_meeting_for_the_next_hour(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    zoom.rate_limit_next(10)

    report = sync_zoom(engine, lambda: client, now=BEFORE_FIRST)

    assert report.created == 0 and list(report.failures.values()) == [
        "Zoom answered 429 (code None): rate limited"
    ]
    zoom.rate_limit_next(0)
    assert sync_zoom(engine, lambda: client, now=BEFORE_FIRST).created == 1


def test_no_client_is_made_when_no_group_meets_on_zoom(engine: Engine) -> None:
    def no_client() -> ZoomClient:
        raise AssertionError("no Zoom group: no credentials needed")

    assert sync_zoom(engine, no_client, now=BEFORE_FIRST).as_dict()["created"] == 0


def _held_first_meeting(engine: Engine, zoom: FakeZoom, client: ZoomClient, group_id: int) -> Any:
    sync_zoom(engine, lambda: client, now=BEFORE_FIRST)
    first = meeting_rows(engine, group_id)[0]
    (made,) = zoom.live()
    return first, made["id"]


def _checked_in(engine: Engine, meeting_id: int) -> dict[int, tuple[datetime, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(attendances).where(
                attendances.c.meeting_id == meeting_id, attendances.c.checked_in_at.is_not(None)
            )
        ).all()
    return {r.user_id: (r.checked_in_at, r.check_in_source) for r in rows}


def test_zoom_attendance_is_merged_with_check_ins_once(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    ada, bo, cy = world["people"]
    first, zoom_id = _held_first_meeting(engine, zoom, client, world["group"])
    start = first.starts_at
    # Ada checked in on the web before joining Zoom; Bo after; Cy only on Zoom (twice).
    # (A web or Discord check-in has no source: meetings.attendance.check_in.)
    _web_check_in(engine, first.id, ada, start - timedelta(minutes=5))
    _web_check_in(engine, first.id, bo, start + timedelta(minutes=20))
    strangers = [(f"Guest {n}", f"guest{n}@elsewhere.org", _at(start)) for n in range(301)]
    zoom.hold(
        zoom_id,
        [
            *strangers,  # more than one page of 300
            ("Ada", "ada@example.com", _at(start + timedelta(minutes=1))),
            ("Bo", "BO@Example.com", _at(start + timedelta(minutes=2))),
            ("Cy", "cy@example.com", _at(start + timedelta(minutes=9))),
            ("Cy", "cy@example.com", _at(start + timedelta(minutes=3))),
        ],
    )
    after = first.ends_at + REPORT_DELAY

    report = sync_zoom(engine, lambda: client, now=after)

    assert report.reports_read == 1 and report.check_ins == 2
    assert _checked_in(engine, first.id) == {
        ada.id: (start - timedelta(minutes=5), None),
        bo.id: (start + timedelta(minutes=2), "zoom"),
        cy.id: (start + timedelta(minutes=3), "zoom"),
    }
    pages = [r for r in zoom.requests if "/report/" in r.path]
    assert len(pages) == 2
    # Read once: the next hour asks Zoom nothing and changes nothing.
    zoom.clear_log()
    assert sync_zoom(engine, lambda: client, now=after + timedelta(hours=1)).reports_read == 0
    assert [r for r in zoom.requests if "/report/" in r.path] == []


def test_reading_the_same_report_again_changes_nothing(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    from roundtable.venues.zoom_sync import record_zoom_check_ins

    _, bo, _ = world["people"]
    first, zoom_id = _held_first_meeting(engine, zoom, client, world["group"])
    zoom.hold(zoom_id, [("Bo", "bo@example.com", _at(first.starts_at))])
    participants = list(client.report_participants(zoom.meetings[zoom_id]["uuid"]))
    with engine.begin() as conn:
        assert record_zoom_check_ins(conn, first.id, participants) == 1
        assert record_zoom_check_ins(conn, first.id, participants) == 0


def test_a_report_not_ready_is_asked_for_again_until_it_is_given_up(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    first, _ = _held_first_meeting(engine, zoom, client, world["group"])
    after = first.ends_at + REPORT_DELAY

    assert sync_zoom(engine, lambda: client, now=after).reports_read == 0
    late = sync_zoom(engine, lambda: client, now=after + timedelta(days=4))
    assert late.reports_read == 1 and late.check_ins == 0 and late.failures == {}


def test_the_join_link_is_the_next_meetings_zoom_link(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    first, zoom_id = _held_first_meeting(engine, zoom, client, world["group"])
    url = zoom.meetings[zoom_id]["join_url"]

    with engine.connect() as conn:
        venue = group_venues(conn, [world["group"]], BEFORE_FIRST)[world["group"]]
        assert (venue.kind, venue.join_url) == ("zoom", url)
        assert meeting_join_urls(conn, [first.id]) == {first.id: url}
        # Once the meeting is over and no later one has a Zoom meeting yet: no link.
        later = group_venues(conn, [world["group"]], first.ends_at)[world["group"]]
        assert later.join_url is None


def test_a_group_cannot_choose_meet_in_an_ics_cohort(engine: Engine, world: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(update(cohorts).values(calendar_invitations="ics"))
        with pytest.raises(ValidationError, match="Google Meet links are made on"):
            set_group_venue(conn, world["group"], "google_meet")
        with pytest.raises(ValidationError, match="must be one of discord, google_meet, zoom"):
            set_group_venue(conn, world["group"], "teams")
        assert set_group_venue(conn, world["group"], None) == "zoom"


def _web_check_in(engine: Engine, meeting_id: int, person: Person, at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(attendances).values(meeting_id=meeting_id, user_id=person.id, checked_in_at=at)
        )


def _at(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_reminder_of_a_zoom_meeting_links_to_its_zoom_meeting(
    engine: Engine, zoom: FakeZoom, client: ZoomClient, world: dict[str, Any]
) -> None:
    first, zoom_id = _held_first_meeting(engine, zoom, client, world["group"])
    _, bo, _ = world["people"]
    due = first.starts_at - timedelta(hours=1)
    row = Claimed(
        1,
        "meeting_reminder_1h",
        "meeting",
        first.id,
        bo.id,
        "email",
        "bo@example.com",
        {"meeting_id": first.id, "group_id": world["group"]},
        0,
        due,
    )
    with engine.connect() as conn:
        facts = load_facts(conn, [row], due)

    ready = compose(row, facts, due, Links("http://roundtable.test", None))

    assert isinstance(ready, Ready)
    text = load_catalogue().render("meeting_reminder_1h", "email_text", ready.values, ready.zone)
    assert f"Join the meeting: {zoom.meetings[zoom_id]['join_url']}" in text


def test_the_cli_sets_and_clears_a_groups_own_venue(
    engine: Engine, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from roundtable_edge.cli import main

    assert main(["sync", "venue", str(world["group"]), "discord"]) == 0
    assert '"meeting_venue": "discord"' in capsys.readouterr().out
    with engine.connect() as conn:
        assert group_venues(conn, [world["group"]], BEFORE_FIRST)[world["group"]].kind == "discord"
    assert main(["sync", "venue", str(world["group"]), "cohort"]) == 0
    assert '"meeting_venue": "zoom"' in capsys.readouterr().out


def test_the_calendar_series_says_the_group_meets_on_zoom(
    engine: Engine, calendar: FakeGoogleCalendar, world: dict[str, Any]
) -> None:
    (event,) = calendar.events.values()
    assert event["description"] == (
        "Weekly discussion group. The group meets on Zoom: each meeting's link is on your "
        "group page in Roundtable and in the reminders."
    )
