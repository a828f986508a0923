"""Admin routes: a cohort's Google Calendar invitations against the organisers' budget."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Admin, Id, Now, web_actor
from api.schemas.calendar_budget import InvitationBudgetPublic
from api.schemas.common import errors
from roundtable.db.engine import get_engine
from roundtable.sync import invitation_budget

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=errors(400, 401, 403, 422))


@router.get(
    "/cohorts/{cohort_id}/calendar-budget",
    response_model=InvitationBudgetPublic,
    responses=errors(404),
)
def read_invitation_budget(cohort_id: Id, user: Admin, now: Now) -> dict[str, Any]:
    """The invitations publishing the cohort's Google series would send from each organiser
    user, what each sent in the last 24 hours, and Google's limit (none for .ics cohorts)."""
    budget = invitation_budget.cohort_invitation_budget(
        get_engine(), web_actor(user), cohort_id, now=now
    )
    return budget.as_dict()
