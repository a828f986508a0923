"""Answers the tutor assesses: a learner answers a question segment, the model gives feedback
against the author's rubric, the learner may revise; facilitators read their group's answers.

An answer is saved (and counted against the learner's daily tutor quota,
like a chat message) before the model is asked, so it is never lost; the
feedback, or the reason there is none, is saved when the model answers or
fails. Every attempt is kept; the latest is the learner's current answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from roundtable import telemetry
from roundtable.content.bundle import Bundle
from roundtable.content.learners import LearnerIdentity
from roundtable.content.progress import Learner
from roundtable.db.engine import transaction
from roundtable.errors import DomainError
from roundtable.groups.facilitation import require_member
from roundtable.people.profiles import Viewer
from roundtable.tutor.assessment_prompt import (
    MAX_ANSWER_CHARS,
    Feedback,
    QuestionPlace,
    assessment_messages,
    locate_question,
    parse_feedback,
)
from roundtable.tutor.assessment_store import (
    AnswerAttempt,
    add_attempt,
    attempts,
    save_failure,
    save_feedback,
)
from roundtable.tutor.model import ChatModel, TutorTimeoutError, TutorUnavailableError
from roundtable.tutor.prompt import clean_text, estimate_tokens, find_module, message_tokens
from roundtable.tutor.quota import Quota, check_quota
from roundtable.tutor.store import lock_learner

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingAnswer:
    """An answer saved and counted, and the prompt that asks for its feedback."""

    attempt: AnswerAttempt
    place: QuestionPlace
    messages: list[dict[str, str]]


@dataclass(frozen=True)
class QuestionInfo:
    """What the live content says about a question an answer was given to."""

    module_title: str
    title: str
    question: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class MemberAnswer:
    """An attempt, with the question it answers (None when the live content lacks it)."""

    attempt: AnswerAttempt
    question: QuestionInfo | None


@dataclass(frozen=True)
class MemberAnswers:
    user_id: int
    display_name: str
    answers: list[MemberAnswer]


BundleSource = Callable[[], Bundle]


def begin_answer(
    engine: Engine,
    *,
    identity: LearnerIdentity,
    bundle: Bundle,
    module_slug: str,
    section_id: str,
    segment_id: str,
    answer: str,
    quota: Quota,
    now: datetime,
) -> PendingAnswer:
    """Check the answer and the quota and save the answer (committed); the prompt to send."""
    text = clean_text(answer, field="answer", limit=MAX_ANSWER_CHARS)
    place = locate_question(bundle, module_slug, section_id, segment_id)
    with transaction(engine) as conn:
        # The chat's lock and quota: an answer counts as one message.
        lock_learner(conn, identity.key)
        check_quota(conn, identity.learner, quota, now)
        saved = add_attempt(
            conn,
            identity.learner,
            module_id=place.module_id,
            section_id=section_id,
            segment_id=segment_id,
            answer=text,
            now=now,
        )
    return PendingAnswer(saved, place, assessment_messages(place, text))


async def assess(
    engine: Engine, model: ChatModel, pending: PendingAnswer, timeout_s: float
) -> AnswerAttempt:
    """Ask the model for feedback on a saved answer and store it; on failure store why, raise."""
    try:
        reply, tokens = await _complete(model, pending.messages, timeout_s)
        if not reply.strip():
            raise TutorUnavailableError("the tutor gave no feedback; please submit again")
    except BaseException as exc:  # also cancellation: the answer must not look pending forever
        error = str(exc) if isinstance(exc, DomainError) else "the assessment was interrupted"
        await asyncio.to_thread(_store_failure, engine, pending.attempt.id, error)
        if isinstance(exc, DomainError):
            telemetry.count("TutorErrors", Error=exc.code)
        raise
    feedback = parse_feedback(reply, pending.place.levels)
    if not feedback.structured:
        logger.warning("assessment reply was not JSON; kept as free text (%d chars)", len(reply))
    if tokens is None:  # the provider reported no usage: estimate what it was sent and said
        tokens = sum(message_tokens(m) for m in pending.messages) + estimate_tokens(reply)
    now = datetime.now(UTC)
    with transaction(engine) as conn:
        save_feedback(conn, pending.attempt.id, feedback, tokens, now)
    telemetry.count("TutorTokens", tokens)
    return _with_feedback(pending.attempt, feedback, now)


async def submit_answer(
    engine: Engine,
    model: ChatModel,
    *,
    identity: LearnerIdentity,
    bundle: Bundle,
    module_slug: str,
    section_id: str,
    segment_id: str,
    answer: str,
    quota: Quota,
    now: datetime,
    timeout_s: float,
) -> AnswerAttempt:
    """Save a learner's answer to a question and assess it against the rubric: the attempt
    with its feedback. Every attempt is kept; submitting again is a revision."""
    pending = await asyncio.to_thread(
        lambda: begin_answer(
            engine,
            identity=identity,
            bundle=bundle,
            module_slug=module_slug,
            section_id=section_id,
            segment_id=segment_id,
            answer=answer,
            quota=quota,
            now=now,
        )
    )
    return await assess(engine, model, pending, timeout_s)


def my_answers(
    conn: Connection, learner: Learner, bundle: Bundle, module_slug: str
) -> list[AnswerAttempt]:
    """Every attempt of mine at the module's questions, by question, oldest first."""
    module_id = find_module(bundle, module_slug)["id"]
    return attempts(conn, learner, module_id)


