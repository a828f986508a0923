"""Feedback after each meeting: learners answer, facilitators and admins read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import Admin, CurrentUser, Cursor, Db, Id, Now, Writer
from api.schemas.common import errors
from api.schemas.feedback import (
    CohortFeedbackPublic,
    FeedbackAnswers,
    FeedbackFormPublic,
    GroupFeedbackPublic,
    OpenFeedbackPublic,
    SavedFeedbackPublic,
)
from roundtable.meetings import feedback
from roundtable.meetings.feedback import FormFor

router = APIRouter(tags=["feedback"], responses=errors(401, 422))

Forms = Annotated[FormFor, Depends(feedback.live_feedback_forms)]


@router.get("/api/feedback/open", response_model=OpenFeedbackPublic)
def list_open_feedback(user: CurrentUser, conn: Db, now: Now, forms: Forms) -> OpenFeedbackPublic:
    """My meetings whose feedback form is open now (answered or not), latest first."""
    found = feedback.open_feedback(conn, user, now, forms)
    return OpenFeedbackPublic(forms=[FeedbackFormPublic.model_validate(f) for f in found])


@router.get(
    "/api/meetings/{meeting_id}/feedback",
    response_model=FeedbackFormPublic,
    responses=errors(403, 404),
)
def read_feedback_form(
    meeting_id: Id, user: CurrentUser, conn: Db, now: Now, forms: Forms
) -> feedback.FeedbackRequest:
    """One of my meetings' feedback form, with my answers if I gave any."""
    return feedback.feedback_form(conn, user, meeting_id, now, forms)


@router.put(
    "/api/meetings/{meeting_id}/feedback",
    response_model=SavedFeedbackPublic,
    responses=errors(403, 404, 409, 429),
)
def answer_feedback(
    meeting_id: Id, body: FeedbackAnswers, user: Writer, conn: Db, now: Now, forms: Forms
) -> feedback.SavedFeedback:
    """Answer (or answer again) one of my meetings' feedback form while it is open."""
    return feedback.submit_feedback(conn, user, meeting_id, body.answers, now, forms)


@router.get(
    "/api/facilitator/groups/{group_id}/feedback",
    response_model=GroupFeedbackPublic,
    responses=errors(403, 404),
)
def read_group_feedback(
    group_id: Id, user: CurrentUser, conn: Db, now: Now, forms: Forms
) -> feedback.GroupFeedback:
    """Every answer to my group's meetings so far (without names if the course is anonymous)."""
    return feedback.group_feedback(conn, user, group_id, now, forms)


@router.get(
    "/api/admin/cohorts/{cohort_id}/feedback",
    response_model=CohortFeedbackPublic,
    responses=errors(403, 404),
)
def read_cohort_feedback(
    cohort_id: Id,
    user: Admin,
    conn: Db,
    now: Now,
    forms: Forms,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=feedback.GROUPS_PAGE_MAX)] = feedback.GROUPS_PAGE,
) -> feedback.CohortFeedback:
    """A cohort's feedback week by week, and a page of it group by group (by name);
    `next_cursor` continues it."""
    return feedback.cohort_feedback(conn, user, cohort_id, now, forms, cursor=cursor, limit=limit)
