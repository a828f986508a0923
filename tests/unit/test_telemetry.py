"""roundtable.telemetry: the port the domain emits metrics and binds correlation ids through."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

import pytest

from roundtable import telemetry
from roundtable.telemetry import Emitted, MemorySink, NullSink


def test_count_reaches_the_sink_with_its_dimensions_as_text() -> None:
    with telemetry.recording() as sink:
        telemetry.count("JobsFailed", Kind="publish")
        telemetry.count("ExternalCalls", 3, Service="google_calendar")

    assert sink.emitted == [
        Emitted("JobsFailed", 1, "Count", {"Kind": "publish"}, "count"),
        Emitted("ExternalCalls", 3, "Count", {"Service": "google_calendar"}, "count"),
    ]


def test_dimensions_are_text_and_none_dimensions_are_left_out() -> None:
    with telemetry.recording() as sink:
        telemetry.count("NotificationsSent", Kind="meeting_reminder_1h", Channel=None, Attempt=2)

    assert sink.emitted[0].dimensions == {"Kind": "meeting_reminder_1h", "Attempt": "2"}


def test_measure_keeps_the_value_and_its_unit() -> None:
    with telemetry.recording() as sink:
        telemetry.measure("SchedulingSeconds", 12.5, "Seconds")
        telemetry.measure("SchedulingGap", 0.0, "Percent")

    assert [(e.name, e.value, e.unit, e.kind) for e in sink.emitted] == [
        ("SchedulingSeconds", 12.5, "Seconds", "measure"),
        ("SchedulingGap", 0.0, "Percent", "measure"),
    ]


def test_memory_sink_totals_over_matching_dimensions() -> None:
    with telemetry.recording() as sink:
        telemetry.count("NotificationsSent", Kind="welcome", Channel="email")
        telemetry.count("NotificationsSent", Kind="welcome", Channel="discord_dm")
        telemetry.count("NotificationsSent", 2, Kind="meeting_reminder_1h", Channel="email")

    assert sink.total("NotificationsSent") == 4
    assert sink.total("NotificationsSent", Channel="email") == 3
    assert sink.total("NotificationsSent", Kind="welcome", Channel="discord_dm") == 1
    assert sink.total("NotificationsFailed") == 0


def test_an_unknown_metric_name_is_dropped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with telemetry.recording() as sink, caplog.at_level(logging.ERROR, "roundtable.telemetry"):
        telemetry.count("JobsFialed", Kind="publish")
        telemetry.measure("SchedulingSecs", 1.0, "Seconds")

    assert sink.emitted == []
    assert ["JobsFialed" in m or "SchedulingSecs" in m for m in caplog.messages] == [True, True]


class _BrokenSink:
    def count(self, name: str, value: float, dimensions: Mapping[str, str]) -> None:
        raise RuntimeError("metrics backend down")

    def measure(
        self, name: str, value: float, unit: telemetry.Unit, dimensions: Mapping[str, str]
    ) -> None:
        raise RuntimeError("metrics backend down")


def test_a_failing_sink_never_fails_the_work(caplog: pytest.LogCaptureFixture) -> None:
    previous = telemetry.set_sink(_BrokenSink())
    try:
        with caplog.at_level(logging.WARNING, "roundtable.telemetry"):
            telemetry.count("JobsSucceeded", Kind="echo")
            telemetry.measure("SchedulingGap", 1.0, "Percent")
    finally:
        telemetry.set_sink(previous)

    assert len(caplog.records) == 2
    assert all("dropped" in r.getMessage() for r in caplog.records)


def test_set_sink_returns_the_previous_one_and_none_means_nowhere() -> None:
    first = MemorySink()
    original = telemetry.set_sink(first)
    try:
        assert telemetry.set_sink(None) is first
        telemetry.count("JobsSucceeded", Kind="echo")  # goes nowhere, raises nothing
        assert isinstance(telemetry.set_sink(first), NullSink)
        assert first.emitted == []
    finally:
        telemetry.set_sink(original)


def test_recording_gives_the_previous_sink_back() -> None:
    outer = MemorySink()
    original = telemetry.set_sink(outer)
    try:
        with telemetry.recording() as inner:
            telemetry.count("TutorErrors", Error="tutor_busy")
        telemetry.count("TutorTokens", 120)
    finally:
        telemetry.set_sink(original)

    assert [e.name for e in inner.emitted] == ["TutorErrors"]
    assert [e.name for e in outer.emitted] == ["TutorTokens"]


def test_bind_nests_adds_and_restores_and_leaves_out_none() -> None:
    assert dict(telemetry.bound_ids()) == {}
    with telemetry.bind(job_id=7, cohort_id=None):
        assert dict(telemetry.bound_ids()) == {"job_id": 7}
        with telemetry.bind(cohort_id=3, job_kind="publish"):
            inner = {"job_id": 7, "cohort_id": 3, "job_kind": "publish"}
            assert dict(telemetry.bound_ids()) == inner
        assert dict(telemetry.bound_ids()) == {"job_id": 7}
    assert dict(telemetry.bound_ids()) == {}


def test_bind_restores_the_ids_when_the_block_raises() -> None:
    with pytest.raises(ValueError), telemetry.bind(job_id=1):
        raise ValueError("job failed")
    assert dict(telemetry.bound_ids()) == {}


def test_bound_ids_belong_to_their_thread() -> None:
    seen: list[dict[str, object]] = []
    with telemetry.bind(interaction_id="111"):
        other = threading.Thread(target=lambda: seen.append(dict(telemetry.bound_ids())))
        other.start()
        other.join()
        assert dict(telemetry.bound_ids()) == {"interaction_id": "111"}
    assert seen == [{}]


def test_the_sink_is_shared_by_every_thread() -> None:
    with telemetry.recording() as sink:
        threads = [
            threading.Thread(target=lambda: telemetry.count("ExternalCalls", Service="discord"))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sink.total("ExternalCalls", Service="discord") == 8
