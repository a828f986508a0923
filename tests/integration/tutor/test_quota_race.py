"""Quotas on real Postgres: two messages sent at once cannot both take the last one."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from roundtable.content.bundle import Bundle, build_bundle
from roundtable.content.learners import LearnerIdentity
from roundtable.content.progress import Learner
from roundtable.db.tables import chat_messages
from roundtable.errors import RateLimitedError
from roundtable.tutor.chat import begin_turn
from roundtable.tutor.quota import Quota

DEMO = Path(__file__).resolve().parents[3] / "content"


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    return build_bundle(DEMO)[0]


def test_messages_sent_at_once_with_one_left_in_the_quota_save_exactly_one(
    engine: Engine, bundle: Bundle
) -> None:
    rounds, senders = 8, 4
    for _ in range(rounds):  # each round a new learner with one message left
        identity = LearnerIdentity(Learner(anonymous_token=uuid.uuid4()))
        outcomes = _send_at_once(engine, bundle, identity, senders)
        assert sorted(outcomes) == ["refused"] * (senders - 1) + ["saved"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(chat_messages)) == rounds


def _send_at_once(
    engine: Engine, bundle: Bundle, identity: LearnerIdentity, senders: int
) -> list[str]:
    start = threading.Barrier(senders)
    outcomes: list[str] = []

    def send(text: str) -> None:
        start.wait()
        try:
            begin_turn(
                engine,
                identity=identity,
                bundle=bundle,
                module_slug="why-discuss",
                section_id="why-discuss.reading-vs-understanding",
                segment_id="why-discuss.reading-vs-understanding.chat",
                text=text,
                quota=Quota(messages=1, tokens=10_000),
                now=datetime.now(UTC),
            )
            outcomes.append("saved")
        except RateLimitedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=send, args=(f"message {i}",)) for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes
