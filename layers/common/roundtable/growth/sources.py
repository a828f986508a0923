"""Where a signup came from: recorded by the signup service when a signup is made.

The referral link counts only at a person's first signup ever, and never for
the link's own owner: signing up again, for another cohort or after leaving,
brings nobody new, and a loop (A brings B, then B's link "brings" A) cannot
count A, who was already here. A partial unique index holds that rule in the
database too. The UTM parameters are kept for every new signup.
"""

from __future__ import annotations

from sqlalchemy import Connection, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from roundtable.db.tables import signup_sources, signups
from roundtable.growth.arrivals import Arrival
from roundtable.growth.links import live_link


def _first_signup(conn: Connection, user_id: int, signup_id: int) -> bool:
    return not conn.scalar(
        select(exists().where(signups.c.user_id == user_id, signups.c.id != signup_id))
    )


def referring_link_id(
    conn: Connection, user_id: int, signup_id: int, ref: str | None
) -> int | None:
    """The link that brought this signup, when it counts (see the module's rules)."""
    link = live_link(conn, ref)
    if link is None or link.user_id == user_id:
        return None
    return int(link.id) if _first_signup(conn, user_id, signup_id) else None


def record_signup_source(
    conn: Connection, *, signup_id: int, user_id: int, cohort_id: int, arrival: Arrival
) -> None:
    """Record the signup's referral and UTM values; a signup made again keeps its first."""
    link_id = referring_link_id(conn, user_id, signup_id, arrival.ref)
    conn.execute(
        pg_insert(signup_sources)
        .values(
            signup_id=signup_id,
            cohort_id=cohort_id,
            user_id=user_id,
            referral_link_id=link_id,
            **arrival.utm,
        )
        # The same signup (rejoined after leaving) or a second referral for the person.
        .on_conflict_do_nothing()
    )
