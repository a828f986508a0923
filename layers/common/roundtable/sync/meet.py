"""Google Meet links on the groups' calendar series (venue `google_meet`).

Google makes the conference when an insert or patch carries
`conferenceData.createRequest` (solution hangoutsMeet) and the query parameter
conferenceDataVersion=1; without it the body's conferenceData is ignored. The
link comes back as `hangoutLink` (and as the video entry point); it is stored
in `groups.meet_url`, which My group and the reminders show. Google may answer
`pending`: nothing is asked again then, the next sync reads the event anew.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine, update

from roundtable.db.engine import transaction
from roundtable.db.tables import groups

MEET = "google_meet"
CONFERENCE_DATA_VERSION = 1


def create_request(event_id: str, attempt: str = "") -> dict[str, Any]:
    """The body part asking Google for a Meet conference.

    The requestId is stable for the same event and attempt (a retried write is
    not a second request) and new once the event changed (a group back on Meet
    after leaving it gets a conference again, not Google's ignored repeat)."""
    suffix = hashlib.sha256(attempt.encode()).hexdigest()[:12] if attempt else "first"
    return {
        "conferenceData": {
            "createRequest": {
                "requestId": f"{event_id}-{suffix}",
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
            }
        }
    }


def meet_link(event: dict[str, Any]) -> str | None:
    """The event's Meet link: hangoutLink, else the conference's video entry point."""
    if event.get("hangoutLink"):
        return str(event["hangoutLink"])
    points = (event.get("conferenceData") or {}).get("entryPoints") or []
    return next((str(p["uri"]) for p in points if p.get("entryPointType") == "video"), None)


def _requested(event: dict[str, Any]) -> bool:
    """A create request Google has taken and not failed (pending, or success on the way)."""
    create = (event.get("conferenceData") or {}).get("createRequest")
    if not create:
        return False
    return (create.get("status") or {}).get("statusCode") != "failure"


def conference_patch(venue: str, event: dict[str, Any]) -> dict[str, Any] | None:
    """What the series' patch must say about its conference, or None when it is right."""
    if venue == MEET:
        if meet_link(event) or _requested(event):
            return None
        return create_request(str(event["id"]), str(event.get("etag") or event.get("updated")))
    if event.get("conferenceData") or event.get("hangoutLink"):
        return {"conferenceData": None}  # moved off Meet: the conference goes
    return None


def store_meet_urls(engine: Engine, links: dict[int, str | None]) -> None:
    """Write the groups' Meet links (None clears one) in one transaction."""
    if not links:
        return
    with transaction(engine) as conn:
        for group_id, link in links.items():
            conn.execute(update(groups).where(groups.c.id == group_id).values(meet_url=link))
