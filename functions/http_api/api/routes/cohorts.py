"""Cohorts for learners: the open ones, and enrolling."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from roundtable_edge.web.cookies import ARRIVAL_COOKIE, forget_arrival

from api.deps import Claims, CurrentUser, Db, Id, Now, Writer, client_ip
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
from roundtable.db.engine import get_engine
from roundtable.errors import NotFoundError
from roundtable.growth.arrivals import decode_arrival
from roundtable.growth.gates import SignupEntry, count_code_attempt

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


def limit_invite_codes(body: EnrollmentCreate, claims: Claims, request: Request, now: Now) -> None:
    """Every presented invite code counts, before the transaction: a refused guess too."""
    if body.invite_code:
        count_code_attempt(get_engine(), claims.user_id, client_ip(request), now)


@router.post(
    "/{cohort_id}/enroll",
    response_model=EnrollmentResultPublic,
    dependencies=[Depends(limit_invite_codes)],
    responses=errors(403, 404, 409, 422, 429),
)
def enroll(
    cohort_id: Id,
    body: EnrollmentCreate,
    request: Request,
    response: Response,
    user: Writer,
    conn: Db,
    now: Now,
) -> catalog.EnrollmentResult:
    """Enroll as learner or facilitator (idempotent; a new signup gets a welcome).

    The cohort's signup gate applies: an invite-only cohort wants `invite_code`, a closed
    one puts you on its waiting list (`waitlisted`). The referral and UTM parameters you
    arrived with (the `arrival` cookie) are recorded with a new signup, then forgotten."""
    cohort = catalog.get_cohort(conn, cohort_id)
    if cohort.status == "draft" and not user.is_admin:
        raise NotFoundError(f"no cohort {cohort_id}")
    arrival = decode_arrival(request.cookies.get(ARRIVAL_COOKIE))
    entry = SignupEntry(invite_code=body.invite_code, arrival=arrival)
    result = catalog.enroll(conn, user.id, cohort_id, body.role, now, entry)
    if result.created:
        forget_arrival(response)
    return result


@router.post(
    "/{cohort_id}/leave",
    response_model=LeftCohortPublic,
    responses=errors(404, 409, 429),
)
def leave(cohort_id: Id, body: LeaveCohort, user: Writer, conn: Db, now: Now) -> LeftCohort:
    """Leave the cohort and your group; your facilitator is told, with your reason if given."""
    return leave_cohort(conn, user, cohort_id, body.reason, now)
