"""A cohort's life: draft → open → scheduled → running → completed (or cancelled).

The stored status says draft, open, running, completed or cancelled. The
phase an organiser sees adds `scheduled`: an open cohort with preview groups
waiting to be published. The system moves a cohort forward (publishing makes
it running; its last group finishing makes it completed, see
`roundtable.sync.lifecycle`); an admin may open a draft, take an open cohort
back to draft, or cancel one that has not completed. Cancelling cancels every
group the cohort still has (`groups.cancellation.cancel_cohort_groups`: members told, each
published group's Discord space archived and calendar series ended by the
sync jobs queued in the same transaction).

Every use case that depends on the phase asks `require_phase` with its
action name, so the web and Discord refuse the same things with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, exists, select, update

from roundtable.db.tables import cohorts, groups
from roundtable.errors import ConflictError, NotFoundError

Phase = Literal["draft", "open", "scheduled", "running", "completed", "cancelled"]
Action = Literal[
    "enroll",
    "schedule",
    "publish",
    "edit_live_groups",
    "regroup",
    "leave",
    "guest_visit",
]

# What each action needs, and why it is refused elsewhere (said to the person who asked).
_ALLOWED: dict[Action, tuple[frozenset[Phase], str]] = {
    "enroll": (
        frozenset({"open", "scheduled", "running"}),
        "enrollment is open only while the cohort is open or running",
    ),
    "schedule": (
        frozenset({"open", "scheduled", "running"}),
        "only an open or running cohort can be scheduled",
    ),
    "publish": (
        frozenset({"open", "scheduled", "running"}),
        "only an open or running cohort can publish groups",
    ),
    "edit_live_groups": (
        frozenset({"scheduled", "running", "open"}),
        "its groups can no longer change",
    ),
    "regroup": (
        frozenset({"running"}),
        "regrouping is for a running cohort (published groups with meetings ahead)",
    ),
    "leave": (
        frozenset({"open", "scheduled", "running"}),
        "there is nothing left to leave",
    ),
    "guest_visit": (
        frozenset({"running"}),
        "guest visits are for a running cohort",
    ),
}

# Status changes an admin may make by hand; the rest are the system's.
_MANUAL_CHANGES: dict[str, frozenset[str]] = {
    "draft": frozenset({"open", "cancelled"}),
    "open": frozenset({"draft", "cancelled"}),
    "running": frozenset({"cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}


@dataclass(frozen=True)
class CohortPhase:
    cohort_id: int
    name: str
    status: str
    phase: Phase


def phase_of(status: str, *, has_preview_groups: bool) -> Phase:
    """The phase an organiser sees, from the stored status and whether a preview waits."""
    if status == "open" and has_preview_groups:
        return "scheduled"
    if status in ("draft", "open", "running", "completed", "cancelled"):
        return status  # type: ignore[return-value]
    raise ValueError(f"unknown cohort status {status!r}")


def allows(phase: Phase, action: Action) -> bool:
    return phase in _ALLOWED[action][0]


def refusal(name: str, phase: Phase, action: Action) -> str:
    """Why `action` is refused for a cohort in `phase`, in words for an organiser."""
    return f"{name} is {phase}: {_ALLOWED[action][1]}."


def cohort_phase(conn: Connection, cohort_id: int) -> CohortPhase:
    """The cohort's phase now; NotFoundError for an unknown cohort."""
    has_preview = (
        exists()
        .where(groups.c.cohort_id == cohorts.c.id, groups.c.status == "preview")
        .correlate(cohorts)
    )
    row = conn.execute(
        select(cohorts.c.id, cohorts.c.name, cohorts.c.status, has_preview.label("preview")).where(
            cohorts.c.id == cohort_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"There is no cohort {cohort_id}.")
    status = str(row.status)
    return CohortPhase(row.id, row.name, status, phase_of(status, has_preview_groups=row.preview))


def require_phase(conn: Connection, cohort_id: int, action: Action) -> CohortPhase:
    """The cohort's phase if it allows `action`; ConflictError saying why not otherwise."""
    current = cohort_phase(conn, cohort_id)
    if not allows(current.phase, action):
        raise ConflictError(refusal(current.name, current.phase, action))
    return current


def check_manual_status_change(name: str, old: str, new: str) -> None:
    """An admin's status edit: only the changes that are theirs to make."""
    if old == new:
        return
    if new not in _MANUAL_CHANGES.get(old, frozenset()):
        allowed = sorted(_MANUAL_CHANGES.get(old, frozenset()))
        hint = f"from {old} it can become {', '.join(allowed)}" if allowed else "it is final"
        raise ConflictError(
            f"{name} cannot go from {old} to {new} by hand ({hint}); "
            "publishing makes a cohort running, and it completes after its last meeting."
        )


def mark_running(conn: Connection, cohort_id: int) -> bool:
    """Publishing made groups live: an open cohort is now running. True if it changed."""
    changed = conn.execute(
        update(cohorts)
        .where(cohorts.c.id == cohort_id, cohorts.c.status == "open")
        .values(status="running")
    ).rowcount
    return bool(changed)