def _live_bundle() -> Bundle:
    from roundtable.content.live import load_live_bundle

    return load_live_bundle()


def answers_for_member(
    conn: Connection,
    viewer: Viewer,
    group_id: int,
    user_id: int,
    *,
    bundle: BundleSource = _live_bundle,
) -> MemberAnswers:
    """A group member's answers and feedback, for the group's facilitator or an admin
    (404 no such group or member, 403 not the viewer's group)."""
    name = require_member(conn, viewer, group_id, user_id)
    found = attempts(conn, Learner(user_id=user_id))
    questions = _questions(bundle) if found else {}
    return MemberAnswers(
        user_id, name, [MemberAnswer(a, questions.get(a.segment_id)) for a in found]
    )


def _questions(bundle: BundleSource) -> Mapping[str, QuestionInfo]:
    """Every question segment of the live content by id; empty when it cannot be read."""
    try:
        data = bundle().data
    except Exception:  # answers stay readable when content is broken or unpublished
        logger.exception("course content unavailable: answers are shown without questions")
        return {}
    return {
        segment["id"]: _question_info(module, segment)
        for module in data["modules"].values()
        for outcome in module["outcomes"]
        for section in outcome["sections"]
        for segment in section["segments"]
        if segment["kind"] == "question"
    }


def _question_info(module: Mapping[str, Any], segment: Mapping[str, Any]) -> QuestionInfo:
    return QuestionInfo(
        module["title"], segment.get("title") or "", segment["question"], tuple(segment["levels"])
    )


async def _complete(
    model: ChatModel, messages: list[dict[str, str]], timeout_s: float
) -> tuple[str, int | None]:
    """The model's whole reply and the tokens it reports; TutorTimeoutError past the deadline."""
    parts: list[str] = []
    tokens: int | None = None
    try:
        async with asyncio.timeout(timeout_s):
            async for event in model.stream(messages):
                parts.append(event.text)
                tokens = event.total_tokens or tokens
    except TimeoutError:
        raise TutorTimeoutError("the tutor took too long to assess; please try again") from None
    return "".join(parts), tokens


def _store_failure(engine: Engine, answer_id: int, error: str) -> None:
    with transaction(engine) as conn:
        save_failure(conn, answer_id, error)


def _with_feedback(attempt: AnswerAttempt, feedback: Feedback, at: datetime) -> AnswerAttempt:
    return replace(
        attempt,
        level=feedback.level,
        strengths=feedback.strengths,
        missing=feedback.missing,
        comment=feedback.comment,
        structured=feedback.structured,
        assessed_at=at,
    )
