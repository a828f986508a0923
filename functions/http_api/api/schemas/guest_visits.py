"""Guest visit models: options for a week, a booking, my visits."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import Model


class GuestOptionPublic(Model):
    host_meeting_id: int
    group_id: int
    group_name: str
    meeting_number: int
    starts_at: datetime
    ends_at: datetime
    starts_label: str
    facilitator_names: list[str]
    guests_booked: int
    places_left: int


class GuestVisitPublic(Model):
    id: int
    status: str
    own_meeting_id: int
    own_group_name: str
    own_starts_at: datetime
    host_meeting_id: int
    host_group_id: int
    host_group_name: str
    host_meeting_number: int
    starts_at: datetime
    ends_at: datetime
    starts_label: str
    created_at: datetime
    cancelled_at: datetime | None


class GuestOptionsPublic(Model):
    own_meeting_id: int
    own_group_id: int
    own_group_name: str
    own_meeting_number: int
    own_starts_at: datetime
    own_starts_label: str
    booked: GuestVisitPublic | None
    options: list[GuestOptionPublic]


class GuestVisitCreate(BaseModel):
    own_meeting_id: int = Field(ge=1, le=2_147_483_647)
    host_meeting_id: int = Field(ge=1, le=2_147_483_647)


class GuestVisitsPublic(BaseModel):
    visits: list[GuestVisitPublic]
