"""Admin models for facilitators: applicants, certification, group limits."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import Model
from roundtable.people.facilitators import MAX_GROUPS_LIMIT


class FacilitatorAdminPublic(Model):
    user_id: int
    display_name: str
    discord_username: str | None
    email: str | None
    timezone: str
    applied_at: datetime
    application_note: str | None
    certified_at: datetime | None
    is_certified: bool
    max_active_groups: int
    active_groups: int


class FacilitatorsAdminPublic(BaseModel):
    facilitators: list[FacilitatorAdminPublic]


class FacilitatorAdminUpdate(BaseModel):
    max_active_groups: int = Field(ge=0, le=MAX_GROUPS_LIMIT)
