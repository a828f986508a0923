"""Admin routes for facilitators: list applicants, certify or uncertify, set group limits.

The scheduler places only certified facilitators, so this is how an applicant
becomes schedulable.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Admin, AdminWriter, Db, Id, Now
from api.schemas.admin_facilitators import (
    FacilitatorAdminPublic,
    FacilitatorAdminUpdate,
    FacilitatorsAdminPublic,
)
from api.schemas.common import errors
from roundtable.people import facilitators
from roundtable.people.facilitators import FacilitatorFilter, FacilitatorView

router = APIRouter(
    prefix="/api/admin/facilitators", tags=["admin"], responses=errors(400, 401, 403, 422)
)


@router.get("", response_model=FacilitatorsAdminPublic)
def list_facilitators(
    user: Admin,
    conn: Db,
    status: Annotated[FacilitatorFilter, Query()] = "all",
) -> FacilitatorsAdminPublic:
    """Everyone who applied to facilitate (applicants awaiting certification first)."""
    found = facilitators.list_facilitators(conn, status)
    return FacilitatorsAdminPublic.model_validate({"facilitators": found})


@router.post(
    "/{user_id}/certification",
    response_model=FacilitatorAdminPublic,
    responses=errors(404, 429),
)
def certify_facilitator(user_id: Id, user: AdminWriter, conn: Db, now: Now) -> FacilitatorView:
    """Certify an applicant so the scheduler may place them (idempotent)."""
    return facilitators.certify(conn, user_id, now)


@router.delete(
    "/{user_id}/certification",
    response_model=FacilitatorAdminPublic,
    responses=errors(404, 429),
)
def uncertify_facilitator(user_id: Id, user: AdminWriter, conn: Db) -> FacilitatorView:
    """Withdraw certification; groups they already lead are kept."""
    return facilitators.uncertify(conn, user_id)


@router.patch("/{user_id}", response_model=FacilitatorAdminPublic, responses=errors(404, 429))
def update_facilitator(
    user_id: Id, body: FacilitatorAdminUpdate, user: AdminWriter, conn: Db
) -> FacilitatorView:
    """Set how many active groups they may lead at once (0 to 10)."""
    return facilitators.set_max_active_groups(conn, user_id, body.max_active_groups)
