"""Growth models: arrivals, referral links and campaigns, signup gates, the waiting list,
where signups came from."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.schemas.common import Model

GateMode = Literal["open", "invite_only", "closed"]
# Raw values: the domain keeps the valid ones and drops the rest (docs/growth.md).
_RAW = Field(default=None, max_length=1000)


class ArrivalCreate(BaseModel):
    """What the visitor's address had: `?ref=` (or /r/<code>) and utm_* parameters."""

    ref: str | None = _RAW
    utm_source: str | None = _RAW
    utm_medium: str | None = _RAW
    utm_campaign: str | None = _RAW
    utm_term: str | None = _RAW
    utm_content: str | None = _RAW


class ArrivalPublic(Model):
    counted: bool
    reason: Literal["counted", "repeat", "unknown_code", "bot", "own_link", "no_code"]
    remembered: bool


class LinkPublic(Model):
    """A referral link with its numbers; `path` is the link to share (`/r/<code>`)."""

    id: int
    code: str
    path: str
    kind: Literal["person", "campaign"]
    label: str
    archived: bool
    clicks: int
    signups: int
    conversion: float | None
    created_at: datetime


class CampaignsPublic(BaseModel):
    campaigns: list[LinkPublic]


class CampaignCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    slug: str = Field(min_length=1, max_length=40, description="the link is /r/<slug>")


class CampaignUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    archived: bool | None = None


class GateViewPublic(Model):
    """A cohort's gate as a person about to sign up sees it."""

    cohort_id: int
    mode: GateMode
    on_waiting_list: bool


class GatePublic(Model):
    """A cohort's gate as an admin sees it, with the invite code to share."""

    cohort_id: int
    mode: GateMode
    invite_code: str | None
    code_set_at: datetime | None


class GateUpdate(BaseModel):
    mode: GateMode
    invite_code: str | None = Field(
        default=None, max_length=40, description="a code of your own; else one is made"
    )
    rotate: bool = Field(default=False, description="replace the invite code with a new one")


class WaitingPersonPublic(Model):
    user_id: int
    display_name: str
    role: str
    joined_at: datetime
    admitted_at: datetime | None


class WaitingListPublic(BaseModel):
    people: list[WaitingPersonPublic]


class AdmitCreate(BaseModel):
    user_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        min_length=1, max_length=200
    )


class AdmissionPublic(Model):
    cohort_id: int
    admitted: list[int]
    not_waiting: list[int]


class LinkLinePublic(BaseModel):
    link: LinkPublic
    signups_here: int


class UtmLinePublic(Model):
    source: str | None
    medium: str | None
    campaign: str | None
    signups: int


class SourcesPublic(BaseModel):
    cohort_id: int
    cohort_name: str
    signups: int
    referred: int
    with_utm: int
    links: list[LinkLinePublic]
    utm: list[UtmLinePublic]
