"""The rules a scheduling request's options follow, whichever door they came through."""

from __future__ import annotations

import pytest

from roundtable.cohorts.options import SchedulingOptions, check_options
from roundtable.errors import ValidationError


def _check(**chosen: object) -> SchedulingOptions:
    return check_options(SchedulingOptions(**chosen), cohort_min=4, cohort_max=8)  # type: ignore[arg-type]


def test_nothing_chosen_is_valid_and_sends_no_params() -> None:
    assert _check().as_params() == {}


def test_only_the_chosen_options_become_params() -> None:
    chosen = _check(min_group_size=3, use_if_needed=False, seed=0)
    assert chosen.as_params() == {"min_group_size": 3, "use_if_needed": False, "seed": 0}


def test_the_smallest_size_may_not_exceed_the_largest() -> None:
    with pytest.raises(ValidationError) as refused:
        _check(min_group_size=7, max_group_size=5)
    assert (
        str(refused.value) == "The smallest group size (7) cannot be larger than the largest (5)."
    )
    assert refused.value.field == "params.min_group_size"


def test_one_size_is_checked_against_the_cohorts_other() -> None:
    with pytest.raises(ValidationError, match=r"\(9\) .* \(8, the cohort's setting\)"):
        _check(min_group_size=9)
    with pytest.raises(ValidationError, match=r"\(4, the cohort's setting\) .* \(3\)"):
        _check(max_group_size=3)
    assert _check(min_group_size=8).min_group_size == 8  # equal is fine


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("meeting_minutes", 20),
        ("meeting_minutes", 300),
        ("min_group_size", 1),
        ("max_group_size", 21),
        ("time_limit_seconds", 0),
        ("seed", -1),
        ("max_group_size", True),  # a boolean is not a size
    ],
)
def test_values_outside_their_range_are_refused_naming_the_field(name: str, value: object) -> None:
    with pytest.raises(ValidationError, match="must be a whole number from") as refused:
        _check(**{name: value})
    assert refused.value.field == f"params.{name}"


def test_the_meeting_length_is_whole_quarter_hours() -> None:
    with pytest.raises(ValidationError, match="multiple of 15 minutes, got 50"):
        _check(meeting_minutes=50)
    assert _check(meeting_minutes=75).meeting_minutes == 75
