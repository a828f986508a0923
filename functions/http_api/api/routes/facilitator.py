"""Facilitator routes: only the facilitator's own groups (admins: any group)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from api.deps import CurrentUser, Db, Id, Now
from api.schemas.common import errors
from api.schemas.facilitator import (
    ChatPublic,
    FacilitatedGroupPublic,
    FacilitatedGroupsPublic,
    MeetingAttendancePublic,
    MeetingAttendancesPublic,
    MemberAnswerPublic,
    MemberAnswersPublic,
    MemberChatsPublic,
    MemberProgressDetailPublic,
    MemberProgressesPublic,
    MemberProgressPublic,
    ProgressItemPublic,
)
from roundtable.groups import facilitation
from roundtable.tutor.assessment import MemberAnswer, answers_for_member

router = APIRouter(
    prefix="/api/facilitator", tags=["facilitator"], responses=errors(400, 401, 403, 422)
)


@router.get("/groups", response_model=FacilitatedGroupsPublic)
def list_my_groups(user: CurrentUser, conn: Db, now: Now) -> FacilitatedGroupsPublic:
    """The groups I facilitate."""
    found = facilitation.facilitated_groups(conn, user, now)
    return FacilitatedGroupsPublic(groups=[FacilitatedGroupPublic.model_validate(g) for g in found])


@router.get(
    "/groups/{group_id}/members", response_model=MemberProgressesPublic, responses=errors(404)
)
def list_member_progress(group_id: Id, user: CurrentUser, conn: Db) -> MemberProgressesPublic:
    """Each learner's progress summary: completions, time spent, tutor chat activity."""
    found = facilitation.member_progress(conn, user, group_id)
    return MemberProgressesPublic(members=[MemberProgressPublic.model_validate(m) for m in found])


@router.get(
    "/groups/{group_id}/meetings", response_model=MeetingAttendancesPublic, responses=errors(404)
)
def list_attendance(
    group_id: Id, user: CurrentUser, conn: Db, now: Now
) -> MeetingAttendancesPublic:
    """Every meeting with each member's RSVP and attendance."""
    found = facilitation.attendance(conn, user, group_id, now)
    return MeetingAttendancesPublic(
        meetings=[MeetingAttendancePublic.model_validate(m) for m in found]
    )


@router.get(
    "/groups/{group_id}/members/{user_id}/progress",
    response_model=MemberProgressDetailPublic,
    responses=errors(404),
)
def read_member_progress(
    group_id: Id, user_id: Id, user: CurrentUser, conn: Db
) -> MemberProgressDetailPublic:
    """One member's progress, item by item."""
    name, items = facilitation.progress_detail(conn, user, group_id, user_id)
    return MemberProgressDetailPublic(
        user_id=user_id,
        display_name=name,
        items=[ProgressItemPublic.model_validate(i) for i in items],
    )


@router.get(
    "/groups/{group_id}/members/{user_id}/chats",
    response_model=MemberChatsPublic,
    responses=errors(404),
)
def read_member_chats(group_id: Id, user_id: Id, user: CurrentUser, conn: Db) -> MemberChatsPublic:
    """One member's tutor chats, with messages."""
    name, chats = facilitation.chat_transcripts(conn, user, group_id, user_id)
    return MemberChatsPublic(
        user_id=user_id, display_name=name, chats=[ChatPublic.model_validate(c) for c in chats]
    )


@router.get(
    "/groups/{group_id}/members/{user_id}/answers",
    response_model=MemberAnswersPublic,
    responses=errors(404),
)
def read_member_answers(
    group_id: Id, user_id: Id, user: CurrentUser, conn: Db
) -> MemberAnswersPublic:
    """One member's answers to assessed questions, every attempt, with the tutor's feedback."""
    found = answers_for_member(conn, user, group_id, user_id)
    return MemberAnswersPublic(
        user_id=found.user_id,
        display_name=found.display_name,
        answers=[_answer(a) for a in found.answers],
    )


def _answer(answer: MemberAnswer) -> MemberAnswerPublic:
    question = answer.question
    return MemberAnswerPublic.model_validate(
        {
            **asdict(answer.attempt),
            "module_title": question.module_title if question else None,
            "question_title": question.title if question else None,
            "question": question.question if question else None,
            "levels": list(question.levels) if question else [],
        }
    )
