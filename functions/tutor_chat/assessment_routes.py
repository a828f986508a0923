"""Assessed answers under /api/tutor/: answer a question segment, get feedback; my attempts.

The feedback comes back whole, as JSON (it is one small object, and the
learner reads it only once it is complete).

`roundtable.tutor.assessment` (with the groups, meetings and people modules it
needs to let a facilitator read answers) is imported by the routes, not here: a
cold start's first message, a chat, does not need it (docs/tutor.md, "Packaging
and streaming").
"""

from __future__ import annotations

from assessment_schemas import AnswerAttemptPublic, AnswerCreate, AnswersPublic
from fastapi import APIRouter, Request
from roundtable_edge.web.deps import Now, client_ip
from roundtable_edge.web.learners import CurrentLearner
from starlette.concurrency import run_in_threadpool
from tutor_schemas import errors

from roundtable.config import get_settings
from roundtable.content.learning import live_bundle
from roundtable.db.engine import get_engine, transaction
from roundtable.tutor.assessment_store import AnswerAttempt
from roundtable.tutor.model import chat_model_from_settings
from roundtable.tutor.quota import Quota, admit_message

router = APIRouter(prefix="/api/tutor", tags=["tutor"], responses=errors(401, 422, 503))


@router.get("/{module_slug}/answers", response_model=AnswersPublic, responses=errors(404))
def read_answers(module_slug: str, learner: CurrentLearner) -> AnswersPublic:
    """My attempts at the module's questions with their feedback, by question, oldest first."""
    from roundtable.tutor.assessment import my_answers

    bundle = live_bundle()
    with transaction(get_engine()) as conn:
        found = my_answers(conn, learner.learner, bundle, module_slug)
    return AnswersPublic(module_slug=module_slug, answers=[_public(a) for a in found])


@router.post(
    "/{module_slug}/answers",
    response_model=AnswerAttemptPublic,
    responses=errors(400, 404, 429, 502, 504),
)
async def send_answer(
    module_slug: str, body: AnswerCreate, learner: CurrentLearner, request: Request, now: Now
) -> AnswerAttemptPublic:
    """Answer a question segment: the attempt with the tutor's feedback against the rubric
    (strengths, what is missing, a level). Counts as one tutor message."""
    from roundtable.tutor.assessment import submit_answer

    settings = get_settings()
    model = chat_model_from_settings(settings)
    await run_in_threadpool(
        admit_message, get_engine(), learner.learner, client_ip(request), now, settings
    )
    attempt = await submit_answer(
        get_engine(),
        model,
        identity=learner,
        bundle=await run_in_threadpool(live_bundle),
        module_slug=module_slug,
        section_id=body.section_id,
        segment_id=body.segment_id,
        answer=body.answer,
        quota=Quota.for_learner(learner.learner, settings),
        now=now,
        timeout_s=float(settings.llm_timeout_s),
    )
    return _public(attempt)


def _public(attempt: AnswerAttempt) -> AnswerAttemptPublic:
    return AnswerAttemptPublic.model_validate(attempt, from_attributes=True)
