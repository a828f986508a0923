"""A group's weekly series as an iCalendar invitation (RFC 5545 content, RFC 5546 METHOD).

Pure: no database, no network. Written with the `icalendar` library (escaping,
line folding and a VTIMEZONE built from the IANA zone are its job), imported
lazily so only the code that sends invitations pays for it.

The series is a VEVENT in the group's anchor zone (DTSTART;TZID=..., with that
zone's VTIMEZONE in the calendar): `RRULE:FREQ=WEEKLY;COUNT=n` when the
meetings follow the weekly rule, which a calendar expands on local dates, so
18:00 in Europe/London stays 18:00 on both sides of a clock change, exactly as
the `meetings` rows do. Meetings off the rule (a past meeting kept at its old
time after the group's time moved, or meetings dropped) are written exactly:
EXDATE for rule dates without a meeting and RDATE for meetings off the rule.

Replies: ORGANIZER is the sending address and the attendee carries RSVP=FALSE
(no reply expected). The attendee is the group as a whole (CUTYPE=GROUP, an
address nobody answers to) in the file every member gets, or one member
(CUTYPE=INDIVIDUAL) in a file of their own; answers are given in Roundtable (the URL and description
say where), and mail sent back to the organiser address is not read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Method = Literal["REQUEST", "CANCEL"]
PRODID = "-//Roundtable//Group meetings//EN"


@dataclass(frozen=True)
class SeriesInvitation:
    """What an invitation says, apart from its UID, SEQUENCE and METHOD: one member's, or
    the group's (the same file for every member)."""

    summary: str
    description: str
    url: str
    zone: str  # the group's anchor zone (IANA)
    starts: tuple[datetime, ...]  # each meeting's start, aware; sorted
    minutes: int
    organiser_email: str
    organiser_name: str
    attendee_email: str
    attendee_name: str
    # The attendee is the group as a whole (CUTYPE=GROUP): the file every member gets.
    attendee_is_group: bool = False

    def fingerprint(self) -> str:
        """A digest of everything a change of which must reach the member's calendar."""
        fields = {
            "summary": self.summary,
            "description": self.description,
            "url": self.url,
            "zone": self.zone,
            "starts": [s.astimezone(ZoneInfo(self.zone)).isoformat() for s in self.starts],
            "minutes": self.minutes,
            "organiser": self.organiser_email.lower(),
            "attendee": self.attendee_email.lower(),
        }
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class WeeklyPattern:
    """The weekly rule from the first meeting, and the exceptions to it (local times)."""

    first: datetime
    count: int
    exdates: tuple[datetime, ...]
    rdates: tuple[datetime, ...]


def weekly_pattern(starts: Sequence[datetime], zone: str) -> WeeklyPattern:
    """The rule through the last meeting on the weekly grid, EXDATEs for grid dates with no
    meeting, RDATEs for meetings off the grid. The grid is wall-clock weeks in `zone`."""
    if not starts:
        raise ValueError("a series needs at least one meeting")
    tz = ZoneInfo(zone)
    local = sorted(s.astimezone(tz) for s in starts)
    first = local[0]
    on_grid = {s for s in local if _grid_index(first, s) is not None}
    last_index = max(_grid_index(first, s) or 0 for s in on_grid)
    grid = [_grid_point(first, k) for k in range(last_index + 1)]
    exdates = tuple(g for g in grid if g not in on_grid)
    rdates = tuple(s for s in local if s not in on_grid)
    return WeeklyPattern(first, last_index + 1, exdates, rdates)


def _grid_point(first: datetime, weeks: int) -> datetime:
    """The same wall-clock time `weeks` weeks later in the same zone (RFC 5545 expansion)."""
    day = first.date() + timedelta(weeks=weeks)
    return datetime.combine(day, first.timetz().replace(tzinfo=None), tzinfo=first.tzinfo)


def _grid_index(first: datetime, moment: datetime) -> int | None:
    days = (moment.date() - first.date()).days
    if days < 0 or days % 7:
        return None
    point = _grid_point(first, days // 7)
    return days // 7 if point == moment and point.utcoffset() == moment.utcoffset() else None


def invitation_ics(
    invitation: SeriesInvitation, *, uid: str, sequence: int, method: Method, stamp: datetime
) -> bytes:
    """The .ics file of an invitation (METHOD:REQUEST) or its cancellation."""
    from icalendar import Calendar, Event, vCalAddress, vRecur

    pattern = weekly_pattern(invitation.starts, invitation.zone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", pattern.first)
    event.add("dtend", pattern.first + timedelta(minutes=invitation.minutes))
    event.add("rrule", vRecur(freq="WEEKLY", count=pattern.count))
    for moment in pattern.exdates:
        event.add("exdate", moment)
    for moment in pattern.rdates:
        event.add("rdate", moment)
    event.add("summary", invitation.summary)
    event.add("description", invitation.description)
    event.add("url", invitation.url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organiser = vCalAddress(f"mailto:{invitation.organiser_email}")
    organiser.params["CN"] = invitation.organiser_name
    event.add("organizer", organiser)
    attendee = vCalAddress(f"mailto:{invitation.attendee_email}")
    attendee.params.update(
        {
            "CN": invitation.attendee_name,
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "FALSE",  # answers are given in Roundtable, not by mail
        }
    )
    if invitation.attendee_is_group:
        attendee.params["CUTYPE"] = "GROUP"
    event.add("attendee", attendee)
    calendar.add_component(event)
    last = max(pattern.first, *pattern.rdates) if pattern.rdates else pattern.first
    end = _grid_point(pattern.first, pattern.count - 1)
    calendar.add_missing_timezones(
        first_date=pattern.first.date() - timedelta(days=366),
        last_date=max(last, end).date() + timedelta(days=366),
    )
    return bytes(calendar.to_ical())
