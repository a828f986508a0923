from __future__ import annotations

import re
from datetime import UTC, datetime, time

from roundtable.sync.calendar_sync import diff_event
from roundtable.sync.desired import (
    ROLE_VOICE,
    Group,
    Member,
    calendar_event,
    category_name,
    event_id,
    next_event_id,
    role_holders,
    text_channel_name,
    text_overwrites,
    voice_overwrites,
    welcome_message,
)
from roundtable.sync.series import WeeklySlot

BASE32HEX = re.compile(r"^[a-v0-9]{5,1024}$")


def _group(**changes: object) -> Group:
    members = (
        Member(1, "facilitator", "active", "111", "Fay@Example.com", "Fay"),
        Member(2, "learner", "active", "222", "lee@example.com", "Lee"),
        Member(3, "learner", "removed", "333", "gone@example.com", "Gone"),
        Member(4, "learner", "active", None, None, "No Discord"),
    )
    values: dict[str, object] = {
        "id": 7,
        "cohort_id": 1,
        "cohort_name": "Spring 2026",
        "name": "Group 7: Ethics & AI",
        "status": "active",
        "slot": WeeklySlot("Europe/London", 2, time(18, 0), 60, datetime(2026, 3, 4, tzinfo=UTC)),
        "number_of_meetings": 8,
        "index_in_cohort": 0,
        "text_channel_id": None,
        "voice_channel_id": None,
        "role_id": None,
        "welcome_message_id": None,
        "gcal_event_id": None,
        "gcal_sync_token": None,
        "members": members,
    }
    values.update(changes)
    return Group(**values)  # type: ignore[arg-type]


def test_text_channel_names_are_already_in_discords_normal_form() -> None:
    assert text_channel_name(_group()) == "group-7-ethics-ai"


def test_categories_after_the_first_and_archives_are_numbered() -> None:
    assert category_name("Spring", 0, archive=False) == "Spring"
    assert category_name("Spring", 2, archive=False) == "Spring (3)"
    assert category_name("Spring", 0, archive=True) == "Spring (archive)"
    assert category_name("Spring", 1, archive=True) == "Spring (archive 2)"
    assert len(category_name("x" * 120, 1, archive=True)) == 100


def test_only_active_members_with_discord_hold_the_role_and_none_once_archived() -> None:
    assert role_holders(_group()) == {"111", "222"}
    assert role_holders(_group(status="completed")) == set()


def test_facilitators_keep_voice_access_of_their_own() -> None:
    members = {(o.target, o.member_id) for o in voice_overwrites(_group()) if o.allow == ROLE_VOICE}
    assert members == {("role", None), ("member", "111")}


def test_archived_text_channels_are_read_only_for_members_who_completed() -> None:
    group = _group(
        status="completed",
        members=(
            Member(1, "learner", "completed", "111", None, "A"),
            Member(2, "learner", "removed", "222", None, "B"),
        ),
    )
    readers = [o for o in text_overwrites(group) if o.target == "member"]
    assert [(o.member_id, o.deny) for o in readers] == [("111", 1 << 11)]
    assert all(o.target != "role" for o in text_overwrites(group))


def test_event_ids_are_base32hex_stable_and_new_per_generation() -> None:
    first = event_id("https://a.example", 7)
    assert BASE32HEX.match(first) and first == event_id("https://a.example", 7)
    assert first != event_id("https://b.example", 7)
    second = next_event_id(first, "https://a.example", 7)
    assert BASE32HEX.match(second) and second.endswith("g2")
    assert next_event_id(second, "https://a.example", 7).endswith("g3")


def test_the_series_is_weekly_in_the_anchor_zone_with_lower_cased_active_emails() -> None:
    event = calendar_event(_group())

    assert event["start"] == {"dateTime": "2026-03-04T18:00:00", "timeZone": "Europe/London"}
    assert event["end"] == {"dateTime": "2026-03-04T19:00:00", "timeZone": "Europe/London"}
    assert event["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=8"]
    assert event["attendees"] == [{"email": "fay@example.com"}, {"email": "lee@example.com"}]


def test_the_welcome_post_pings_members_and_shows_the_time_in_each_readers_zone() -> None:
    message = welcome_message(_group())

    assert "<@111> (facilitator)" in message["content"] and "<@222>" in message["content"]
    assert "Wednesdays at 18:00 (Europe/London)" in message["content"]
    assert "<t:1772647200:F>" in message["content"]
    assert message["allowed_mentions"] == {"users": ["111", "222"]}


def _as_google_answers(event: dict) -> dict:
    """What Google gives back for what we sent: offsets, answers, an organizer."""
    return {
        **event,
        "id": "rtx",
        "start": {"dateTime": "2026-03-04T18:00:00Z", "timeZone": "Europe/London"},
        "end": {"dateTime": "2026-03-04T19:00:00+00:00", "timeZone": "Europe/London"},
        "attendees": [
            {"email": "organizer@example.com", "organizer": True, "self": True},
            *({**a, "responseStatus": "accepted"} for a in event["attendees"]),
        ],
        "guestsCanModify": None,
    }


def test_an_event_google_answers_as_we_want_needs_no_patch() -> None:
    desired = calendar_event(_group())
    actual = _as_google_answers(desired)
    del actual["guestsCanModify"]  # Google leaves defaults out

    assert diff_event(desired, actual) is None


def test_adding_someone_patches_attendees_keeping_answers_and_invites_only_then() -> None:
    desired = calendar_event(_group())
    actual = _as_google_answers(calendar_event(_group(members=_group().members[1:])))
    del actual["guestsCanModify"]

    body, send, invited = diff_event(desired, actual)  # type: ignore[misc]

    assert set(body) == {"attendees"} and (send, invited) == ("all", 1)
    assert {"email": "lee@example.com", "responseStatus": "accepted"} in body["attendees"]


def test_removing_someone_sends_no_email_and_a_time_change_tells_everyone() -> None:
    full = _as_google_answers(calendar_event(_group()))
    del full["guestsCanModify"]
    fewer = calendar_event(_group(members=_group().members[1:]))
    moved = calendar_event(
        _group(
            slot=WeeklySlot("Europe/London", 3, time(9, 0), 60, datetime(2026, 3, 4, tzinfo=UTC))
        )
    )

    assert diff_event(fewer, full)[1:] == ("none", 0)  # type: ignore[index]
    body, send, _ = diff_event(moved, full)  # type: ignore[misc]
    assert {"start", "end", "recurrence"} <= set(body) and send == "all"
