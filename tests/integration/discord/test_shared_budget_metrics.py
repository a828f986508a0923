"""The shared Discord budget is watched: the time calls wait for a permit and the invalid
answers it counts reach CloudWatch as embedded metrics (the sink a Lambda function uses,
its stdout parsed as CloudWatch would), for the alarms in template.yaml."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from roundtable_edge.observability import NAMESPACE, EmfSink
from sqlalchemy import Engine

from roundtable import telemetry
from roundtable.discord.rest import DiscordApiError
from tests.fakes.discord import FakeDiscord
from tests.integration.discord.test_shared_rate_budget import (
    _post_to_own_channels,
    _run_workers,
    _shared_client,
)


@pytest.fixture
def emf(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Call emf() after the work: the EMF documents the function's sink would print."""
    sink = EmfSink()
    previous = telemetry.set_sink(sink)
    capsys.readouterr()

    def documents() -> list[dict[str, Any]]:
        sink.flush()
        lines = capsys.readouterr().out.splitlines()
        return [doc for doc in map(_json, lines) if isinstance(doc, dict) and "_aws" in doc]

    try:
        yield documents
    finally:
        telemetry.set_sink(previous)


def _json(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def _metric(documents: list[dict[str, Any]], name: str) -> list[tuple[float, str, dict[str, str]]]:
    """(value, unit, dimensions) of `name` in each document that carries it."""
    found = []
    for doc in documents:
        (directive,) = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE
        units = {m["Name"]: m.get("Unit") for m in directive["Metrics"]}
        if name in units:
            dimensions = {key: doc[key] for key in directive["Dimensions"][0]}
            value = doc[name]  # a list when a metric carries several values
            total = sum(value) if isinstance(value, list) else value
            found.append((float(total), str(units[name]), dimensions))
    return found


def test_workers_waiting_for_permits_emit_the_calls_that_waited_and_the_seconds(
    fake_discord: FakeDiscord, engine: Engine, emf: Any
) -> None:
    # Four workers, 5 calls each, against a budget of 10 a second: 20 calls take about
    # two seconds, so all but the first few wait for their slot.
    workers = [_shared_client(fake_discord, engine, rate=10) for _ in range(4)]
    assert _run_workers(workers, _post_to_own_channels(5)) == []

    documents = emf()
    ((waits, unit, dimensions),) = _metric(documents, "DiscordPermitWaits")
    ((seconds, _, _),) = _metric(documents, "DiscordPermitWaitSeconds")
    assert (unit, dimensions) == ("Count", {})
    assert 10 <= waits <= 20 + 10  # a permit a late wake-up missed is asked for again
    # The 20th slot is about 1.9 s after the first; the waits add up past that.
    assert seconds > 1.5
    assert _metric(documents, "DiscordInvalidRequests") == []


def test_a_lone_worker_under_its_pace_emits_no_waiting(
    fake_discord: FakeDiscord, engine: Engine, emf: Any
) -> None:
    client = _shared_client(fake_discord, engine, rate=45)
    client.send_message("400000000000000001", {"content": "one call, no wait"})
    assert _metric(emf(), "DiscordPermitWaits") == []


def test_invalid_answers_are_counted_by_status_for_the_ban_alarm(
    fake_discord: FakeDiscord, engine: Engine, emf: Any
) -> None:
    closed = "300000000000000001"
    fake_discord.dms_closed.add(closed)
    channel = fake_discord.open_dm_channel(closed)
    client = _shared_client(fake_discord, engine, limit=100)
    for _ in range(3):
        with pytest.raises(DiscordApiError) as refused:
            client.send_message(channel, {"content": "hello"})
        assert refused.value.status == 403

    assert _metric(emf(), "DiscordInvalidRequests") == [(3.0, "Count", {"Status": "403"})]
    assert fake_discord.invalid_requests == 3
