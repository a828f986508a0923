"""A closed cohort's waiting list: who waits, and admitting them (admins).

Admitting makes the signup the way enroll does after its checks
(cohorts.catalog.add_signup): the source they arrived with, the welcome
message that tells them they are in. The gate does not apply to an admission;
the cohort must still take signups (open or running).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from roundtable.cohorts.catalog import ENROLLABLE, add_signup, get_cohort
from roundtable.db.tables import users, waiting_list
from roundtable.errors import ConflictError, ValidationError
from roundtable.growth.arrivals import decode_arrival
from roundtable.people.actors import Actor

MAX_ADMIT = 200


@dataclass(frozen=True)
class WaitingPerson:
    user_id: int
    display_name: str
    role: str
    joined_at: datetime
    admitted_at: datetime | None


@dataclass(frozen=True)
class Admission:
    cohort_id: int
    admitted: list[int]
    # Asked for but not waiting (never on the list, or already admitted).
    not_waiting: list[int]


def _person(row: Any) -> WaitingPerson:
    return WaitingPerson(row.user_id, row.display_name, row.role, row.created_at, row.admitted_at)


def list_waiting(conn: Connection, actor: Actor, cohort_id: int) -> list[WaitingPerson]:
    """Everyone on the cohort's waiting list, waiting first, each in order of joining (admins)."""
    actor.require_admin()
    get_cohort(conn, cohort_id)
    rows = conn.execute(
        select(waiting_list, users.c.display_name)
        .join(users, users.c.id == waiting_list.c.user_id)
        .where(waiting_list.c.cohort_id == cohort_id)
        .order_by(
            waiting_list.c.admitted_at.is_not(None),
            waiting_list.c.created_at,
            waiting_list.c.id,
        )
    )
    return [_person(row) for row in rows]


def admit(
    conn: Connection, actor: Actor, cohort_id: int, user_ids: Sequence[int], now: datetime
) -> Admission:
    """Sign up these waiting people (admins); each gets the welcome message."""
    actor.require_admin()
    if not 1 <= len(user_ids) <= MAX_ADMIT:
        raise ValidationError(f"admit 1 to {MAX_ADMIT} people at a time", field="user_ids")
    cohort = get_cohort(conn, cohort_id, lock=True)
    if cohort.status not in ENROLLABLE:
        raise ConflictError(f"{cohort.name} is {cohort.status}: it takes no signups")
    waiting = conn.execute(
        select(waiting_list)
        .where(
            waiting_list.c.cohort_id == cohort_id,
            waiting_list.c.user_id.in_(set(user_ids)),
            waiting_list.c.admitted_at.is_(None),
        )
        .order_by(waiting_list.c.created_at, waiting_list.c.id)
        .with_for_update()
    ).all()
    for row in waiting:
        arrival = decode_arrival(row.arrival.get("cookie"))
        add_signup(conn, row.user_id, cohort_id, row.role, arrival, now, admitted_by=actor.user_id)
    admitted = [row.user_id for row in waiting]
    not_waiting = sorted(set(user_ids) - set(admitted))
    return Admission(cohort_id, admitted, not_waiting)
