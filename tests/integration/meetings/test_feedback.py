"""Feedback after each meeting (roundtable.meetings.feedback) on a real database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from roundtable.db.tables import meeting_feedback
from roundtable.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from roundtable.meetings.feedback import (
    DEFAULT_FORM,
    Form,
    Question,
    cohort_feedback,
    feedback_form,
    form_from_course,
    group_feedback,
    open_feedback,
    submit_feedback,
)
from roundtable.people.profiles import get_viewer
from tests import builders

START = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
AFTER = START + timedelta(minutes=65)  # the meeting ended five minutes ago

COURSE_FORM = Form(
    anonymous=False,
    questions=(
        Question("useful", "rating", "How useful was it?", True),
        Question("change", "text", "What should change?", False),
    ),
)


def _forms(form: Form = COURSE_FORM) -> Any:
    return lambda slug: form if slug == "intro" else DEFAULT_FORM


@pytest.fixture
def cohort(engine: Engine) -> dict[str, Any]:
    with engine.begin() as conn:
        cohort = builders.add_cohort(conn, "Spring", start_date=START.date())
        people = {
            name: builders.add_user(conn, name) for name in ("Ana", "Ben", "Cy", "Fay", "Sam")
        }
        admin = builders.add_user(conn, "Ada", admin=True)
        owls = builders.add_group(conn, cohort, "Night Owls", first_meeting_at=START)
        larks = builders.add_group(conn, cohort, "Larks", first_meeting_at=START)
        for name in ("Ana", "Ben", "Cy"):
            builders.add_member(conn, owls, people[name], cohort)
        builders.add_member(conn, owls, people["Fay"], cohort, "facilitator")
        builders.add_member(conn, larks, people["Sam"], cohort)
        meetings = {
            (group, n): builders.add_meeting(
                conn, group, cohort, n, START + timedelta(days=7 * (n - 1))
            )
            for group in (owls, larks)
            for n in (1, 2, 3)
        }
        viewers = {name: get_viewer(conn, uid) for name, uid in {**people, "Ada": admin}.items()}
    return {"id": cohort, "owls": owls, "larks": larks, "meetings": meetings, **viewers}


def _submit(
    engine: Engine, who: Any, meeting: int, values: dict[str, Any], now: datetime = AFTER
) -> Any:
    with engine.begin() as conn:
        return submit_feedback(conn, who, meeting, values, now, _forms())


def test_a_learner_answers_the_courses_form_once_and_can_change_it(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    first = cohort["meetings"][(cohort["owls"], 1)]

    saved = _submit(engine, cohort["Ana"], first, {"useful": 4, "change": "  More time  "})
    again = _submit(engine, cohort["Ana"], first, {"useful": 2}, AFTER + timedelta(hours=1))

    assert saved.replaced is False and again.replaced is True
    assert [(a.question_id, a.value) for a in again.feedback.answers] == [("useful", 2)]
    assert again.feedback.answered_at == AFTER + timedelta(hours=1)
    with engine.connect() as conn:
        rows = conn.execute(select(meeting_feedback.c.rating, meeting_feedback.c.answers)).all()
    assert len(rows) == 1 and rows[0].rating == 2
    assert rows[0].answers == [
        {"id": "useful", "kind": "rating", "text": "How useful was it?", "value": 2}
    ]


def test_the_form_shows_the_questions_my_answers_and_when_it_is_open(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    first = cohort["meetings"][(cohort["owls"], 1)]
    _submit(engine, cohort["Ana"], first, {"useful": 5, "change": "Nothing"})

    with engine.connect() as conn:
        before = feedback_form(conn, cohort["Ana"], first, START, _forms())
        during = feedback_form(conn, cohort["Ana"], first, START + timedelta(minutes=50), _forms())
        late = feedback_form(conn, cohort["Ana"], first, START + timedelta(days=15), _forms())

    assert (before.state, during.state, late.state) == ("not_open", "open", "closed")
    assert [q.id for q in during.questions] == ["useful", "change"]
    assert {a.question_id: a.value for a in during.answers} == {"useful": 5, "change": "Nothing"}
    assert during.group_name == "Night Owls" and during.meeting_number == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"change": "no rating"}, "Please answer “How useful was it?”"),
        ({"useful": 6}, "takes a rating from 1 to 5"),
        ({"useful": True}, "takes a rating from 1 to 5"),
        ({"useful": "4"}, "takes a rating from 1 to 5"),
        ({"useful": 3, "change": 7}, "takes a text answer"),
        ({"useful": 3, "change": "x" * 2001}, "2,001 characters"),
        ({"useful": 3, "colour": "blue"}, "no question 'colour'"),
    ],
)
def test_bad_answers_are_refused_by_name_and_nothing_is_stored(
    engine: Engine, cohort: dict[str, Any], values: dict[str, Any], message: str
) -> None:
    first = cohort["meetings"][(cohort["owls"], 1)]

    with pytest.raises(ValidationError, match=re.escape(message)):
        _submit(engine, cohort["Ana"], first, values)

    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(meeting_feedback)) == 0


def test_only_the_groups_learners_answer_and_only_while_the_form_is_open(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    first = cohort["meetings"][(cohort["owls"], 1)]

    with pytest.raises(PermissionDeniedError, match="Only members of Night Owls"):
        _submit(engine, cohort["Sam"], first, {"useful": 5})
    with pytest.raises(PermissionDeniedError, match="you read their answers"):
        _submit(engine, cohort["Fay"], first, {"useful": 5})
    with pytest.raises(NotFoundError):
        _submit(engine, cohort["Ana"], 999_999, {"useful": 5})
    with pytest.raises(ConflictError, match="opens ten minutes before it ends"):
        _submit(engine, cohort["Ana"], first, {"useful": 5}, START)
    with pytest.raises(ConflictError, match="closed two weeks after"):
        _submit(engine, cohort["Ana"], first, {"useful": 5}, START + timedelta(days=15))


def _answer_week_one(engine: Engine, cohort: dict[str, Any]) -> None:
    first = cohort["meetings"][(cohort["owls"], 1)]
    _submit(engine, cohort["Ana"], first, {"useful": 5, "change": "Shorter intro"})
    _submit(engine, cohort["Ben"], first, {"useful": 3}, AFTER + timedelta(minutes=1))
    larks_first = cohort["meetings"][(cohort["larks"], 1)]
    _submit(engine, cohort["Sam"], larks_first, {"useful": 1, "change": "Too quiet"})


def test_the_facilitator_reads_their_groups_answers_with_names(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    _answer_week_one(engine, cohort)

    with engine.connect() as conn:
        seen = group_feedback(
            conn, cohort["Fay"], cohort["owls"], START + timedelta(days=8), _forms()
        )

    assert [m.meeting_number for m in seen.meetings] == [1, 2]  # meeting 3 has not started
    week_one = seen.meetings[0]
    assert (week_one.members, week_one.average_rating) == (3, 4.0)
    assert [(r.author_name, r.rating) for r in week_one.responses] == [("Ana", 5), ("Ben", 3)]
    assert seen.meetings[1].responses == () and seen.meetings[1].average_rating is None
    assert seen.rating_question == "How useful was it?"


def test_an_anonymous_course_hides_who_answered_and_when(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    _answer_week_one(engine, cohort)
    anonymous = Form(True, COURSE_FORM.questions)

    with engine.connect() as conn:
        seen = group_feedback(conn, cohort["Fay"], cohort["owls"], AFTER, _forms(anonymous))

    responses = seen.meetings[0].responses
    assert seen.anonymous is True
    assert {r.rating for r in responses} == {5, 3}
    assert all(
        r.author_id is None and r.author_name is None and r.answered_at is None for r in responses
    )


def test_nobody_else_reads_a_groups_feedback(engine: Engine, cohort: dict[str, Any]) -> None:
    with engine.connect() as conn:
        with pytest.raises(PermissionDeniedError):
            group_feedback(conn, cohort["Ana"], cohort["owls"], AFTER, _forms())
        with pytest.raises(PermissionDeniedError):
            cohort_feedback(conn, cohort["Fay"], cohort["id"], AFTER, _forms())
        admin_view = group_feedback(conn, cohort["Ada"], cohort["owls"], AFTER, _forms())
    assert admin_view.group_name == "Night Owls"


def test_the_admin_summary_goes_week_by_week_and_group_by_group(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    _answer_week_one(engine, cohort)
    second = cohort["meetings"][(cohort["owls"], 2)]
    _submit(engine, cohort["Cy"], second, {"useful": 4}, AFTER + timedelta(days=7))

    with engine.connect() as conn:
        summary = cohort_feedback(
            conn, cohort["Ada"], cohort["id"], START + timedelta(days=8), _forms()
        )

    weeks = {w.meeting_number: w for w in summary.weeks}
    assert sorted(weeks) == [1, 2]
    assert (weeks[1].responses, weeks[1].meetings_held, weeks[1].average_rating) == (3, 2, 3.0)
    assert weeks[1].distribution == (1, 0, 1, 0, 1)
    assert (weeks[2].responses, weeks[2].average_rating) == (1, 4.0)
    groups = {g.group_name: g for g in summary.groups}
    assert (groups["Night Owls"].responses, groups["Night Owls"].average_rating) == (3, 4.0)
    assert groups["Night Owls"].latest_rating == 4.0
    assert (groups["Larks"].responses, groups["Larks"].latest_rating) == (1, 1.0)


def test_a_course_without_a_form_asks_the_default_one() -> None:
    assert form_from_course({"slug": "intro"}) is DEFAULT_FORM
    form = form_from_course(
        {
            "feedback": {
                "anonymous": True,
                "questions": [{"id": "q", "kind": "text", "text": "Why?"}],
            }
        }
    )
    assert form.anonymous is True and form.questions == (Question("q", "text", "Why?", False),)
    assert form.rating_question is None


def test_my_open_forms_are_my_meetings_that_ended_lately_answered_or_not(
    engine: Engine, cohort: dict[str, Any]
) -> None:
    owls = cohort["owls"]
    _submit(engine, cohort["Ana"], cohort["meetings"][(owls, 1)], {"useful": 4})
    week_two = START + timedelta(days=7, minutes=65)

    with engine.connect() as conn:
        mine = open_feedback(conn, cohort["Ana"], week_two, _forms())
        facilitator = open_feedback(conn, cohort["Fay"], week_two, _forms())
        much_later = open_feedback(conn, cohort["Ana"], START + timedelta(days=40), _forms())

    assert [(f.meeting_number, f.answered_at is not None) for f in mine] == [(2, False), (1, True)]
    assert facilitator == [] and much_later == []
