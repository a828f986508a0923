"""A group's venue and its join link.

The venue is the group's own choice when an admin set one, else its cohort's
(cohorts.options.MEETING_VENUES). The join link is what "Join the meeting"
opens: the Zoom meeting of the group's next meeting not yet over, the Meet link
of its series, or None for Discord (the channel link is shown instead).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, select, update

from roundtable.cohorts.options import check_meeting_venue
from roundtable.db.tables import cohorts, groups, meetings, zoom_meetings
from roundtable.errors import NotFoundError


@dataclass(frozen=True)
class Venue:
    kind: str  # one of MEETING_VENUES
    join_url: str | None


# What a calendar invitation says about where the group meets (one sentence).
_WHERE = {
    "discord": "The group's channel is on Discord.",
    "zoom": "The group meets on Zoom: each meeting's link is on your group page in "
    "Roundtable and in the reminders.",
    "google_meet": "The group meets on Google Meet.",
}


def where_to_meet(venue: str) -> str:
    """The invitation's sentence on the venue (Discord's is the one it always had)."""
    return _WHERE.get(venue, _WHERE["discord"])


def effective_venue() -> ColumnElement[str]:
    """The SQL expression of a group's venue: its own, else its cohort's."""
    return func.coalesce(groups.c.meeting_venue, cohorts.c.meeting_venue)


def group_venues(conn: Connection, group_ids: Collection[int], now: datetime) -> dict[int, Venue]:
    """Each group's venue with its join link (a group id not found is left out)."""
    if not group_ids:
        return {}
    rows = conn.execute(
        select(groups.c.id, effective_venue().label("venue"), groups.c.meet_url)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .where(groups.c.id.in_(group_ids))
    ).all()
    zoom = _next_zoom_links(conn, [r.id for r in rows if r.venue == "zoom"], now)
    links = {"zoom": zoom, "google_meet": {r.id: r.meet_url for r in rows}}
    return {r.id: Venue(str(r.venue), links.get(str(r.venue), {}).get(r.id)) for r in rows}


def _next_zoom_links(conn: Connection, group_ids: list[int], now: datetime) -> dict[int, str]:
    if not group_ids:
        return {}
    rows = conn.execute(
        select(meetings.c.group_id, zoom_meetings.c.join_url)
        .join(zoom_meetings, zoom_meetings.c.meeting_id == meetings.c.id)
        .where(meetings.c.group_id.in_(group_ids), meetings.c.ends_at > now)
        .order_by(meetings.c.group_id, meetings.c.starts_at)
        .distinct(meetings.c.group_id)
    ).all()
    return {r.group_id: r.join_url for r in rows}


def meeting_join_urls(conn: Connection, meeting_ids: Collection[int]) -> dict[int, str]:
    """The join link of each meeting that has one (its Zoom meeting, or its series' Meet)."""
    if not meeting_ids:
        return {}
    rows = conn.execute(
        select(
            meetings.c.id,
            effective_venue().label("venue"),
            groups.c.meet_url,
            zoom_meetings.c.join_url,
        )
        .join(groups, groups.c.id == meetings.c.group_id)
        .join(cohorts, cohorts.c.id == groups.c.cohort_id)
        .outerjoin(zoom_meetings, zoom_meetings.c.meeting_id == meetings.c.id)
        .where(meetings.c.id.in_(meeting_ids))
    ).all()
    chosen = {r.id: {"zoom": r.join_url, "google_meet": r.meet_url}.get(r.venue) for r in rows}
    return {meeting_id: url for meeting_id, url in chosen.items() if url}


def set_group_venue(conn: Connection, group_id: int, venue: str | None) -> str:
    """Give one group its own venue (None: its cohort's again); the venue it now has.

    The next hourly sync makes or removes its Zoom meetings (venues.zoom_sync) and
    reconciles its calendar series (marked unsynced: its description and Meet
    conference follow the venue); a Meet link needs the cohort's Google calendar
    series, so .ics cohorts are refused."""
    row = conn.execute(
        select(cohorts.c.meeting_venue, cohorts.c.calendar_invitations)
        .join(groups, groups.c.cohort_id == cohorts.c.id)
        .where(groups.c.id == group_id)
        .with_for_update(of=groups)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"there is no group {group_id}")
    if venue is not None:
        check_meeting_venue(venue, calendar_invitations=row.calendar_invitations)
    conn.execute(
        update(groups).where(groups.c.id == group_id).values(meeting_venue=venue, synced_at=None)
    )
    return venue or str(row.meeting_venue)
