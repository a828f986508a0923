"""Admin routes for regrouping a running cohort: ask for a proposal, read it, apply it.

Each route calls one service of roundtable.groups.regroup, which checks the
permission and the cohort's state itself.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Admin, AdminWriter, BigId, Db, Id, Now, web_actor
from api.schemas.admin_regroup import (
    RegroupAppliedPublic,
    RegroupProposalPublic,
    RegroupRequestedPublic,
)
from api.schemas.common import errors
from roundtable.groups import regroup

router = APIRouter(
    prefix="/api/admin/cohorts/{cohort_id}/regroup",
    tags=["admin"],
    responses=errors(400, 401, 403, 404, 422),
)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegroupRequestedPublic,
    responses=errors(409, 429),
)
def request_regroup(cohort_id: Id, user: AdminWriter, conn: Db, now: Now) -> RegroupRequestedPublic:
    """Compute a regroup proposal for a running cohort (nothing changes until it is applied)."""
    queued = regroup.request_regroup_proposal(conn, web_actor(user), cohort_id, now)
    return RegroupRequestedPublic(
        job_id=queued.job_id,
        cohort_id=queued.cohort_id,
        cohort_name=queued.cohort_name,
        proposal_url=f"/api/admin/cohorts/{queued.cohort_id}/regroup/{queued.job_id}",
    )


@router.get("/{job_id}", response_model=RegroupProposalPublic)
def read_regroup(cohort_id: Id, job_id: BigId, user: Admin, conn: Db) -> regroup.RegroupProposal:
    """The proposal as a diff (who moves where, in their own zone; sizes; optimality),
    or its job's status while it is being computed."""
    return regroup.get_regroup_proposal(conn, web_actor(user), job_id, cohort_id=cohort_id)


@router.post("/{job_id}/apply", response_model=RegroupAppliedPublic, responses=errors(409, 429))
def apply_regroup(
    cohort_id: Id, job_id: BigId, user: AdminWriter, conn: Db, now: Now
) -> regroup.RegroupApplied:
    """Apply the proposal, if the groups are still the ones it was computed from."""
    return regroup.apply_regroup(conn, web_actor(user), job_id, now, cohort_id=cohort_id)
