"""The dive's relaxation started before the preferences search where the dive's runner
leaves the linking rows out (phase_preferences._relaxation_beside_the_search): it is
started without the search's plan and not loose, and the whole schedule is the same as
with the relaxation started after the search, so the search's timing cannot change it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from roundtable.scheduling import phase_preferences
from roundtable.scheduling.generate import generate_instance
from roundtable.scheduling.instance import parse_instance, result_document
from roundtable.scheduling.scheduler import schedule
from tests.unit.scheduling.validator import validate


def _narrow_cohort(size: int) -> dict[str, Any]:
    """A sweep-like sparse cohort (narrow options, spanning the spring clock changes)."""
    params = {"cohort_start_date": "2025-03-03", "number_of_meetings": 8}
    return generate_instance(size, seed=size, params=params, narrow=True)


def _solved(document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The answer as a document and every phase's result, without its seconds."""
    params, people, existing = parse_instance(document)
    result = schedule(people, params, existing, seed=1, time_limit=60.0)
    lines = [re.sub(r"[\d.]+ s\b", "", line) for line in result.stats.phases]
    return result_document(result, params), lines


def _starts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, bool]]:
    """Every relaxation started from now on: (its plan, whether loose)."""
    started: list[tuple[Any, bool]] = []
    start = phase_preferences.start_relaxation

    def recorded(runner: Any, name: str, budget: float, plan: Any = None, loose: bool = False):  # type: ignore[no-untyped-def]
        started.append((plan, loose))
        return start(runner, name, budget, plan, loose)

    monkeypatch.setattr(phase_preferences, "start_relaxation", recorded)
    return started


@pytest.mark.parametrize("size", [100, 160])
def test_the_relaxation_before_the_search_gives_the_same_schedule_as_after_it(
    size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the linking rows left out and the dive preferred on every part that pays a seat more
    monkeypatch.setattr("roundtable.scheduling.lp_dive._LINKING_NONZEROS", 0.0)
    monkeypatch.setattr(phase_preferences, "_SEATS_FOR_THE_DIVE", 1)
    document = _narrow_cohort(size)
    started = _starts(monkeypatch)
    early, early_lines = _solved(document)
    assert started and all(plan is None and not loose for plan, loose in started)
    monkeypatch.setattr(phase_preferences, "_relaxation_beside_the_search", lambda *_: None)
    started.clear()
    late, late_lines = _solved(document)
    assert started and all(plan is not None for plan, _loose in started)
    assert early_lines == late_lines
    assert early["groups"] == late["groups"]
    assert validate(document, early) == []


def test_without_linking_rows_left_out_the_relaxation_waits_for_the_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("roundtable.scheduling.lp_dive._LINKING_NONZEROS", 1.0)
    monkeypatch.setattr(phase_preferences, "_SEATS_FOR_THE_DIVE", 1)
    started = _starts(monkeypatch)
    _solved(_narrow_cohort(100))
    assert started and all(plan is not None for plan, _loose in started)
