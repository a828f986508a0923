"""The cohort lifecycle's rules, without a database."""

from __future__ import annotations

import pytest

from roundtable.cohorts.lifecycle import (
    allows,
    check_manual_status_change,
    phase_of,
    refusal,
)
from roundtable.errors import ConflictError


def test_an_open_cohort_with_a_preview_waiting_is_scheduled() -> None:
    assert phase_of("open", has_preview_groups=True) == "scheduled"
    assert phase_of("open", has_preview_groups=False) == "open"
    # A running cohort scheduling its late joiners stays running.
    assert phase_of("running", has_preview_groups=True) == "running"


def test_an_unknown_status_is_a_bug_not_a_phase() -> None:
    with pytest.raises(ValueError, match="unknown cohort status"):
        phase_of("paused", has_preview_groups=False)


@pytest.mark.parametrize(
    ("phase", "action", "allowed"),
    [
        ("draft", "schedule", False),
        ("open", "schedule", True),
        ("running", "schedule", True),
        ("completed", "schedule", False),
        ("cancelled", "publish", False),
        ("scheduled", "publish", True),
        ("open", "regroup", False),
        ("running", "regroup", True),
        ("completed", "leave", False),
        ("running", "guest_visit", True),
        ("scheduled", "guest_visit", False),
    ],
)
def test_each_action_is_allowed_in_its_phases_only(phase: str, action: str, allowed: bool) -> None:
    assert allows(phase, action) is allowed  # type: ignore[arg-type]


def test_a_refusal_names_the_cohort_its_phase_and_the_reason() -> None:
    text = refusal("Spring", "completed", "schedule")
    assert text == "Spring is completed: only an open or running cohort can be scheduled."


@pytest.mark.parametrize(
    ("old", "new"), [("draft", "open"), ("open", "draft"), ("running", "cancelled")]
)
def test_admins_may_open_reopen_as_draft_and_cancel(old: str, new: str) -> None:
    check_manual_status_change("Spring", old, new)


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("open", "running", "from open it can become cancelled, draft"),
        ("open", "completed", "from open it can become cancelled, draft"),
        ("completed", "open", "it is final"),
        ("cancelled", "open", "it is final"),
    ],
)
def test_the_systems_transitions_are_not_made_by_hand(old: str, new: str, hint: str) -> None:
    with pytest.raises(ConflictError) as refused:
        check_manual_status_change("Spring", old, new)
    assert hint in str(refused.value)
    assert f"Spring cannot go from {old} to {new}" in str(refused.value)


def test_keeping_the_same_status_is_no_change() -> None:
    check_manual_status_change("Spring", "completed", "completed")


@pytest.mark.parametrize("status", ["draft", "open", "running", "completed", "cancelled"])
def test_the_catalogues_enrollable_statuses_are_the_lifecycles(status: str) -> None:
    from roundtable.cohorts.catalog import ENROLLABLE

    for preview in (False, True):
        phase = phase_of(status, has_preview_groups=preview)
        assert (status in ENROLLABLE) is allows(phase, "enroll")
