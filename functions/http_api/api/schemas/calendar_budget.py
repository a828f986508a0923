"""Google Calendar's invitation budget per organiser user, before publishing a cohort."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from api.schemas.common import Model


class OrganiserUserBudgetPublic(Model):
    user: str  # the Workspace user the organiser calendars act as
    organisers: list[str]  # its organiser calendars ("default": GOOGLE_CALENDAR_ID)
    limit: int  # invitations per 24 h before Google makes the calendar read-only
    sent_last_day: int
    adds: int  # invitations publishing the cohort would send from this user
    new_groups: int
    blocked_until: datetime | None  # Google refuses its writes until then
    left: int
    fits: bool


class InvitationBudgetPublic(Model):
    cohort_id: int
    invitations: Literal["google", "ics"]  # .ics: no organiser, nothing to count
    fits: bool  # false: publishing is refused (409) with these numbers
    new_groups: int
    new_invitations: int
    users: list[OrganiserUserBudgetPublic]
