"""Times as people read them: in their own zone, with the zone's abbreviation and the date.

Channel posts are read by many people in many zones, so they use Discord's
timestamp markup (`<t:unix:F>`), which each reader's client shows in their zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The named IANA zone; UTC for an empty or unknown name (a bad profile value must not
    stop a reminder)."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_abbreviation(local: datetime) -> str:
    """'CET', 'IST', 'AEDT'; 'UTC+05:45' where the zone has no letters (tzdata uses '+0545')."""
    name = local.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = local.utcoffset() or timedelta(0)
    return "UTC" + _signed_offset(offset)


def _signed_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def format_date(day: date) -> str:
    """'Wednesday 14 January 2026'."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_local(when: datetime, zone: str | None) -> str:
    """'Wednesday 14 January 2026, 15:00 CET': the instant in the recipient's zone."""
    local = _to_local(when, zone)
    return f"{format_date(local.date())}, {local:%H:%M} {zone_abbreviation(local)}"


def format_weekly(when: datetime, zone: str | None) -> str:
    """'Wednesdays at 15:00 CET': the weekday and time of one occurrence, in the recipient's
    zone."""
    local = _to_local(when, zone)
    return f"{_WEEKDAYS[local.weekday()]}s at {local:%H:%M} {zone_abbreviation(local)}"


def discord_timestamp(when: datetime, style: str = "F") -> str:
    """Discord markup each reader sees in their own zone: '<t:1768402800:F>'."""
    return f"<t:{int(_aware(when).timestamp())}:{style}>"


def _to_local(when: datetime, zone: str | None) -> datetime:
    return _aware(when).astimezone(zone_or_utc(zone))


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError(f"naive datetime {when.isoformat()} has no zone; meetings are timestamptz")
    return when.astimezone(UTC)
