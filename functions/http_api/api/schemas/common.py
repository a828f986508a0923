"""Shapes shared by every resource: a status reply, weekly times (the error body is the edge's)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from roundtable_edge.web.errors import error_responses


class Model(BaseModel):
    """Base of response models: built from domain dataclasses by attribute."""

    model_config = ConfigDict(from_attributes=True)


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not signed in, or the session expired",
    403: "Signed in, but not allowed",
    404: "Not found",
    409: "Conflicts with the current state",
    422: "Invalid input; `field` names the culprit",
    429: "Too many requests; see the Retry-After header",
    502: "A service we depend on (Discord, ...) failed",
    503: "A needed service is not configured",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, all with the one error shape."""
    return error_responses(_DESCRIPTIONS, *codes)


# Every keyset-paged list ends with this (roundtable/paging.py makes the cursor).
NextCursor = Annotated[
    str | None, Field(description="Pass as `cursor` for the next page; null on the last page")
]


class StatusPublic(BaseModel):
    status: str


class LocalTimePublic(Model):
    """An instant as the viewer sees it, e.g. 'Tuesday 19:00 CET'."""

    weekday: int
    weekday_name: str
    time: str
    zone_abbreviation: str
    label: str


class SeriesChangePublic(Model):
    meeting_number: int
    local_date: date
    local: LocalTimePublic


class WeeklyTimePublic(Model):
    """A group's weekly time in the viewer's zone; `shifts` when DST moves it mid-series."""

    timezone: str
    anchor_label: str
    local: LocalTimePublic
    shifts: bool
    changes: list[SeriesChangePublic]
    note: str | None
