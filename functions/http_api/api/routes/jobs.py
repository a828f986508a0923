"""Job status: admins see every job, anyone else only the jobs they started."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import BigId, CurrentUser, Db
from api.schemas.common import errors
from api.schemas.jobs import JobPublic
from roundtable.errors import NotFoundError
from roundtable.jobs import get_job

router = APIRouter(prefix="/api/jobs", tags=["jobs"], responses=errors(400, 401, 422))


@router.get("/{job_id}", response_model=JobPublic, responses=errors(404))
def read_job(job_id: BigId, user: CurrentUser, conn: Db) -> JobPublic:
    """A job's status, progress, result and error."""
    job = get_job(conn, job_id)
    # Other people's jobs are reported missing: their existence is not the caller's business.
    if job is None or not (user.is_admin or job["created_by"] == user.id):
        raise NotFoundError(f"no job {job_id}")
    return JobPublic.model_validate(job)
