"""Job status models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import Model


class JobPublic(Model):
    id: int
    kind: str
    status: str
    attempts: int
    max_attempts: int
    progress: Any
    result: Any
    error: str | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class JobsPublic(BaseModel):
    jobs: list[JobPublic]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for older jobs; null on the last page"
    )
