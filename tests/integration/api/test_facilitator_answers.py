"""Facilitators read their own group's learners' assessed answers; nobody else does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from roundtable.content.progress import Learner
from roundtable.db.engine import transaction
from roundtable.tutor.assessment_prompt import Feedback
from roundtable.tutor.assessment_store import add_attempt, save_feedback
from tests.integration.api.builders import World

ClientFor = Callable[[int | None], TestClient]
NOW = datetime.now(UTC)
QUESTION = "facilitator-checklist.checklist.opening"


def _answer(engine: Engine, user_id: int, text: str, level: str | None) -> None:
    with transaction(engine) as conn:
        saved = add_attempt(
            conn,
            Learner(user_id=user_id),
            module_id="module-facilitator-checklist",
            section_id="facilitator-checklist.checklist",
            segment_id=QUESTION,
            answer=text,
            now=NOW,
        )
        feedback = Feedback(("Clear opening.",), ("No plan for silence.",), level, "Good.", True)
        save_feedback(conn, saved.id, feedback, 120, NOW)


def test_the_groups_facilitator_reads_every_attempt_with_its_feedback_and_question(
    world: World, client_for: ClientFor, engine: Engine
) -> None:
    _answer(engine, world.learner, "Names, then one question.", "beginning")
    _answer(engine, world.learner, "Names, one question, then wait and offer an answer.", "ready")

    base = f"/api/facilitator/groups/{world.group}/members/{world.learner}"
    found = client_for(world.fac_here).get(f"{base}/answers")

    assert found.status_code == 200, found.text
    body = found.json()
    assert body["display_name"] == "Lena Learner"
    first, second = body["answers"]
    assert [first["attempt"], second["attempt"]] == [1, 2]
    assert second["answer"].endswith("offer an answer.") and second["level"] == "ready"
    assert first["strengths"] == ["Clear opening."] and first["missing"] == ["No plan for silence."]
    assert second["question_title"] == "Plan your opening"  # from the live (demo) content
    assert second["module_title"] == "A facilitator's checklist"
    assert second["levels"] == ["beginning", "developing", "ready"]
    assert "first ten minutes" in second["question"]
    assert "rubric" not in second


def test_an_admin_reads_them_too(world: World, client_for: ClientFor, engine: Engine) -> None:
    _answer(engine, world.learner, "My plan.", "developing")
    base = f"/api/facilitator/groups/{world.group}/members/{world.learner}"
    answers = client_for(world.admin).get(f"{base}/answers").json()["answers"]
    assert [a["answer"] for a in answers] == ["My plan."]


def test_another_groups_facilitator_and_learners_cannot_read_them(
    world: World, client_for: ClientFor, engine: Engine
) -> None:
    _answer(engine, world.learner, "My private plan.", "developing")
    path = f"/api/facilitator/groups/{world.group}/members/{world.learner}/answers"

    assert client_for(world.fac_other).get(path).status_code == 403
    assert client_for(world.other_learner).get(path).status_code == 403
    assert client_for(world.learner).get(path).status_code == 403  # not even their own here
    assert client_for(None).get(path).status_code == 401
    # A facilitator cannot reach a learner of another group through their own group.
    elsewhere = f"/api/facilitator/groups/{world.group}/members/{world.other_learner}/answers"
    assert client_for(world.fac_here).get(elsewhere).status_code == 404


def test_the_timeline_counts_the_questions_each_learner_answered(
    world: World, client_for: ClientFor, engine: Engine
) -> None:
    _answer(engine, world.learner, "First try.", "beginning")
    _answer(engine, world.learner, "Second try.", "ready")

    timeline = client_for(world.fac_here).get(f"/api/facilitator/groups/{world.group}/timeline")

    assert timeline.status_code == 200, timeline.text
    (member,) = timeline.json()["members"]
    assert member["answers"] == 1  # two attempts at one question
