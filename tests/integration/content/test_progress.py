"""Progress on real Postgres: completion propagation, clamped heartbeats, anonymous claim, views."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, select

from roundtable.content.bundle import Bundle, UnknownContentError, build_bundle
from roundtable.content.progress import (
    Learner,
    LearnerError,
    claim_anonymous_progress,
    completed_ids,
    mark_section_complete,
    record_heartbeat,
)
from roundtable.content.progress_views import course_progress, members_progress, module_progress
from roundtable.db.tables import content_progress
from tests.builders import add_user

DEMO = Path(__file__).resolve().parents[3] / "content"
COURSE = "running-discussion-groups"
MODULE = "why-discuss"  # outcome why-discuss.value: one required section, one optional
REQUIRED = "why-discuss.reading-vs-understanding"
OPTIONAL = "why-discuss.try-it"
T0 = datetime(2025, 3, 3, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return build_bundle(DEMO)[0]


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        yield connection


def _user(conn: Connection, name: str = "Ada Learner") -> Learner:
    return Learner(user_id=add_user(conn, name))


def _id(learner: Learner) -> int:
    assert learner.user_id is not None
    return learner.user_id


def _time(conn: Connection, learner: Learner, content_id: str) -> int:
    query = select(content_progress.c.total_time_s).where(
        learner.owns(), content_progress.c.content_id == content_id
    )
    return int(conn.execute(query).scalar_one())


def _beat(conn: Connection, learner: Learner, bundle: Bundle, at: datetime) -> int:
    return record_heartbeat(
        conn, learner=learner, bundle=bundle, module_slug=MODULE, section_id=REQUIRED, now=at
    )


def test_a_learner_is_a_user_or_a_token_never_both_or_neither() -> None:
    with pytest.raises(LearnerError):
        Learner()
    with pytest.raises(LearnerError):
        Learner(user_id=1, anonymous_token=uuid.uuid4())


def test_completing_the_only_required_section_completes_outcome_and_module(
    conn: Connection, bundle: Bundle
) -> None:
    learner = _user(conn)

    result = mark_section_complete(
        conn, learner=learner, bundle=bundle, module_slug=MODULE, section_id=REQUIRED, now=T0
    )

    assert (result.outcome_completed, result.module_completed) == (True, True)
    done = completed_ids(conn, learner, ("why-discuss.value", "module-why-discuss", OPTIONAL))
    assert done == {"why-discuss.value", "module-why-discuss"}


def test_an_optional_section_alone_does_not_complete_the_module(
    conn: Connection, bundle: Bundle
) -> None:
    learner = _user(conn)

    result = mark_section_complete(
        conn, learner=learner, bundle=bundle, module_slug=MODULE, section_id=OPTIONAL, now=T0
    )

    assert (result.outcome_completed, result.module_completed) == (False, False)


def test_a_module_completes_only_when_every_outcome_is_done(
    conn: Connection, bundle: Bundle
) -> None:
    learner = _user(conn)
    module = "balancing-the-room"

    first = mark_section_complete(
        conn,
        learner=learner,
        bundle=bundle,
        module_slug=module,
        section_id="balancing-the-room.three-moves",
    )
    second = mark_section_complete(
        conn,
        learner=learner,
        bundle=bundle,
        module_slug=module,
        section_id="balancing-the-room.ending",
    )

    assert (first.outcome_completed, first.module_completed) == (True, False)
    assert (second.outcome_completed, second.module_completed) == (True, True)


def test_completing_again_keeps_the_first_completion_time(conn: Connection, bundle: Bundle) -> None:
    learner = _user(conn)
    for at in (T0, T0 + timedelta(days=2)):
        mark_section_complete(
            conn, learner=learner, bundle=bundle, module_slug=MODULE, section_id=REQUIRED, now=at
        )

    stored = conn.execute(
        select(content_progress.c.completed_at).where(content_progress.c.content_id == REQUIRED)
    ).scalar_one()
    assert stored == T0


def test_a_section_from_another_module_is_refused(conn: Connection, bundle: Bundle) -> None:
    with pytest.raises(UnknownContentError, match="good-questions.silence"):
        mark_section_complete(
            conn,
            learner=_user(conn),
            bundle=bundle,
            module_slug=MODULE,
            section_id="good-questions.silence",
        )


def test_heartbeats_count_the_time_between_them(conn: Connection, bundle: Bundle) -> None:
    learner = _user(conn)

    _beat(conn, learner, bundle, T0)
    _beat(conn, learner, bundle, T0 + timedelta(seconds=20))
    total = _beat(conn, learner, bundle, T0 + timedelta(seconds=40))

    assert total == 40
    assert _time(conn, learner, "why-discuss.value") == 40
    assert _time(conn, learner, "module-why-discuss") == 40


def test_a_long_gap_between_heartbeats_counts_as_at_most_forty_seconds(
    conn: Connection, bundle: Bundle
) -> None:
    learner = _user(conn)

    _beat(conn, learner, bundle, T0)
    total = _beat(conn, learner, bundle, T0 + timedelta(hours=3))

    assert total == 40


def test_rapid_or_replayed_heartbeats_cannot_add_more_than_the_clock(
    conn: Connection, bundle: Bundle
) -> None:
    learner = _user(conn)
    _beat(conn, learner, bundle, T0 + timedelta(seconds=30))
    for _ in range(50):
        _beat(conn, learner, bundle, T0 + timedelta(seconds=30))
    total = _beat(conn, learner, bundle, T0)  # a heartbeat from the past adds nothing either

    assert total == 0


def test_concurrent_heartbeats_count_the_elapsed_time_once(engine: Engine, bundle: Bundle) -> None:
    with engine.begin() as conn:
        learner = _user(conn)
        _beat(conn, learner, bundle, T0)
    start = threading.Barrier(4)

    def ping() -> None:
        start.wait()
        with engine.begin() as conn:
            _beat(conn, learner, bundle, T0 + timedelta(seconds=20))

    threads = [threading.Thread(target=ping) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with engine.connect() as conn:
        assert _time(conn, learner, REQUIRED) == 20


def test_anonymous_progress_becomes_the_users_at_login(conn: Connection, bundle: Bundle) -> None:
    token = uuid.uuid4()
    visitor = Learner(anonymous_token=token)
    _beat(conn, visitor, bundle, T0)
    mark_section_complete(
        conn, learner=visitor, bundle=bundle, module_slug=MODULE, section_id=REQUIRED, now=T0
    )
    user = _user(conn)

    claimed = claim_anonymous_progress(conn, anonymous_token=token, user_id=_id(user))

    assert claimed == 3  # section, outcome, module
    assert completed_ids(conn, user, (REQUIRED, "module-why-discuss")) == {
        REQUIRED,
        "module-why-discuss",
    }
    assert completed_ids(conn, visitor, (REQUIRED,)) == set()


def test_claiming_merges_rows_the_user_already_has(conn: Connection, bundle: Bundle) -> None:
    token = uuid.uuid4()
    visitor = Learner(anonymous_token=token)
    user = _user(conn)
    _beat(conn, user, bundle, T0)
    _beat(conn, user, bundle, T0 + timedelta(seconds=30))
    _beat(conn, visitor, bundle, T0 + timedelta(hours=1))
    _beat(conn, visitor, bundle, T0 + timedelta(hours=1, seconds=15))
    mark_section_complete(
        conn,
        learner=visitor,
        bundle=bundle,
        module_slug=MODULE,
        section_id=REQUIRED,
        now=T0 + timedelta(hours=1),
    )

    claim_anonymous_progress(conn, anonymous_token=token, user_id=_id(user))

    assert _time(conn, user, REQUIRED) == 45
    assert REQUIRED in completed_ids(conn, user, (REQUIRED,))
    rows = conn.execute(select(content_progress).where(content_progress.c.content_id == REQUIRED))
    assert len(rows.all()) == 1


def _row(conn: Connection, learner: Learner, content_id: str) -> dict[str, object]:
    query = select(content_progress).where(
        learner.owns(), content_progress.c.content_id == content_id
    )
    return dict(conn.execute(query).one()._mapping)


def test_claiming_keeps_the_users_completion_when_they_have_one(
    conn: Connection, bundle: Bundle
) -> None:
    token = uuid.uuid4()
    visitor = Learner(anonymous_token=token)
    user = _user(conn)
    mark_section_complete(
        conn, learner=visitor, bundle=bundle, module_slug=MODULE, section_id=REQUIRED, now=T0
    )
    later = T0 + timedelta(days=2)
    mark_section_complete(
        conn, learner=user, bundle=bundle, module_slug=MODULE, section_id=REQUIRED, now=later
    )

    claim_anonymous_progress(conn, anonymous_token=token, user_id=_id(user))

    row = _row(conn, user, REQUIRED)
    assert row["completed_at"] == later
    assert row["started_at"] == T0  # the earlier start is kept


def test_claiming_completes_the_users_row_from_an_anonymous_completion(
    conn: Connection, bundle: Bundle
) -> None:
    token = uuid.uuid4()
    visitor = Learner(anonymous_token=token)
    user = _user(conn)
    _beat(conn, user, bundle, T0)
    done_at = T0 + timedelta(hours=3)
    mark_section_complete(
        conn, learner=visitor, bundle=bundle, module_slug=MODULE, section_id=REQUIRED, now=done_at
    )

    claim_anonymous_progress(conn, anonymous_token=token, user_id=_id(user))

    row = _row(conn, user, REQUIRED)
    assert row["completed_at"] == done_at
    assert row["started_at"] == T0
    assert completed_ids(conn, user, ("module-why-discuss",)) == {"module-why-discuss"}


def test_claiming_a_token_twice_adds_its_time_once(conn: Connection, bundle: Bundle) -> None:
    token = uuid.uuid4()
    visitor = Learner(anonymous_token=token)
    user = _user(conn)
    _beat(conn, user, bundle, T0)
    _beat(conn, user, bundle, T0 + timedelta(seconds=10))
    _beat(conn, visitor, bundle, T0)
    _beat(conn, visitor, bundle, T0 + timedelta(seconds=25))

    first = claim_anonymous_progress(conn, anonymous_token=token, user_id=_id(user))
    second = claim_anonymous_progress(conn, anonymous_token=token, user_id=_id(user))

    assert (first, second) == (3, 0)
    assert _time(conn, user, REQUIRED) == 35


def test_course_progress_groups_modules_by_meeting_and_points_to_the_next(
    conn: Connection, bundle: Bundle
) -> None:
    learner = _user(conn)
    mark_section_complete(
        conn, learner=learner, bundle=bundle, module_slug=MODULE, section_id=REQUIRED
    )

    progress = course_progress(conn, learner=learner, bundle=bundle, course_slug=COURSE)

    assert [(u.meeting, [m.slug for m in u.modules]) for u in progress.units] == [
        (1, ["why-discuss"]),
        (2, ["good-questions"]),
        (3, ["balancing-the-room", "facilitator-checklist"]),
    ]
    assert progress.units[0].modules[0].status == "completed"
    assert progress.units[1].modules[0].status == "not_started"
    assert progress.next_module == "good-questions"


def test_module_progress_shows_each_section(conn: Connection, bundle: Bundle) -> None:
    learner = _user(conn)
    mark_section_complete(
        conn,
        learner=learner,
        bundle=bundle,
        module_slug="good-questions",
        section_id="good-questions.silence",
    )

    progress = module_progress(conn, learner=learner, bundle=bundle, module_slug="good-questions")

    assert progress.status == "in_progress"
    assert (progress.required_done, progress.required_total) == (1, 2)
    assert [s.completed for s in progress.sections] == [False, True]


def test_a_facilitator_sees_each_members_progress(conn: Connection, bundle: Bundle) -> None:
    keen, idle = _user(conn, "Keen"), _user(conn, "Idle")
    mark_section_complete(
        conn, learner=keen, bundle=bundle, module_slug=MODULE, section_id=REQUIRED
    )

    group = members_progress(
        conn,
        user_ids=[_id(keen), _id(idle)],
        bundle=bundle,
        course_slug=COURSE,
    )

    assert group[_id(keen)].next_module == "good-questions"
    assert group[_id(idle)].next_module == "why-discuss"
