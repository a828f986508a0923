"""A cohort's signup gate: open (the default), invite-only with a code, or closed.

`check_gate` is called by the one signup service (cohorts.catalog.enroll) for
every new signup, whatever the door. Invite codes are compared in constant
time; every signup that presents a code counts against CODE_ATTEMPTS per
person and per address (`count_code_attempt`, before the request's
transaction, so a refused guess still counts). A closed cohort puts the person
on its waiting list (roundtable.growth.waitlist admits them).
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from roundtable import ratelimit
from roundtable.db.tables import cohorts, signup_gates, waiting_list
from roundtable.errors import NotFoundError, PermissionDeniedError, ValidationError
from roundtable.growth.arrivals import NO_ARRIVAL, Arrival, encode_arrival
from roundtable.people.actors import Actor

Mode = Literal["open", "invite_only", "closed"]
MODES: tuple[Mode, ...] = ("open", "invite_only", "closed")
GateResult = Literal["pass", "waitlisted"]

# Guesses: 5 codes per person, 20 per address, in 15 minutes (a typo or two is fine).
CODE_ATTEMPTS_PERSON = ratelimit.Limit("invite_code_person", 5, 900)
CODE_ATTEMPTS_ADDRESS = ratelimit.Limit("invite_code_address", 20, 900)
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_GENERATED_LENGTH = 10
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,39}$")


@dataclass(frozen=True)
class SignupEntry:
    """What a person brings to a signup besides who they are: an invite code, their arrival."""

    invite_code: str | None = None
    arrival: Arrival = NO_ARRIVAL


NO_ENTRY = SignupEntry()


@dataclass(frozen=True)
class Gate:
    cohort_id: int
    mode: Mode
    invite_code: str | None  # admins only: the code to share
    code_set_at: datetime | None


@dataclass(frozen=True)
class GateView:
    """The gate as a person about to sign up sees it."""

    cohort_id: int
    mode: Mode
    on_waiting_list: bool


def _normalise_code(raw: str) -> str:
    return raw.strip().upper()


def count_code_attempt(engine: Engine, user_id: int, address: str, now: datetime) -> None:
    """Count one presented invite code for the person and the address; RateLimitedError over."""
    ratelimit.hit(engine, CODE_ATTEMPTS_PERSON, f"user:{user_id}", now)
    ratelimit.hit(engine, CODE_ATTEMPTS_ADDRESS, f"ip:{address}", now)


def _gate_row(conn: Connection, cohort_id: int, *, lock: bool = False) -> Any:
    query = select(signup_gates).where(signup_gates.c.cohort_id == cohort_id)
    return conn.execute(query.with_for_update() if lock else query).first()


def _gate(cohort_id: int, row: Any) -> Gate:
    if row is None:
        return Gate(cohort_id, "open", None, None)
    return Gate(cohort_id, row.mode, row.invite_code, row.code_set_at)


def _require_cohort(conn: Connection, cohort_id: int, *, drafts: bool = True) -> None:
    status = conn.scalar(select(cohorts.c.status).where(cohorts.c.id == cohort_id))
    if status is None or (status == "draft" and not drafts):
        raise NotFoundError(f"no cohort {cohort_id}")


def gate_view(conn: Connection, user_id: int, cohort_id: int) -> GateView:
    """The cohort's gate mode, and whether this person is waiting for it (any signed-in
    person; a draft cohort is not there to sign up for)."""
    _require_cohort(conn, cohort_id, drafts=False)
    waiting = conn.scalar(
        select(waiting_list.c.id).where(
            waiting_list.c.cohort_id == cohort_id,
            waiting_list.c.user_id == user_id,
            waiting_list.c.admitted_at.is_(None),
        )
    )
    return GateView(
        cohort_id, _gate(cohort_id, _gate_row(conn, cohort_id)).mode, waiting is not None
    )


def read_gate(conn: Connection, actor: Actor, cohort_id: int) -> Gate:
    """The gate with its code (admins)."""
    actor.require_admin()
    _require_cohort(conn, cohort_id)
    return _gate(cohort_id, _gate_row(conn, cohort_id))


def set_gate(
    conn: Connection,
    actor: Actor,
    cohort_id: int,
    mode: str,
    now: datetime,
    *,
    invite_code: str | None = None,
    rotate: bool = False,
) -> Gate:
    """Set the gate (admins). Invite-only keeps its code unless one is given or `rotate`
    asks for a new one; a first invite-only gets a generated code."""
    actor.require_admin()
    _require_cohort(conn, cohort_id)
    if mode not in MODES:
        raise ValidationError(f"mode must be one of {', '.join(MODES)}", field="mode")
    current = _gate(cohort_id, _gate_row(conn, cohort_id, lock=True))
    code, set_at = current.invite_code, current.code_set_at
    if invite_code is not None:
        code, set_at = _chosen_code(invite_code), now
    elif rotate or (mode == "invite_only" and code is None):
        code, set_at = generate_code(), now
    values = {"mode": mode, "invite_code": code, "code_set_at": set_at}
    conn.execute(
        pg_insert(signup_gates)
        .values(cohort_id=cohort_id, **values)
        .on_conflict_do_update(index_elements=[signup_gates.c.cohort_id], set_=values)
    )
    return Gate(cohort_id, mode, code, set_at)  # type: ignore[arg-type]


def generate_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_GENERATED_LENGTH))


def _chosen_code(raw: str) -> str:
    code = _normalise_code(raw)
    if not _CODE.match(code):
        raise ValidationError(
            "an invite code is 6 to 40 letters, digits and hyphens", field="invite_code"
        )
    return code


def check_gate(
    conn: Connection,
    *,
    cohort_id: int,
    cohort_name: str,
    user_id: int,
    role: str,
    entry: SignupEntry,
) -> GateResult:
    """Whether a new signup may go ahead ("pass") or waits on the list ("waitlisted");
    PermissionDeniedError naming the problem when an invite code is missing or wrong."""
    gate = _gate(cohort_id, _gate_row(conn, cohort_id))
    if gate.mode == "closed":
        _join_waiting_list(conn, cohort_id, user_id, role, entry.arrival)
        return "waitlisted"
    if gate.mode == "invite_only":
        _check_code(cohort_name, gate.invite_code or "", entry.invite_code)
    return "pass"


def _check_code(cohort_name: str, expected: str, presented: str | None) -> None:
    if not presented or not presented.strip():
        raise PermissionDeniedError(
            f"{cohort_name} is invite-only: enter the invite code you were given",
            field="invite_code",
        )
    if not hmac.compare_digest(_normalise_code(presented).encode(), expected.encode()):
        raise PermissionDeniedError(
            f"that invite code is not the one for {cohort_name}; check it with whoever invited you",
            field="invite_code",
        )


def _join_waiting_list(
    conn: Connection, cohort_id: int, user_id: int, role: str, arrival: Arrival
) -> None:
    values = {"role": role, "arrival": {"cookie": encode_arrival(arrival)}, "admitted_at": None}
    conn.execute(
        pg_insert(waiting_list)
        .values(cohort_id=cohort_id, user_id=user_id, **values)
        # Asking again (after leaving, or with another role) puts them back as they ask now.
        .on_conflict_do_update(
            index_elements=[waiting_list.c.cohort_id, waiting_list.c.user_id],
            set_={**values, "admitted_by": None},
        )
    )


def settle_waiting_entry(
    conn: Connection, cohort_id: int, user_id: int, now: datetime, by: int | None
) -> None:
    """A person who is now signed up waits no longer (admitted, or the gate opened)."""
    conn.execute(
        update(waiting_list)
        .where(
            waiting_list.c.cohort_id == cohort_id,
            waiting_list.c.user_id == user_id,
            waiting_list.c.admitted_at.is_(None),
        )
        .values(admitted_at=now, admitted_by=by)
    )
