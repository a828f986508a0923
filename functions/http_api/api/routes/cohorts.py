"""Cohorts for learners: the open ones, and enrolling."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, Db, Id, Now, Writer
from api.schemas.cohorts import (
    CohortListingPublic,
    CohortPublic,
    CohortsPublic,
    EnrollmentCreate,
    EnrollmentResultPublic,
    LeaveCohort,
    LeftCohortPublic,
)
from api.schemas.common import errors
from roundtable.cohorts import catalog
from roundtable.cohorts.leaving import LeftCohort, leave_cohort
from roundtable.errors import NotFoundError

router = APIRouter(prefix="/api/cohorts", tags=["cohorts"], responses=errors(400, 401, 422))


def listing_public(listing: catalog.CohortListing) -> CohortListingPublic:
    return CohortListingPublic(
        **CohortPublic.model_validate(listing.cohort).model_dump(),
        enrollment_open=listing.enrollment_open,
        my_role=listing.my_role,
        has_groups=listing.has_groups,
    )


@router.get("", response_model=CohortsPublic)
def list_open_cohorts(user: CurrentUser, conn: Db, now: Now) -> CohortsPublic:
    """Cohorts open for enrollment, and the ones I am enrolled in."""
    listings = catalog.list_open_cohorts(conn, user.id, now)
    return CohortsPublic(cohorts=[listing_public(item) for item in listings])


@router.get("/{cohort_id}", response_model=CohortPublic, responses=errors(404))
def read_cohort(cohort_id: Id, user: CurrentUser, conn: Db) -> catalog.Cohort:
    """One cohort (drafts only for admins)."""
    cohort = catalog.get_cohort(conn, cohort_id)
    if cohort.status == "draft" and not user.is_admin:
        raise NotFoundError(f"no cohort {cohort_id}")
    return cohort


@router.post(
    "/{cohort_id}/enroll",
    response_model=EnrollmentResultPublic,
    responses=errors(403, 404, 409, 422, 429),
)
def enroll(
    cohort_id: Id, body: EnrollmentCreate, user: Writer, conn: Db, now: Now
) -> catalog.EnrollmentResult:
    """Enroll as learner or facilitator (idempotent; a new signup gets a welcome)."""
    cohort = catalog.get_cohort(conn, cohort_id)
    if cohort.status == "draft" and not user.is_admin:
        raise NotFoundError(f"no cohort {cohort_id}")
    return catalog.enroll(conn, user.id, cohort_id, body.role, now)


@router.post(
    "/{cohort_id}/leave",
    response_model=LeftCohortPublic,
    responses=errors(404, 409, 429),
)
def leave(cohort_id: Id, body: LeaveCohort, user: Writer, conn: Db, now: Now) -> LeftCohort:
    """Leave the cohort and your group; your facilitator is told, with your reason if given."""
    return leave_cohort(conn, user, cohort_id, body.reason, now)
