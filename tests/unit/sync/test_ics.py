"""The .ics writer (roundtable.sync.ics): the weekly rule and its exceptions, read back by two
independent parsers (icalendar with recurring-ical-events, and vobject)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject

from roundtable.sync.ics import SeriesInvitation, invitation_ics, weekly_pattern

NEW_YORK = ZoneInfo("America/New_York")
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def _local(day: int, month: int, hour: int = 9, minute: int = 30) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def _invitation(starts: list[datetime], **changes: object) -> SeriesInvitation:
    fields: dict[str, object] = {
        "summary": 'Group 1 · Spring, 2026; "quoted"',
        "description": "Line one\nLine two, with a comma; and a semicolon",
        "url": "https://roundtable.test/group",
        "zone": "America/New_York",
        "starts": tuple(starts),
        "minutes": 90,
        "organiser_email": "rt@roundtable.test",
        "organiser_name": "Roundtable",
        "attendee_email": "bo@example.com",
        "attendee_name": "Bo, the learner",
    }
    fields.update(changes)
    return SeriesInvitation(**fields)  # type: ignore[arg-type]


def _expanded(ics: bytes) -> list[datetime]:
    calendar = icalendar.Calendar.from_ical(ics)
    window = recurring_ical_events.of(calendar).between(datetime(2026, 1, 1), datetime(2027, 1, 1))
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in window)


def _vobject_expanded(ics: bytes) -> list[datetime]:
    # vobject expands with a pytz zone that keeps the first offset: place its wall-clock
    # times in the event's zone.
    event = vobject.readOne(ics.decode()).vevent
    return sorted(s.replace(tzinfo=NEW_YORK).astimezone(UTC) for s in event.getrruleset())


def test_a_regular_series_is_one_rule_and_keeps_its_local_time_across_the_clock_change() -> None:
    # New York's clocks go forward on 8 March 2026.
    starts = [_local(d, 3) for d in (1, 8, 15)]
    ics = invitation_ics(_invitation(starts), uid="u1", sequence=0, method="REQUEST", stamp=STAMP)
    calendar = icalendar.Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")

    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=3"
    assert "EXDATE" not in event and "RDATE" not in event
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    expected = [s.astimezone(UTC) for s in starts]
    assert [e.hour for e in expected] == [14, 13, 13]
    assert _expanded(ics) == expected == _vobject_expanded(ics)


def test_meetings_off_the_rule_are_written_exactly_with_exdate_and_rdate() -> None:
    # Meeting 2 moved to a Thursday, meeting 3 dropped, meeting 4 at the usual time.
    starts = [_local(1, 3), _local(12, 3, 18, 0), _local(22, 3)]
    pattern = weekly_pattern(starts, "America/New_York")
    assert (pattern.count, pattern.exdates, pattern.rdates) == (
        4,
        (_local(8, 3), _local(15, 3)),
        (_local(12, 3, 18, 0),),
    )
    ics = invitation_ics(_invitation(starts), uid="u2", sequence=3, method="REQUEST", stamp=STAMP)

    expected = sorted(s.astimezone(UTC) for s in starts)
    assert _expanded(ics) == expected == _vobject_expanded(ics)


def test_text_is_escaped_and_the_cancellation_says_so() -> None:
    invitation = _invitation([_local(1, 3)])
    ics = invitation_ics(invitation, uid="u3", sequence=2, method="CANCEL", stamp=STAMP)
    calendar = icalendar.Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")

    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert (str(event["UID"]), event["SEQUENCE"]) == ("u3", 2)
    assert str(event["SUMMARY"]) == invitation.summary
    assert str(event["DESCRIPTION"]) == invitation.description
    assert event["ATTENDEE"].params["CN"] == "Bo, the learner"
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=90)
    assert vobject.readOne(ics.decode()).vevent.summary.value == invitation.summary


def test_the_fingerprint_changes_with_the_time_and_not_with_the_instant_it_is_written_in() -> None:
    starts = [_local(1, 3), _local(8, 3)]
    same = _invitation([s.astimezone(UTC) for s in starts])
    assert _invitation(starts).fingerprint() == same.fingerprint()
    moved = _invitation([s + timedelta(hours=1) for s in starts])
    assert moved.fingerprint() != same.fingerprint()


def test_a_series_needs_a_meeting() -> None:
    with pytest.raises(ValueError, match="at least one meeting"):
        weekly_pattern([], "UTC")
