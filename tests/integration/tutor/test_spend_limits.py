"""Issue 16, finding 1: the tutor's spend is capped per learner and for everyone together,
whatever address or anonymous token a caller presents."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from roundtable.config import get_settings
from roundtable.content.progress import Learner
from roundtable.errors import RateLimitedError
from roundtable.tutor.quota import PER_LEARNER, admit_message

NOON = datetime(2026, 3, 2, 12, 0, 5, tzinfo=UTC)


def test_the_tutor_is_capped_for_everyone_together(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_GLOBAL_HOURLY_MESSAGES", "5")
    settings = get_settings()
    for n in range(5):  # five different visitors from five addresses
        anonymous = Learner(anonymous_token=uuid.uuid4())
        admit_message(engine, anonymous, f"203.0.113.{n}", NOON, settings)
    with pytest.raises(RateLimitedError, match="everyone") as refused:
        admit_message(engine, Learner(user_id=1), "198.51.100.1", NOON, settings)
    assert 0 < (refused.value.retry_after or 0) <= 3600
    later = NOON + timedelta(hours=1)
    admit_message(engine, Learner(user_id=1), "198.51.100.1", later, settings)


def test_the_tutor_is_capped_per_signed_in_learner_from_any_address(engine: Engine) -> None:
    settings = get_settings()
    user = Learner(user_id=7)
    for n in range(PER_LEARNER.hits):
        admit_message(engine, user, f"203.0.113.{n}", NOON, settings)
    with pytest.raises(RateLimitedError):
        admit_message(engine, user, "198.51.100.200", NOON, settings)
    admit_message(engine, Learner(user_id=8), "198.51.100.200", NOON, settings)  # others go on


def test_anonymous_visitors_stay_capped_per_address(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    from roundtable.tutor.quota import ANONYMOUS_PER_ADDRESS

    for _ in range(ANONYMOUS_PER_ADDRESS.hits):
        admit_message(engine, Learner(anonymous_token=uuid.uuid4()), "203.0.113.1", NOON, settings)
    with pytest.raises(RateLimitedError):
        admit_message(engine, Learner(anonymous_token=uuid.uuid4()), "203.0.113.1", NOON, settings)
