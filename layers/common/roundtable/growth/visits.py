"""A visitor arrives with a referral code or UTM parameters: count the click, and
work out what their arrival cookie keeps (first touch; only a live link's code)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from roundtable.growth.arrivals import arrival_from, decode_arrival, encode_arrival, first_touch
from roundtable.growth.links import ClickReason, record_click


@dataclass(frozen=True)
class Visit:
    """What the door knows of one arrival: raw `ref`/`utm_*` values, the cookies, the agent."""

    values: dict[str, str | None]
    kept: str | None  # the arrival cookie's value, if any
    visitor: str  # a valid visitor token (links.valid_visitor)
    viewer_id: int | None  # the signed-in person, if any
    user_agent: str | None


@dataclass(frozen=True)
class Arrived:
    counted: bool
    reason: ClickReason
    # The arrival cookie's new value; None when there is nothing to keep.
    keep: str | None


def arrive(conn: Connection, visit: Visit, now: datetime) -> Arrived:
    """Count the referral click (if any) and say what the visitor's cookie keeps."""
    new = arrival_from(visit.values)
    click = record_click(
        conn,
        visit.values.get("ref"),
        visitor=visit.visitor,
        viewer_id=visit.viewer_id,
        user_agent=visit.user_agent,
        now=now,
    )
    # Unknown codes, bots and one's own link are not remembered for the signup either.
    keep = first_touch(decode_arrival(visit.kept), replace(new, ref=click.code))
    return Arrived(click.counted, click.reason, None if keep.empty else encode_arrival(keep))
