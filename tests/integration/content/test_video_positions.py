"""Where a learner stopped in a video, on real Postgres: clamped, one row per learner and
segment, and claimed at login with the rest of the anonymous visitor's work."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select

from roundtable.auth.accounts import claim_anonymous_work
from roundtable.content.bundle import Bundle, UnknownContentError, build_bundle
from roundtable.content.learning import view_module
from roundtable.content.progress import Learner
from roundtable.content.video_positions import positions_of, save_video_position
from roundtable.db.tables import video_positions
from roundtable.errors import ValidationError
from tests.builders import add_user

DEMO = Path(__file__).resolve().parents[3] / "content"
MODULE = "balancing-the-room"
VIDEO = "balancing-the-room.three-moves.video"  # from 1:00 to 3:05
T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return build_bundle(DEMO)[0]


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        yield connection


def _save(
    conn: Connection, bundle: Bundle, learner: Learner, position: float, at: datetime = T0
) -> int:
    return save_video_position(
        conn,
        learner=learner,
        bundle=bundle,
        module_slug=MODULE,
        segment_id=VIDEO,
        position_s=position,
        now=at,
    )


def test_the_last_position_saved_is_the_one_kept(conn: Connection, bundle: Bundle) -> None:
    learner = Learner(user_id=add_user(conn, "Ada"))

    _save(conn, bundle, learner, 75.9)
    _save(conn, bundle, learner, 83.2, T0 + timedelta(seconds=10))

    assert positions_of(conn, learner, [VIDEO]) == {VIDEO: 83}
    assert conn.scalar(select(func.count()).select_from(video_positions)) == 1


@pytest.mark.parametrize(("sent", "kept"), [(0, 60), (59.5, 60), (185, 185), (400, 185)])
def test_a_position_is_kept_within_the_excerpt(
    conn: Connection, bundle: Bundle, sent: float, kept: int
) -> None:
    learner = Learner(anonymous_token=uuid.uuid4())

    assert _save(conn, bundle, learner, sent) == kept
    assert positions_of(conn, learner, [VIDEO]) == {VIDEO: kept}


@pytest.mark.parametrize("sent", [-1, float("nan"), float("inf"), 86_401])
def test_a_number_that_is_no_position_is_refused_and_nothing_is_written(
    conn: Connection, bundle: Bundle, sent: float
) -> None:
    with pytest.raises(ValidationError, match="position_s must be") as caught:
        _save(conn, bundle, Learner(anonymous_token=uuid.uuid4()), sent)

    assert caught.value.field == "position_s"
    assert conn.execute(select(video_positions)).first() is None


def test_only_a_video_segment_has_a_position(conn: Connection, bundle: Bundle) -> None:
    learner = Learner(anonymous_token=uuid.uuid4())
    with pytest.raises(ValidationError, match="is a chat, not a video"):
        save_video_position(
            conn,
            learner=learner,
            bundle=bundle,
            module_slug=MODULE,
            segment_id="balancing-the-room.three-moves.chat",
            position_s=70,
        )
    with pytest.raises(UnknownContentError):
        save_video_position(
            conn,
            learner=learner,
            bundle=bundle,
            module_slug=MODULE,
            segment_id="no.such.video",
            position_s=70,
        )


def test_each_learner_has_their_own_position(conn: Connection, bundle: Bundle) -> None:
    ada = Learner(user_id=add_user(conn, "Ada"))
    visitor = Learner(anonymous_token=uuid.uuid4())
    _save(conn, bundle, ada, 90)
    _save(conn, bundle, visitor, 120)

    assert positions_of(conn, ada, [VIDEO]) == {VIDEO: 90}
    assert positions_of(conn, visitor, [VIDEO]) == {VIDEO: 120}
    assert positions_of(conn, Learner(anonymous_token=uuid.uuid4()), [VIDEO]) == {}


def test_the_module_view_carries_my_positions(conn: Connection, bundle: Bundle) -> None:
    learner = Learner(user_id=add_user(conn, "Ada"))
    assert (
        view_module(conn, learner=learner, bundle=bundle, module_slug=MODULE).video_positions == {}
    )

    _save(conn, bundle, learner, 100)

    view = view_module(conn, learner=learner, bundle=bundle, module_slug=MODULE)
    assert view.video_positions == {VIDEO: 100}


def test_login_gives_the_user_the_anonymous_position(conn: Connection, bundle: Bundle) -> None:
    token = uuid.uuid4()
    _save(conn, bundle, Learner(anonymous_token=token), 130)
    user_id = add_user(conn, "Ada")

    claimed = claim_anonymous_work(conn, user_id, token, T0)

    assert claimed.video_positions == 1
    assert positions_of(conn, Learner(user_id=user_id), [VIDEO]) == {VIDEO: 130}
    assert positions_of(conn, Learner(anonymous_token=token), [VIDEO]) == {}


@pytest.mark.parametrize(
    ("anonymous_at", "kept"), [(T0 + timedelta(minutes=5), 130), (T0 - timedelta(minutes=5), 90)]
)
def test_when_both_have_a_position_the_one_saved_last_wins(
    conn: Connection, bundle: Bundle, anonymous_at: datetime, kept: int
) -> None:
    user_id = add_user(conn, "Ada")
    token = uuid.uuid4()
    _save(conn, bundle, Learner(user_id=user_id), 90, T0)
    _save(conn, bundle, Learner(anonymous_token=token), 130, anonymous_at)

    claim_anonymous_work(conn, user_id, token, T0 + timedelta(hours=1))

    assert positions_of(conn, Learner(user_id=user_id), [VIDEO]) == {VIDEO: kept}
    assert conn.scalar(select(func.count()).select_from(video_positions)) == 1
